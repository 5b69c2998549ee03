/**
 * `diff`, `export`, `mount` and `unmount` of containers: options in,
 * reports out (export writes its tar to the given stream).
 */
import { lstatSync, readdirSync, type Stats } from "node:fs";
import type { Writable } from "node:stream";
import type { GlobalOptions } from "./options.ts";
import type { BulkReport } from "./containers.ts";

export type ChangeKind = "A" | "C" | "D";

export interface ChangeReport {
  readonly path: string;
  readonly kind: ChangeKind;
}

/**
 * Paths Podman leaves out of a container's diff: mount points the runtime
 * creates in the rootfs (libpod's list).
 */
const RUNTIME_PATHS = new Set([
  "/dev", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/proc", "/run", "/run/notify", "/run/.containerenv",
  "/run/secrets", "/sys", "/etc/mtab",
]);

const isWhiteout = (st: Stats) => st.isCharacterDevice() && st.rdev === 0;

/**
 * Changes of an overlay upper dir against its lower dirs (top → base), as
 * containers/storage reports them: a whiteout is D; a path absent below is
 * A (each entry of a new folder too); a file present below is C; a folder
 * present below is C when its mode, owner or mtime differ, or when an entry
 * was added to or deleted from it directly (not for "/"). Sorted by path.
 */
export function overlayChanges(upper: string, lowers: readonly string[]): ChangeReport[] {
  const out = new Map<string, ChangeKind>();
  const lowerStat = (rel: string): Stats | undefined => {
    for (const l of lowers) {
      const st = lstatSync(l + rel, { throwIfNoEntry: false });
      if (st) return isWhiteout(st) ? undefined : st;
    }
    return undefined;
  };
  const touchParent = (rel: string) => {
    const parent = rel.slice(0, rel.lastIndexOf("/"));
    if (parent !== "" && !out.has(parent)) out.set(parent, "C");
  };
  const walk = (rel: string, added: boolean) => {
    for (const name of readdirSync(upper + (rel || "/"))) {
      const p = `${rel}/${name}`;
      const st = lstatSync(upper + p);
      if (isWhiteout(st)) {
        out.set(p, "D");
        touchParent(p);
        continue;
      }
      const below = added ? undefined : lowerStat(p);
      if (!below) {
        out.set(p, "A");
        if (!added) touchParent(p);
      } else if (!st.isDirectory() || !below.isDirectory()) {
        out.set(p, "C");
      } else if (st.mode !== below.mode || st.uid !== below.uid || st.gid !== below.gid || st.mtimeMs !== below.mtimeMs) {
        out.set(p, "C");
      }
      if (st.isDirectory()) walk(p, !below || !below.isDirectory());
    }
  };
  walk("", false);
  return [...out].filter(([p]) => !RUNTIME_PATHS.has(p)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([path, kind]) => ({ path, kind }));
}

/**
 * `diff CTR`: the container's changes against its image. A `--rootfs`
 * container has no image layers to compare with: nothing is reported.
 * @throws SkiffError not-found for an unknown container
 */
export async function diffContainer(g: GlobalOptions, ref: string): Promise<ChangeReport[]> {
  const [{ lifecycleContext, resolveContainer }, { overlayDirs }, { loadContainer }] = await Promise.all([
    import("./containers.ts"), import("../core/rootfs-mount.ts"), import("../core/lifecycle.ts"),
  ]);
  const ctx = await lifecycleContext(g);
  const rec = loadContainer(ctx, await resolveContainer(g, ref));
  if (rec.config.rootfs !== undefined) return [];
  const { upper, lowers } = overlayDirs(ctx, rec);
  if (!lstatSync(upper, { throwIfNoEntry: false })) return [];
  return overlayChanges(upper, lowers);
}

/**
 * `export CTR`: a tar of the container's merged rootfs to `out` (mounted
 * for the call when the container is not running).
 * @throws SkiffError not-found; runtime for mount or write errors
 */
export async function exportContainer(g: GlobalOptions, ref: string, out: Writable): Promise<void> {
  const [{ lifecycleContext, resolveContainer }, { withRootfs }, { packTree }, { pack: mkPack }, { pipeline }] = await Promise.all([
    import("./containers.ts"), import("../core/rootfs-mount.ts"), import("../core/rootfs-tar.ts"), import("tar-stream"), import("node:stream/promises"),
  ]);
  const ctx = await lifecycleContext(g);
  const id = await resolveContainer(g, ref);
  await withRootfs(ctx, id, async ({ root }) => {
    const pack = mkPack();
    const packing = packTree(pack, root, "").then(() => { pack.finalize(); }, (e: Error) => { pack.destroy(e); });
    await pipeline(pack, out);
    await packing;
  });
}

export interface MountReport extends BulkReport {
  /** Mount point, when mounted. */
  readonly path?: string;
}

/** `mount CTR...`: mounts each (counting a user mount) and reports its mount point. */
export async function mountContainers(g: GlobalOptions, refs: readonly string[]): Promise<MountReport[]> {
  const [{ lifecycleContext }, { resolveContainerId }, { mountContainer }] = await Promise.all([
    import("./containers.ts"), import("../core/store.ts"), import("../core/rootfs-mount.ts"),
  ]);
  const ctx = await lifecycleContext(g);
  const out: MountReport[] = [];
  for (const ref of refs) {
    let id = ref;
    try {
      id = resolveContainerId(ctx.db, ref);
      out.push({ id, rawInput: ref, path: await mountContainer(ctx, id) });
    } catch (e) {
      out.push({ id, rawInput: ref, error: e as Error });
    }
  }
  return out;
}

/** `unmount CTR...`: drops a user mount of each (all of them with `force`). */
export async function unmountContainers(g: GlobalOptions, refs: readonly string[], force: boolean): Promise<BulkReport[]> {
  const [{ lifecycleContext }, { resolveContainerId }, { unmountContainer }] = await Promise.all([
    import("./containers.ts"), import("../core/store.ts"), import("../core/rootfs-mount.ts"),
  ]);
  const ctx = await lifecycleContext(g);
  const out: BulkReport[] = [];
  for (const ref of refs) {
    let id = ref;
    try {
      id = resolveContainerId(ctx.db, ref);
      await unmountContainer(ctx, id, force);
      out.push({ id, rawInput: ref });
    } catch (e) {
      out.push({ id, rawInput: ref, error: e as Error });
    }
  }
  return out;
}

export interface MountedContainer {
  readonly id: string;
  readonly names: string[];
  readonly mountpoint: string;
}

/** Containers whose rootfs is mounted now (running ones and user mounts), newest first. */
export async function listMountedContainers(g: GlobalOptions): Promise<MountedContainer[]> {
  const [{ lifecycleContext }, { listContainers }, { containerMergedDir }] = await Promise.all([
    import("./containers.ts"), import("../core/store.ts"), import("../storage/layout.ts"),
  ]);
  const ctx = await lifecycleContext(g);
  const { readFileSync } = await import("node:fs");
  const mounted = new Set(readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? ""));
  return listContainers(ctx.db).flatMap((r) => {
    const mp = containerMergedDir(ctx.store, r.config.id);
    return r.config.rootfs === undefined && mounted.has(mp) ? [{ id: r.config.id, names: [r.config.name], mountpoint: mp }] : [];
  });
}
