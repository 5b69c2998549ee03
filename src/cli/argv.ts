/**
 * Docker/Podman-exact argv parsing (cobra/pflag semantics):
 * `--flag value`, `--flag=value`, `-f value`, `-fvalue`, clustered shorthands
 * (`-it`), `--bool=false`, repeated array flags (`-e A -e B`), `--` ends
 * flags; with `interspersed: false` flags stop at the first positional (the
 * image of `run`, the container of `exec`). Unknown flags are usage errors
 * with cobra's wording ("unknown flag: --x", "unknown shorthand flag: 'x' in -x").
 */
import { SkiffError } from "../lib/errors.ts";

export type FlagType = "bool" | "string" | "strings" | "int";

export interface FlagSpec {
  /** Long name without dashes, e.g. "tls-verify". */
  readonly name: string;
  /** One-letter shorthand, e.g. "q". */
  readonly short?: string;
  readonly type: FlagType;
  /** Help text. */
  readonly help?: string;
  /** Default value when the flag is absent (bool → false, strings → [], others → undefined). */
  readonly default?: string | number | boolean;
  /** Hidden from help (accepted for compatibility). */
  readonly hidden?: boolean;
}

export type FlagValue = string | number | boolean | string[] | undefined;

export interface ParsedArgs {
  /** Values by long name; absent non-bool flags are undefined unless a default is given. */
  readonly flags: Record<string, FlagValue>;
  /** Long names of flags given explicitly on the command line. */
  readonly changed: ReadonlySet<string>;
  readonly args: string[];
}

/** Accessors for the parsed flags with their types. */
export class Flags {
  constructor(private readonly p: ParsedArgs) {}
  bool(name: string): boolean { return this.p.flags[name] === true; }
  str(name: string): string | undefined { const v = this.p.flags[name]; return typeof v === "string" ? v : undefined; }
  int(name: string): number | undefined { const v = this.p.flags[name]; return typeof v === "number" ? v : undefined; }
  strs(name: string): string[] { const v = this.p.flags[name]; return Array.isArray(v) ? v : []; }
  changed(name: string): boolean { return this.p.changed.has(name); }
}

const TRUE = new Set(["1", "t", "T", "true", "TRUE", "True"]);
const FALSE = new Set(["0", "f", "F", "false", "FALSE", "False"]);

function parseBool(name: string, v: string): boolean {
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new SkiffError("usage", `invalid argument "${v}" for "--${name}" flag: strconv.ParseBool: parsing "${v}": invalid syntax`);
}

function parseInt10(name: string, v: string, short?: string): number {
  if (!/^[-+]?\d+$/.test(v)) {
    const f = short ? `-${short}, --${name}` : `--${name}`;
    throw new SkiffError("usage", `invalid argument "${v}" for "${f}" flag: strconv.ParseInt: parsing "${v}": invalid syntax`);
  }
  return Number(v);
}

/**
 * Parses `argv` against `specs`.
 * @throws SkiffError kind "usage" for unknown flags, missing values, bad bool/int values
 */
export function parseArgv(argv: readonly string[], specs: readonly FlagSpec[], interspersed = true): ParsedArgs {
  const byLong = new Map<string, FlagSpec>();
  const byShort = new Map<string, FlagSpec>();
  for (const s of specs) {
    byLong.set(s.name, s);
    if (s.short) byShort.set(s.short, s);
  }
  const flags: Record<string, FlagValue> = {};
  for (const s of specs) {
    if (s.type === "bool") flags[s.name] = s.default === true;
    else if (s.type === "strings") flags[s.name] = s.default !== undefined ? [String(s.default)] : [];
    else if (s.default !== undefined) flags[s.name] = s.type === "int" ? Number(s.default) : String(s.default);
  }
  const changed = new Set<string>();
  const args: string[] = [];
  const defaultsCleared = new Set<string>();

  const set = (s: FlagSpec, raw: string) => {
    if (s.type === "bool") flags[s.name] = parseBool(s.name, raw);
    else if (s.type === "int") flags[s.name] = parseInt10(s.name, raw, s.short);
    else if (s.type === "string") flags[s.name] = raw;
    else {
      // An explicit array flag replaces its default rather than appending to it.
      if (!defaultsCleared.has(s.name)) { flags[s.name] = []; defaultsCleared.add(s.name); }
      (flags[s.name] as string[]).push(raw);
    }
    changed.add(s.name);
  };

  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") { i++; break; }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const s = byLong.get(name);
      if (!s) throw new SkiffError("usage", `unknown flag: --${name}`);
      if (eq >= 0) set(s, a.slice(eq + 1));
      else if (s.type === "bool") set(s, "true");
      else {
        if (i + 1 >= argv.length) throw new SkiffError("usage", `flag needs an argument: --${name}`);
        set(s, argv[++i]!);
      }
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      // Clustered shorthands: -it, -p8080:80, -e=A (pflag treats "=" after a shorthand as a separator).
      let j = 1;
      while (j < a.length) {
        const c = a[j]!;
        const s = byShort.get(c);
        if (!s) throw new SkiffError("usage", `unknown shorthand flag: '${c}' in ${a}`);
        if (s.type === "bool") {
          if (a[j + 1] === "=") { set(s, a.slice(j + 2)); j = a.length; break; }
          set(s, "true");
          j++;
          continue;
        }
        let rest = a.slice(j + 1);
        if (rest.startsWith("=")) rest = rest.slice(1);
        if (rest.length > 0) set(s, rest);
        else {
          if (i + 1 >= argv.length) throw new SkiffError("usage", `flag needs an argument: '${c}' in -${c}`);
          set(s, argv[++i]!);
        }
        j = a.length;
      }
      continue;
    }
    args.push(a);
    if (!interspersed) { i++; break; }
  }
  for (; i < argv.length; i++) args.push(argv[i]!);
  return { flags, changed, args };
}
