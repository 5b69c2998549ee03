/**
 * Reuse of crun's compiled seccomp filter across container starts.
 *
 * crun compiles `linux.seccomp` with libseccomp on every `create` (about
 * 30 ms for containers-common's default profile on these machines: a third
 * of a `run`). It keeps the result as `<state root>/<id>/seccomp.bpf`, and it
 * accepts a precompiled filter through the `run.oci.seccomp_bpf_data`
 * annotation (base64 of the raw `seccomp(SECCOMP_SET_MODE_FILTER)`
 * program; crun then ignores the JSON section). So after one create we keep
 * that file, keyed by a digest of everything the compilation depends on
 * (the seccomp section, the seccomp annotations, the runtime binary), and
 * hand it back on the next start with the same profile. crun ≥ 1.7 has the
 * same cache internally, but only when built with libgcrypt, which Debian's
 * 1.8.1 is not.
 *
 * Only crun reads the annotation, so runc containers are left alone. A
 * profile with a `listenerPath` (seccomp notify) is compiled every time.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { writeFileAtomic } from "../lib/atomic.ts";

export const BPF_ANNOTATION = "run.oci.seccomp_bpf_data";

interface SpecView {
  annotations?: Record<string, string>;
  linux?: { seccomp?: { listenerPath?: string } & Record<string, unknown> };
}

/**
 * The cache key for a runtime spec, or undefined when the filter must not
 * come from the cache (not crun, no seccomp section, seccomp notify, or a
 * filter already given by annotation).
 * @param runtimePath absolute path of the OCI runtime binary
 * @returns 64 hex chars
 */
export function seccompCacheKey(runtimePath: string, spec: object): string | undefined {
  const s = spec as SpecView;
  const seccomp = s.linux?.seccomp;
  if (!seccomp || seccomp.listenerPath || basename(runtimePath) !== "crun") return undefined;
  if (s.annotations?.[BPF_ANNOTATION] !== undefined) return undefined;
  let bin: { size: number; mtimeMs: number; ino: number };
  try { bin = statSync(runtimePath); } catch { return undefined; }
  const seccompAnnotations = Object.entries(s.annotations ?? {}).filter(([k]) => k.startsWith("run.oci.seccomp")).sort();
  return createHash("sha256")
    .update(JSON.stringify([runtimePath, bin.size, bin.mtimeMs, bin.ino, process.arch, seccompAnnotations, seccomp]))
    .digest("hex");
}

/**
 * Puts a cached filter into `spec.annotations` (mutates `spec`).
 * @returns true when the cache had one
 */
export function applyCachedSeccomp(cacheDir: string, key: string, spec: object): boolean {
  let bpf: Buffer;
  try { bpf = readFileSync(join(cacheDir, `${key}.bpf`)); } catch { return false; }
  // A classic BPF program is a whole number of 8-byte instructions; anything else is a torn or foreign file.
  if (bpf.length === 0 || bpf.length % 8 !== 0) return false;
  const s = spec as SpecView;
  s.annotations = { ...(s.annotations ?? {}), [BPF_ANNOTATION]: bpf.toString("base64") };
  return true;
}

/**
 * Keeps the filter the runtime compiled for container `id` (call after a
 * successful create). Best effort: a missing file or a full disk only means
 * the next start compiles again.
 */
export function storeCompiledSeccomp(cacheDir: string, key: string, runtimeStateRoot: string, id: string): void {
  try {
    const bpf = readFileSync(join(runtimeStateRoot, id, "seccomp.bpf"));
    if (bpf.length === 0 || bpf.length % 8 !== 0) return;
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    writeFileAtomic(join(cacheDir, `${key}.bpf`), bpf);
  } catch {}
}
