/**
 * `commit`: a container's changes (its overlay upper dir) as a new layer on
 * its image, and a new image with the container's settings, as Podman 4.3
 * does it (checked against `podman commit` on the same container):
 *
 * - config.Env is the container's environment without HOSTNAME and HOME
 *   (unless the image or `-e` set them); Entrypoint, Cmd, WorkingDir, User
 *   are the container's as run; ExposedPorts, Volumes, Labels, StopSignal,
 *   OnBuild are the image's plus the container's; then `-c` changes;
 * - a history entry `{created, created_by: "/bin/sh", author?, comment: "FROM <image>"}`
 *   is appended; `-m` becomes the Docker config's top-level `comment`;
 * - the layer is stored uncompressed, as containers-storage keeps it
 *   (media type `…layer.v1.tar`); `push` compresses;
 * - `-m` with the OCI format is refused, as Podman does.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../lib/errors.ts";
import type { GlobalOptions } from "./options.ts";
import type { Digest } from "../image/reference.ts";
import type { ImageConfig } from "../image/manifest.ts";

export interface CommitOptions {
  /** Name for the image as typed (normalised to "localhost/x:latest"); none → untagged. */
  readonly name?: string;
  /** Dockerfile instructions (`-c`): CMD ENTRYPOINT ENV EXPOSE LABEL ONBUILD STOPSIGNAL USER VOLUME WORKDIR. */
  readonly changes?: readonly string[];
  /** `-m`; Docker format only. */
  readonly message?: string;
  /** `-a`. */
  readonly author?: string;
  /** Pause a running container while its files are read. @default true */
  readonly pause?: boolean;
  /** @default "oci" */
  readonly format?: "oci" | "docker";
  /** Progress lines for the CLI (stderr), no printing here. */
  readonly progress?: (line: string) => void;
}

export interface CommitReport {
  /** Image ID (64 hex). */
  readonly id: string;
  readonly names: string[];
}

/** The `config` object of an image config (Docker's container config fields). */
export type RunConfig = Record<string, unknown> & {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  OnBuild?: string[] | null;
};

const CHANGE_INSTRUCTIONS = new Set(["CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "ONBUILD", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"]);

/** Exec form `["a","b"]` or shell form (→ /bin/sh -c "…"), as Dockerfile CMD/ENTRYPOINT. */
function commandForm(value: string): string[] {
  const t = value.trim();
  if (t.startsWith("[")) {
    try {
      const v = JSON.parse(t) as unknown;
      if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
    } catch {}
  }
  return ["/bin/sh", "-c", t];
}

function unquote(s: string): string {
  if (s.length >= 2 && ((s.startsWith('"') && s.endsWith('"')) || (s.startsWith("'") && s.endsWith("'")))) return s.slice(1, -1);
  return s;
}

