/**
 * The build executor: runs a parsed Containerfile stage by stage, as Podman
 * (Buildah) does with `--layers`:
 *   - only the target stage and the stages it needs (FROM <stage>,
 *     COPY --from, RUN --mount from=) are built, in file order;
 *   - every instruction is a step whose result is an image: RUN, COPY and
 *     ADD add a layer (made from an overlay upper folder, layer-diff.ts),
 *     the others change only the config (`empty_layer` in history);
 *   - a step is looked up in the layer cache first (cache.ts), printing
 *     `--> Using cache <id>`; every step ends with `--> <11 hex>`;
 *   - the final stage's last step is committed with the tags (`COMMIT`).
 * RUN goes through run-step.ts (a real container, conmon + the runtime);
 * COPY/ADD through copy.ts on the step's mounted overlay rootfs.
 *
 * Variable scoping (Docker's): global ARGs (before the first FROM) expand
 * FROM lines; inside a stage an ARG must be declared to be used; its value
 * is the --build-arg, else its default, else the global's; ENV wins over
 * ARG of the same name. Predefined platform args (TARGETPLATFORM, …) hold
 * the host platform once declared; proxy args reach RUN without a declaration.
 */
import type { Database } from "bun:sqlite";
import { randomBytes, createHash } from "node:crypto";
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, posix, resolve as resolvePath } from "node:path";
import { SkiffError, wrap } from "../lib/errors.ts";
import type { GlobalOptions } from "../engine/options.ts";
import type { StoreLayout } from "../storage/layout.ts";
import type { ImageLayer, ImageFormat } from "../storage/image-writer.ts";
import type { Digest } from "../storage/layers.ts";
import type { Containerfile, FromInstruction, Instruction, Stage, RunInstruction, CopyInstruction, AddInstruction } from "./parse/types.ts";
import type { MountSpec, UlimitSpec } from "../spec/container-spec.ts";
import type { CopyItem } from "./copy.ts";
import { expandString } from "./expand.ts";

/** What to build and how: the engine's BuildOptions resolved (context on disk, file read). */
export interface BuildSpec {
  /** Context folder on disk. */
  readonly contextDir: string;
  /** Containerfile text and the name used in errors. */
  readonly file: { readonly text: string; readonly name: string };
  /** Names for the final image, normalised ("localhost/x:latest"). */
  readonly tags: readonly string[];
  /** The first tag as the user typed it: Podman prints it after COMMIT. */
  readonly commitName?: string;
  readonly buildArgs: Readonly<Record<string, string>>;
  /** `--label`: set on the final image. */
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** @default "oci" */
  readonly format: ImageFormat;
  readonly target?: string;
  /** Skip cache lookups. */
  readonly noCache: boolean;
  /** `--layers=false`: no cache lookups and no cache keys stored. */
  readonly layers: boolean;
  /** `--pull`: "missing" (default), "always", "never", "newer". */
  readonly pull: string;
  /** `--timestamp` (unix seconds): created times and file mtimes set to it. */
  readonly timestamp?: number;
  /** SOURCE_DATE_EPOCH: created times set, newer file mtimes clamped. */
  readonly sourceDateEpoch?: number;
  /** RUN's default network: undefined = bridge, "none", "host" or a network name. */
  readonly network?: string;
  /** `--secret id=…,src=…`: id → host file. */
  readonly secrets: Readonly<Record<string, string>>;
  readonly capAdd: readonly string[];
  readonly ulimits: readonly UlimitSpec[];
  readonly squash: boolean;
  readonly squashAll: boolean;
  readonly tlsVerify?: boolean;
}

/** Where the build's progress goes (Podman prints it on stdout). */
export interface BuildIO {
  /** Progress lines (STEP, -->, COMMIT…), each ending in "\n". */
  readonly line: (s: string) => void;
  /** Warnings. */
  readonly warn: (s: string) => void;
  /** A RUN's output. */
  readonly stdout: (b: Uint8Array) => void;
  readonly stderr: (b: Uint8Array) => void;
}

export interface BuildReport {
  /** Image ID (64 hex). */
  readonly id: string;
  readonly names: readonly string[];
}

/** An image as a step leaves it. */
interface ImageState {
  /** Image ID, or "" for scratch. */
  readonly id: string;
  /** The whole config blob (created, architecture, os, config, rootfs, history). */
  readonly config: Record<string, any>;
  readonly layers: readonly ImageLayer[];
}

interface Ctx {
  readonly g: GlobalOptions;
  readonly store: StoreLayout;
  readonly db: Database;
  readonly spec: BuildSpec;
  readonly io: BuildIO;
  readonly cf: Containerfile;
  readonly escape: string;
  readonly results: Map<number, ImageState>;
  readonly globals: Map<string, string | undefined>;
  /** Temporary mounts made for --from sources, released at the end. */
  readonly mounts: Map<string, string>;
}

/** A RUN step exited non-zero: `build` exits with the same status, as Podman does. */
export class RunFailedError extends SkiffError {
  constructor(message: string, readonly exitCode: number) {
    super("runtime", message);
  }
}

const DEFAULT_SHELL = ["/bin/sh", "-c"];
const SCRATCH_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const PROXY_ARGS = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"];

