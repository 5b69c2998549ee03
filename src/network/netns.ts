/**
 * Named network namespaces for containers: a new namespace bind-mounted on
 * `<runroot>/netns/<name>`, so it outlives any process and netavark,
 * the runtime spec and `connect` can all reach it by path (Podman's
 * rootful netns handling, without `ip netns`).
 *
 * The namespace is made on the calling thread: unshare(CLONE_NEWNET), bind
 * /proc/thread-self/ns/net onto the file, then setns back to the namespace
 * saved before. Namespaces belong to threads, so Bun's other threads never
 * see it, and all of it is synchronous, so no JS runs in between. Chosen
 * over spawning `unshare --net=<file>` (a fork and exec, about 3 ms, on the
 * run path); the restore is in a finally, and a failed restore throws, since
 * later sockets (published ports) must open in the host's namespace.
 */
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

const CLONE_NEWNET = 0x40000000;

/**
 * Creates a network namespace pinned at `path` (its folder is made).
 * @throws HostError from unshare/mount; the file is removed again on failure
 */
export async function createNetns(path: string): Promise<void> {
  const host = await import("../lib/host.ts");
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  writeFileSync(path, "", { mode: 0o644 });
  const original = openSync("/proc/thread-self/ns/net", "r");
  try {
    host.unshare(CLONE_NEWNET);
    try {
      host.mount("/proc/thread-self/ns/net", path, null, host.MS_BIND);
    } finally {
      host.setns(original, CLONE_NEWNET);
    }
  } catch (e) {
    rmSync(path, { force: true });
    throw e;
  } finally {
    closeSync(original);
  }
}

/** Unmounts and deletes a pinned namespace; a missing one is fine. */
export async function removeNetns(path: string): Promise<void> {
  const host = await import("../lib/host.ts");
  try { host.umount(path, host.MNT_DETACH); } catch {}
  rmSync(path, { force: true });
}