/** Splits `k=v k2="v 2"` pairs (quotes group, as in Dockerfiles). */
function keyValues(s: string): [string, string][] {
  const out: [string, string][] = [];
  const re = /([^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  for (const m of s.matchAll(re)) out.push([m[1]!, unquote(m[2]!).replace(/\\(.)/g, "$1")]);
  return out;
}

/**
 * Applies `-c/--change` instructions to a run config (returns a new object).
 * Accepts "INSTR value" and Podman's "INSTR=value".
 * @throws SkiffError invalid-argument, Podman's words:
 *   `processing change "BOGUS foo": invalid change "BOGUS foo" - invalid instruction BOGUS`
 */
export function applyChanges(config: RunConfig, changes: readonly string[]): RunConfig {
  let c: RunConfig = { ...config };
  for (const raw of changes) {
    let change = raw.trim();
    let sp = change.search(/\s/);
    const eq = change.indexOf("=");
    if (sp < 0 || (eq >= 0 && eq < sp)) {
      if (eq < 0) throw new SkiffError("invalid-argument", `processing change "${change}": invalid change "${change}" - must be formatted as KEY VALUE`);
      change = `${change.slice(0, eq)} ${change.slice(eq + 1)}`;
      sp = eq;
    }
    const instr = change.slice(0, sp).toUpperCase();
    const value = change.slice(sp + 1).trim();
    const fail = (why: string) => new SkiffError("invalid-argument", `processing change "${change}": invalid change "${change}" - ${why}`);
    if (!CHANGE_INSTRUCTIONS.has(instr)) throw fail(`invalid instruction ${instr}`);
    switch (instr) {
      case "CMD": c.Cmd = commandForm(value); break;
      case "ENTRYPOINT": c.Entrypoint = commandForm(value); break;
      case "ENV": {
        const pairs = value.includes("=") ? keyValues(value) : (() => {
          const i = value.search(/\s/);
          return i < 0 ? [[value, ""] as [string, string]] : [[value.slice(0, i), value.slice(i + 1).trim()] as [string, string]];
        })();
        const env = [...(c.Env ?? [])];
        for (const [k, v] of pairs) {
          const i = env.findIndex((e) => e === k || e.startsWith(`${k}=`));
          if (i >= 0) env[i] = `${k}=${v}`; else env.push(`${k}=${v}`);
        }
        c.Env = env;
        break;
      }
      case "EXPOSE": {
        const ports = { ...(c.ExposedPorts ?? {}) };
        for (const p of value.split(/\s+/).filter(Boolean)) {
          if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/i.test(p)) throw fail(`invalid port "${p}"`);
          ports[p.includes("/") ? p.toLowerCase() : `${p}/tcp`] = {};
        }
        c.ExposedPorts = ports;
        break;
      }
      case "LABEL": {
        const pairs = keyValues(value);
        if (pairs.length === 0) throw fail("LABEL requires KEY=VALUE");
        c.Labels = { ...(c.Labels ?? {}), ...Object.fromEntries(pairs) };
        break;
      }
      case "ONBUILD": c.OnBuild = [...(c.OnBuild ?? []), value]; break;
      case "STOPSIGNAL": c.StopSignal = value; break;
      case "USER": c.User = value; break;
      case "VOLUME": {
        let vols: string[];
        if (value.startsWith("[")) {
          try { vols = JSON.parse(value) as string[]; } catch { throw fail("invalid JSON array for VOLUME"); }
        } else vols = value.split(/\s+/).filter(Boolean);
        c.Volumes = { ...(c.Volumes ?? {}), ...Object.fromEntries(vols.map((v) => [v, {}])) };
        break;
      }
      case "WORKDIR": {
        const wd = value.startsWith("/") ? value : join(c.WorkingDir || "/", value);
        c = { ...c, WorkingDir: wd };
        break;
      }
    }
  }
  return c;
}

/** The run config a container was effectively using: its image's with the container's overrides. */
async function containerRunConfig(spec: import("../spec/container-spec.ts").ContainerSpec, image: RunConfig): Promise<RunConfig> {
  const { processEnv } = await import("../oci/spec-generate.ts");
  const setByUser = new Set([...Object.keys(spec.env ?? {}), ...(image.Env ?? []).map((e) => e.split("=")[0]!)]);
  const env = processEnv(spec, image as ImageConfig["config"] & object, "", "")
    .filter((e) => { const k = e.split("=")[0]!; return (k !== "HOSTNAME" && k !== "HOME") || setByUser.has(k); });
  const c: RunConfig = { ...image, Env: env };
  if (spec.entrypoint !== undefined) {
    c.Entrypoint = [...spec.entrypoint];
    c.Cmd = spec.command !== undefined ? [...spec.command] : null;
  } else if (spec.command !== undefined && spec.command.length > 0) {
    c.Cmd = [...spec.command];
  }
  if (spec.workdir !== undefined) c.WorkingDir = spec.workdir;
  if (spec.user !== undefined) c.User = spec.user;
  if (spec.expose?.length) {
    const ports = { ...(c.ExposedPorts ?? {}) };
    for (const p of spec.expose) ports[p.includes("/") ? p : `${p}/tcp`] = {};
    c.ExposedPorts = ports;
  }
  if (spec.labels && Object.keys(spec.labels).length > 0) c.Labels = { ...(c.Labels ?? {}), ...spec.labels };
  if (spec.stopSignal !== undefined) c.StopSignal = spec.stopSignal;
  return c;
}

/** Go's RFC 3339 with nanoseconds, as containers/image writes `created`. */
export function goTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, (_, f: string) => (f === "000" ? "Z" : `.${f.replace(/0+$/, "")}Z`));
}

