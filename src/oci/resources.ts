/**
 * Facts about the host that shape a runtime spec: the capability bounding
 * set, cgroup version and manager, swap accounting, rlimit hard limits,
 * architecture, kernel version, the default seccomp profile and the init
 * binary. Each fact is read lazily on first use and memoised, so a `run`
 * pays only for what its spec needs (no seccomp lookup with --privileged, no
 * swap check without --memory).
 */
import { existsSync, readFileSync } from "node:fs";
import { release } from "node:os";
import { capabilitiesFromMask } from "./capabilities.ts";

export type CgroupManager = "cgroupfs" | "systemd";

export interface HostFacts {
  /** Capabilities the engine holds in its bounding set (CapBnd), names sorted as ALL_CAPABILITIES. */
  readonly boundingCapabilities: readonly string[];
  /** The engine can raise hard rlimits (CAP_SYS_RESOURCE in its effective set). */
  readonly canRaiseRlimits: boolean;
  /** 2 for the unified hierarchy; 1 for legacy and hybrid layouts (limits go to the v1 controllers). */
  readonly cgroupVersion: 1 | 2;
  /** "systemd" when PID 1 is systemd, else "cgroupfs" (Podman's choice for root). */
  readonly cgroupManager: CgroupManager;
  /** Swap accounting is available (v1 memory.memsw.*, v2 memory.swap.max). */
  readonly memswAvailable: boolean;
  /** The block IO controller takes a weight (v1 blkio.weight / blkio.bfq.weight, v2 io.weight / io.bfq.weight). */
  readonly blkioWeightAvailable: boolean;
  /** Hard rlimits of this process by lowercase name ("nofile", "nproc"…); -1 = unlimited. */
  readonly rlimitHard: Readonly<Record<string, number>>;
  /** GOARCH-style architecture: "amd64", "arm64", … */
  readonly arch: string;
  /** Kernel release, e.g. "6.1.0-18-amd64". */
  readonly kernelVersion: string;
  /** containers-common's seccomp.json, or undefined when none is installed (then no seccomp filter, with a warning). */
  readonly seccompProfilePath: string | undefined;
  /** Path to catatonit for --init, or undefined when not installed. */
  readonly initPath: string | undefined;
}

const RLIMIT_NAMES: Readonly<Record<string, string>> = {
  "Max cpu time": "cpu", "Max file size": "fsize", "Max data size": "data", "Max stack size": "stack",
  "Max core file size": "core", "Max resident set": "rss", "Max processes": "nproc", "Max open files": "nofile",
  "Max locked memory": "memlock", "Max address space": "as", "Max file locks": "locks",
  "Max pending signals": "sigpending", "Max msgqueue size": "msgqueue", "Max nice priority": "nice",
  "Max realtime priority": "rtprio", "Max realtime timeout": "rttime",
};

/** Parses /proc/<pid>/limits into hard limits by name (-1 = unlimited). */
export function parseProcLimits(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split("\n").slice(1)) {
    const m = /^(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    const name = m && RLIMIT_NAMES[m[1]!];
    if (!m || !name) continue;
    out[name] = m[3] === "unlimited" ? -1 : Number(m[3]);
  }
  return out;
}

function statusField(status: string, field: string): string {
  const m = new RegExp(`^${field}:\\s*(\\S+)`, "m").exec(status);
  return m ? m[1]! : "0";
}

function goArch(a: string): string {
  return ({ x64: "amd64", ia32: "386", arm: "arm", arm64: "arm64", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64", mips: "mips", mipsel: "mipsle" } as Record<string, string>)[a] ?? a;
}

function firstExisting(paths: readonly string[]): string | undefined {
  return paths.find((p) => existsSync(p));
}

/** The live host's facts, each read on first access. */
export class LiveHostFacts implements HostFacts {
  #memo = new Map<string, unknown>();
  #get<T>(key: string, f: () => T): T {
    if (!this.#memo.has(key)) this.#memo.set(key, f());
    return this.#memo.get(key) as T;
  }
  get #status(): string {
    return this.#get("status", () => readFileSync("/proc/self/status", "utf8"));
  }
  get boundingCapabilities(): readonly string[] {
    return this.#get("bnd", () => capabilitiesFromMask(statusField(this.#status, "CapBnd")));
  }
  get canRaiseRlimits(): boolean {
    // CAP_SYS_RESOURCE is bit 24.
    return this.#get("res", () => ((BigInt(`0x${statusField(this.#status, "CapEff")}`) >> 24n) & 1n) === 1n);
  }
  get cgroupVersion(): 1 | 2 {
    return this.#get("cgv", () => (existsSync("/sys/fs/cgroup/cgroup.controllers") ? 2 : 1));
  }
  get cgroupManager(): CgroupManager {
    return this.#get("cgm", () => (existsSync("/run/systemd/system") ? "systemd" : "cgroupfs"));
  }
  get memswAvailable(): boolean {
    return this.#get("memsw", () => {
      if (this.cgroupVersion === 1) return existsSync("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes");
      const m = /^0::(.*)$/m.exec(readFileSync("/proc/self/cgroup", "utf8"));
      return m ? existsSync(`/sys/fs/cgroup${m[1]}/memory.swap.max`) : false;
    });
  }
  get blkioWeightAvailable(): boolean {
    return this.#get("blkio", () => {
      if (this.cgroupVersion === 1) return ["blkio.weight", "blkio.bfq.weight"].some((f) => existsSync(`/sys/fs/cgroup/blkio/${f}`));
      const m = /^0::(.*)$/m.exec(readFileSync("/proc/self/cgroup", "utf8"));
      return m ? ["io.weight", "io.bfq.weight"].some((f) => existsSync(`/sys/fs/cgroup${m[1]}/${f}`)) : false;
    });
  }
  get rlimitHard(): Readonly<Record<string, number>> {
    return this.#get("rl", () => parseProcLimits(readFileSync("/proc/self/limits", "utf8")));
  }
  get arch(): string {
    return this.#get("arch", () => goArch(process.arch));
  }
  get kernelVersion(): string {
    return this.#get("kv", () => release());
  }
  get seccompProfilePath(): string | undefined {
    // containers.conf's default: /usr/share/containers/seccomp.json, overridden by /etc/containers/seccomp.json.
    return this.#get("sc", () => firstExisting(["/etc/containers/seccomp.json", "/usr/share/containers/seccomp.json"]));
  }
  get initPath(): string | undefined {
    return this.#get("init", () => firstExisting(["/usr/libexec/podman/catatonit", "/usr/libexec/catatonit/catatonit", "/usr/bin/catatonit", "/usr/local/bin/catatonit"]));
  }
}

/** The cgroup path for a container, in the manager's syntax (cgroupfs: a path; systemd: slice:prefix:name). */
export function containerCgroupPath(containerId: string, manager: CgroupManager, parent?: string): string {
  if (manager === "systemd") return `${parent ?? "machine.slice"}:skiff:${containerId}`;
  return `${parent ?? "/skiff_parent"}/skiff-${containerId}`;
}
