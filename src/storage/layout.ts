/**
 * Where things live in a store. One place for every path, so that the pull,
 * the container side and cleanup agree.
 *
 * <root>/skiff.db                       state database (see db.ts)
 * <root>/blobs/sha256/<hex>             content-addressed blobs: manifests, indexes, configs, compressed layers, exact bytes
 * <root>/layers/<chainhex>/diff         unpacked layer, overlay-ready (whiteouts as char 0:0, opaque dirs as trusted.overlay.opaque=y)
 * <root>/layers/l/<link>                symlink → ../<chainhex>/diff (short lowerdir names: overlay options fit one page)
 * <root>/tmp/                           staging for downloads and unpacks (same filesystem: rename is atomic)
 * <root>/containers/<id>/               per-container upper/, work/, userdata/ (run side)
 * <root>/volumes/<name>/_data           named volumes (run side)
 * <runroot>/locks/                      flock files
 */
import { join } from "node:path";

export interface StoreLayout {
  readonly root: string;
  readonly runroot: string;
}

export const blobPath = (s: StoreLayout, digest: string) => join(s.root, "blobs", "sha256", digest.replace(/^sha256:/, ""));
export const layerDir = (s: StoreLayout, chainId: string) => join(s.root, "layers", chainId.replace(/^sha256:/, ""));
export const layerDiffDir = (s: StoreLayout, chainId: string) => join(layerDir(s, chainId), "diff");
export const layerLinkDir = (s: StoreLayout) => join(s.root, "layers", "l");
export const tmpDir = (s: StoreLayout) => join(s.root, "tmp");
export const containerDir = (s: StoreLayout, id: string) => join(s.root, "containers", id);
export const volumeDir = (s: StoreLayout, name: string) => join(s.root, "volumes", name);
export const lockDir = (s: StoreLayout) => join(s.runroot, "locks");
/** <root>/build/cache/<key>: the image ID a build step produced for a cache key (src/build/cache.ts). */
export const buildCacheDir = (s: StoreLayout) => join(s.root, "build", "cache");
/** <root>/build/mounts/<id>: persistent `RUN --mount=type=cache` folders. */
export const buildCacheMountDir = (s: StoreLayout) => join(s.root, "build", "mounts");

// Container side (run): the persistent part under <root>/containers/<id>/,
// the volatile part (bundle, attach socket, exit files, runtime state) under <runroot>.
/** <root>/containers/<id>/upper and /work: the overlay's writable layer. */
export const containerUpperDir = (s: StoreLayout, id: string) => join(containerDir(s, id), "upper");
export const containerWorkDir = (s: StoreLayout, id: string) => join(containerDir(s, id), "work");
/** <root>/containers/<id>/merged: mount point of the rootfs. */
export const containerMergedDir = (s: StoreLayout, id: string) => join(containerDir(s, id), "merged");
/** <root>/containers/<id>/userdata: logs and files kept across restarts. */
export const containerUserdataDir = (s: StoreLayout, id: string) => join(containerDir(s, id), "userdata");
/** <runroot>/containers/<id>: the OCI bundle (config.json, pidfile, conmon's attach socket, ctl and winsz fifos). */
export const containerBundleDir = (s: StoreLayout, id: string) => join(s.runroot, "containers", id);
/** <runroot>/exits/<id>: exit files written by conmon. */
export const exitDir = (s: StoreLayout) => join(s.runroot, "exits");
/** <runroot>/s: conmon's --socket-dir-path (kept short: sun_path is 108 bytes). */
export const socketDir = (s: StoreLayout) => join(s.runroot, "s");
/** <runroot>/crun: the OCI runtime's --root (its state, apart from Podman's). */
export const runtimeStateDir = (s: StoreLayout) => join(s.runroot, "runtime");
/** Compiled seccomp filters (BPF) reused across starts, by profile digest (src/oci/seccomp-cache.ts). */
export const seccompCacheDir = (s: StoreLayout) => join(s.runroot, "seccomp");
