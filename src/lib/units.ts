/**
 * Sizes, durations and times the way Podman prints and parses them:
 * docker/go-units (HumanSize, BytesSize, HumanDuration, RAMInBytes,
 * FromHumanSize), Go's time.ParseDuration, and Podman's --since/--until
 * time parsing (pkg/util ParseInputTime).
 */
import { SkiffError } from "./errors.ts";
import { formatFloatG } from "./template/fmt.ts";

const DECIMAL_UNITS = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
const BINARY_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];

function scaled(size: number, base: number, units: readonly string[]): [number, string] {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return [size, units[i] as string];
}

/**
 * go-units HumanSizeWithPrecision: decimal units, `precision` significant
 * digits in Go's %g ("5.583MB" at 4, "1e+03kB" for 999 950 bytes at 3, as Go).
 */
export function HumanSizeWithPrecision(bytes: number, precision: number): string {
  const [n, unit] = scaled(bytes, 1000, DECIMAL_UNITS);
  return formatFloatG(n, precision) + unit;
}

/** go-units HumanSize: 4 significant digits, decimal units: 5583457 → "5.583MB". */
export function HumanSize(bytes: number): string {
  return HumanSizeWithPrecision(bytes, 4);
}

/** go-units BytesSize: binary units, 4 significant digits: 1536 → "1.5KiB". */
export function BytesSize(bytes: number): string {
  const [n, unit] = scaled(bytes, 1024, BINARY_UNITS);
  return formatFloatG(n, 4) + unit;
}

/**
 * The SIZE column of `podman images` and `podman history`: 3 significant
 * digits with a space before the unit, 5583457 → "5.58 MB", 0 → "0 B".
 */
export function PodmanSize(bytes: number): string {
  const s = HumanSizeWithPrecision(bytes, 3);
  const m = /^(.*\d)(\D*)$/.exec(s);
  return m ? `${m[1]} ${m[2]}` : s;
}

/**
 * go-units HumanDuration of `ms` milliseconds: "Less than a second",
 * "1 second", "N seconds", "About a minute", "N minutes", "About an hour",
 * "N hours" (below 48 h), "N days" (below 2 weeks), "N weeks" (below ~2 months),
 * "N months" (below 2 years), "N years". Podman appends " ago" for CREATED.
 */
export function HumanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return "Less than a second";
  if (seconds === 1) return "1 second";
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(ms / 3_600_000) / 24 / 365)} years`;
}

const SIZE = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/;
const POWERS: Record<string, number> = { k: 1, m: 2, g: 3, t: 4, p: 5 };

function parseSize(s: string, base: number): number {
  const m = SIZE.exec(s);
  const num = m?.[1];
  if (!m || num === undefined || !/^\d+(\.\d+)?$/.test(num)) {
    throw new SkiffError("invalid-argument", `invalid size: '${s}'`);
  }
  const unit = m[2]?.toLowerCase();
  return Math.trunc(Number(num) * base ** (unit ? (POWERS[unit] as number) : 0));
}

/**
 * go-units RAMInBytes: binary multiples (k = 1024), unit letter
 * case-insensitive with optional "i"/"b" ("64m", "1g", "512k", "1.5GiB",
 * "100" bytes). @throws SkiffError "invalid-argument" `invalid size: 'x'`
 */
export function RAMInBytes(s: string): number {
  return parseSize(s, 1024);
}

/** go-units FromHumanSize: as {@link RAMInBytes} with decimal multiples (k = 1000). */
export function FromHumanSize(s: string): number {
  return parseSize(s, 1000);
}

export { RAMInBytes as ramInBytes, FromHumanSize as fromHumanSize };

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  "µs": 1e3, // U+00B5 micro sign
  "μs": 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/**
 * Go's time.ParseDuration: a signed sequence of decimal numbers with units
 * ns, us (µs), ms, s, m, h — "300ms", "-1.5h", "2h45m", "0". Returns
 * nanoseconds (exact below 2^53 ns, about 104 days).
 * @throws SkiffError "invalid-argument" with Go's message, e.g.
 * `time: invalid duration "x"`, `time: missing unit in duration "1"`,
 * `time: unknown unit "d" in duration "1d"`
 */
export function parseDuration(s: string): number {
  const bad = (msg: string): never => {
    throw new SkiffError("invalid-argument", msg);
  };
  const q = JSON.stringify(s);
  let rest = s;
  let neg = false;
  if (rest[0] === "-" || rest[0] === "+") {
    neg = rest[0] === "-";
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") bad(`time: invalid duration ${q}`);
  let total = 0;
  while (rest !== "") {
    const m = /^(\d*)(?:\.(\d*))?/.exec(rest) as RegExpExecArray;
    const whole = m[1] ?? "";
    const frac = m[2];
    if (whole === "" && (frac === undefined || frac === "")) bad(`time: invalid duration ${q}`);
    rest = rest.slice(m[0].length);
    const u = /^[^0-9.]*/.exec(rest)?.[0] ?? "";
    if (u === "") bad(`time: missing unit in duration ${q}`);
    const mult = DURATION_UNITS[u];
    if (mult === undefined) bad(`time: unknown unit ${JSON.stringify(u)} in duration ${q}`);
    rest = rest.slice(u.length);
    total += Number(`${whole || "0"}.${frac ?? ""}0`) * (mult as number);
    if (total > 9223372036854775807) bad(`time: invalid duration ${q}`);
  }
  total = Math.round(total);
  return neg ? -total : total;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * Parses the timestamps Podman's --since/--until accept as dates: RFC 3339
 * with or without fractional seconds or zone ("2024-01-02T15:04:05Z",
 * "2024-01-02T15:04:05.5+02:00", "2024-01-02T15:04:05"), or a date with an
 * optional zone ("2024-01-02", "2024-01-02Z"). A missing zone means UTC, as
 * Go's time.Parse. Returns undefined when `s` is not such a timestamp.
 */
export function parseTimestamp(s: string): Date | undefined {
  const m = TIMESTAMP.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h = "00", mi = "00", sec = "00", frac = "", zone = "Z"] = m;
  const month = Number(mo);
  const day = Number(d);
  const daysIn = new Date(Date.UTC(Number(y), month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysIn || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) return undefined;
  let ms = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(sec));
  ms += Number(`0.${frac}0`) * 1000;
  if (zone !== "Z") {
    const sign = zone[0] === "-" ? -1 : 1;
    ms -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  return new Date(ms);
}

/**
 * Podman's ParseInputTime for --since/--until/--filter since=: a timestamp
 * (see {@link parseTimestamp}), else Unix seconds ("1700000000.5"), else a Go
 * duration counted back from `now` ("10m" → 10 minutes ago) when `since`,
 * forward when not.
 * @throws SkiffError "invalid-argument" `unable to interpret time value`
 */
export function parseInputTime(s: string, since: boolean, now: number = Date.now()): Date {
  const t = parseTimestamp(s);
  if (t) return t;
  if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(s)) return new Date(Number(s) * 1000);
  let ns: number;
  try {
    ns = parseDuration(s);
  } catch {
    throw new SkiffError("invalid-argument", "unable to interpret time value");
  }
  return new Date(since ? now - ns / 1e6 : now + ns / 1e6);
}
