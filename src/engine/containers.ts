/**
 * Container operations behind run, create, start, stop, kill, restart, rm,
 * ps, logs, exec, wait, inspect, pause/unpause, rename, exists, prune and
 * `container cleanup`: options in, reports out, no printing (the foreground
 * attach writes through the callbacks it is given).
 */
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { SkiffError } from "../lib/errors.ts";
import { trace } from "../lib/trace.ts";
import type { GlobalOptions } from "./options.ts";
import type { ContainerSpec } from "../spec/container-spec.ts";
import type { ImageConfig } from "../image/manifest.ts";
import type { LifecycleContext } from "../core/lifecycle.ts";
import type { ContainerConfig, ContainerRecord, ContainerState } from "../core/types.ts";
import type { AttachSession } from "../oci/attach.ts";

/** The argv that re-runs this skiff (compiled binary, or bun + script). */
export function skiffExecutable(): string[] {
  const main = Bun.main;
  if (main.startsWith("/$bunfs") || main.startsWith("B:/~BUN")) return [process.execPath];
  return [process.execPath, main];
}

/** Opens the store for container operations. */
export async function lifecycleContext(g: GlobalOptions): Promise<LifecycleContext> {
  const { containerDb } = await import("../core/store.ts");
  return {
    store: { root: g.root, runroot: g.runroot },
    db: containerDb(g.root),
    skiffArgv: [...skiffExecutable(), "--root", g.root, "--runroot", g.runroot, "--log-level", g.logLevel],
    logLevel: g.logLevel,
  };
}

const ADJ = ["admiring", "agile", "amazing", "bold", "brave", "bright", "busy", "calm", "clever", "cool", "daring", "dreamy", "eager", "elated", "epic", "fervent", "festive", "focused", "gallant", "gentle", "happy", "hardy", "humble", "jolly", "keen", "kind", "lucid", "lively", "loyal", "merry", "modest", "nifty", "noble", "peaceful", "plucky", "proud", "quirky", "quiet", "relaxed", "serene", "sharp", "sleepy", "stoic", "sunny", "swift", "tender", "trusting", "upbeat", "vibrant", "vigilant", "wizardly", "witty", "youthful", "zealous", "zen"];
const NOUN = ["albattani", "babbage", "banach", "bell", "bohr", "boole", "carson", "cerf", "curie", "darwin", "dijkstra", "einstein", "euler", "faraday", "fermi", "feynman", "franklin", "galileo", "gauss", "goodall", "hamilton", "hawking", "hodgkin", "hopper", "hypatia", "joliot", "kepler", "knuth", "lamarr", "lovelace", "maxwell", "meitner", "mendel", "newton", "noether", "pascal", "pasteur", "planck", "ramanujan", "ritchie", "sagan", "shannon", "tesla", "thompson", "torvalds", "turing", "wiles", "wozniak", "wu", "yalow"];

function randomName(taken: (n: string) => boolean): string {
  for (let i = 0; ; i++) {
    const a = ADJ[randomBytes(1)[0]! % ADJ.length]!;
    const b = NOUN[randomBytes(1)[0]! % NOUN.length]!;
    const n = i < 10 ? `${a}_${b}` : `${a}_${b}${i}`;
    if (!taken(n)) return n;
  }
}

export interface CreateOptions {
  /** Pull progress (run/create print it on stderr). */
  readonly pullProgress?: (e: unknown) => void;
}

export interface CreateReport {
  readonly id: string;
  readonly name: string;
  readonly warnings: string[];
}

