/**
 * The build corpus: what is recorded once from `podman build` and checked
 * against skiff's build. Shared by record.ts (podman, outside CI) and
 * tests/e2e/build-corpus.test.ts (skiff), so both sides observe an image the
 * same way, through the engine's CLI:
 *   - the image config (the fields below), read from the config blob;
 *   - the rootfs, as the entries that differ from the final stage's base
 *     image (path, type, mode, owner, link target, size and sha256 of
 *     regular files) plus the base paths removed; timestamps and package
 *     manager logs/caches are left out;
 *   - the stdout of one `run --rm` of the image.
 *
 * A case is a folder: Containerfile (or Dockerfile), its context, and an
 * optional case.json (`CaseSpec`). expected.json (`CaseFacts`) is written by
 * record.ts.
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { basename, join } from "node:path";

export const corpusDir = import.meta.dir;
export const BUSYBOX = "localhost:5000/busybox:latest";
export const DEBIAN = "localhost:5000/debian:bookworm";

export interface CaseSpec {
  /** Extra build flags; `{ctx}` is replaced by the case folder. */
  readonly args?: readonly string[];
  /** Files served over HTTP at `--build-arg BASE_URL=http://127.0.0.1:<port>`. */
  readonly serve?: Readonly<Record<string, string>>;
  /** The image is tagged so (default localhost/corpus-<case>). */
  readonly tag?: string;
  /** A case to build first (its image is this one's base). */
  readonly needs?: string;
  /** Builds that use apt against the Debian mirror (need a network). */
  readonly apt?: boolean;
  /** Why the expectation does not come from podman (a feature podman 4.3.1 lacks). */
  readonly podmanLacks?: string;
}

export interface Entry {
  readonly path: string;
  /** f, d, l, c, b, p, s */
  readonly type: string;
  /** Permission bits in octal, 4 digits. */
  readonly mode: string;
  readonly uid: number;
  readonly gid: number;
  readonly link?: string;
  readonly size?: number;
  readonly sha256?: string;
}

export interface CaseFacts {
  readonly note?: string;
  readonly config: Record<string, unknown>;
  readonly history?: readonly { created_by: string; empty_layer: boolean }[];
  /** Entries added or changed relative to the base image. */
  readonly changed: readonly Entry[];
  /** Base image paths absent from the result. */
  readonly removed: readonly string[];
  /** stdout of `run --rm <image>`. */
  readonly runOutput: string;
}

export interface CaseInfo {
  readonly name: string;
  readonly dir: string;
  readonly file: string;
  readonly spec: CaseSpec;
  readonly tag: string;
  /** The final stage's base image, or undefined for scratch. */
  readonly base: string | undefined;
}

export function listCases(): CaseInfo[] {
  return readdirSync(corpusDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^\d\d-/.test(d.name))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const dir = join(corpusDir, name);
      const file = existsSync(join(dir, "Containerfile")) ? "Containerfile" : "Dockerfile";
      const spec: CaseSpec = existsSync(join(dir, "case.json")) ? JSON.parse(readFileSync(join(dir, "case.json"), "utf8")) : {};
      const text = readFileSync(join(dir, file), "utf8");
      const froms = [...text.matchAll(/^FROM\s+(?:--\S+\s+)*(\S+)/gim)].map((m) => m[1]!);
      const last = froms[froms.length - 1] ?? "";
      const base = last === "scratch" ? undefined : /debian/.test(last) ? DEBIAN : BUSYBOX;
      return { name, dir, file, spec, tag: spec.tag ?? `localhost/corpus-${name}`, base };
    });
}

/** The config fields compared; absent, null and empty values all read as absent. */
export const CONFIG_FIELDS = [
  "Entrypoint", "Cmd", "Env", "WorkingDir", "User", "ExposedPorts", "Volumes", "Labels", "OnBuild", "StopSignal", "Healthcheck", "Shell",
] as const;

/** The compared part of an image config blob (OCI or Docker), plus `author`. */
export function configFacts(blob: Record<string, any>): Record<string, unknown> {
  const c = (blob.config ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of CONFIG_FIELDS) {
    const v = c[k];
    if (v === undefined || v === null || v === "") continue;
    if (typeof v === "object" && Object.keys(v as object).length === 0) continue;
    out[k] = v;
  }
  if (blob.author) out.author = blob.author;
  return out;
}

export function historyFacts(blob: Record<string, any>): { created_by: string; empty_layer: boolean }[] {
  return ((blob.history ?? []) as any[]).map((h) => ({ created_by: String(h.created_by ?? ""), empty_layer: h.empty_layer === true }));
}

