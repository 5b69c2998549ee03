/**
 * Access to a container's root filesystem from the host, for `cp`, `diff`,
 * `export` and `mount`/`unmount`.
 *
 * User mounts follow Podman (containers/storage's mount counter): `mount`
 * mounts the rootfs if needed and increments `ContainerState.mountCount`;
 * `unmount` decrements it and unmounts at zero, `-f` drops it to zero. While
 * the count is above zero the lifecycle's teardown (stop, cleanup) keeps the
 * rootfs mounted; removal unmounts it regardless. A running container's
 * rootfs is mounted by start and is unmounted at teardown unless counted.
 *
 * Every step holds the container's lock (core/lock.ts), so a concurrent
 * start, stop or cleanup cannot unmount the tree while it is being read.
 */
import { SkiffError } from "../lib/errors.ts";
import { containerMergedDir, containerUpperDir, layerLinkDir } from "../storage/layout.ts";
import { withContainerLock } from "./lock.ts";
import { getContainer, saveState } from "./store.ts";
import { isActive, observedState, type LifecycleContext } from "./lifecycle.ts";
import type { ContainerRecord } from "./types.ts";

/** What `withRootfs` hands to its callback. */
export interface RootfsAccess {
  readonly rec: ContainerRecord;
  /** Host path of the container's "/" (the merged overlay, or the `--rootfs` folder). */
  readonly root: string;
  /** The container's process may be running (its rootfs is in use). */
  readonly active: boolean;
}

function reload(ctx: LifecycleContext, id: string): ContainerRecord {
  const rec = getContainer(ctx.db, id);
  if (!rec) throw new SkiffError("not-found", `no container with name or ID "${id}" found: no such container`);
  return rec;
}

async function isMounted(path: string): Promise<boolean> {
  const { isMountPoint } = await import("../storage/overlay.ts");
  return isMountPoint(path);
}

/**
 * Runs `fn` with the container's rootfs mounted, holding the container's
 * lock: a rootfs already mounted (running container, user mount) is used as
 * is; otherwise it is mounted for the call and unmounted afterwards, even
 * when `fn` throws.
 * @throws SkiffError not-found for an unknown container; runtime when mounting fails; whatever `fn` throws
 */
export async function withRootfs<T>(ctx: LifecycleContext, id: string, fn: (a: RootfsAccess) => Promise<T>): Promise<T> {
  return withContainerLock(ctx.store, id, async () => {
    const rec = reload(ctx, id);
    const active = isActive(observedState(ctx, rec).status);
    if (rec.config.rootfs !== undefined) return fn({ rec, root: rec.config.rootfs, active });
    const merged = containerMergedDir(ctx.store, id);
    if (await isMounted(merged)) return fn({ rec, root: merged, active });
    const overlay = await import("../storage/overlay.ts");
    await overlay.mountRootfs(ctx.store, id, rec.config.lowerLinks);
    try {
      return await fn({ rec, root: merged, active });
    } finally {
      await overlay.unmountRootfs(ctx.store, id);
    }
  });
}

/**
 * `mount CTR`: mounts the rootfs if needed and counts one more user mount.
 * @returns the mount point (the `--rootfs` folder for such a container, not counted)
 * @throws SkiffError not-found; runtime when mounting fails
 */
export async function mountContainer(ctx: LifecycleContext, id: string): Promise<string> {
  return withContainerLock(ctx.store, id, async () => {
    const rec = reload(ctx, id);
    if (rec.config.rootfs !== undefined) return rec.config.rootfs;
    const merged = containerMergedDir(ctx.store, id);
    let mount = rec.state.mount;
    if (!(await isMounted(merged))) {
      const { mountRootfs } = await import("../storage/overlay.ts");
      mount = await mountRootfs(ctx.store, id, rec.config.lowerLinks);
    }
    saveState(ctx.db, id, { ...rec.state, mount: mount === "none" || mount === undefined ? "overlay" : mount, mountCount: (rec.state.mountCount ?? 0) + 1 });
    return merged;
  });
}

/**
 * `unmount CTR`: counts one user mount less (all with `force`) and unmounts
 * at zero unless the container is running. Unmounting a container that is
 * not mounted succeeds, as Podman's does.
 * @throws SkiffError not-found; runtime when umount fails
 */
export async function unmountContainer(ctx: LifecycleContext, id: string, force: boolean): Promise<void> {
  await withContainerLock(ctx.store, id, async () => {
    const rec = reload(ctx, id);
    if (rec.config.rootfs !== undefined) return;
    const count = force ? 0 : Math.max((rec.state.mountCount ?? 0) - 1, 0);
    const active = isActive(observedState(ctx, rec).status);
    let mount = rec.state.mount;
    if (count === 0 && !active) {
      const { unmountRootfs } = await import("../storage/overlay.ts");
      await unmountRootfs(ctx.store, id);
      mount = "none";
    }
    const { mountCount: _, ...rest } = rec.state;
    saveState(ctx.db, id, count > 0 ? { ...rest, mount: mount ?? "overlay", mountCount: count } : { ...rest, ...(mount ? { mount } : {}) });
  });
}

/** Host folders the overlay diff needs: the upper dir and the lower dirs top → base. */
export function overlayDirs(ctx: LifecycleContext, rec: ContainerRecord): { upper: string; lowers: string[] } {
  const links = layerLinkDir(ctx.store);
  return { upper: containerUpperDir(ctx.store, rec.config.id), lowers: rec.config.lowerLinks.map((l) => `${links}/${l}`) };
}