async function ensureImage(g: GlobalOptions, spec: ContainerSpec, opts: CreateOptions) {
  const [{ openDb }, { findLocalImage }] = await Promise.all([import("../storage/db.ts"), import("../storage/image-lookup.ts")]);
  const db = openDb(g.root);
  const policy = spec.pull ?? "missing";
  let img = policy === "always" ? undefined : findLocalImage(db, spec.image);
  if (!img || policy === "newer") {
    if (policy === "never") throw new SkiffError("not-found", `${spec.image}: image not known`);
    const { pullImage } = await import("./pull.ts");
    try {
      const [r] = await pullImage(g, spec.image, {
        ...(spec.tlsVerify !== undefined ? { tlsVerify: spec.tlsVerify } : {}),
        ...(spec.authfile !== undefined ? { authfile: spec.authfile } : {}),
        ...(spec.platform !== undefined ? { platform: spec.platform } : {}),
        ...(opts.pullProgress ? { progress: opts.pullProgress } : {}),
      });
      const { getImage } = await import("../storage/images.ts");
      img = r ? getImage(db, r.id) : undefined;
    } catch (e) {
      if (!img) throw e;
    }
    if (!img) throw new SkiffError("not-found", `${spec.image}: image not known`);
  }
  return img;
}

/**
 * Creates a container from a spec: the image is found or pulled (per
 * spec.pull), the runtime spec generated, the record saved as
 * "configured".
 * @throws SkiffError invalid-argument for a bad spec; not-found for a missing image; conflict for a name in use
 */
export async function createContainerFromSpec(g: GlobalOptions, spec: ContainerSpec, opts: CreateOptions = {}): Promise<CreateReport> {
  trace("create: begin");
  const { validateSpec } = await import("../spec/container-spec.ts");
  validateSpec(spec);
  // A --mount type=bind source must exist at create, as in Podman; a -v one is made at start (Docker's way).
  const { prepareBindSources } = await import("../oci/bind-source.ts");
  prepareBindSources(spec.mounts?.filter((m) => m.type !== "bind" || m.createHostPath !== true));
  // Podman refuses a cidfile that exists before creating anything: another container may own it.
  if (spec.cidfile && existsSync(spec.cidfile)) {
    throw new SkiffError("invalid-argument", `container id file exists. Ensure another container is not using it or delete ${spec.cidfile}`);
  }
  const ctx = await lifecycleContext(g);
  let imageId: string | null = null;
  let imageName = spec.image;
  let imageConfig: ImageConfig | undefined;
  let lowerLinks: string[] = [];
  if (spec.rootfs) {
    if (!spec.image.startsWith("/") || !existsSync(spec.image)) throw new SkiffError("invalid-argument", `rootfs "${spec.image}" is not an existing absolute path`);
  } else {
    const img = await ensureImage(g, spec, opts);
    trace("create: image found");
    imageId = img.id;
    imageName = img.names[0] ?? img.id;
    const [{ readBlob }, { parseImageConfig }, { layerChain }] = await Promise.all([
      import("../storage/blobs.ts"), import("../image/manifest.ts"), import("../storage/layers.ts"),
    ]);
    imageConfig = parseImageConfig(readBlob(ctx.store, `sha256:${img.id}`));
    lowerLinks = img.topLayer ? layerChain(ctx.db, img.topLayer).map((l) => l.link) : [];
  }
  const id = randomBytes(32).toString("hex");
  const { findContainerId } = await import("../core/store.ts");
  const name = spec.name ?? randomName((n) => findContainerId(ctx.db, n) !== undefined);
  const { processArgs } = await import("../oci/spec-generate.ts");
  const { parseSignal } = await import("../spec/signals.ts");
  const { resolveRuntimePath } = await import("../oci/runtime.ts");
  const image = (imageConfig?.config ?? {}) as Record<string, unknown>;
  const command = processArgs(spec, image);
  const warnings: string[] = [];
  const logMax = spec.logOpts?.["max-size"];
  // Networks are checked before anything is created: an unknown one is a plain error, nothing half made.
  const nets = await import("./networks.ts");
  const attachments = await nets.planContainerNetworks(g, spec, id);
  trace("create: networks planned");
  // Named volumes are created on first use, anonymous ones for `-v /path` and the image's VOLUMEs.
  const vols = await import("./volumes.ts");
  const prepared = await vols.prepareContainerVolumes(g, spec.mounts ?? [], Object.keys(image.Volumes ?? {}));
  const config: ContainerConfig = {
    id,
    name,
    created: Date.now(),
    imageId,
    imageName,
    lowerLinks,
    ...(spec.rootfs ? { rootfs: spec.image } : {}),
    imageConfig: image,
    command,
    runtime: resolveRuntimePath(spec.runtime ?? g.runtime ?? "crun"),
    terminal: spec.tty ?? false,
    stdin: spec.interactive ?? false,
    autoRemove: spec.remove ?? false,
    restartPolicy: { name: spec.restart?.policy ?? "no", ...(spec.restart?.maxRetries !== undefined ? { maxRetries: spec.restart.maxRetries } : {}) },
    stopSignal: parseSignal(spec.stopSignal ?? imageConfig?.config?.StopSignal ?? "SIGTERM"),
    stopTimeout: spec.stopTimeout ?? 10,
    logDriver: spec.logDriver ?? "k8s-file",
    logSizeMax: logMax ? parseSizeBytes(logMax) : -1,
    labels: { ...(imageConfig?.config?.Labels ?? {}), ...(spec.labels ?? {}) },
    spec,
    volumes: prepared.volumes,
    volumeMounts: prepared.volumeMounts,
  };
  const { createContainer } = await import("../core/lifecycle.ts");
  if (spec.replace && spec.name) {
    const other = findContainerId(ctx.db, spec.name);
    if (other) await removeContainers(g, [other], { force: true });
  }
  let saved = config;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        createContainer(ctx, saved);
        break;
      } catch (e) {
        // A generated name taken meanwhile by a concurrent create: pick another.
        if (spec.name !== undefined || attempt >= 20 || !(e instanceof SkiffError && e.kind === "conflict")) throw e;
        saved = { ...saved, name: randomName((n) => findContainerId(ctx.db, n) !== undefined) };
      }
    }
    if (attachments) nets.recordAttachments(g, id, attachments);
  } catch (e) {
    await vols.discardVolumes(g, prepared.created);
    throw e;
  }
  if (spec.cidfile) writeFileSync(spec.cidfile, id);
  trace("create: saved");
  return { id, name: saved.name, warnings };
}

