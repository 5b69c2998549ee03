/**
 * A running container's cgroup, found from its init process, and the
 * numbers `stats` shows (CPU time, memory usage and limit, PIDs, block I/O)
 * and the processes `top` lists. Works on cgroup v1 (one hierarchy per
 * controller, including the "hybrid" layout with cgroup2 beside), and on
 * cgroup v2, with any cgroup manager: /proc/<pid>/cgroup names the
 * container's cgroup in every hierarchy, /proc/self/mountinfo says where
 * each hierarchy is mounted. Plain file reads: no FFI, no lock.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Where one container's cgroup lives: per v1 controller, and the v2 (unified) folder if any. */
export interface CgroupDirs {
  /** v1 controller name → folder, e.g. memory → /sys/fs/cgroup/memory/skiff_parent/skiff-<id>. */
  readonly v1: Readonly<Record<string, string>>;
  /** The cgroup2 folder (pure v2 hosts, or the unified hierarchy of a hybrid host). */
  readonly v2?: string;
}

interface Hierarchy { readonly mountPoint: string; readonly root: string }

/** cgroup mounts: v1 controller name (or "" for cgroup2) → where it is mounted. */
function cgroupMounts(): Map<string, Hierarchy> {
  const out = new Map<string, Hierarchy>();
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const sep = line.indexOf(" - ");
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(" ");
    const [fstype, , superOpts = ""] = line.slice(sep + 3).split(" ");
    const root = pre[3] ?? "/";
    const mountPoint = (pre[4] ?? "").replace(/\\040/g, " ");
    if (fstype === "cgroup2") { if (!out.has("")) out.set("", { mountPoint, root }); continue; }
    if (fstype !== "cgroup") continue;
    // Super options list the controllers ("rw,cpu,cpuacct"); named hierarchies appear as "name=systemd".
    for (const opt of superOpts.split(",")) if (!out.has(opt)) out.set(opt, { mountPoint, root });
  }
  return out;
}

/**
 * The cgroup folders of process `pid`, or undefined when it is gone.
 * Lines of /proc/<pid>/cgroup are `<id>:<controllers>:<path>`; id 0 with no
 * controllers is cgroup2.
 */
export function cgroupDirsOf(pid: number): CgroupDirs | undefined {
  let text: string;
  try { text = readFileSync(`/proc/${pid}/cgroup`, "utf8"); } catch { return undefined; }
  const mounts = cgroupMounts();
  const v1: Record<string, string> = {};
  let v2: string | undefined;
  const place = (h: Hierarchy | undefined, path: string) => {
    if (!h) return undefined;
    // A mount of a sub-tree (root ≠ "/") shows paths relative to the hierarchy's root.
    const rel = h.root !== "/" && path.startsWith(h.root) ? path.slice(h.root.length) : path;
    return join(h.mountPoint, rel);
  };
  for (const line of text.split("\n")) {
    const a = line.indexOf(":");
    const b = line.indexOf(":", a + 1);
    if (a < 0 || b < 0) continue;
    const controllers = line.slice(a + 1, b);
    const path = line.slice(b + 1);
    if (controllers === "") { v2 = place(mounts.get(""), path); continue; }
    for (const c of controllers.split(",")) {
      const dir = place(mounts.get(c), path);
      if (dir) v1[c] = dir;
    }
  }
  return { v1, ...(v2 !== undefined ? { v2 } : {}) };
}

/** Numbers from a container's cgroup; 0 where the host does not account it. */
export interface CgroupStats {
  /** Total CPU time of the cgroup's tasks, nanoseconds. */
  readonly cpuNs: number;
  /** Memory in use, bytes (v1 memory.usage_in_bytes, v2 memory.current). */
  readonly memUsage: number;
  /** The cgroup's memory limit in bytes; Infinity when unlimited. */
  readonly memLimit: number;
  readonly pids: number;
  /** Bytes read from / written to block devices. */
  readonly blockRead: number;
  readonly blockWrite: number;
}