/** The Docker-format container config Podman writes (every field, Go's order). */
function dockerRunConfig(c: RunConfig, imageName: string): Record<string, unknown> {
  return {
    Hostname: "", Domainname: "", User: c.User ?? "",
    AttachStdin: false, AttachStdout: false, AttachStderr: false,
    ...(c.ExposedPorts && Object.keys(c.ExposedPorts).length ? { ExposedPorts: c.ExposedPorts } : {}),
    Tty: false, OpenStdin: false, StdinOnce: false,
    Env: c.Env ?? null, Cmd: c.Cmd ?? null,
    ...(c.Healthcheck ? { Healthcheck: c.Healthcheck } : {}),
    Image: imageName, Volumes: c.Volumes && Object.keys(c.Volumes).length ? c.Volumes : null,
    WorkingDir: c.WorkingDir ?? "", Entrypoint: c.Entrypoint ?? null, OnBuild: c.OnBuild ?? null,
    Labels: c.Labels && Object.keys(c.Labels).length ? c.Labels : null,
    ...(c.StopSignal ? { StopSignal: c.StopSignal } : {}),
  };
}

/** OCI image-spec's config object: only the fields it defines, empty ones left out. */
function ociRunConfig(c: RunConfig): RunConfig {
  const out: RunConfig = {};
  if (c.User) out.User = c.User;
  if (c.ExposedPorts && Object.keys(c.ExposedPorts).length) out.ExposedPorts = c.ExposedPorts;
  if (c.Env?.length) out.Env = c.Env;
  if (c.Entrypoint?.length) out.Entrypoint = c.Entrypoint;
  if (c.Cmd?.length) out.Cmd = c.Cmd;
  if (c.Volumes && Object.keys(c.Volumes).length) out.Volumes = c.Volumes;
  if (c.WorkingDir) out.WorkingDir = c.WorkingDir;
  if (c.Labels && Object.keys(c.Labels).length) out.Labels = c.Labels;
  if (c.StopSignal) out.StopSignal = c.StopSignal;
  return out;
}

/**
 * Builds the new image config from the base image's, Podman-style.
 * `run`: the final run config; `history`: the entry to append.
 */
export function commitConfig(
  base: ImageConfig,
  run: RunConfig,
  opts: { format: "oci" | "docker"; created: string; author?: string; message?: string; containerId: string; imageName: string; parentId: string },
): Record<string, unknown> {
  const entry = {
    created: opts.created,
    created_by: "/bin/sh",
    ...(opts.author ? { author: opts.author } : {}),
    // `-m` goes to the Docker config's top-level comment; the history keeps the base.
    comment: `FROM ${opts.imageName}`,
  };
  const history = [...(base.history ?? []), entry];
  if (opts.format === "oci") {
    return {
      created: opts.created,
      ...(opts.author ? { author: opts.author } : {}),
      architecture: base.architecture,
      os: base.os,
      ...(base.variant ? { variant: base.variant } : {}),
      config: ociRunConfig(run),
      rootfs: base.rootfs,
      history,
    };
  }
  const cc = dockerRunConfig(run, opts.imageName);
  return {
    ...(opts.message ? { comment: opts.message } : {}),
    created: opts.created,
    container: opts.containerId,
    container_config: cc,
    ...(opts.author ? { author: opts.author } : {}),
    config: cc,
    architecture: base.architecture,
    os: base.os,
    ...(base.variant ? { variant: base.variant } : {}),
    parent: `sha256:${opts.parentId}`,
    rootfs: base.rootfs,
    history,
  };
}