function hostArch(): string {
  return ({ x64: "amd64", arm64: "arm64", arm: "arm", ppc64: "ppc64le", s390x: "s390x" } as Record<string, string>)[process.arch] ?? process.arch;
}

/** The predefined platform ARGs for the host (builds never emulate). */
export function platformArgs(): Record<string, string> {
  const arch = hostArch();
  const p = `linux/${arch}`;
  return {
    TARGETPLATFORM: p, TARGETOS: "linux", TARGETARCH: arch, TARGETVARIANT: "",
    BUILDPLATFORM: p, BUILDOS: "linux", BUILDARCH: arch, BUILDVARIANT: "",
  };
}

/**
 * Builds the image.
 * @throws SkiffError invalid-argument for parse errors, an unknown target or
 *   a bad instruction argument; not-found for a missing base image; runtime
 *   `building at STEP "<instr>": while running runtime: exit status N` when a
 *   RUN fails. What finished steps made stays as cache; nothing else does.
 */
export async function executeBuild(g: GlobalOptions, spec: BuildSpec, io: BuildIO): Promise<BuildReport> {
  const [{ parseContainerfile }, { openDb }] = await Promise.all([import("./parse/index.ts"), import("../storage/db.ts")]);
  const cf = parseContainerfile(spec.file.text, { file: spec.file.name });
  for (const w of cf.warnings) io.warn(w);
  const ctx: Ctx = {
    g, store: { root: g.root, runroot: g.runroot }, db: openDb(g.root), spec, io, cf, escape: cf.directives.escape,
    results: new Map(), globals: new Map(), mounts: new Map(),
  };
  const { expandInstruction } = await import("./parse/index.ts");
  for (const a of cf.globalArgs) {
    const x = expandInstruction(a, (n) => ctx.globals.get(n), ctx.escape);
    for (const d of x.args) ctx.globals.set(d.name, spec.buildArgs[d.name] ?? d.default ?? platformArgs()[d.name]);
  }
  const target = targetStage(ctx);
  const needed = neededStages(ctx, target);
  try {
    let final: ImageState | undefined;
    const order = [...needed].sort((a, b) => a - b);
    for (const idx of order) {
      const stage = cf.stages[idx]!;
      // Podman numbers a stage by its place in the file, skipped stages counted.
      const prefix = cf.stages.length > 1 ? `[${idx + 1}/${cf.stages.length}] ` : "";
      final = await buildStage(ctx, stage, prefix, idx === target.index);
      ctx.results.set(idx, final);
    }
    return { id: final!.id, names: spec.tags };
  } finally {
    for (const id of ctx.mounts.values()) await releaseMount(ctx, id);
  }
}

function targetStage(ctx: Ctx): Stage {
  const { stages } = ctx.cf;
  if (ctx.spec.target === undefined) return stages[stages.length - 1]!;
  const want = ctx.spec.target.toLowerCase();
  const t = stages.find((s) => s.name === want);
  if (!t) throw new SkiffError("invalid-argument", `building target stage "${ctx.spec.target}": stage not found`);
  return t;
}

/** The stage a reference names (name or index, before `before`), if any. */
function stageRef(ctx: Ctx, ref: string, before: number): Stage | undefined {
  const lower = ref.toLowerCase();
  const byName = ctx.cf.stages.find((s) => s.name === lower && s.index < before);
  if (byName) return byName;
  if (/^\d+$/.test(ref) && Number(ref) < before) return ctx.cf.stages[Number(ref)];
  return undefined;
}

function fromImageName(ctx: Ctx, from: FromInstruction): string {
  // FROM sees only the global ARGs (and build args overriding them).
  return expandString(from.image, (n) => ctx.globals.get(n), ctx.escape);
}

function neededStages(ctx: Ctx, target: Stage): Set<number> {
  const need = new Set<number>();
  const visit = (s: Stage) => {
    if (need.has(s.index)) return;
    need.add(s.index);
    const dep = stageRef(ctx, fromImageName(ctx, s.from), s.index);
    if (dep) visit(dep);
    for (const i of s.instructions) {
      const refs: string[] = [];
      if (i.kind === "COPY" && i.from !== undefined) refs.push(i.from);
      if (i.kind === "RUN") for (const m of i.mounts) if (m.from !== undefined) refs.push(m.from);
      for (const r of refs) {
        const d = stageRef(ctx, r, s.index);
        if (d) visit(d);
      }
    }
  };
  visit(target);
  return need;
}

async function loadImage(ctx: Ctx, ref: string): Promise<ImageState> {
  const [{ findLocalImage }, { readBlob }, { layersOfImage }] = await Promise.all([
    import("../storage/image-lookup.ts"), import("../storage/blobs.ts"), import("../storage/image-writer.ts"),
  ]);
  let img = ctx.spec.pull === "always" || ctx.spec.pull === "newer" ? undefined : findLocalImage(ctx.db, ref, ["localhost"]);
  if (!img) {
    if (ctx.spec.pull === "never") throw new SkiffError("not-found", `${ref}: image not known`);
    const { pullImage } = await import("../engine/pull.ts");
    const [r] = await pullImage(ctx.g, ref, ctx.spec.tlsVerify === undefined ? {} : { tlsVerify: ctx.spec.tlsVerify });
    const { getImage } = await import("../storage/images.ts");
    img = r ? getImage(ctx.db, r.id) : undefined;
    if (!img) throw new SkiffError("not-found", `${ref}: image not known`);
  }
  const config = JSON.parse(readBlob(ctx.store, `sha256:${img.id}`).toString("utf8"));
  return { id: img.id, config, layers: await layersOfImage(ctx.store, ctx.db, img) };
}