/** Paths left out entirely: package-manager logs and caches, and files that differ run to run. */
const SKIP = [
  /^\/var\/log\/./, /^\/var\/cache\/apt\/./, /^\/var\/lib\/apt\/lists\/./, /^\/var\/lib\/dpkg\/[^/]*-old$/,
  /^\/var\/cache\/debconf\/[^/]*-old$/, /^\/var\/cache\/ldconfig\/./,
];
/** Regular files whose content is not compared (package-manager state with timestamps or unstable order). */
const NO_HASH = [/^\/var\/lib\/dpkg\//, /^\/var\/cache\/debconf\//, /^\/etc\/ld\.so\.cache$/, /^\/var\/lib\/apt\//];

const TYPE_OF = (m: number) => ({ 0o100000: "f", 0o040000: "d", 0o120000: "l", 0o020000: "c", 0o060000: "b", 0o010000: "p", 0o140000: "s" })[m & 0o170000] ?? "?";

/** Every entry under `root` (a mounted image rootfs), sorted by path; `/` itself left out. */
export function listRootfs(root: string): Entry[] {
  const out: Entry[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const path = `${rel}/${name}`;
      if (SKIP.some((r) => r.test(path))) continue;
      const st = lstatSync(join(root, path));
      const type = TYPE_OF(st.mode);
      const e: Entry = {
        path, type, mode: (st.mode & 0o7777).toString(8).padStart(4, "0"), uid: st.uid, gid: st.gid,
        ...(type === "l" ? { link: readlinkSync(join(root, path)) } : {}),
        ...(type === "f" ? { size: st.size } : {}),
        ...(type === "f" && !NO_HASH.some((r) => r.test(path)) ? { sha256: createHash("sha256").update(readFileSync(join(root, path))).digest("hex") } : {}),
      };
      out.push(e);
      if (type === "d") walk(path);
    }
  };
  walk("");
  return out;
}

/** Entries of `after` not identical in `before`, and paths of `before` gone from `after`. */
export function diffListing(before: readonly Entry[], after: readonly Entry[]): { changed: Entry[]; removed: string[] } {
  const key = (e: Entry) => JSON.stringify(e);
  const b = new Map(before.map((e) => [e.path, key(e)]));
  const a = new Set(after.map((e) => e.path));
  return {
    changed: after.filter((e) => b.get(e.path) !== key(e)),
    removed: before.filter((e) => !a.has(e.path)).map((e) => e.path),
  };
}

/** A CLI of one engine: podman or skiff, with its store flags. */
export type Cli = (args: readonly string[], opts?: { input?: string }) => Promise<{ code: number; stdout: string; stderr: string }>;

async function must(cli: Cli, args: readonly string[]): Promise<string> {
  const r = await cli(args);
  if (r.code !== 0) throw new Error(`${args.join(" ")}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** The rootfs listing of an image, through create + mount (no process runs). */
export async function imageListing(cli: Cli, image: string): Promise<Entry[]> {
  const id = (await must(cli, ["create", "--network", "none", image, "true"])).trim();
  try {
    const dir = (await must(cli, ["mount", id])).trim();
    try {
      return listRootfs(dir);
    } finally {
      await cli(["unmount", id]);
    }
  } finally {
    await cli(["rm", "-f", id]);
  }
}

const META = new Set(["expected.json", "case.json", "Containerfile.equivalent"]);

/**
 * A copy of the case folder without the corpus's own files (expected.json,
 * case.json, Containerfile.equivalent), so `COPY .` sees only the context.
 * The caller removes it.
 */
export function stageContext(c: CaseInfo, tmp: string): string {
  const dir = mkdtempSync(join(tmp, `ctx-${c.name}-`));
  cpSync(c.dir, dir, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true, filter: (src) => !META.has(basename(src)) || src === c.dir });
  return dir;
}

/** The build flags of a case (without -t, -f and the context). */
export function buildArgs(c: CaseInfo, baseUrl?: string, ctxDir = c.dir): string[] {
  const args = (c.spec.args ?? []).map((a) => a.replaceAll("{ctx}", ctxDir));
  if (baseUrl) args.push("--build-arg", `BASE_URL=${baseUrl}`);
  return args;
}

/** Serves a case's `serve` files on 127.0.0.1 (ADD of a URL); returns the base URL and the stopper. */
export function serveFiles(files: Readonly<Record<string, string>>): { url: string; stop: () => void } {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const name = new URL(req.url).pathname.slice(1);
      const body = files[name];
      return body === undefined ? new Response("not found", { status: 404 }) : new Response(body, { headers: { "Last-Modified": "Thu, 01 Jan 2015 00:00:00 GMT" } });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}

/**
 * Observes a built image: config, history, rootfs changes against the
 * base's listing, and one run's stdout.
 * @param configBlob the image's config JSON as stored
 */
export async function observe(cli: Cli, image: string, configBlob: Record<string, any>, baseListing: readonly Entry[]): Promise<CaseFacts> {
  const listing = await imageListing(cli, image);
  const { changed, removed } = diffListing(baseListing, listing);
  const run = await cli(["run", "--rm", "--network", "none", image]);
  if (run.code !== 0) throw new Error(`run ${image}: exit ${run.code}: ${run.stderr}`);
  return { config: configFacts(configBlob), history: historyFacts(configBlob), changed, removed, runOutput: run.stdout };
}