/**
 * Commits container `ref` to a new image.
 * @throws SkiffError not-found for an unknown container; invalid-argument for
 *   a bad change, `-m` with OCI, a bad name, a `--rootfs` container
 */
export async function commitContainer(g: GlobalOptions, ref: string, opts: CommitOptions = {}): Promise<CommitReport> {
  const format = opts.format ?? "oci";
  if (opts.message && format === "oci") {
    throw new SkiffError("invalid-argument", "messages are only compatible with the docker image format (-f docker)");
  }
  const [{ openImageStore, normalizeTagName }, { resolveContainerId, getContainer }, { getImage }, { readBlob }, m, w, layout, { withLayersLock }] =
    await Promise.all([
      import("./images.ts"),
      import("../core/store.ts"),
      import("../storage/images.ts"),
      import("../storage/blobs.ts"),
      import("../image/manifest.ts"),
      import("../storage/image-writer.ts"),
      import("../storage/layout.ts"),
      import("../storage/layers.ts"),
    ]);
  const store = openImageStore(g);
  const names = opts.name !== undefined ? [normalizeTagName(opts.name)] : [];
  const id = resolveContainerId(store.db, ref);
  const rec = getContainer(store.db, id)!;
  if (rec.config.imageId === null) throw new SkiffError("invalid-argument", `container ${id} has no image (--rootfs): nothing to commit onto`);
  const img = getImage(store.db, rec.config.imageId);
  if (!img) throw new SkiffError("not-found", `${rec.config.imageId}: image not known`);
  const base = m.parseImageConfig(readBlob(store.layout, `sha256:${img.id}` as Digest));
  let run = await containerRunConfig(rec.config.spec, (base.config ?? {}) as RunConfig);
  try {
    run = applyChanges(run, opts.changes ?? []);
  } catch (e) {
    throw new SkiffError("invalid-argument", `applying changes: ${(e as Error).message}`, { cause: e });
  }
  const emit = opts.progress ?? (() => {});

  return withLayersLock(store.layout, "shared", async () => {
    const baseLayers = await w.layersOfImage(store.layout, store.db, img);
    emit("Getting image source signatures");
    for (const l of baseLayers) emit(`Copying blob ${l.blobDigest.slice(7, 19)} skipped: already exists`);
    let upper = layout.containerUpperDir(store.layout, id);
    let scratch: string | undefined;
    if (!existsSync(upper)) {
      scratch = mkdtempSync(join(layout.tmpDir(store.layout), "commit-"));
      upper = scratch;
    }
    const paused = (opts.pause ?? true) && rec.state.status === "running" ? await pauseFor(g, id) : undefined;
    let layer;
    try {
      layer = await w.commitLayerFromDir(store.layout, store.db, { dir: upper, parent: img.topLayer, compression: "none" });
    } finally {
      await paused?.();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    }
    emit(`Copying blob ${layer.blobDigest.slice(7, 19)} done`);
    const now = goTimestamp(Date.now());
    const config = commitConfig(base, run, {
      format, created: now, containerId: id, imageName: rec.config.imageName, parentId: img.id,
      ...(opts.author !== undefined ? { author: opts.author } : {}),
      ...(opts.message !== undefined ? { message: opts.message } : {}),
    });
    const written = await w.writeImage(store.layout, store.db, { config, layers: [...baseLayers, layer], format, names });
    emit(`Copying config ${written.configDigest.slice(7, 19)} done`);
    emit("Writing manifest to image destination");
    emit("Storing signatures");
    return { id: written.image.id, names };
  });
}

/** Pauses a running container; returns the function that resumes it. */
async function pauseFor(g: GlobalOptions, id: string): Promise<() => Promise<void>> {
  const [{ lifecycleContext }, { setPaused }] = await Promise.all([import("./containers.ts"), import("../core/lifecycle.ts")]);
  const ctx = await lifecycleContext(g);
  await setPaused(ctx, id, true);
  return () => setPaused(ctx, id, false);
}
