/**
 * Linux signal names and numbers (x86_64/arm64 numbering, as Podman's
 * signal.ParseSignal uses), for `--stop-signal` and `kill -s`.
 */
import { SkiffError } from "../lib/errors.ts";

const SIGNALS: Readonly<Record<string, number>> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, IOT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11,
  USR2: 12, PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CLD: 17, CONT: 18, STOP: 19, TSTP: 20,
  TTIN: 21, TTOU: 22, URG: 23, XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, POLL: 29,
  PWR: 30, SYS: 31,
};
const SIGRTMIN = 34;
const SIGRTMAX = 64;

/**
 * Parses "SIGTERM", "term", "15", "RTMIN+3" into the signal number.
 * @throws SkiffError "invalid-argument" `invalid signal: FOO` (Podman's wording)
 */
export function parseSignal(s: string): number {
  const bad = () => new SkiffError("invalid-argument", `invalid signal: ${s}`);
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n < 1 || n > SIGRTMAX) throw bad();
    return n;
  }
  const name = s.toUpperCase().replace(/^SIG/, "");
  const known = SIGNALS[name];
  if (known !== undefined) return known;
  const rt = /^RTM(IN|AX)(?:([+-])(\d+))?$/.exec(name);
  if (rt) {
    const base = rt[1] === "IN" ? SIGRTMIN : SIGRTMAX;
    const off = rt[3] ? Number(rt[3]) * (rt[2] === "-" ? -1 : 1) : 0;
    const n = base + off;
    if (n >= SIGRTMIN && n <= SIGRTMAX) return n;
  }
  throw bad();
}

/** Canonical name of a signal number: 15 → "SIGTERM", 36 → "SIGRTMIN+2". */
export function signalName(n: number): string {
  for (const [k, v] of Object.entries(SIGNALS)) if (v === n && k !== "IOT" && k !== "CLD" && k !== "POLL") return `SIG${k}`;
  if (n >= SIGRTMIN && n <= SIGRTMAX) return n === SIGRTMIN ? "SIGRTMIN" : `SIGRTMIN+${n - SIGRTMIN}`;
  return String(n);
}