function parseSizeBytes(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([kmg]?)b?$/i.exec(s.trim());
  if (!m) throw new SkiffError("invalid-argument", `invalid log-opt max-size "${s}"`);
  const mul = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as "" | "k" | "m" | "g"];
  return Math.floor(Number(m[1]) * mul);
}

/** Resolves a name/ID prefix to a full ID. @throws SkiffError not-found */
export async function resolveContainer(g: GlobalOptions, ref: string): Promise<string> {
  const ctx = await lifecycleContext(g);
  const { resolveContainerId } = await import("../core/store.ts");
  return resolveContainerId(ctx.db, ref);
}

export interface AttachIO {
  readonly stdout: (data: Uint8Array) => void;
  readonly stderr: (data: Uint8Array) => void;
  /** Container stdin (with -i); its end closes the container's stdin. */
  readonly stdin?: AsyncIterable<Uint8Array>;
  /** Current terminal size (with -t), and a subscription to its changes. */
  readonly terminalSize?: () => { rows: number; cols: number } | undefined;
  readonly onResize?: (cb: () => void) => () => void;
  /** Forward SIGINT/SIGTERM to the container (`--sig-proxy`). @default false */
  readonly sigProxy?: boolean;
}

/**
 * Starts a container attached: connects to conmon's attach socket before the
 * process starts, streams its output, feeds stdin, forwards resizes and
 * signals, and waits for the exit file. Afterwards runs cleanup in this
 * process (unmount, `--rm` removal) so nothing is left when it returns.
 * @returns the container's exit code
 */
