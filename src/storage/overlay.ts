/**
 * The container rootfs: an overlay of the image's layer folders (lower, by
 * their short links under <root>/layers/l/) and the container's own upper
 * and work folders, mounted at <root>/containers/<id>/merged.
 *
 * mount(2) takes at most one page (4096 bytes) of options, which is why lower
 * dirs are named by short links, as containers/storage does; an option
 * string over the limit is refused here with a clear error rather than by
 * the kernel with EINVAL. The kernel overlay is tried first; where it
 * cannot be used (EPERM/EINVAL/ENODEV, e.g. an old kernel in a user
 * namespace, or an upper dir on overlay) fuse-overlayfs is the fallback.
 */
import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { SkiffError, wrap } from "../lib/errors.ts";
import {
  containerMergedDir, containerUpperDir, containerWorkDir, layerLinkDir, type StoreLayout,
} from "./layout.ts";

export type OverlayKind = "overlay" | "fuse";

const PAGE = 4096;

/** The overlay option string for a container (exported for tests). */
export function overlayOptions(s: StoreLayout, id: string, lowerLinks: readonly string[]): string {
  const links = layerLinkDir(s);
  const lower = lowerLinks.map((l) => join(links, l)).join(":");
  return `lowerdir=${lower},upperdir=${containerUpperDir(s, id)},workdir=${containerWorkDir(s, id)}`;
}

/** Mount choices for {@link mountRootfs}. */
export interface RootfsMountOptions {
  /**
   * Overlay's `volatile` option: no syncs of the upper dir, so the unmount
   * does not wait for the container's writes to reach the disk. For
   * throw-away rootfs only (Podman mounts `--rm` containers this way), since
   * their content may not survive a host crash. Dropped where the kernel
   * refuses it. @default false
   */
  readonly volatile?: boolean;
}

/**
 * Mounts the container's rootfs and returns how. `lowerLinks` is top → base;
 * an image without layers gets an empty lower folder (overlay needs one).
 * @throws SkiffError runtime `mounting overlay rootfs "<merged>": …` when neither kernel overlay nor fuse-overlayfs works, or the options exceed one page
 */
export async function mountRootfs(s: StoreLayout, id: string, lowerLinks: readonly string[], mo: RootfsMountOptions = {}): Promise<OverlayKind> {
  const merged = containerMergedDir(s, id);
  let links = lowerLinks;
  if (links.length === 0) {
    mkdirSync(join(layerLinkDir(s), "empty"), { recursive: true, mode: 0o755 });
    links = ["empty"];
  }
  for (const d of [containerWorkDir(s, id), merged]) mkdirSync(d, { recursive: true, mode: 0o700 });
  // The merged root takes the upper dir's owner and mode: give it the top
  // layer's, as containers/storage does, or a non-root container user could
  // not even reach "/" (a 0700 upper).
  const upper = containerUpperDir(s, id);
  mkdirSync(upper, { recursive: true });
  const top = statSync(join(layerLinkDir(s), links[0]!));
  chownSync(upper, top.uid, top.gid);
  chmodSync(upper, top.mode & 0o7777);
  const opts = overlayOptions(s, id, links);
  if (opts.length >= PAGE) {
    throw new SkiffError("runtime", `mounting overlay rootfs "${merged}": mount options are ${opts.length} bytes, over the ${PAGE}-byte limit (${links.length} layers): use a shorter --root`);
  }
  const host = await import("../lib/host.ts");
  // A volatile mount leaves work/incompat/volatile behind, and the kernel refuses any later mount of
  // the same work dir while it exists (the upper dir may be inconsistent after a crash): a fresh
  // mount of this container's rootfs accepts that, as containers/storage does.
  rmSync(join(containerWorkDir(s, id), "work", "incompat"), { recursive: true, force: true });
  try {
    if (mo.volatile) {
      try {
        host.mount("overlay", merged, "overlay", 0, `${opts},volatile`);
        return "overlay";
      } catch {}
    }
    host.mount("overlay", merged, "overlay", 0, opts);
    return "overlay";
  } catch (kernelErr) {
    try {
      await fuseMount(opts, merged);
      return "fuse";
    } catch (fuseErr) {
      throw wrap(kernelErr, `mounting overlay rootfs "${merged}" (fuse-overlayfs fallback: ${(fuseErr as Error).message})`);
    }
  }
}

async function fuseMount(opts: string, merged: string): Promise<void> {
  const p = Bun.spawn(["fuse-overlayfs", "-o", opts, merged], { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  const [code, err] = await Promise.all([p.exited, new Response(p.stderr).text()]);
  if (code !== 0) throw new SkiffError("runtime", `fuse-overlayfs: ${err.trim() || `exit status ${code}`}`);
}

/** True when `path` is a mount point now (reads /proc/self/mountinfo). */
export function isMountPoint(path: string): boolean {
  const info = readFileSync("/proc/self/mountinfo", "utf8");
  const enc = path.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`);
  for (const line of info.split("\n")) {
    if (line.split(" ")[4] === enc) return true;
  }
  return false;
}

/**
 * Unmounts the container's rootfs if mounted (lazy detach if busy); a
 * no-op when it is not mounted, so cleanup can run twice.
 * @throws SkiffError runtime when umount fails for a reason other than "not mounted"
 */
export async function unmountRootfs(s: StoreLayout, id: string): Promise<void> {
  const merged = containerMergedDir(s, id);
  const host = await import("../lib/host.ts");
  while (isMountPoint(merged)) {
    try {
      host.umount(merged);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === "EINVAL" || code === "ENOENT") return;
      if (code === "EBUSY") { host.umount(merged, host.MNT_DETACH); continue; }
      throw wrap(e, `unmounting rootfs "${merged}"`);
    }
  }
}
