/**
 * Timestamps in reports, as text in Go's RFC3339Nano layout (what
 * encoding/json writes for a time.Time: `2024-01-01T00:00:00Z`, fraction
 * without trailing zeros, the offset kept).
 *
 * Podman's reports hold time.Time values, which a `--format` template
 * prints as `2024-01-01 00:00:00 +0000 UTC`; Docker's hold strings, which
 * print as RFC 3339. skiff follows Docker there (`docker inspect -f
 * '{{.Created}}'` scripts), so these are plain strings: JSON output is the
 * same for both engines (docs/compatibility.md, "inspect").
 */
const RFC3339 = /^(\d{4}-\d\d-\d\d)[Tt ](\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|z|[+-]\d\d:\d\d)$/;

/** Go's zero time, which Podman reports for "never" (e.g. FinishedAt of a running container). */
export const ZERO_TIME = "0001-01-01T00:00:00Z";

/**
 * Normalises an RFC 3339 timestamp to RFC3339Nano (at most 9 fraction
 * digits, trailing zeros dropped, `+00:00` as `Z`).
 * @returns ZERO_TIME for undefined, empty or malformed input
 */
export function rfc3339Nano(s: string | undefined): string {
  const m = s ? RFC3339.exec(s) : null;
  if (!m) return ZERO_TIME;
  const frac = (m[3] ?? "").slice(0, 9).replace(/0+$/, "");
  const zone = m[4] === "z" || m[4] === "+00:00" ? "Z" : m[4]!;
  return `${m[1]}T${m[2]}${frac ? `.${frac}` : ""}${zone}`;
}

/** RFC3339Nano in UTC from unix milliseconds; ZERO_TIME for 0 or undefined ("never"). */
export function rfc3339NanoFromMs(ms: number | undefined): string {
  return ms ? rfc3339Nano(new Date(ms).toISOString()) : ZERO_TIME;
}
