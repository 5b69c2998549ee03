/**
 * Container sizes as `ps -s` and `inspect -s` show them (Podman's SizeRw and
 * SizeRootFs): the bytes of what the container wrote (its overlay upper dir)
 * and of its whole root filesystem (the image's layers plus that).
 *
 * Sizes are containers/storage's naive diff sizes: the sum of lstat sizes of
 * every non-directory entry (a symlink counts its target's length, a file
 * with several hard links once), so `/etc/mtab → /proc/mounts` alone is 12 B.
 */
import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { containerUpperDir, layerLinkDir, type StoreLayout } from "../storage/layout.ts";
import type { ContainerConfig } from "./types.ts";

/** Sum of lstat sizes of the non-directories under `dir`, in bytes; 0 when it does not exist. */
export function treeSize(dir: string): number {
  const seen = new Set<string>();
  let total = 0;
  const walk = (d: string) => {
    let names: string[];
    try { names = readdirSync(d); } catch { return; }
    for (const n of names) {
      const p = join(d, n);
      let st;
      try { st = lstatSync(p); } catch { continue; }
      if (st.isDirectory()) { walk(p); continue; }
      if (st.nlink > 1) {
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      total += st.size;
    }
  };
  walk(dir);
  return total;
}

export interface ContainerSize {
  /** Bytes written by the container (its upper dir). */
  readonly rwSize: number;
  /** Bytes of the image's layers plus rwSize (`--rootfs` containers: the folder). */
  readonly rootFsSize: number;
}

/** Measures one container (walks its layers: as costly as Podman's `ps -s`). */
export function containerSize(store: StoreLayout, config: ContainerConfig): ContainerSize {
  if (config.rootfs !== undefined) {
    const all = treeSize(config.rootfs);
    return { rwSize: 0, rootFsSize: all };
  }
  const rwSize = treeSize(containerUpperDir(store, config.id));
  const image = config.lowerLinks.reduce((sum, l) => sum + treeSize(join(layerLinkDir(store), l)), 0);
  return { rwSize, rootFsSize: image + rwSize };
}
