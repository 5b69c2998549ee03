/**
 * `top`'s process table, read from /proc on the host the way Podman's psgo
 * reads it: one row per process of the container, one column per
 * descriptor. Descriptors have a normal name ("pcpu") and, for most, an AIX
 * code ("%C"); headers and value formats are psgo's (ELAPSED and TIME as Go
 * durations, %CPU with three decimals, "?" for no terminal). Names of users
 * and groups come from the container's own /etc/passwd and /etc/group
 * (read through /proc/<pid>/root), host names for huser/hgroup.
 */
import { readFileSync } from "node:fs";
import { goDurationString } from "../lib/go-duration.ts";

/** The process facts descriptors render, for one host pid. */
interface Proc {
  readonly hpid: number;
  readonly stat: string[]; // fields 3.. of /proc/<pid>/stat (index 0 = field 3, state)
  readonly comm: string;
  readonly status: Map<string, string>;
  readonly args: string;
}

interface Ctx {
  readonly nowUptimeS: number;
  readonly hz: number;
  readonly nsPidOf: (hostPid: number) => number | undefined;
  readonly users: Map<string, string>;
  readonly groups: Map<string, string>;
  readonly hostUsers: Map<string, string>;
  readonly hostGroups: Map<string, string>;
}

type Render = (p: Proc, c: Ctx) => string;

const field = (p: Proc, n: number) => p.stat[n - 3] ?? "";
const ids = (p: Proc, key: string) => (p.status.get(key) ?? "").split(/\s+/);
const elapsedS = (p: Proc, c: Ctx) => Math.max(0, c.nowUptimeS - Number(field(p, 22)) / c.hz);
const cpuTicks = (p: Proc) => Number(field(p, 14)) + Number(field(p, 15));
const nameOf = (m: Map<string, string>, id: string) => m.get(id) ?? id;
const lastNs = (p: Proc, key: string) => ids(p, key).filter(Boolean).pop() ?? "";

function capNames(hex: string | undefined): string {
  if (!hex) return "none";
  const { capabilitiesFromMask } = require("../oci/capabilities.ts") as typeof import("../oci/capabilities.ts");
  const names = capabilitiesFromMask(hex).map((n) => n.replace(/^CAP_/, ""));
  return names.length ? names.join(",") : "none";
}

function ttyName(nr: number): string {
  if (nr === 0) return "?";
  const major = (nr >> 8) & 0xfff;
  const minor = (nr & 0xff) | ((nr >> 12) & 0xfff00);
  if (major >= 136 && major <= 143) return `pts/${(major - 136) * 256 + minor}`;
  if (major === 4 && minor < 64) return `tty${minor}`;
  if (major === 4) return `ttyS${minor - 64}`;
  return "?";
}

/** psgo's descriptors: normal name → [AIX code or "", header, renderer]. */
const DESCRIPTORS: Record<string, readonly [string, string, Render]> = {
  args: ["%a", "COMMAND", (p) => p.args || `[${p.comm}]`],
  capamb: ["", "AMBIENT CAPS", (p) => capNames(p.status.get("CapAmb"))],
  capbnd: ["", "BOUNDING CAPS", (p) => capNames(p.status.get("CapBnd"))],
  capeff: ["", "EFFECTIVE CAPS", (p) => capNames(p.status.get("CapEff"))],
  capinh: ["", "INHERITED CAPS", (p) => capNames(p.status.get("CapInh"))],
  capprm: ["", "PERMITTED CAPS", (p) => capNames(p.status.get("CapPrm"))],
  comm: ["%c", "COMMAND", (p) => p.comm],
  etime: ["%t", "ELAPSED", (p, c) => goDurationString(Math.round(elapsedS(p, c) * 1e9))],
  group: ["%G", "GROUP", (p, c) => nameOf(c.groups, ids(p, "Gid")[1] ?? "")],
  hgroup: ["", "HGROUP", (p, c) => nameOf(c.hostGroups, ids(p, "Gid")[1] ?? "")],
  hpid: ["", "HPID", (p) => String(p.hpid)],
  huser: ["", "HUSER", (p, c) => nameOf(c.hostUsers, ids(p, "Uid")[1] ?? "")],
  label: ["", "LABEL", () => "-"],
  nice: ["%n", "NI", (p) => field(p, 19)],
  pcpu: ["%C", "%CPU", (p, c) => { const e = elapsedS(p, c); return (e > 0 ? (cpuTicks(p) / c.hz / e) * 100 : 0).toFixed(3); }],
  pgid: ["%r", "PGID", (p) => lastNs(p, "NSpgid") || field(p, 5)],
  pid: ["%p", "PID", (p) => lastNs(p, "NSpid") || String(p.hpid)],
  ppid: ["%P", "PPID", (p, c) => String(c.nsPidOf(Number(p.status.get("PPid") ?? 0)) ?? 0)],
  rgroup: ["%g", "RGROUP", (p, c) => nameOf(c.groups, ids(p, "Gid")[0] ?? "")],
  rss: ["", "RSS", (p) => String(Number(field(p, 24)) * 4)],
  ruser: ["%U", "RUSER", (p, c) => nameOf(c.users, ids(p, "Uid")[0] ?? "")],
  seccomp: ["", "SECCOMP", (p) => ["disabled", "strict", "filter"][Number(p.status.get("Seccomp") ?? 0)] ?? "?"],
  state: ["", "STATE", (p) => field(p, 3)],
  time: ["%x", "TIME", (p, c) => goDurationString(Math.floor(cpuTicks(p) / c.hz) * 1e9)],
  tty: ["%y", "TTY", (p) => ttyName(Number(field(p, 7)))],
  user: ["%u", "USER", (p, c) => nameOf(c.users, ids(p, "Uid")[1] ?? "")],
  vsz: ["%z", "VSZ", (p) => String(Math.floor(Number(field(p, 23)) / 1024))],
};

