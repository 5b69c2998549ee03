/**
 * Go's time.Duration.String(), which Podman prints for `stats` CPU TIME and
 * `top` ELAPSED/TIME: "0s", "850ns", "1.5µs", "4.933ms", "2s",
 * "4m39.028579s", "1h2m3.5s" (fractions without trailing zeros).
 */

function frac(whole: number, rest: number, digits: number): string {
  let f = String(rest).padStart(digits, "0").replace(/0+$/, "");
  if (f) f = `.${f}`;
  return `${whole}${f}`;
}

/** @param ns a duration in nanoseconds (integer; negative allowed) */
export function goDurationString(ns: number): string {
  ns = Math.trunc(ns);
  if (ns === 0) return "0s";
  const sign = ns < 0 ? "-" : "";
  let u = Math.abs(ns);
  if (u < 1e3) return `${sign}${u}ns`;
  if (u < 1e6) return `${sign}${frac(Math.floor(u / 1e3), u % 1e3, 3)}µs`;
  if (u < 1e9) return `${sign}${frac(Math.floor(u / 1e6), u % 1e6, 6)}ms`;
  const h = Math.floor(u / 3600e9);
  u -= h * 3600e9;
  const m = Math.floor(u / 60e9);
  u -= m * 60e9;
  const s = `${frac(Math.floor(u / 1e9), u % 1e9, 9)}s`;
  if (h > 0) return `${sign}${h}h${m}m${s}`;
  if (m > 0) return `${sign}${m}m${s}`;
  return `${sign}${s}`;
}