function readNum(path: string | undefined): number | undefined {
  if (path === undefined) return undefined;
  let s: string;
  try { s = readFileSync(path, "utf8").trim(); } catch { return undefined; }
  if (s === "max") return Infinity;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

function readText(path: string | undefined): string {
  if (path === undefined) return "";
  try { return readFileSync(path, "utf8"); } catch { return ""; }
}

// v1 reports "no limit" as PAGE_COUNTER_MAX pages: anything this large is unlimited.
const V1_UNLIMITED = 2 ** 62;

/**
 * Reads the stats of the cgroup holding `pid`. v1 controllers are preferred
 * where mounted (on a hybrid host the controllers live there); cgroup2 files
 * fill in otherwise.
 * @returns undefined when the process is gone
 */
export function readCgroupStats(pid: number): CgroupStats | undefined {
  const d = cgroupDirsOf(pid);
  if (!d) return undefined;
  const v1 = (c: string, f: string) => (d.v1[c] ? join(d.v1[c]!, f) : undefined);
  const v2 = (f: string) => (d.v2 ? join(d.v2, f) : undefined);

  let cpuNs = readNum(v1("cpuacct", "cpuacct.usage"));
  if (cpuNs === undefined) {
    const usec = /^usage_usec (\d+)/m.exec(readText(v2("cpu.stat")))?.[1];
    cpuNs = usec !== undefined ? Number(usec) * 1000 : 0;
  }

  let memUsage = readNum(v1("memory", "memory.usage_in_bytes"));
  let memLimit = readNum(v1("memory", "memory.limit_in_bytes"));
  if (memLimit !== undefined && memLimit >= V1_UNLIMITED) memLimit = Infinity;
  if (memUsage === undefined) {
    memUsage = readNum(v2("memory.current")) ?? 0;
    memLimit = readNum(v2("memory.max"));
  }

  const pids = readNum(v1("pids", "pids.current")) ?? readNum(v2("pids.current")) ?? 0;

  let blockRead = 0;
  let blockWrite = 0;
  const blkio = readText(v1("blkio", "blkio.throttle.io_service_bytes_recursive")) || readText(v1("blkio", "blkio.throttle.io_service_bytes"));
  if (blkio) {
    for (const m of blkio.matchAll(/^\S+ (Read|Write) (\d+)$/gm)) {
      if (m[1] === "Read") blockRead += Number(m[2]); else blockWrite += Number(m[2]);
    }
  } else {
    for (const m of readText(v2("io.stat")).matchAll(/\b(rbytes|wbytes)=(\d+)/g)) {
      if (m[1] === "rbytes") blockRead += Number(m[2]); else blockWrite += Number(m[2]);
    }
  }
  return { cpuNs, memUsage, memLimit: memLimit ?? Infinity, pids, blockRead, blockWrite };
}

/**
 * Host pids of every process in the cgroup holding `pid` (the container's
 * processes, including `exec` sessions), ascending. Reads cgroup.procs of
 * the pids (or memory, or cgroup2) hierarchy; falls back to `[pid]`.
 */
export function cgroupProcesses(pid: number): number[] {
  const d = cgroupDirsOf(pid);
  const dirs = d ? [d.v1.pids, d.v1.memory, d.v1.cpuacct, d.v2].filter((x): x is string => x !== undefined) : [];
  for (const dir of dirs) {
    const f = join(dir, "cgroup.procs");
    if (!existsSync(f)) continue;
    const pids = readText(f).split("\n").filter(Boolean).map(Number).filter(Number.isInteger);
    if (pids.length) return pids.sort((a, b) => a - b);
  }
  return [pid];
}

/** MemTotal of /proc/meminfo in bytes (Podman caps the shown memory limit at it). */
export function hostMemoryBytes(): number {
  const kb = /^MemTotal:\s+(\d+)/m.exec(readText("/proc/meminfo"))?.[1];
  return kb ? Number(kb) * 1024 : 0;
}
