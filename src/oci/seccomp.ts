/**
 * Compiles a seccomp profile in containers-common/Docker format (archMap,
 * per-rule includes/excludes by capability, architecture and minimum kernel)
 * into the runtime spec's `linux.seccomp` for one container: its final
 * capability set, the host architecture and the running kernel. Rules whose
 * `includes` do not all match, or whose `excludes` match, are dropped —
 * what Podman and Docker do before handing the profile to the runtime.
 * A profile already in OCI form (no includes/excludes) passes through.
 */
import { readFileSync } from "node:fs";
import { SkiffError } from "../lib/errors.ts";

interface ProfileArg { index: number; value: number; valueTwo?: number; op: string }
interface ProfileRule {
  names?: string[];
  name?: string;
  action: string;
  errnoRet?: number;
  args?: ProfileArg[] | null;
  includes?: { caps?: string[]; arches?: string[]; minKernel?: string };
  excludes?: { caps?: string[]; arches?: string[]; minKernel?: string };
  comment?: string;
}
interface Profile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures?: string[] }[];
  syscalls?: ProfileRule[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
}

/** linux.seccomp of the OCI runtime spec 1.0.2. */
export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: { names: string[]; action: string; errnoRet?: number; args?: ProfileArg[] }[];
}

export interface SeccompTarget {
  /** The container's final (bounding) capability set, "CAP_…" names. */
  readonly capabilities: readonly string[];
  /** GOARCH-style: "amd64", "arm64", … */
  readonly arch: string;
  /** Running kernel release, e.g. "6.1.0-18-amd64". */
  readonly kernelVersion: string;
}

/** GOARCH → libseccomp's native architecture name. */
const NATIVE: Readonly<Record<string, string>> = {
  amd64: "SCMP_ARCH_X86_64", "386": "SCMP_ARCH_X86", arm64: "SCMP_ARCH_AARCH64", arm: "SCMP_ARCH_ARM",
  ppc64le: "SCMP_ARCH_PPC64LE", ppc64: "SCMP_ARCH_PPC64", s390x: "SCMP_ARCH_S390X", s390: "SCMP_ARCH_S390",
  mips64: "SCMP_ARCH_MIPS64", mips64le: "SCMP_ARCH_MIPSEL64", mips: "SCMP_ARCH_MIPS", mipsle: "SCMP_ARCH_MIPSEL",
  riscv64: "SCMP_ARCH_RISCV64",
};

function kernelAtLeast(running: string, min: string): boolean {
  const num = (v: string) => (/^(\d+)(?:\.(\d+))?/.exec(v) ?? []).slice(1, 3).map((x) => Number(x ?? 0));
  const [a = 0, b = 0] = num(running);
  const [c = 0, d = 0] = num(min);
  return a !== c ? a > c : b >= d;
}

/**
 * Compiles a parsed profile for one container.
 * @throws SkiffError "invalid-argument" for a profile without defaultAction
 */
export function compileSeccomp(profile: Profile, target: SeccompTarget): OciSeccomp {
  if (typeof profile.defaultAction !== "string") throw new SkiffError("invalid-argument", "seccomp profile has no defaultAction");
  const caps = new Set(target.capabilities);
  const native = NATIVE[target.arch];
  let architectures: string[] | undefined;
  if (profile.archMap?.length) {
    const m = profile.archMap.find((x) => x.architecture === native);
    architectures = m ? [m.architecture, ...(m.subArchitectures ?? [])] : [];
  } else if (profile.architectures?.length) {
    architectures = profile.architectures;
  }
  const syscalls: NonNullable<OciSeccomp["syscalls"]> = [];
  for (const r of profile.syscalls ?? []) {
    const inc = r.includes ?? {};
    const exc = r.excludes ?? {};
    if (exc.arches?.includes(target.arch)) continue;
    if (exc.caps?.some((c) => caps.has(c))) continue;
    if (inc.arches?.length && !inc.arches.includes(target.arch)) continue;
    if (inc.caps?.length && !inc.caps.every((c) => caps.has(c))) continue;
    if (inc.minKernel && !kernelAtLeast(target.kernelVersion, inc.minKernel)) continue;
    const names = r.names?.length ? r.names : r.name ? [r.name] : [];
    if (names.length === 0) continue;
    const out: NonNullable<OciSeccomp["syscalls"]>[number] = { names: [...names], action: r.action };
    if (r.errnoRet !== undefined && r.errnoRet !== null) out.errnoRet = r.errnoRet;
    if (r.args?.length) {
      out.args = r.args.map((x) => (x.valueTwo ? { index: x.index, value: x.value, valueTwo: x.valueTwo, op: x.op } : { index: x.index, value: x.value, op: x.op }));
    }
    syscalls.push(out);
  }
  const result: OciSeccomp = { defaultAction: profile.defaultAction };
  if (profile.defaultErrnoRet !== undefined) result.defaultErrnoRet = profile.defaultErrnoRet;
  if (architectures) result.architectures = architectures;
  if (profile.flags?.length) result.flags = profile.flags;
  if (profile.listenerPath) result.listenerPath = profile.listenerPath;
  if (profile.listenerMetadata) result.listenerMetadata = profile.listenerMetadata;
  if (syscalls.length) result.syscalls = syscalls;
  return result;
}

/**
 * Reads and compiles a profile file (containers-common's seccomp.json or a
 * user's `--security-opt seccomp=/path.json`).
 * @throws SkiffError "invalid-argument" `opening seccomp profile failed: open /x: no such file or directory` (Podman's wording), or on bad JSON
 */
export function compileSeccompFile(path: string, target: SeccompTarget): OciSeccomp {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === "ENOENT" ? "no such file or directory" : code === "EACCES" ? "permission denied" : String(code ?? e);
    throw new SkiffError("invalid-argument", `opening seccomp profile failed: open ${path}: ${why}`);
  }
  let profile: Profile;
  try {
    profile = JSON.parse(text) as Profile;
  } catch (e) {
    throw new SkiffError("invalid-argument", `decoding seccomp profile failed: ${(e as Error).message}`);
  }
  return compileSeccomp(profile, target);
}