export async function startAttached(g: GlobalOptions, id: string, io: AttachIO): Promise<number> {
  const ctx = await lifecycleContext(g);
  const lc = await import("../core/lifecycle.ts");
  if (lc.loadContainer(ctx, id).config.logDriver === "passthrough") return startPassthrough(ctx, g, id, io);
  const attach = await import("../oci/attach.ts");
  let session: AttachSession | undefined;
  let pumped: Promise<void> = Promise.resolve();
  let unproxy = () => {};
  const rec = await lc.startContainer(ctx, id, {
    cleanupOwner: true,
    async beforeStart(bundle) {
      // Proxy signals from before the process starts: its output (a "ready"
      // a caller waits for) may arrive before startContainer returns. A
      // signal sent meanwhile waits for the container lock, then reaches it.
      if (io.sigProxy) unproxy = proxySignals(g, id);
      session = await attach.AttachSession.connect(bundle);
      const s = session;
      pumped = s.pump((stream, data) => (stream === 3 ? io.stderr(data) : io.stdout(data)));
      const size = io.terminalSize?.();
      if (size) s.resize(size.rows, size.cols);
    },
  }).catch((e: unknown) => {
    unproxy();
    throw e;
  });
  const s = session!;
  const offResize = io.onResize?.(() => { const z = io.terminalSize?.(); if (z) s.resize(z.rows, z.cols); });
  if (io.stdin && rec.config.stdin) {
    void (async () => {
      try { for await (const chunk of io.stdin!) await s.write(chunk); } catch {}
      await s.closeStdin();
    })();
  }
  trace("run: started");
  const code = await lc.waitForExit(ctx, id);
  trace("run: exit file read");
  // conmon closes the socket once the container's stdio is drained: all output is delivered then.
  await Promise.race([pumped, Bun.sleep(2000)]);
  await s.close();
  trace("run: output drained");
  offResize?.();
  unproxy();
  await lc.cleanupContainer(ctx, id);
  trace("run: cleaned up");
  return code;
}

/**
 * The `passthrough` log driver: conmon got this process's stdio and gave it
 * to the container, so there is no socket to attach to; only signals are
 * proxied and the exit waited for (Podman's foreground passthrough).
 */
async function startPassthrough(ctx: LifecycleContext, g: GlobalOptions, id: string, io: AttachIO): Promise<number> {
  const lc = await import("../core/lifecycle.ts");
  await lc.startContainer(ctx, id, { cleanupOwner: true });
  const off = io.sigProxy ? proxySignals(g, id) : () => {};
  try {
    return await lc.waitForExit(ctx, id);
  } finally {
    off();
    await lc.cleanupContainer(ctx, id);
  }
}

/** Forwards SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGUSR1/SIGUSR2 to the container (`--sig-proxy`); returns the undo. */
function proxySignals(g: GlobalOptions, id: string): () => void {
  const proxies: [NodeJS.Signals, () => void][] = [];
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"] as const) {
    const h = () => { void killContainers(g, [id], sig).catch(() => {}); };
    process.on(sig, h);
    proxies.push([sig, h]);
  }
  return () => { for (const [sig, h] of proxies) process.off(sig, h); };
}

/** Starts a container detached (`start`, `run -d`). */
export async function startDetached(g: GlobalOptions, id: string): Promise<void> {
  const ctx = await lifecycleContext(g);
  const { startContainer } = await import("../core/lifecycle.ts");
  await startContainer(ctx, id);
}

/** Per-container result of a bulk operation, as Podman reports them. */
export interface BulkReport {
  readonly id: string;
  /** What the user typed. */
  readonly rawInput: string;
  readonly error?: Error;
  /** Nothing was done (`start` of a running container): Podman prints nothing for it. */
  readonly unchanged?: boolean;
}