function scratch(): ImageState {
  // Buildah gives an image built from scratch the default PATH (spec-generate.ts DEFAULT_PATH).
  return { id: "", config: { architecture: hostArch(), os: "linux", config: { Env: [SCRATCH_PATH] }, rootfs: { type: "layers", diff_ids: [] }, history: [] }, layers: [] };
}

async function baseOf(ctx: Ctx, stage: Stage): Promise<ImageState> {
  const name = fromImageName(ctx, stage.from);
  if (stage.from.platform !== undefined) checkPlatform(ctx, stage.from.platform);
  const dep = stageRef(ctx, name, stage.index);
  if (dep) return ctx.results.get(dep.index)!;
  if (name === "scratch") return scratch();
  return loadImage(ctx, name);
}

function checkPlatform(ctx: Ctx, raw: string): void {
  const p = expandString(raw, (n) => ctx.globals.get(n) ?? platformArgs()[n], ctx.escape);
  if (p !== "" && p !== `linux/${hostArch()}`) {
    throw new SkiffError("invalid-argument", `platform "${p}" is not the host's (linux/${hostArch()}): builds for other platforms need emulation, which skiff does not do`);
  }
}

/** Mutable per-stage build state. */
interface StageState {
  image: ImageState;
  env: Map<string, string>;
  args: Map<string, string | undefined>;
  /** Layers of the stage's base: what --squash keeps. */
  readonly baseLayers: number;
  /** A CMD instruction ran in this stage (ENTRYPOINT then keeps it). */
  cmdSet: boolean;
}

function envOf(cfg: Record<string, any>): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of (cfg.config?.Env ?? []) as string[]) {
    const i = l.indexOf("=");
    m.set(i < 0 ? l : l.slice(0, i), i < 0 ? "" : l.slice(i + 1));
  }
  return m;
}

async function buildStage(ctx: Ctx, stage: Stage, prefix: string, isFinal: boolean): Promise<ImageState> {
  const base = await baseOf(ctx, stage);
  const { parseTrigger } = await import("./parse/index.ts");
  const triggers: Instruction[] = ((base.config.config?.OnBuild ?? []) as string[]).map((t) => parseTrigger(t, ctx.escape));
  const instrs = [...triggers, ...stage.instructions];
  const total = instrs.length + 1;
  ctx.io.line(`${prefix}STEP 1/${total}: ${stage.from.original}\n`);
  const st: StageState = { image: base, env: envOf(base.config), args: new Map(), baseLayers: base.layers.length, cmdSet: false };
  if (instrs.length === 0) return base;
  for (const [i, instr] of instrs.entries()) {
    const last = i === instrs.length - 1;
    const commitNames = isFinal && last ? ctx.spec.tags : [];
    ctx.io.line(`${prefix}STEP ${i + 2}/${total}: ${instr.original}\n`);
    // Triggers from the base run once: the new image does not inherit them.
    if (i === 0 && triggers.length > 0) st.image = { ...st.image, config: { ...st.image.config, config: { ...st.image.config.config, OnBuild: undefined } } };
    await step(ctx, st, instr, { last: isFinal && last, names: commitNames, prefix, stepIndex: i + 2 });
  }
  return st.image;
}

interface StepInfo {
  /** The final stage's last step: gets --label/--annotation and the tags. */
  readonly last: boolean;
  readonly names: readonly string[];
  readonly prefix: string;
  readonly stepIndex: number;
}

function lookupFn(st: StageState): (n: string) => string | undefined {
  return (n) => st.env.get(n) ?? st.args.get(n);
}

/** Build args in effect (declared in the stage, with a value), for cache keys and RUN's history. */
function argsInEffect(st: StageState): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of st.args) if (v !== undefined) out[k] = v;
  return out;
}

function createdTime(ctx: Ctx): string {
  const t = ctx.spec.timestamp ?? ctx.spec.sourceDateEpoch;
  return new Date(t !== undefined ? t * 1000 : Date.now()).toISOString();
}

/** Drops empty fields from an image's `config`, as Buildah writes it. */
function tidyConfig(c: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(c)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v) && v.length === 0 && k !== "Entrypoint" && k !== "Cmd") continue;
    if (typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return out;
}

