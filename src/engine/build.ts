/**
 * `build`: resolves the context (a folder, a tarball file or URL, or a tar
 * on stdin) and the Containerfile (`-f`, `-f -`, or Containerfile /
 * Dockerfile in the context), then runs the executor (build/executor.ts).
 * A context given as a tarball is unpacked into a temporary folder under the
 * store, removed when the build ends, whatever its outcome.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { SkiffError } from "../lib/errors.ts";
import type { GlobalOptions } from "./options.ts";
import type { BuildIO, BuildReport, BuildSpec } from "../build/executor.ts";
import type { UlimitSpec } from "../spec/container-spec.ts";

/** A RUN step exited non-zero: `build` exits with that status, as Podman does. */
export { RunFailedError } from "../build/executor.ts";

export interface BuildOptions {
  /** Context as given: folder, tar file, http(s) URL of a tar, or "-" (stdin: a tar, or a Containerfile). @default "." */
  readonly context?: string;
  /** `-f` values; "-" reads stdin. The first is used. */
  readonly files?: readonly string[];
  readonly tags?: readonly string[];
  readonly buildArgs?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** @default "oci" */
  readonly format?: "oci" | "docker";
  readonly target?: string;
  readonly noCache?: boolean;
  /** @default true */
  readonly layers?: boolean;
  /** @default "missing" */
  readonly pull?: string;
  readonly timestamp?: number;
  readonly sourceDateEpoch?: number;
  readonly network?: string;
  readonly secrets?: Readonly<Record<string, string>>;
  readonly capAdd?: readonly string[];
  readonly ulimits?: readonly UlimitSpec[];
  readonly squash?: boolean;
  readonly squashAll?: boolean;
  readonly tlsVerify?: boolean;
  /** Reads all of stdin (for "-"). */
  readonly readStdin?: () => Promise<Uint8Array>;
}

function isTar(b: Uint8Array): boolean {
  const s = Buffer.from(b.subarray(0, 512));
  return (s[0] === 0x1f && s[1] === 0x8b) || s.subarray(0, 3).toString("latin1") === "BZh" || (b.length >= 262 && s.subarray(257, 262).toString("latin1") === "ustar");
}

async function untar(data: Uint8Array | string, dir: string): Promise<void> {
  const args = typeof data === "string" ? ["tar", "-x", "-f", data, "-C", dir] : ["tar", "-x", "-f", "-", "-C", dir];
  const p = Bun.spawn(args, { stdin: typeof data === "string" ? "ignore" : data, stdout: "ignore", stderr: "pipe" });
  const [code, err] = await Promise.all([p.exited, new Response(p.stderr).text()]);
  if (code !== 0) throw new SkiffError("invalid-argument", `extracting build context: ${err.trim()}`);
}

/**
 * Builds an image.
 * @returns the image ID and names
 * @throws SkiffError invalid-argument for a missing context or Containerfile, bad flags; see executeBuild for the rest
 */
export async function buildImage(g: GlobalOptions, opts: BuildOptions, io: BuildIO): Promise<BuildReport> {
  const { tmpDir } = await import("../storage/layout.ts");
  const tmpRoot = tmpDir({ root: g.root, runroot: g.runroot });
  let tmp: string | undefined;
  const scratchDir = () => {
    mkdirSync(tmpRoot, { recursive: true });
    tmp ??= mkdtempSync(join(tmpRoot, "build-context-"));
    return tmp;
  };
  try {
    let stdin: Uint8Array | undefined;
    const readStdin = async () => (stdin ??= opts.readStdin ? await opts.readStdin() : new Uint8Array());
    let contextDir: string;
    let fileText: { text: string; name: string } | undefined;
    const ctxArg = opts.context ?? ".";
    if (ctxArg === "-") {
      const data = await readStdin();
      if (isTar(data)) {
        contextDir = scratchDir();
        await untar(data, contextDir);
      } else {
        // A Containerfile on stdin: an empty context.
        contextDir = scratchDir();
        fileText = { text: new TextDecoder().decode(data), name: "-" };
      }
    } else if (/^https?:\/\//.test(ctxArg)) {
      const res = await fetch(ctxArg).catch((e: unknown) => { throw new SkiffError("invalid-argument", `downloading build context "${ctxArg}": ${(e as Error).message}`); });
      if (!res.ok) throw new SkiffError("invalid-argument", `downloading build context "${ctxArg}": invalid response status ${res.status}`);
      const data = new Uint8Array(await res.arrayBuffer());
      contextDir = scratchDir();
      if (isTar(data)) await untar(data, contextDir);
      else fileText = { text: new TextDecoder().decode(data), name: ctxArg };
    } else {
      const abs = resolve(ctxArg);
      if (!existsSync(abs)) throw new SkiffError("invalid-argument", `stat ${ctxArg}: no such file or directory`);
      if (statSync(abs).isDirectory()) contextDir = abs;
      else {
        contextDir = scratchDir();
        await untar(abs, contextDir);
      }
    }
    const f = opts.files?.[0];
    if (f === "-") {
      fileText = { text: new TextDecoder().decode(await readStdin()), name: "-" };
    } else if (f !== undefined) {
      const path = isAbsolute(f) || existsSync(f) ? resolve(f) : join(contextDir, f);
      if (!existsSync(path)) throw new SkiffError("invalid-argument", `the specified Containerfile or Dockerfile does not exist, ${f}: no such file or directory`);
      fileText = { text: readFileSync(path, "utf8"), name: path };
    } else if (!fileText) {
      const found = ["Containerfile", "Dockerfile"].map((n) => join(contextDir, n)).find((p) => existsSync(p));
      if (!found) throw new SkiffError("invalid-argument", `no Containerfile or Dockerfile specified or found in context directory, ${contextDir}: no such file or directory`);
      fileText = { text: readFileSync(found, "utf8"), name: found };
    }
    const { normalizeTagName } = await import("./images.ts");
    const spec: BuildSpec = {
      contextDir,
      file: fileText,
      tags: (opts.tags ?? []).map(normalizeTagName),
      ...(opts.tags?.[0] !== undefined ? { commitName: opts.tags[0] } : {}),
      buildArgs: opts.buildArgs ?? {},
      labels: opts.labels ?? {},
      annotations: opts.annotations ?? {},
      format: opts.format ?? "oci",
      ...(opts.target !== undefined ? { target: opts.target } : {}),
      noCache: opts.noCache ?? false,
      layers: opts.layers ?? true,
      pull: opts.pull ?? "missing",
      ...(opts.timestamp !== undefined ? { timestamp: opts.timestamp } : {}),
      ...(opts.sourceDateEpoch !== undefined ? { sourceDateEpoch: opts.sourceDateEpoch } : {}),
      ...(opts.network !== undefined ? { network: opts.network } : {}),
      secrets: opts.secrets ?? {},
      capAdd: opts.capAdd ?? [],
      ulimits: opts.ulimits ?? [],
      squash: opts.squash ?? false,
      squashAll: opts.squashAll ?? false,
      ...(opts.tlsVerify !== undefined ? { tlsVerify: opts.tlsVerify } : {}),
    };
    const { executeBuild } = await import("../build/executor.ts");
    return await executeBuild(g, spec, io);
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

/** Writes `--iidfile`. */
export function writeIidFile(path: string, id: string): void {
  writeFileSync(path, `sha256:${id}`);
}