/**
 * Runs `fn` on each container. As Podman, every name is resolved first: one
 * unknown name fails the whole call before anything is done, unless
 * `ignoreMissing`, which drops unknown names silently.
 */
async function each(g: GlobalOptions, refs: readonly string[], fn: (ctx: LifecycleContext, id: string) => Promise<void | "unchanged">, ignoreMissing = false): Promise<BulkReport[]> {
  const ctx = await lifecycleContext(g);
  const { resolveContainerId } = await import("../core/store.ts");
  const found: { ref: string; id: string }[] = [];
  for (const ref of refs) {
    try {
      found.push({ ref, id: resolveContainerId(ctx.db, ref) });
    } catch (e) {
      if (ignoreMissing && e instanceof SkiffError && e.kind === "not-found") continue;
      return [{ id: ref, rawInput: ref, error: e as Error }];
    }
  }
  return Promise.all(found.map(async ({ ref, id }) => {
    try {
      return (await fn(ctx, id)) === "unchanged" ? { id, rawInput: ref, unchanged: true } : { id, rawInput: ref };
    } catch (e) {
      if (ignoreMissing && e instanceof SkiffError && e.kind === "not-found") return { id, rawInput: ref };
      return { id, rawInput: ref, error: e as Error };
    }
  }));
}

export interface StopOptions {
  /** Seconds before SIGKILL; absent → the container's stop timeout. */
  readonly timeout?: number;
  readonly ignore?: boolean;
}

export async function stopContainers(g: GlobalOptions, refs: readonly string[], opts: StopOptions = {}): Promise<BulkReport[]> {
  const lc = await import("../core/lifecycle.ts");
  return each(g, refs, (ctx, id) => lc.stopContainer(ctx, id, opts.timeout), opts.ignore);
}

export async function startContainers(g: GlobalOptions, refs: readonly string[]): Promise<BulkReport[]> {
  const lc = await import("../core/lifecycle.ts");
  return each(g, refs, async (ctx, id) => {
    const st = lc.observedState(ctx, lc.loadContainer(ctx, id));
    if (st.status === "running" || st.status === "paused") return "unchanged";
    await lc.startContainer(ctx, id);
  });
}

export async function killContainers(g: GlobalOptions, refs: readonly string[], signal: string | number = "SIGKILL"): Promise<BulkReport[]> {
  const lc = await import("../core/lifecycle.ts");
  const { parseSignal } = await import("../spec/signals.ts");
  const n = typeof signal === "number" ? signal : parseSignal(signal);
  return each(g, refs, (ctx, id) => lc.killContainer(ctx, id, n));
}

export async function restartContainers(g: GlobalOptions, refs: readonly string[], opts: StopOptions = {}): Promise<BulkReport[]> {
  const lc = await import("../core/lifecycle.ts");
  return each(g, refs, async (ctx, id) => {
    await lc.stopContainer(ctx, id, opts.timeout);
    await lc.startContainer(ctx, id);
  });
}

export async function pauseContainers(g: GlobalOptions, refs: readonly string[], paused: boolean): Promise<BulkReport[]> {
  const lc = await import("../core/lifecycle.ts");
  return each(g, refs, (ctx, id) => lc.setPaused(ctx, id, paused));
}

export interface RmOptions {
  readonly force?: boolean;
  /** Remove the container's anonymous volumes (`-v`); named ones stay, as in Podman. @default false */
  readonly volumes?: boolean;
  /** Do not report missing containers (`-i`, `-f`). */
  readonly ignore?: boolean;
  readonly timeout?: number;
}

export async function removeContainers(g: GlobalOptions, refs: readonly string[], opts: RmOptions = {}): Promise<BulkReport[]> {
  const lc = await import("../core/lifecycle.ts");
  return each(g, refs, async (ctx, id) => {
    const config = await lc.removeContainer(ctx, id, { ...(opts.force !== undefined ? { force: opts.force } : {}), ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}) });
    if (opts.volumes && config.volumeMounts?.length) await (await import("./volumes.ts")).removeAnonymousVolumes(g, config);
  }, opts.ignore ?? false);
}