async function step(ctx: Ctx, st: StageState, raw: Instruction, info: StepInfo): Promise<void> {
  const { expandInstruction } = await import("./parse/index.ts");
  const lookup = lookupFn(st);
  const instr = expandInstruction(raw, lookup, ctx.escape);
  const cfg: Record<string, any> = { ...(st.image.config.config ?? {}) };
  let author: string | undefined = st.image.config.author;
  let createdBy = `/bin/sh -c #(nop) ${raw.original}`;
  let layerWork: ((root: string) => Promise<void>) | undefined;
  let contentDigest: string | undefined;
  switch (instr.kind) {
    case "ARG":
      for (const d of instr.args) {
        const v = ctx.spec.buildArgs[d.name] ?? d.default ?? (ctx.globals.has(d.name) ? ctx.globals.get(d.name) : platformArgs()[d.name]);
        st.args.set(d.name, v);
      }
      createdBy = `/bin/sh -c #(nop) ARG ${instr.args.map((a) => a.name).join(" ")}`;
      break;
    case "ENV":
      for (const p of instr.pairs) st.env.set(p.key, p.value);
      cfg.Env = [...st.env].map(([k, v]) => `${k}=${v}`);
      break;
    case "LABEL":
      cfg.Labels = { ...(cfg.Labels ?? {}) };
      for (const p of instr.pairs) cfg.Labels[p.key] = p.value;
      break;
    case "MAINTAINER":
      author = instr.maintainer;
      break;
    case "EXPOSE":
      cfg.ExposedPorts = { ...(cfg.ExposedPorts ?? {}) };
      for (const p of instr.ports) cfg.ExposedPorts[p.includes("/") ? p : `${p}/tcp`] = {};
      break;
    case "VOLUME":
      cfg.Volumes = { ...(cfg.Volumes ?? {}) };
      for (const p of instr.paths) if (p !== "") cfg.Volumes[p] = {};
      break;
    case "WORKDIR":
      cfg.WorkingDir = posix.resolve(cfg.WorkingDir || "/", instr.path);
      break;
    case "USER":
      cfg.User = instr.user;
      break;
    case "STOPSIGNAL":
      cfg.StopSignal = instr.signal;
      break;
    case "ENTRYPOINT":
      cfg.Entrypoint = instr.command.form === "exec" ? [...instr.command.args] : [...(cfg.Shell ?? DEFAULT_SHELL), instr.command.command];
      // Docker: ENTRYPOINT resets a CMD inherited from the base; a CMD set in this stage stays.
      if (!st.cmdSet) delete cfg.Cmd;
      break;
    case "CMD":
      st.cmdSet = true;
      cfg.Cmd = instr.command.form === "exec" ? [...instr.command.args] : [...(cfg.Shell ?? DEFAULT_SHELL), instr.command.command];
      break;
    case "SHELL":
      cfg.Shell = [...instr.shell];
      break;
    case "HEALTHCHECK": {
      const hc: Record<string, unknown> = { Test: [...instr.test] };
      if (instr.interval) hc.Interval = instr.interval;
      if (instr.timeout) hc.Timeout = instr.timeout;
      if (instr.startPeriod) hc.StartPeriod = instr.startPeriod;
      if (instr.startInterval) hc.StartInterval = instr.startInterval;
      if (instr.retries) hc.Retries = instr.retries;
      cfg.Healthcheck = hc;
      break;
    }
    case "ONBUILD":
      cfg.OnBuild = [...(cfg.OnBuild ?? []), instr.trigger];
      break;
    case "RUN": {
      const r = await prepareRun(ctx, st, instr, raw as RunInstruction, cfg);
      createdBy = r.createdBy;
      contentDigest = r.digest;
      layerWork = r.work;
      break;
    }
    case "COPY":
    case "ADD": {
      const c = await prepareCopy(ctx, st, instr, cfg);
      createdBy = c.createdBy;
      contentDigest = c.digest;
      layerWork = c.work;
      break;
    }
  }
  if (info.last) {
    if (Object.keys(ctx.spec.labels).length) cfg.Labels = { ...(cfg.Labels ?? {}), ...ctx.spec.labels };
  }
  const { cacheKey, lookupCache, storeCache } = await import("./cache.ts");
  const key = cacheKey({
    parent: st.image.id,
    instruction: JSON.stringify({ ...instr, line: 0, endLine: 0 }),
    args: argsInEffect(st),
    ...(contentDigest !== undefined ? { contentDigest } : {}),
    format: ctx.spec.format,
    ...(ctx.spec.timestamp !== undefined ? { timestamp: ctx.spec.timestamp } : ctx.spec.sourceDateEpoch !== undefined ? { timestamp: ctx.spec.sourceDateEpoch } : {}),
    ...(info.last ? { args: { ...argsInEffect(st), "\0labels": JSON.stringify(ctx.spec.labels), "\0squash": `${ctx.spec.squash}${ctx.spec.squashAll}` } } : {}),
  });
  const useCache = ctx.spec.layers && !ctx.spec.noCache;
  const cached = useCache ? await lookupCache(ctx.store, ctx.db, key) : undefined;
  if (cached) {
    ctx.io.line(`--> Using cache ${cached}\n`);
    st.image = await loadImage(ctx, cached);
    // The cached image holds the same env (ENV steps) as this run would.
    st.env = envOf(st.image.config);
    if (info.names.length) {
      const { addNames } = await import("../storage/images.ts");
      ctx.io.line(`${info.prefix}COMMIT ${ctx.spec.commitName ?? ""}\n`);
      addNames(ctx.db, cached, [...info.names]);
    }
    ctx.io.line(`--> ${cached.slice(0, 11)}\n`);
    return;
  }
  let layers = st.image.layers;
  if (layerWork) {
    const layer = await withWorkingRootfs(ctx, layers, layerWork);
    layers = [...layers, layer];
  }
  const created = createdTime(ctx);
  const history = [...((st.image.config.history ?? []) as object[]), {
    created, created_by: createdBy, ...(st.image.id ? { comment: `FROM ${st.image.id.slice(0, 12)}` } : {}), ...(layerWork ? {} : { empty_layer: true }),
  }];
  let newConfig: Record<string, unknown> = {
    created,
    ...(author ? { author } : {}),
    architecture: st.image.config.architecture ?? hostArch(),
    os: st.image.config.os ?? "linux",
    ...(st.image.config.variant ? { variant: st.image.config.variant } : {}),
    // Shell, Healthcheck and OnBuild are kept in the OCI format too (Podman 4.3 drops them with a
    // warning; Docker's documented behaviour is the reference, and OCI readers ignore extra fields).
    config: tidyConfig(cfg),
    rootfs: { type: "layers", diff_ids: [] },
    history,
  };
  if (info.last && (ctx.spec.squash || ctx.spec.squashAll)) {
    layers = await squashLayers(ctx, layers, ctx.spec.squashAll ? 0 : st.baseLayers);
    newConfig = { ...newConfig, history: [{ created, created_by: createdBy }] };
  }
  const { writeImage } = await import("../storage/image-writer.ts");
  if (info.names.length) ctx.io.line(`${info.prefix}COMMIT ${ctx.spec.commitName ?? ""}\n`);
  const written = await writeImage(ctx.store, ctx.db, {
    config: newConfig, layers, format: ctx.spec.format, names: [...info.names],
    ...(info.last && Object.keys(ctx.spec.annotations).length ? { annotations: { ...ctx.spec.annotations } } : {}),
  });
  const id = written.image.id;
  if (ctx.spec.layers) storeCache(ctx.store, key, id);
  st.image = { id, config: JSON.parse(new TextDecoder().decode(await readConfig(ctx, id))), layers };
  ctx.io.line(`--> ${id.slice(0, 11)}\n`);
}

