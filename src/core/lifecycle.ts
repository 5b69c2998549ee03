/**
 * The container lifecycle over the state database, the per-container flock,
 * the overlay rootfs, conmon and the OCI runtime. Each operation follows
 * lock → reload → check → act → save, because another skiff process (a
 * second CLI call, or `container cleanup` run by conmon when the container
 * exits) may act on the same container at any moment. No lifecycle fact
 * lives only in memory.
 *
 * Locks are never held while waiting on a user's terminal; they are held
 * while waiting for a killed container's exit file (bounded by a timeout).
 */
import type { Database } from "bun:sqlite";
import { closeSync, existsSync, mkdirSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SkiffError, messageOf } from "../lib/errors.ts";
import { trace } from "../lib/trace.ts";
import {
  containerBundleDir, containerDir, containerMergedDir, containerUserdataDir, exitDir, runtimeStateDir, seccompCacheDir, socketDir,
  type StoreLayout,
} from "../storage/layout.ts";
import { deleteContainer, getContainer, insertContainer, removedExitCode, saveState } from "./store.ts";
import { removeLockFile, withContainerLock } from "./lock.ts";
import { ownerGuardedCommand, processAlive, processStartTime } from "./proc.ts";
import { readExitFile, waitExitFile } from "./exit-file.ts";
import type { ContainerConfig, ContainerRecord, ContainerState, ContainerStatus } from "./types.ts";
import type { RuntimeRef } from "../oci/runtime.ts";

export interface LifecycleContext {
  readonly store: StoreLayout;
  readonly db: Database;
  /** argv re-running skiff on this store (executable, script if any, global flags): the exit command's prefix. */
  readonly skiffArgv: readonly string[];
  readonly logLevel: string;
}

const SIGKILL = 9;

/** Whether a container's process may be alive (statuses with a pid). */
export const isActive = (s: ContainerStatus) => s === "running" || s === "paused" || s === "created";

export const logPathOf = (ctx: LifecycleContext, id: string) => join(containerUserdataDir(ctx.store, id), "ctr.log");

const runtimeOf = (ctx: LifecycleContext, c: ContainerConfig): RuntimeRef => ({ path: c.runtime, stateRoot: runtimeStateDir(ctx.store) });

function notFound(id: string): SkiffError {
  return new SkiffError("not-found", `no container with name or ID "${id}" found: no such container`);
}

function reload(ctx: LifecycleContext, id: string): ContainerRecord {
  const rec = getContainer(ctx.db, id);
  if (!rec) throw notFound(id);
  return rec;
}

function save(ctx: LifecycleContext, id: string, state: ContainerState): ContainerState {
  if (!saveState(ctx.db, id, state)) throw notFound(id);
  return state;
}

/**
 * The state as it is now, without writing: a running container whose
 * process is gone reads as "stopped" with the exit file's code (cleanup,
 * run by conmon, will record it). Cheap: /proc and one file, no lock.
 */
export function observedState(ctx: LifecycleContext, rec: ContainerRecord): ContainerState {
  const s = rec.state;
  if (!isActive(s.status) || s.pid === undefined) return s;
  if (processAlive(s.pid, s.pidStartTime)) return s;
  const code = readExitFile(exitDir(ctx.store), rec.config.id);
  // The process is gone but conmon has not written the exit file yet: still "running" until it does.
  if (code === undefined && s.conmonPid !== undefined && processAlive(s.conmonPid, undefined)) return s;
  return { ...s, status: "stopped", exitCode: code ?? s.exitCode ?? -1, finishedAt: s.finishedAt ?? Date.now() };
}

/**
 * Persists a new container (status "configured") and its userdata folder.
 * @throws SkiffError conflict when the name is in use
 */
export function createContainer(ctx: LifecycleContext, config: ContainerConfig): ContainerRecord {
  mkdirSync(containerUserdataDir(ctx.store, config.id), { recursive: true, mode: 0o700 });
  const state: ContainerState = { status: "configured" };
  try {
    insertContainer(ctx.db, config, state);
  } catch (e) {
    rmSync(containerDir(ctx.store, config.id), { recursive: true, force: true });
    throw e;
  }
  return { config, state };
}

export interface StartHooks {
  /**
   * Runs after the runtime created the container and before its process
   * starts (foreground run attaches here so no output is lost). Receives the
   * bundle folder, where conmon's attach socket and ctl fifo live.
   */
  readonly beforeStart?: (bundle: string, rec: ContainerRecord) => Promise<void>;
  /**
   * The caller waits for the exit and runs cleanupContainer itself (foreground run): recorded in the
   * state, so the exit command's cleanup, racing it, returns at once while this process lives.
   */
  readonly cleanupOwner?: boolean;
}