/** Podman's default `top` columns: USER PID PPID %CPU ELAPSED TTY TIME COMMAND. */
export const DEFAULT_DESCRIPTORS = ["user", "pid", "ppid", "pcpu", "etime", "tty", "time", "args"] as const;

/** Thrown for a descriptor psgo does not know (Podman then falls back to ps(1) in the container). */
export class UnknownDescriptorError extends Error {
  override name = "UnknownDescriptorError";
}

/**
 * Splits Podman's top arguments ("pid,comm", "pid comm", "%p %c") into
 * normal descriptor names.
 * @throws UnknownDescriptorError `unknown descriptor: <d>`
 */
export function parseDescriptors(args: readonly string[]): string[] {
  const words = args.flatMap((a) => a.split(/[,\s]+/)).filter(Boolean);
  if (words.length === 0) return [...DEFAULT_DESCRIPTORS];
  return words.map((w) => {
    if (DESCRIPTORS[w]) return w;
    const byCode = Object.entries(DESCRIPTORS).find(([, [code]]) => code !== "" && code === w);
    if (byCode) return byCode[0];
    throw new UnknownDescriptorError(`unknown descriptor: ${w}`);
  });
}

function readProc(pid: number): Proc | undefined {
  try {
    const statText = readFileSync(`/proc/${pid}/stat`, "utf8");
    const open = statText.indexOf("(");
    const close = statText.lastIndexOf(")");
    const status = new Map<string, string>();
    for (const l of readFileSync(`/proc/${pid}/status`, "utf8").split("\n")) {
      const i = l.indexOf(":");
      if (i > 0) status.set(l.slice(0, i), l.slice(i + 1).trim());
    }
    const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0+$/, "").split("\0").join(" ");
    return { hpid: pid, comm: statText.slice(open + 1, close), stat: statText.slice(close + 2).trim().split(" "), status, args };
  } catch {
    return undefined;
  }
}

function idNames(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of text.split("\n")) {
    const f = l.split(":");
    if (f.length >= 3 && f[0] && !m.has(f[2]!)) m.set(f[2]!, f[0]);
  }
  return m;
}

const readOr = (p: string) => { try { return readFileSync(p, "utf8"); } catch { return ""; } };

export interface TopTable {
  readonly header: string[];
  readonly rows: string[][];
}

/**
 * The table for `pids` (host pids of the container's processes, init
 * first), with `descriptors` as parseDescriptors returns them.
 * Processes that end while being read are left out.
 */
export function topTable(initPid: number, pids: readonly number[], descriptors: readonly string[]): TopTable {
  const procs = pids.map(readProc).filter((p): p is Proc => p !== undefined);
  const byHost = new Map(procs.map((p) => [p.hpid, p] as const));
  const ctx: Ctx = {
    nowUptimeS: Number(readOr("/proc/uptime").split(" ")[0] ?? 0),
    hz: 100, // USER_HZ: 100 on every Linux architecture Podman supports
    nsPidOf: (h) => { const p = byHost.get(h); return p ? Number(lastNs(p, "NSpid") || h) : undefined; },
    users: idNames(readOr(`/proc/${initPid}/root/etc/passwd`)),
    groups: idNames(readOr(`/proc/${initPid}/root/etc/group`)),
    hostUsers: idNames(readOr("/etc/passwd")),
    hostGroups: idNames(readOr("/etc/group")),
  };
  const cols = descriptors.map((d) => DESCRIPTORS[d]!);
  return {
    header: cols.map(([, h]) => h),
    rows: procs.map((p) => cols.map(([, , render]) => render(p, ctx))),
  };
}

/** Every descriptor's normal name, sorted (`top --list-descriptors`). */
export function listDescriptors(): string[] {
  return Object.keys(DESCRIPTORS).sort();
}