async function readConfig(ctx: Ctx, id: string): Promise<Uint8Array> {
  const { readBlob } = await import("../storage/blobs.ts");
  return readBlob(ctx.store, `sha256:${id}`);
}

/**
 * Mounts an overlay of `layers` with a fresh upper folder, lets `work` change
 * it, and commits the upper folder as a new layer on top.
 */
async function withWorkingRootfs(ctx: Ctx, layers: readonly ImageLayer[], work: (root: string) => Promise<void>): Promise<ImageLayer> {
  const [{ mountRootfs, unmountRootfs }, { containerDir, containerMergedDir, containerUpperDir }, { layerChain }, { commitLayerFromDir }] = await Promise.all([
    import("../storage/overlay.ts"), import("../storage/layout.ts"), import("../storage/layers.ts"), import("../storage/image-writer.ts"),
  ]);
  const wid = randomBytes(32).toString("hex");
  const top = layers.length ? layers[layers.length - 1]!.chainId : null;
  try {
    await mountRootfs(ctx.store, wid, top ? layerChain(ctx.db, top).map((l) => l.link) : []);
    try {
      await work(containerMergedDir(ctx.store, wid));
    } finally {
      await unmountRootfs(ctx.store, wid);
    }
    const ts = ctx.spec.timestamp ?? ctx.spec.sourceDateEpoch;
    // Stored uncompressed, as containers-storage keeps a build's layers: compressing is push's work.
    return await commitLayerFromDir(ctx.store, ctx.db, {
      dir: containerUpperDir(ctx.store, wid), parent: top, compression: "none",
      ...(ts !== undefined ? { timestamp: ts, clampTimestamp: ctx.spec.timestamp === undefined } : {}),
    });
  } finally {
    rmSync(containerDir(ctx.store, wid), { recursive: true, force: true });
  }
}

/** A read-only view of an image's rootfs (for COPY --from, RUN --mount from=), mounted once per build. */
async function imageRootfs(ctx: Ctx, image: ImageState): Promise<string> {
  const [{ mountRootfs }, { containerMergedDir }, { layerChain }] = await Promise.all([
    import("../storage/overlay.ts"), import("../storage/layout.ts"), import("../storage/layers.ts"),
  ]);
  const key = image.id || "scratch";
  let wid = ctx.mounts.get(key);
  if (!wid) {
    wid = randomBytes(32).toString("hex");
    ctx.mounts.set(key, wid);
    const top = image.layers.length ? image.layers[image.layers.length - 1]!.chainId : null;
    await mountRootfs(ctx.store, wid, top ? layerChain(ctx.db, top).map((l) => l.link) : []);
  }
  return containerMergedDir(ctx.store, wid);
}

async function releaseMount(ctx: Ctx, wid: string): Promise<void> {
  const [{ unmountRootfs }, { containerDir }] = await Promise.all([import("../storage/overlay.ts"), import("../storage/layout.ts")]);
  try { await unmountRootfs(ctx.store, wid); } catch {}
  rmSync(containerDir(ctx.store, wid), { recursive: true, force: true });
}

