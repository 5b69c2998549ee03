/**
 * Per-container locks: an exclusive flock on <runroot>/locks/<id>.lock. The
 * kernel drops it when the holder dies, so a crashed skiff never wedges a
 * container. Every state change follows lock → reload → check → act → save;
 * whoever removes a container deletes its lock file while holding it, and
 * later lockers find the row gone on reload.
 */
import { closeSync, mkdirSync, openSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { lockDir, type StoreLayout } from "../storage/layout.ts";

export const lockPath = (s: StoreLayout, id: string) => join(lockDir(s), `${id}.lock`);

/**
 * Runs `fn` holding the container's lock.
 * @throws SkiffError runtime when the lock cannot be had within 60 s; whatever `fn` throws
 */
export async function withContainerLock<T>(s: StoreLayout, id: string, fn: () => Promise<T> | T): Promise<T> {
  const host = await import("../lib/host.ts");
  mkdirSync(lockDir(s), { recursive: true, mode: 0o700 });
  const fd = openSync(lockPath(s, id), "a", 0o600);
  try {
    await host.flock(fd, host.LOCK_EX);
    return await fn();
  } finally {
    closeSync(fd); // closing the fd releases the flock
  }
}

/** Removes the lock file (call while holding the lock, when the container is removed). */
export function removeLockFile(s: StoreLayout, id: string): void {
  try { unlinkSync(lockPath(s, id)); } catch {}
}
