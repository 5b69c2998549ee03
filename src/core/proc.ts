/**
 * Process identity from /proc without spawning or FFI (cheap enough for `ps`).
 * A pid alone is not an identity: it is reused; pid + start time (field 22 of
 * /proc/<pid>/stat, clock ticks since boot) is.
 */
import { readFileSync } from "node:fs";

/** Field 22 (starttime) of /proc/<pid>/stat, or undefined when the process is gone. */
export function processStartTime(pid: number): number | undefined {
  let stat: string;
  try { stat = readFileSync(`/proc/${pid}/stat`, "utf8"); } catch { return undefined; }
  // comm (field 2) may contain spaces and parentheses: fields resume after the last ")".
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // rest[0] is field 3 (state), so field 22 is rest[19].
  if (rest[0] === "Z" || rest[0] === "X") return undefined;
  const v = Number(rest[19]);
  return Number.isFinite(v) ? v : undefined;
}

/** True when `pid` still runs and started at `startTime` (zombies count as gone). */
export function processAlive(pid: number, startTime: number | undefined): boolean {
  const st = processStartTime(pid);
  return st !== undefined && (startTime === undefined || st === startTime);
}

/**
 * conmon's exit command for a container whose cleanup this process owns (a
 * foreground `run`): a /bin/sh guard that exits at once while this process
 * (pid and start time, as {@link processAlive} checks them) lives, and
 * otherwise execs `command`. The safety net stays for an owner that was
 * killed, without starting skiff (~10 ms of CPU) beside the owner's own
 * cleanup on every run.
 */
export function ownerGuardedCommand(command: readonly string[]): string[] {
  // After the last ") " of /proc/<pid>/stat, field 3 (state) comes first, so field 22 is 20th.
  const script = [
    "P=$1 T=$2; shift 2",
    "alive() { [ \"$1\" != Z ] && [ \"$1\" != X ] && shift 19 && [ \"$1\" = \"$T\" ]; }",
    "if read -r S < /proc/$P/stat 2>/dev/null && alive ${S##*') '}; then exit 0; fi",
    "exec \"$@\"",
  ].join("\n");
  return ["/bin/sh", "-c", script, "skiff-cleanup", String(process.pid), String(processStartTime(process.pid) ?? 0), ...command];
}