/**
 * Starts a container: mounts the rootfs, writes the bundle, spawns conmon
 * (which creates it with the runtime), then `<runtime> start`. A running
 * container is left as is.
 * @returns the record after start
 * @throws SkiffError command-not-found (127) / cannot-invoke (126) from the runtime; state when removing; runtime otherwise. The container is torn down again and keeps its previous status
 */
export async function startContainer(ctx: LifecycleContext, id: string, hooks: StartHooks = {}): Promise<ContainerRecord> {
  return withContainerLock(ctx.store, id, async () => {
    trace("start: locked");
    const rec = reload(ctx, id);
    const st = observedState(ctx, rec);
    if (st.status === "running" || st.status === "paused") return rec;
    if (st.status === "stopped" || st.status === "created") await teardownLocked(ctx, rec, st.exitCode);
    return startLocked(ctx, reload(ctx, id), hooks);
  });
}

async function startLocked(ctx: LifecycleContext, rec: ContainerRecord, hooks: StartHooks): Promise<ContainerRecord> {
  const { config } = rec;
  const id = config.id;
  if (rec.state.status === "removing") throw new SkiffError("state", `container ${id} is being removed: container state improper`);
  const before = rec.state;
  const rt = runtimeOf(ctx, config);
  const bundle = containerBundleDir(ctx.store, id);
  try { unlinkSync(join(exitDir(ctx.store), id)); } catch {}
  let mount: ContainerState["mount"] = "none";
  let portFds: readonly number[] = [];
  let netConfigured: Promise<unknown> = Promise.resolve();
  try {
    // The network first: its namespace and host ports now (the path goes into the spec), netavark's
    // set-up in the background while the rootfs is mounted and the runtime creates the container;
    // it has to be done only before the process starts.
    const net = await (await import("./container-network.ts")).setupContainerNetwork(ctx.store, ctx.db, config);
    portFds = net.portFds;
    netConfigured = net.configured;
    trace("start: network namespace, ports");
    if (config.rootfs === undefined) {
      const { mountRootfs, isMountPoint } = await import("../storage/overlay.ts");
      // A user mount (`skiff mount`) may hold the rootfs already: use it rather than stack a second overlay.
      const held = (before.mountCount ?? 0) > 0 && isMountPoint(containerMergedDir(ctx.store, id));
      mount = held ? before.mount ?? "overlay" : await mountRootfs(ctx.store, id, config.lowerLinks, { volatile: config.autoRemove });
    }
    trace("start: rootfs mounted");
    save(ctx, id, { ...before, mount, error: undefined as never });
    mkdirSync(bundle, { recursive: true, mode: 0o700 });
    mkdirSync(exitDir(ctx.store), { recursive: true });
    mkdirSync(socketDir(ctx.store), { recursive: true });
    mkdirSync(rt.stateRoot, { recursive: true, mode: 0o700 });
    // Volumes after the rootfs: copy-up reads the image's content at each destination.
    const volumeSources = config.volumeMounts?.length
      ? await (await import("./volumes.ts")).mountContainerVolumes(ctx.store, ctx.db, config, config.rootfs ?? containerMergedDir(ctx.store, id))
      : undefined;
    const oci = await runtimeSpecFor(ctx, config, volumeSources, net);
    const sc = await import("../oci/seccomp-cache.ts");
    const seccompKey = sc.seccompCacheKey(rt.path, oci);
    const seccompCached = seccompKey !== undefined && sc.applyCachedSeccomp(seccompCacheDir(ctx.store), seccompKey, oci);
    // No temp file + fsync: the bundle is new, volatile, and read by nobody before conmon starts below.
    writeFileSync(join(bundle, "config.json"), JSON.stringify(oci));
    trace("start: bundle written");
    const { spawnConmon } = await import("../oci/conmon.ts");
    const { pid, conmonPid } = await spawnConmon({
      runtime: rt,
      id,
      name: config.name,
      bundle,
      exitDir: exitDir(ctx.store),
      socketDir: socketDir(ctx.store),
      logDriver: config.logDriver,
      logPath: logPathOf(ctx, id),
      logSizeMax: config.logSizeMax,
      logLevel: ctx.logLevel,
      terminal: config.terminal,
      stdin: config.stdin,
      exitCommand: hooks.cleanupOwner
        ? ownerGuardedCommand([...ctx.skiffArgv, "container", "cleanup", id])
        : [...ctx.skiffArgv, "container", "cleanup", id],
      extraFds: portFds,
    });
    trace("start: conmon reported the pid");
    closePortFds(portFds); // conmon holds them now
    portFds = [];
    if (seccompKey !== undefined && !seccompCached) sc.storeCompiledSeccomp(seccompCacheDir(ctx.store), seccompKey, rt.stateRoot, id);
    // The addresses are known once netavark is done: /etc/hosts and resolv.conf are rewritten in place
    // (their bind mounts pin the inodes) before the process starts.
    const netInfo = await net.configured;
    trace("start: network configured");
    if (netInfo) (await import("./etc-files.ts")).writeContainerFiles(containerUserdataDir(ctx.store, id), config, (await import("../oci/spec-generate.ts")).defaultHostname(config.spec, id), netInfo);
    const created: ContainerState = stripUndefined({
      ...before, status: "created", mount, pid, conmonPid, pidStartTime: processStartTime(pid) as number,
      // `container cleanup` from conmon's exit command leaves the work to a live owner (foreground run).
      cleanupBy: hooks.cleanupOwner ? { pid: process.pid, startTime: processStartTime(process.pid) ?? 0 } : undefined as never,
    });
    save(ctx, id, created);
    if (hooks.beforeStart) await hooks.beforeStart(bundle, { config, state: created });
    const { startContainer: rtStart } = await import("../oci/runtime.ts");
    trace("start: created state saved, attached");
    await rtStart(rt, id);
    trace("start: runtime start");
    const running: ContainerState = {
      ...created,
      status: "running",
      startedAt: Date.now(),
      stoppedByUser: false,
      exitCode: undefined as never,
      finishedAt: undefined as never,
    };
    return { config, state: save(ctx, id, stripUndefined(running)) };
  } catch (e) {
    closePortFds(portFds);
    // Teardown replays what netavark set up: wait until it has finished (or undone itself).
    await netConfigured.catch(() => {});
    try {
      await teardownLocked(ctx, { config, state: { ...before, mount } }, undefined);
    } catch {}
    saveState(ctx.db, id, stripUndefined({ ...before, mount: "none", error: messageOf(e) }));
    throw e;
  }
}

