/**
 * An env-gated timing trace for profiling the hot paths (`run --rm`):
 * `SKIFF_TRACE=1` prints one line per phase on stderr, `SKIFF_TRACE=/path`
 * appends them to that file (so processes without a terminal, such as
 * conmon's exit command, can be traced too). Each line is
 * `skiff[<pid>] <ms since process start> +<ms since the previous mark> <label>`.
 *
 * Off (the variable unset), `trace()` is one boolean test: the variable is
 * read once, on the first call.
 */

let sink: ((line: string) => void) | null | undefined;
let last = 0;

function open(): ((line: string) => void) | null {
  const v = process.env.SKIFF_TRACE;
  if (!v || v === "0") return null;
  if (v.startsWith("/")) {
    const { appendFileSync } = require("node:fs") as typeof import("node:fs");
    return (line) => { try { appendFileSync(v, line); } catch {} };
  }
  return (line) => { process.stderr.write(line); };
}

/** Marks the end of phase `label` (milliseconds since process start, and since the previous mark). */
export function trace(label: string): void {
  if (sink === undefined) sink = open();
  if (sink === null) return;
  const now = performance.now();
  sink(`skiff[${process.pid}] ${now.toFixed(1)} +${(now - last).toFixed(1)} ${label}\n`);
  last = now;
}

/** Whether tracing is on (to skip building an expensive label). */
export function tracing(): boolean {
  if (sink === undefined) sink = open();
  return sink !== null;
}
