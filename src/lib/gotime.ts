/**
 * A Go `time.Time` value as Podman's reports carry it: JSON renders it as
 * RFC 3339 with nanoseconds (`2024-01-01T00:00:00Z`, trailing fraction zeros
 * dropped, the offset kept), and a `--format` template prints Go's
 * `Time.String()` (`2024-01-01 00:00:00 +0000 UTC`). Keeping the text as
 * received preserves precision beyond a JS Date's milliseconds.
 */
const RFC3339 = /^(\d{4}-\d\d-\d\d)[Tt ](\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|z|[+-]\d\d:\d\d)$/;

export class GoTime {
  private readonly date: string;
  private readonly clock: string;
  /** Fraction digits without trailing zeros ("" for whole seconds), at most 9. */
  private readonly frac: string;
  /** "Z" or "±hh:mm". */
  private readonly zone: string;

  /** @throws Error when `rfc3339` is not an RFC 3339 timestamp */
  constructor(rfc3339: string) {
    const m = RFC3339.exec(rfc3339);
    if (!m) throw new Error(`invalid RFC 3339 time "${rfc3339}"`);
    this.date = m[1]!;
    this.clock = m[2]!;
    this.frac = (m[3] ?? "").slice(0, 9).replace(/0+$/, "");
    this.zone = m[4] === "z" ? "Z" : m[4] === "+00:00" ? "Z" : m[4]!;
  }

  /** From unix milliseconds, in UTC. */
  static fromMs(ms: number): GoTime {
    return new GoTime(new Date(ms).toISOString());
  }

  /** Go's zero time, which Podman prints for "never" (e.g. FinishedAt of a running container). */
  static zero(): GoTime {
    return new GoTime("0001-01-01T00:00:00Z");
  }

  /** Unix milliseconds. */
  toMs(): number {
    return Date.parse(`${this.date}T${this.clock}${this.frac ? `.${this.frac.slice(0, 3)}` : ""}${this.zone}`);
  }

  /** RFC3339Nano, as encoding/json writes a time.Time. */
  toJSON(): string {
    return `${this.date}T${this.clock}${this.frac ? `.${this.frac}` : ""}${this.zone}`;
  }

  /** Go's Time.String(): "2006-01-02 15:04:05.999999999 -0700 MST". */
  toString(): string {
    const off = this.zone === "Z" ? "+0000" : this.zone.replace(":", "");
    const name = this.zone === "Z" ? "UTC" : off;
    return `${this.date} ${this.clock}${this.frac ? `.${this.frac}` : ""} ${off} ${name}`;
  }
}