/** The image a `--from` names: an earlier stage, else an image (pulled if missing). */
async function fromSource(ctx: Ctx, ref: string, before: number): Promise<ImageState> {
  const s = stageRef(ctx, ref, before);
  if (s) {
    const r = ctx.results.get(s.index);
    if (!r) throw new SkiffError("invalid-argument", `stage "${ref}" was not built`);
    return r;
  }
  return loadImage(ctx, ref);
}

/** The argv a RUN executes, and the text Podman records in history. */
async function runArgv(ctx: Ctx, instr: RunInstruction, shell: readonly string[]): Promise<{ argv: string[]; file?: { name: string; content: string } }> {
  const { runCommand } = await import("./parse/index.ts");
  const rc = runCommand(instr);
  if (rc.form === "exec") return { argv: [...rc.args] };
  if (rc.form === "shell") return { argv: [...shell, rc.script] };
  return { argv: [`/dev/pipes/${rc.name}`], file: { name: rc.name, content: rc.content } };
}

async function prepareRun(ctx: Ctx, st: StageState, instr: RunInstruction, raw: RunInstruction, cfg: Record<string, any>) {
  const shell = (cfg.Shell as string[] | undefined) ?? DEFAULT_SHELL;
  const { argv, file } = await runArgv(ctx, instr, shell);
  const args = argsInEffect(st);
  const argWords = Object.entries(args).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`);
  // Buildah records "/bin/sh -c" and the instruction's text after RUN (flags included), whatever SHELL says.
  const createdBy = `${argWords.length ? `|${argWords.length} ${argWords.join(" ")} ` : ""}/bin/sh -c ${raw.original.replace(/^\s*RUN\s+/i, "")}`;
  // Secret contents are not part of the key (as Docker); bind sources from the context are.
  let digest: string | undefined;
  const binds = instr.mounts.filter((m) => m.type === "bind" && m.from === undefined);
  if (binds.length) {
    const { treeDigest } = await import("./cache.ts");
    digest = createHash("sha256").update(binds.map((m) => treeDigest(contextPath(ctx, m.source ?? "."))).join(",")).digest("hex");
  }
  if (file) digest = createHash("sha256").update((digest ?? "") + file.content).digest("hex");
  const work = async (root: string) => {
    const tmp: string[] = [];
    const mounts: MountSpec[] = [];
    try {
      for (const m of instr.mounts) mounts.push(...(await runMount(ctx, st, m, tmp)));
      // VOLUME folders exist in the image, but what a later RUN writes there is discarded (Docker's rule):
      // the step sees a scratch copy of each.
      for (const v of Object.keys((cfg.Volumes ?? {}) as object)) {
        const { resolveInRoot } = await import("../oci/user.ts");
        const host = resolveInRoot(root, v);
        if (!existsSync(host)) mkdirSync(host, { recursive: true, mode: 0o755 });
        const dir = mkdtempSync(join(ctx.store.root, "tmp-build-"));
        tmp.push(dir);
        cpSync(host, join(dir, "v"), { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
        mounts.push({ type: "bind", source: join(dir, "v"), destination: v, readonly: false });
      }
      if (file) {
        const dir = mkdtempSync(join(ctx.store.root, "tmp-build-"));
        tmp.push(dir);
        writeFileSync(join(dir, file.name), file.content, { mode: 0o755 });
        mounts.push({ type: "bind", source: dir, destination: "/dev/pipes", readonly: true });
      }
      const env: Record<string, string> = {};
      for (const p of PROXY_ARGS) if (ctx.spec.buildArgs[p] !== undefined) env[p] = ctx.spec.buildArgs[p]!;
      Object.assign(env, args, Object.fromEntries(st.env));
      const { runStep } = await import("./run-step.ts");
      const net = instr.network === "none" || instr.network === "host" ? instr.network : ctx.spec.network;
      const code = await runStep(ctx.g, {
        rootfs: root, argv, env, mounts,
        ...(cfg.User ? { user: cfg.User as string } : {}),
        workdir: (cfg.WorkingDir as string | undefined) || "/",
        ...(net !== undefined ? { network: net } : {}),
        capAdd: ctx.spec.capAdd, ulimits: ctx.spec.ulimits,
        stdout: ctx.io.stdout, stderr: ctx.io.stderr,
      });
      if (code !== 0) throw new RunFailedError(`building at STEP "${raw.original}": while running runtime: exit status ${code}`, code);
    } finally {
      for (const d of tmp) rmSync(d, { recursive: true, force: true });
    }
  };
  return { createdBy, digest, work };
}

function contextPath(ctx: Ctx, rel: string): string {
  const clean = posix.normalize("/" + rel);
  return join(resolvePath(ctx.spec.contextDir), clean);
}

async function runMount(ctx: Ctx, st: StageState, m: RunInstruction["mounts"][number], tmp: string[]): Promise<MountSpec[]> {
  switch (m.type) {
    case "cache": {
      const { buildCacheMountDir } = await import("../storage/layout.ts");
      const id = createHash("sha256").update(m.id ?? m.target).digest("hex").slice(0, 32);
      const dir = join(buildCacheMountDir(ctx.store), id);
      if (!existsSync(dir)) {
        mkdirSync(dir, { recursive: true, mode: m.mode ?? 0o755 });
        const { chownSync, chmodSync } = await import("node:fs");
        chownSync(dir, m.uid ?? 0, m.gid ?? 0);
        chmodSync(dir, m.mode ?? 0o755);
      }
      return [{ type: "bind", source: dir, destination: m.target, readonly: m.readOnly }];
    }
    case "tmpfs":
      return [{ type: "tmpfs", destination: m.target, ...(m.size ? { options: [`size=${m.size}`] } : {}) }];
    case "secret": {
      const id = m.id ?? posix.basename(m.target);
      const src = ctx.spec.secrets[id];
      if (src === undefined) {
        if (m.required) throw new SkiffError("invalid-argument", `secret "${id}" is required but was not provided (--secret id=${id},src=…)`);
        return [];
      }
      const dir = mkdtempSync(join(ctx.store.root, "tmp-build-"));
      tmp.push(dir);
      const copy = join(dir, "secret");
      cpSync(src, copy);
      const { chownSync, chmodSync } = await import("node:fs");
      chownSync(copy, m.uid ?? 0, m.gid ?? 0);
      chmodSync(copy, m.mode ?? 0o400);
      return [{ type: "bind", source: copy, destination: m.target, readonly: true }];
    }
    case "bind": {
      let src: string;
      if (m.from !== undefined) {
        const img = await fromSource(ctx, m.from, Number.MAX_SAFE_INTEGER);
        const root = await imageRootfs(ctx, img);
        const { resolveInRoot } = await import("../oci/user.ts");
        src = resolveInRoot(root, m.source ?? "/");
      } else {
        src = contextPath(ctx, m.source ?? ".");
      }
      if (!existsSync(src)) throw new SkiffError("invalid-argument", `bind mount source "${m.source ?? "."}": no such file or directory`);
      if (!m.readOnly) {
        // A writable bind is a scratch copy: the context and the other stage stay as they are.
        const dir = mkdtempSync(join(ctx.store.root, "tmp-build-"));
        tmp.push(dir);
        const copy = join(dir, "src");
        cpSync(src, copy, { recursive: true, preserveTimestamps: true });
        src = copy;
      }
      return [{ type: "bind", source: src, destination: m.target, readonly: m.readOnly }];
    }
    default:
      throw new SkiffError("invalid-argument", `RUN --mount=type=${m.type} is not supported`);
  }
}

async function chownIds(root: string, chown: string | undefined): Promise<{ uid?: number; gid?: number }> {
  if (chown === undefined || chown === "") return {};
  const { resolveUser } = await import("../oci/user.ts");
  const [u, gname] = chown.split(":", 2) as [string, string | undefined];
  const ru = resolveUser(root, u);
  if (gname === undefined) return { uid: ru.uid, gid: /^\d+$/.test(u) ? ru.uid : ru.gid };
  const rg = /^\d+$/.test(gname) ? Number(gname) : resolveUser(root, `0:${gname}`).gid;
  return { uid: ru.uid, gid: rg };
}

function hasGlob(s: string): boolean {
  return /[*?[]/.test(s);
}

async function prepareCopy(ctx: Ctx, st: StageState, instr: CopyInstruction | AddInstruction, cfg: Record<string, any>) {
  const { heredocBody } = await import("./parse/index.ts");
  const { expandHeredoc } = await import("./expand.ts");
  const from = instr.kind === "COPY" ? instr.from : undefined;
  const workdir = (cfg.WorkingDir as string | undefined) || "/";
  let dest = instr.dest.startsWith("/") ? instr.dest : posix.join(workdir, instr.dest) + (instr.dest.endsWith("/") || instr.dest === "." ? "/" : "");
  if (dest === "//") dest = "/";
  const items: CopyItem[] = [];
  const h = createHash("sha256");
  let kind = "file";
  // Heredoc files (COPY <<EOF /dest).
  for (const hd of instr.heredocs) {
    const body = heredocBody(hd);
    const text = hd.expand ? expandHeredoc(body, lookupFn(st)) : body;
    items.push({ kind: "bytes", name: hd.name, data: new TextEncoder().encode(text), mode: 0o644, destIsName: instr.sources.length === 0 && instr.heredocs.length === 1 && !dest.endsWith("/") });
    h.update(`heredoc\0${hd.name}\0${text}\0`);
  }
  let srcRoot: string;
  let filter: ((abs: string, isDir: boolean) => boolean) | undefined;
  let contextOwned = true;
  if (from !== undefined) {
    const img = await fromSource(ctx, from, Number.MAX_SAFE_INTEGER);
    srcRoot = await imageRootfs(ctx, img);
    contextOwned = false;
    h.update(`from\0${img.id}\0`);
  } else {
    srcRoot = resolvePath(ctx.spec.contextDir);
    const ig = await contextFilter(ctx);
    filter = ig;
  }
  const { treeDigest } = await import("./cache.ts");
  for (const s of instr.sources) {
    if (instr.kind === "ADD" && /^https?:\/\//.test(s)) {
      const { fetchUrl } = await import("./copy.ts");
      const f = await fetchUrl(s, instr.checksum);
      items.push({ kind: "bytes", name: f.name, data: f.data, mode: 0o600, ...(f.mtime !== undefined ? { mtime: f.mtime } : {}) });
      h.update(`url\0${s}\0`).update(f.data);
      continue;
    }
    const matches = await resolveSources(srcRoot, s, from !== undefined ? undefined : filter);
    for (const { abs, name } of matches) {
      const isDir = statSync(abs).isDirectory();
      if (isDir) kind = "dir";
      items.push({ kind: "path", abs, name, ...(filter ? { filter } : {}), ...(instr.kind === "ADD" ? { extract: true } : {}) });
      h.update(`${abs.slice(srcRoot.length)}\0${treeDigest(abs, filter ? (rel, d) => filter!(join(abs, rel), d) : undefined)}\0`);
    }
  }
  if (items.length > 1) kind = "multi";
  const digest = h.digest("hex");
  const createdBy = `/bin/sh -c #(nop) ${instr.kind} ${kind}:${digest} in ${instr.dest} `;
  const chmod = instr.chmod !== undefined ? parseInt(instr.chmod, 8) : undefined;
  if (chmod !== undefined && (Number.isNaN(chmod) || chmod > 0o7777)) throw new SkiffError("invalid-argument", `invalid --chmod "${instr.chmod}"`);
  const work = async (root: string) => {
    const ids = await chownIds(root, instr.chown);
    const { copyInto } = await import("./copy.ts");
    await copyInto(root, items, dest, { ...ids, ...(chmod !== undefined ? { mode: chmod } : {}), contextOwned });
  };
  return { createdBy, digest, work };
}