/**
 * Runs cleanup for containers (`container cleanup`, conmon's exit command).
 * Missing containers are fine; one whose foreground `run` is still alive is
 * left to it (that run cleans up when it has read the exit code).
 */
export async function cleanupContainers(g: GlobalOptions, refs: readonly string[]): Promise<BulkReport[]> {
  const lc = await import("../core/lifecycle.ts");
  return each(g, refs, (ctx, id) => lc.cleanupContainer(ctx, id, { deferToOwner: true }), true);
}

export interface WaitReport { readonly id: string; readonly rawInput: string; readonly exitCode?: number; readonly error?: Error }

export async function waitContainers(g: GlobalOptions, refs: readonly string[], conditions: readonly string[] = ["stopped"]): Promise<WaitReport[]> {
  const ctx = await lifecycleContext(g);
  const lc = await import("../core/lifecycle.ts");
  const { resolveContainerId } = await import("../core/store.ts");
  // libpod's state names plus the health conditions; Podman's wording for anything else.
  const valid = new Set(["created", "running", "paused", "stopped", "exited", "unknown", "removing", "stopping", "healthy", "unhealthy"]);
  for (const c of conditions) if (!valid.has(c)) throw new SkiffError("invalid-argument", `unknown container state: ${c}: invalid argument`);
  return Promise.all(refs.map(async (ref) => {
    try {
      const id = resolveContainerId(ctx.db, ref);
      if (conditions.some((c) => c === "stopped" || c === "exited")) {
        return { id, rawInput: ref, exitCode: await lc.waitForExit(ctx, id) };
      }
      // Other conditions have no file to watch: re-check the record (rare, interactive use).
      for (;;) {
        const st = lc.observedState(ctx, lc.loadContainer(ctx, id));
        const name = st.status === "configured" ? "created" : st.status;
        if (conditions.includes(name)) return { id, rawInput: ref, exitCode: st.exitCode ?? -1 };
        await Bun.sleep(100);
      }
    } catch (e) {
      return { id: ref, rawInput: ref, error: e as Error };
    }
  }));
}

/** Sizes of containers (`ps -s`, `inspect -s`), keyed by ID; unknown IDs are left out. */
export async function containerSizes(g: GlobalOptions, ids: readonly string[]): Promise<Map<string, import("../core/container-size.ts").ContainerSize>> {
  const ctx = await lifecycleContext(g);
  const [{ getContainer }, { containerSize }] = await Promise.all([import("../core/store.ts"), import("../core/container-size.ts")]);
  const out = new Map<string, import("../core/container-size.ts").ContainerSize>();
  for (const id of ids) {
    const rec = getContainer(ctx.db, id);
    if (rec) out.set(id, containerSize(ctx.store, rec.config));
  }
  return out;
}

/** A container as `ps` and `inspect` see it: config plus the observed state. */
export interface ContainerView {
  readonly config: ContainerConfig;
  readonly state: ContainerState;
}

/** All containers with their observed state (no lock, no FFI: cheap for `ps`). */
export async function listContainerViews(g: GlobalOptions): Promise<ContainerView[]> {
  const ctx = await lifecycleContext(g);
  const [{ listContainers }, { observedState }] = await Promise.all([import("../core/store.ts"), import("../core/lifecycle.ts")]);
  return listContainers(ctx.db).map((r: ContainerRecord) => ({ config: r.config, state: observedState(ctx, r) }));
}

export async function containerView(g: GlobalOptions, ref: string): Promise<ContainerView> {
  const ctx = await lifecycleContext(g);
  const [{ resolveContainerId, getContainer }, { observedState }] = await Promise.all([import("../core/store.ts"), import("../core/lifecycle.ts")]);
  const r = getContainer(ctx.db, resolveContainerId(ctx.db, ref))!;
  return { config: r.config, state: observedState(ctx, r) };
}