/**
 * Generates the runtime spec now that the rootfs is mounted (users and
 * groups resolve in it), and writes the files bind-mounted into the
 * container (hosts, resolv.conf, hostname, .containerenv) into userdata.
 */
function closePortFds(fds: readonly number[]): void {
  for (const fd of fds) try { closeSync(fd); } catch {}
}

async function runtimeSpecFor(
  ctx: LifecycleContext, config: ContainerConfig, volumeSources: Record<string, string> | undefined,
  net: import("./container-network.ts").NetworkSetupReport,
): Promise<object> {
  const [{ generateRuntimeSpec, defaultHostname }, { LiveHostFacts }, { writeContainerFiles }] = await Promise.all([
    import("../oci/spec-generate.ts"), import("../oci/resources.ts"), import("./etc-files.ts"),
  ]);
  const userdataDir = containerUserdataDir(ctx.store, config.id);
  const hostname = defaultHostname(config.spec, config.id);
  writeContainerFiles(userdataDir, config, hostname, net.info);
  const { ociSpec } = generateRuntimeSpec({
    spec: config.spec,
    imageConfig: config.imageConfig,
    rootfs: config.rootfs ?? containerMergedDir(ctx.store, config.id),
    containerId: config.id,
    hostname,
    userdataDir,
    ...(volumeSources ? { volumeSources } : {}),
    ...(net.netnsPath ? { netnsPath: net.netnsPath } : {}),
    host: new LiveHostFacts(),
  });
  return ociSpec;
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Releases what a container holds once its process ended (or never ran):
 * runtime state, rootfs mount, bundle folder, attach socket link. Idempotent.
 * Records "exited" with `exitCode` when one is given.
 */
async function teardownLocked(ctx: LifecycleContext, rec: ContainerRecord, exitCode: number | undefined, removing = false): Promise<ContainerState> {
  const id = rec.config.id;
  // User mounts keep the rootfs mounted past the process (Podman's mount counter); removal drops them.
  const userMounted = !removing && (rec.state.mountCount ?? 0) > 0;
  const errors: string[] = [];
  // The runtime's delete, the network teardown (netavark: mostly iptables calls) and the unmount are
  // independent (the container's mount namespace has its own copy of the rootfs mount; a process
  // still in the network namespace only loses its interfaces): they run at the same time.
  const { deleteContainer: rtDelete } = await import("../oci/runtime.ts");
  const deleted = rtDelete(runtimeOf(ctx, rec.config), id).catch((e: unknown) => { errors.push(messageOf(e)); });
  const netDown = import("./container-network.ts")
    .then((n) => n.teardownContainerNetwork(ctx.store, ctx.db, id))
    .catch((e: unknown) => { errors.push(messageOf(e)); });
  if (rec.config.rootfs === undefined && !userMounted) {
    try {
      const { unmountRootfs } = await import("../storage/overlay.ts");
      await unmountRootfs(ctx.store, id);
    } catch (e) { errors.push(messageOf(e)); }
  }
  await deleted;
  trace("teardown: runtime delete + unmount");
  if (rec.config.volumeMounts?.length) {
    try {
      const { unmountContainerVolumes } = await import("./volumes.ts");
      await unmountContainerVolumes(ctx.store, ctx.db, rec.config);
    } catch (e) { errors.push(messageOf(e)); }
  }
  // conmon (run in the bundle) leaves "oom" there when the OOM killer hit the container.
  const oomKilled = exitCode !== undefined && existsSync(join(containerBundleDir(ctx.store, id), "oom"));
  rmSync(containerBundleDir(ctx.store, id), { recursive: true, force: true });
  try { unlinkSync(join(socketDir(ctx.store), id)); } catch {}
  // A container being removed loses its folders now, while netavark (the slow part) still runs;
  // its row goes only once everything is released (removeLocked), so the name stays taken till then.
  if (removing && errors.length === 0) rmSync(containerDir(ctx.store, id), { recursive: true, force: true });
  await netDown;
  trace("teardown: network, volumes, bundle");
  if (errors.length) throw new SkiffError("runtime", `cleaning up container ${id}: ${errors.join(": ")}`);
  const next: ContainerState = stripUndefined({
    ...rec.state,
    status: exitCode === undefined && rec.state.status === "configured" ? "configured" : "exited",
    mount: userMounted ? rec.state.mount ?? "overlay" : "none",
    mountCount: userMounted ? rec.state.mountCount! : undefined as never,
    pid: undefined as never,
    pidStartTime: undefined as never,
    conmonPid: undefined as never,
    ...(exitCode !== undefined ? { exitCode, oomKilled, finishedAt: rec.state.finishedAt && rec.state.status === "exited" ? rec.state.finishedAt : Date.now() } : {}),
  });
  // A container being removed has its row deleted next: no write for a state nobody reads.
  if (!removing) saveState(ctx.db, id, next);
  return next;
}

export interface CleanupOptions {
  /**
   * Return at once when the container is gone or its state names a live
   * cleanup owner (a foreground `run` waiting for the exit): conmon's exit
   * command. @default false
   */
  readonly deferToOwner?: boolean;
}

/**
 * What conmon's exit command runs (`skiff container cleanup <id>`), and what
 * stop/rm call after the process ended: records the exit code, tears down,
 * then removes an `--rm` container or restarts per the restart policy.
 * A container still running, already cleaned up, or gone is left alone.
 */
export async function cleanupContainer(ctx: LifecycleContext, id: string, opts: CleanupOptions = {}): Promise<void> {
  trace("cleanup: begin");
  if (opts.deferToOwner) {
    // Cheap checks before the lock: gone already, or a live foreground run cleans up itself.
    const pre = getContainer(ctx.db, id);
    if (!pre) return;
    const owner = pre.state.cleanupBy;
    if (owner && owner.pid !== process.pid && processAlive(owner.pid, owner.startTime)) return;
  }
  await withContainerLock(ctx.store, id, async () => {
    trace("cleanup: locked");
    const rec = getContainer(ctx.db, id);
    // Removed before conmon's exit command ran: taking the lock re-created its file; the holder deletes it.
    if (!rec) { removeLockFile(ctx.store, id); return; }
    const st = observedState(ctx, rec);
    if (st.status !== "stopped") return;
    const exitCode = st.exitCode ?? -1;
    const after = await teardownLocked(ctx, rec, exitCode, rec.config.autoRemove);
    if (rec.config.autoRemove) {
      removeLocked(ctx, rec.config, exitCode);
      trace("cleanup: removed");
      // `--rm` takes the anonymous volumes along, as Podman does.
      if (rec.config.volumeMounts?.length) await (await import("./volumes.ts")).removeAnonymousVolumes(ctx.store, ctx.db, rec.config);
      return;
    }
    if (shouldRestart(rec.config, after, exitCode)) {
      const restarts = (after.restartCount ?? 0) + 1;
      saveState(ctx.db, id, { ...after, restartCount: restarts });
      await startLocked(ctx, reload(ctx, id), {});
    }
  });
}

function shouldRestart(config: ContainerConfig, state: ContainerState, exitCode: number): boolean {
  const p = config.restartPolicy;
  if (state.stoppedByUser) return false;
  if (p.name === "always" || p.name === "unless-stopped") return true;
  if (p.name === "on-failure") {
    return exitCode !== 0 && (!p.maxRetries || (state.restartCount ?? 0) < p.maxRetries);
  }
  return false;
}

/** Deletes a stopped container's row, folders, exit file and lock file (lock held). */
function removeLocked(ctx: LifecycleContext, config: ContainerConfig, exitCode: number | undefined): void {
  deleteContainer(ctx.db, config.id, exitCode);
  rmSync(containerDir(ctx.store, config.id), { recursive: true, force: true });
  rmSync(containerBundleDir(ctx.store, config.id), { recursive: true, force: true });
  try { unlinkSync(join(exitDir(ctx.store), config.id)); } catch {}
  removeLockFile(ctx.store, config.id);
}

/** Waits (lock held or not) for a signalled container's exit file; undefined after `timeoutMs`. */
async function awaitExit(ctx: LifecycleContext, rec: ContainerRecord, timeoutMs: number): Promise<number | undefined> {
  const pid = rec.state.pid;
  const gone = () => pid === undefined || !processAlive(pid, rec.state.pidStartTime);
  const ctl = new AbortController();
  // conmon writes the exit file; if conmon itself died, the pid check ends the wait instead.
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  const check = setInterval(() => { if (gone() && rec.state.conmonPid !== undefined && !processAlive(rec.state.conmonPid, undefined)) ctl.abort(); }, 250);
  try {
    const code = await waitExitFile(exitDir(ctx.store), rec.config.id, ctl.signal);
    if (code !== undefined) return code;
    return gone() ? -1 : undefined;
  } finally {
    clearTimeout(timer);
    clearInterval(check);
  }
}

export interface RemoveOptions {
  /** Kill a running container first. @default false */
  readonly force?: boolean;
  /** Stop timeout in seconds for force: the stop signal, then SIGKILL after it (at once when 0). @default 0 (Podman waits the container's stop timeout) */
  readonly timeout?: number;
}

/**
 * Removes a container (`rm`). A running container needs `force`: it is
 * killed and waited for, then torn down.
 * @returns the removed container's config (for `rm -v`)
 * @throws SkiffError state `cannot remove container <id> as it is running - running or paused containers cannot be removed without force: container state improper`
 */
export async function removeContainer(ctx: LifecycleContext, id: string, opts: RemoveOptions = {}): Promise<ContainerConfig> {
  return withContainerLock(ctx.store, id, async () => {
    const rec = reload(ctx, id);
    let st = observedState(ctx, rec);
    if (st.status === "running" || st.status === "paused" || st.status === "created") {
      if (!opts.force) {
        throw new SkiffError("state", `cannot remove container ${id} as it is ${st.status} - running or paused containers cannot be removed without force: container state improper`);
      }
      saveState(ctx.db, id, { ...rec.state, stoppedByUser: true });
      const { killContainer: rtKill, resumeContainer } = await import("../oci/runtime.ts");
      const rt = runtimeOf(ctx, rec.config);
      // `rm -f -t N`: the stop signal first, SIGKILL after N seconds (Podman's rm --time).
      let code: number | undefined;
      if (opts.timeout !== undefined && opts.timeout > 0) {
        await rtKill(rt, id, rec.config.stopSignal, true).catch(() => false);
        if (st.status === "paused") await resumeContainer(rt, id).catch(() => {});
        code = await awaitExit(ctx, rec, opts.timeout * 1000);
      }
      if (code === undefined) {
        await rtKill(rt, id, SIGKILL, true).catch(() => false);
        if (st.status === "paused") await resumeContainer(rt, id).catch(() => {});
        code = await awaitExit(ctx, rec, 30_000);
      }
      st = { ...st, exitCode: code ?? 137 };
    }
    await teardownLocked(ctx, rec, st.exitCode, true);
    removeLocked(ctx, rec.config, st.exitCode);
    return rec.config;
  });
}

/**
 * Stops a running container: its stop signal, then SIGKILL after
 * `timeoutSec` (config's stopTimeout by default), then cleanup. A stopped
 * container is left as is. The lock is not held while waiting for the
 * graceful exit, so conmon's cleanup can run meanwhile.
 */
export async function stopContainer(ctx: LifecycleContext, id: string, timeoutSec?: number): Promise<void> {
  const rec = await withContainerLock(ctx.store, id, async () => {
    const r = reload(ctx, id);
    const st = observedState(ctx, r);
    if (st.status !== "running" && st.status !== "paused") return undefined;
    saveState(ctx.db, id, { ...r.state, stoppedByUser: true });
    const { killContainer: rtKill, resumeContainer } = await import("../oci/runtime.ts");
    const rt = runtimeOf(ctx, r.config);
    const t = timeoutSec ?? r.config.stopTimeout;
    await rtKill(rt, id, t === 0 ? SIGKILL : r.config.stopSignal);
    if (st.status === "paused") await resumeContainer(rt, id).catch(() => {});
    return r;
  });
  if (!rec) return;
  const t = timeoutSec ?? rec.config.stopTimeout;
  let code = await awaitExit(ctx, rec, Math.max(t, 0) * 1000 + 50);
  if (code === undefined) {
    const { killContainer: rtKill } = await import("../oci/runtime.ts");
    await rtKill(runtimeOf(ctx, rec.config), id, SIGKILL, true);
    code = await awaitExit(ctx, rec, 30_000);
  }
  await cleanupContainer(ctx, id);
}

/**
 * Sends `signal` to a running container (`kill`).
 * @throws SkiffError state `can only kill running containers. <id> is in state <status>: container state improper`
 */
export async function killContainer(ctx: LifecycleContext, id: string, signal: number): Promise<void> {
  await withContainerLock(ctx.store, id, async () => {
    const rec = reload(ctx, id);
    const st = observedState(ctx, rec);
    if (st.status !== "running" && st.status !== "paused") {
      throw new SkiffError("state", `can only kill running containers. ${id} is in state ${st.status}: container state improper`);
    }
    saveState(ctx.db, id, { ...rec.state, stoppedByUser: true });
    const { killContainer: rtKill } = await import("../oci/runtime.ts");
    await rtKill(runtimeOf(ctx, rec.config), id, signal);
  });
}

/** Pauses (freezes) or resumes a running container. @throws SkiffError state for a container in the wrong state */
export async function setPaused(ctx: LifecycleContext, id: string, paused: boolean): Promise<void> {
  await withContainerLock(ctx.store, id, async () => {
    const rec = reload(ctx, id);
    const st = observedState(ctx, rec);
    const want = paused ? "running" : "paused";
    if (st.status !== want) {
      // Podman's words: an already paused container is named by ID, any other by its state.
      const shown = st.status === "configured" ? "created" : st.status === "stopped" ? "exited" : st.status;
      throw new SkiffError("state", paused
        ? st.status === "paused" ? `"${id}" is already paused: container state improper` : `"${shown}" is not running, can't pause: container state improper`
        : `"${id}" is not paused, can't unpause: container state improper`);
    }
    const rt = await import("../oci/runtime.ts");
    const ref = runtimeOf(ctx, rec.config);
    if (paused) await rt.pauseContainer(ref, id); else await rt.resumeContainer(ref, id);
    save(ctx, id, { ...rec.state, status: paused ? "paused" : "running" });
  });
}

/**
 * Waits until the container's process has exited and returns its code.
 * Uses conmon's exit file (inotify); a container removed meanwhile reports
 * the code kept in container_exit_codes.
 * @throws SkiffError not-found when the container is unknown
 */
export async function waitForExit(ctx: LifecycleContext, id: string): Promise<number> {
  for (;;) {
    const rec = getContainer(ctx.db, id);
    if (!rec) {
      const code = removedExitCode(ctx.db, id) ?? readExitFile(exitDir(ctx.store), id);
      if (code !== undefined) return code;
      throw notFound(id);
    }
    const st = observedState(ctx, rec);
    if (!isActive(st.status)) return st.exitCode ?? (st.status === "configured" ? 0 : -1);
    const ctl = new AbortController();
    // Re-check when the row disappears (rm -f by someone else) without a new exit file.
    const code = await waitExitFile(exitDir(ctx.store), id, ctl.signal);
    if (code !== undefined) return code;
  }
}

/** Re-reads a container (unlocked snapshot). */
export function loadContainer(ctx: LifecycleContext, id: string): ContainerRecord {
  return reload(ctx, id);
}