/** The ignore-file filter of the context, on absolute host paths. */
async function contextFilter(ctx: Ctx): Promise<(abs: string, isDir: boolean) => boolean> {
  const root = resolvePath(ctx.spec.contextDir);
  const { loadIgnore } = await import("./ignore.ts");
  const ig = loadIgnore(root, posix.basename(ctx.spec.file.name));
  return (abs, isDir) => {
    const rel = abs.slice(root.length + 1);
    if (rel === "") return true;
    return !ig.ignored(rel, isDir) || (isDir && ig.mayContainIncluded(rel));
  };
}

/** Host paths a COPY source names (globs matched in `root`), ignore file applied. */
async function resolveSources(root: string, src: string, filter: ((abs: string, isDir: boolean) => boolean) | undefined): Promise<{ abs: string; name: string }[]> {
  const clean = posix.normalize("/" + src).replace(/\/+$/, "") || "/";
  if (!hasGlob(clean)) {
    const { resolveInRoot } = await import("../oci/user.ts");
    const abs = clean === "/" ? root : resolveInRoot(root, clean);
    let ok = true;
    try { lstatSync(abs); } catch { ok = false; }
    if (!ok || (filter && abs !== root && !filter(abs, statSync(abs).isDirectory()))) {
      throw new SkiffError("invalid-argument", `checking on sources under "${root}": copier: stat: "${clean}": no such file or directory`);
    }
    return [{ abs, name: posix.basename(clean) }];
  }
  const glob = new Bun.Glob(clean.slice(1));
  const out: { abs: string; name: string }[] = [];
  const { resolveInRoot } = await import("../oci/user.ts");
  for (const rel of glob.scanSync({ cwd: root, onlyFiles: false, dot: true, followSymlinks: false })) {
    const abs = join(root, rel);
    if (rel.includes("/") === false || clean.slice(1).split("/").length === rel.split("/").length) {
      if (filter && !filter(abs, lstatSync(abs).isDirectory())) continue;
      out.push({ abs: resolveInRoot(root, "/" + rel), name: posix.basename(rel) });
    }
  }
  if (out.length === 0) throw new SkiffError("invalid-argument", `checking on sources under "${root}": no items matching glob "${src}"`);
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Squashes `layers` above the first `keep` into one layer. */
async function squashLayers(ctx: Ctx, layers: readonly ImageLayer[], keep: number): Promise<ImageLayer[]> {
  const kept = layers.slice(0, keep);
  const top = layers.slice(keep);
  if (top.length <= 1) return [...layers];
  const [{ commitLayerFromDir }, { layerDiffDir }, { mergeLayerDir }] = await Promise.all([
    import("../storage/image-writer.ts"), import("../storage/layout.ts"), import("./squash.ts"),
  ]);
  const dir = mkdtempSync(join(ctx.store.root, "tmp-build-"));
  try {
    // The stored diff folders are in overlay form: applied bottom to top into one folder, whiteouts and
    // opaque folders included, they are the diff of all of them together.
    for (const l of top) await mergeLayerDir(layerDiffDir(ctx.store, l.chainId), dir);
    const ts = ctx.spec.timestamp ?? ctx.spec.sourceDateEpoch;
    const layer = await commitLayerFromDir(ctx.store, ctx.db, {
      dir, parent: kept.length ? kept[kept.length - 1]!.chainId : null, compression: "none",
      ...(ts !== undefined ? { timestamp: ts, clampTimestamp: ctx.spec.timestamp === undefined } : {}),
    });
    return [...kept, layer];
  } catch (e) {
    throw wrap(e, "squashing layers");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type { Digest };