export async function renameContainer(g: GlobalOptions, ref: string, name: string): Promise<void> {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw new SkiffError("invalid-argument", `names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument`);
  const ctx = await lifecycleContext(g);
  const { resolveContainerId, findContainerId, renameContainer: rn } = await import("../core/store.ts");
  const id = resolveContainerId(ctx.db, ref);
  const holder = findContainerId(ctx.db, name);
  if (holder !== undefined && holder !== id) {
    throw new SkiffError("conflict", `renaming container ${id}: name ${name} already in use, cannot rename container ${id}: container already exists`);
  }
  const { withContainerLock } = await import("../core/lock.ts");
  await withContainerLock(ctx.store, id, () => rn(ctx.db, id, name));
}

export async function containerExists(g: GlobalOptions, ref: string): Promise<boolean> {
  const ctx = await lifecycleContext(g);
  const { findContainerId } = await import("../core/store.ts");
  return findContainerId(ctx.db, ref) !== undefined;
}

/** Log file path of a container (k8s-file). */
export async function containerLogPath(g: GlobalOptions, id: string): Promise<string> {
  const ctx = await lifecycleContext(g);
  const { logPathOf } = await import("../core/lifecycle.ts");
  return logPathOf(ctx, id);
}

/** Removes every stopped container; returns their IDs. */
export async function pruneContainers(g: GlobalOptions): Promise<BulkReport[]> {
  const views = await listContainerViews(g);
  const ids = views.filter((v) => v.state.status === "exited" || v.state.status === "stopped" || v.state.status === "configured" || v.state.status === "created").map((v) => v.config.id);
  return removeContainers(g, ids, { ignore: true });
}

export interface ExecOptions {
  readonly command: readonly string[];
  readonly interactive?: boolean;
  readonly tty?: boolean;
  readonly detach?: boolean;
  readonly env?: Readonly<Record<string, string>>;
  readonly user?: string;
  readonly workdir?: string;
  readonly privileged?: boolean;
}

/**
 * Runs a process in a running container (`ref`; undefined: the newest
 * container, `exec -l`) with `<runtime> exec`, stdio inherited (the runtime
 * handles the pty for -t), as the container's user unless `user` is given;
 * returns its exit code (126/127 as the runtime reports them).
 * @throws SkiffError state `can only create exec sessions on running containers: container state improper`
 */
export async function execInContainer(g: GlobalOptions, ref: string | undefined, opts: ExecOptions): Promise<number> {
  const ctx = await lifecycleContext(g);
  const [{ resolveContainerId, getContainer }, { observedState }, { runtimeStateDir, containerMergedDir }] = await Promise.all([
    import("../core/store.ts"), import("../core/lifecycle.ts"), import("../storage/layout.ts"),
  ]);
  // `-l`: the newest container (ref undefined), as Podman picks it.
  const id = ref !== undefined ? resolveContainerId(ctx.db, ref) : (await import("../core/store.ts")).listContainers(ctx.db)[0]?.config.id;
  if (id === undefined) throw new SkiffError("not-found", "no containers to exec in: no such container");
  const rec = getContainer(ctx.db, id)!;
  const st = observedState(ctx, rec);
  if (st.status !== "running") throw new SkiffError("state", "can only create exec sessions on running containers: container state improper");
  if (opts.command.length === 0) throw new SkiffError("invalid-argument", "must provide a non-empty command to start an exec session: invalid argument");
  const { containerBundleDir } = await import("../storage/layout.ts");
  const args = [rec.config.runtime, "--root", runtimeStateDir(ctx.store), "exec"];
  if (opts.tty) args.push("--tty");
  if (opts.detach) args.push("--detach");
  if (opts.workdir) args.push("--cwd", opts.workdir);
  if (opts.env && Object.keys(opts.env).length) {
    // The runtime's --env replaces the process environment: start from the container's own.
    const { readFileSync } = await import("node:fs");
    const base = (JSON.parse(readFileSync(`${containerBundleDir(ctx.store, id)}/config.json`, "utf8")) as { process?: { env?: string[] } }).process?.env ?? [];
    const env = new Map(base.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)] as const));
    for (const [k, v] of Object.entries(opts.env)) env.set(k, v);
    for (const [k, v] of env) args.push("--env", `${k}=${v}`);
  }
  // Without -u the session runs as the container's user (Podman's default), not the runtime's root.
  const user = opts.user ?? rec.config.spec.user ?? (rec.config.imageConfig.User as string | undefined) ?? "";
  if (user !== "") {
    // Names resolve in the container's /etc/passwd and /etc/group, as for `run -u`.
    const { resolveUser } = await import("../oci/user.ts");
    const u = resolveUser(rec.config.rootfs ?? containerMergedDir(ctx.store, id), user);
    args.push("--user", `${u.uid}:${u.gid}`);
  }
  if (opts.privileged) {
    const { readFileSync } = await import("node:fs");
    const bnd = /CapBnd:\s*([0-9a-f]+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? "0";
    const { capabilitiesFromMask } = await import("../oci/capabilities.ts");
    for (const n of capabilitiesFromMask(bnd)) args.push("--cap", n);
  }
  args.push(id, ...opts.command);
  if (opts.detach) return execDetached(args, rec.config.runtime, containerBundleDir(ctx.store, id));
  const p = Bun.spawn(args, { stdin: opts.interactive || opts.tty ? "inherit" : "ignore", stdout: "inherit", stderr: "pipe" });
  let errText = "";
  const dec = new TextDecoder();
  for await (const chunk of p.stderr) {
    const t = dec.decode(chunk);
    // The runtime's own failure ("executable file not found") is ours to phrase; the process's stderr passes through.
    if (/^(crun|runc): |^executable file `.*` not found|^chdir `|^open executable: |^\{"msg"/m.test(t)) errText += t;
    else process.stderr.write(chunk);
  }
  const code = await p.exited;
  if (errText) {
    const { runtimeMessage, classifyCreateError } = await import("../oci/runtime.ts");
    const err = classifyCreateError(rec.config.runtime.split("/").pop() ?? "crun", runtimeMessage(errText));
    // 255 is the runtime's own failure; other codes are the process's, so the text was its output.
    if (code === 255 || code === 127 || code === 126) throw err;
    process.stderr.write(errText);
  }
  return code;
}

/**
 * `<runtime> exec --detach`: the process keeps no stdio of ours (a pipe it
 * inherited would hold this call open until it ended, and break under it
 * afterwards), so the runtime's own failure is read from its `--log` file.
 * @returns 0 once the process started
 * @throws SkiffError runtime, worded as for a foreground exec
 */
async function execDetached(args: string[], runtime: string, bundle: string): Promise<number> {
  const name = runtime.split("/").pop() ?? "crun";
  const log = `${bundle}/exec-${randomBytes(6).toString("hex")}.log`;
  const logArgs = name === "runc" ? ["--log", log, "--log-format", "json"] : [`--log=file:${log}`, "--log-format=json"];
  const p = Bun.spawn([args[0]!, ...logArgs, ...args.slice(1)], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  const code = await p.exited;
  const { readFileSync, rmSync } = await import("node:fs");
  let text = "";
  try { text = readFileSync(log, "utf8"); } catch {}
  rmSync(log, { force: true });
  if (code === 0) return 0;
  const { runtimeMessage, classifyCreateError } = await import("../oci/runtime.ts");
  // Podman fails a detached session that cannot start with 125, whatever the cause.
  throw new SkiffError("runtime", classifyCreateError(name, runtimeMessage(text) || `exit status ${code}`).message);
}


