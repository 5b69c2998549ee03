/**
 * Template functions: Go's text/template builtins (minus `call`) and the
 * ones Podman adds through containers/common's report package (join, json,
 * lower, pad, split, title, truncate, upper). `and`/`or` short-circuit and
 * live in exec.ts. A function throws a plain Error; the executor reports it
 * as Go does: `error calling NAME: MESSAGE`.
 */
import { formatValue, sprint, sprintf, sprintln } from "./fmt.ts";
import { goJson } from "./json.ts";
import { goTypeName, isMap, isTrue, mapZero } from "./values.ts";

export interface TemplateFunc {
  /** Fewest and most arguments accepted; max -1 = variadic. */
  readonly min: number;
  readonly max: number;
  readonly fn: (args: unknown[]) => unknown;
}

function wantString(v: unknown): string {
  if (typeof v !== "string") throw new TypeError(`wrong type for value; expected string; got ${goTypeName(v)}`);
  return v;
}

function wantInt(v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw new TypeError(`wrong type for value; expected int; got ${goTypeName(v)}`);
  return v;
}

function wantStrings(v: unknown): string[] {
  if (!Array.isArray(v)) throw new TypeError(`wrong type for value; expected []string; got ${goTypeName(v)}`);
  return v.map((e) => (typeof e === "string" ? e : formatValue(e, false, false)));
}

type Basic = "bool" | "number" | "string";

function basicKind(v: unknown): Basic | undefined {
  const t = typeof v;
  return t === "boolean" ? "bool" : t === "number" || t === "bigint" ? "number" : t === "string" ? "string" : undefined;
}

function eq(a: unknown, ...rest: unknown[]): boolean {
  const ka = basicKind(a);
  if (ka === undefined && a !== null && a !== undefined) throw new Error("non-comparable type");
  for (const b of rest) {
    const kb = basicKind(b);
    if (a === null || a === undefined || b === null || b === undefined) {
      if ((a ?? null) === (b ?? null)) return true;
      if (kb === undefined && b !== null && b !== undefined) throw new Error("non-comparable type");
      continue;
    }
    if (kb === undefined) throw new Error("non-comparable types");
    if (ka !== kb) throw new Error("incompatible types for comparison");
    if (a === b) return true;
  }
  return false;
}

function less(a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka === undefined || kb === undefined || ka === "bool" || kb === "bool") throw new Error("invalid type for comparison");
  if (ka !== kb) throw new Error("incompatible types for comparison");
  return (a as number | string) < (b as number | string);
}

function utf8Len(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

function index(item: unknown, ...keys: unknown[]): unknown {
  let v = item;
  for (const k of keys) {
    if (v === undefined || v === null) throw new Error("index of untyped nil");
    if (typeof v === "string" || Array.isArray(v)) {
      if (typeof k !== "number" || !Number.isInteger(k)) throw new Error(`cannot index slice/array with type ${goTypeName(k)}`);
      const len = typeof v === "string" ? utf8Len(v) : v.length;
      if (k < 0 || k >= len) throw new Error(`index out of range: ${k}`);
      v = typeof v === "string" ? (Buffer.from(v, "utf8")[k] as number) : v[k];
    } else if (isMap(v)) {
      if (typeof k !== "string") throw new Error(`value has type ${goTypeName(k)}; should be string`);
      v = Object.hasOwn(v, k) ? v[k] : mapZero(v);
    } else throw new Error(`can't index item of type ${goTypeName(v)}`);
  }
  return v;
}

function slice(item: unknown, ...idx: unknown[]): unknown {
  if (typeof item !== "string" && !Array.isArray(item)) throw new Error(`can't slice item of type ${goTypeName(item)}`);
  if (idx.length > 3) throw new Error(`too many slice indexes: ${idx.length}`);
  if (typeof item === "string" && idx.length === 3) throw new Error("cannot 3-index slice a string");
  const len = typeof item === "string" ? utf8Len(item) : item.length;
  const n = idx.map((i) => {
    if (typeof i !== "number" || !Number.isInteger(i)) throw new Error(`cannot index slice/array with type ${goTypeName(i)}`);
    if (i < 0 || i > len) throw new Error(`index out of range: ${i}`);
    return i;
  });
  const lo = n[0] ?? 0;
  const hi = n[1] ?? len;
  if (lo > hi) throw new Error(`invalid slice index: ${lo} > ${hi}`);
  if (typeof item === "string") return Buffer.from(item, "utf8").subarray(lo, hi).toString("utf8");
  return item.slice(lo, hi);
}

/** Go's evalArgs for html/js/urlquery: one string as is, else fmt.Sprint. */
function argsString(args: unknown[]): string {
  return args.length === 1 && typeof args[0] === "string" ? args[0] : sprint(args);
}

function htmlEscape(s: string): string {
  return s.replace(/[<>&'"\0]/g, (c) =>
    c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === "&" ? "&amp;" : c === "'" ? "&#39;" : c === '"' ? "&#34;" : "\uFFFD",
  );
}

function jsEscape(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === "\\") out += "\\\\";
    else if (ch === "'") out += "\\'";
    else if (ch === '"') out += '\\"';
    else if (ch === "<" || ch === ">" || ch === "&" || ch === "=" || c < 0x20) {
      out += `\\u${c.toString(16).toUpperCase().padStart(4, "0")}`;
    } else out += ch;
  }
  return out;
}

function urlQueryEscape(s: string): string {
  let out = "";
  for (const b of Buffer.from(s, "utf8")) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === " ") out += "+";
    else out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Go's strings.Title: upper-cases each letter that follows a separator. */
function title(s: string): string {
  let out = "";
  let prevSep = true;
  for (const ch of s) {
    out += prevSep ? ch.toUpperCase() : ch;
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x80) prevSep = !/[A-Za-z0-9_]/.test(ch);
    else prevSep = /\s/u.test(ch);
  }
  return out;
}

/** Go's strings.Split: "" separator splits into characters. */
function split(s: string, sep: string): string[] {
  if (sep === "") return [...s];
  return s.split(sep);
}

let table: Map<string, TemplateFunc> | undefined;

/** The function table, built on first use (nothing runs at import). */
export function builtinFuncs(): ReadonlyMap<string, TemplateFunc> {
  if (table) return table;
  const f = (min: number, max: number, fn: (args: unknown[]) => unknown): TemplateFunc => ({ min, max, fn });
  table = new Map<string, TemplateFunc>([
    ["and", f(1, -1, () => undefined)],
    ["or", f(1, -1, () => undefined)],
    ["not", f(1, 1, (a) => !isTrue(a[0]))],
    [
      "len",
      f(1, 1, ([v]) => {
        if (typeof v === "string") return utf8Len(v);
        if (Array.isArray(v)) return v.length;
        if (isMap(v)) return Object.keys(v).length;
        throw new Error(`len of type ${goTypeName(v)}`);
      }),
    ],
    ["index", f(1, -1, (a) => index(a[0], ...a.slice(1)))],
    ["slice", f(1, -1, (a) => slice(a[0], ...a.slice(1)))],
    ["eq", f(1, -1, (a) => eq(a[0], ...a.slice(1)))],
    ["ne", f(2, 2, (a) => !eq(a[0], a[1]))],
    ["lt", f(2, 2, (a) => less(a[0], a[1]))],
    ["le", f(2, 2, (a) => less(a[0], a[1]) || eq(a[0], a[1]))],
    ["gt", f(2, 2, (a) => !less(a[0], a[1]) && !eq(a[0], a[1]))],
    ["ge", f(2, 2, (a) => !less(a[0], a[1]))],
    ["print", f(0, -1, (a) => sprint(a))],
    ["printf", f(1, -1, (a) => sprintf(wantString(a[0]), a.slice(1)))],
    ["println", f(0, -1, (a) => sprintln(a))],
    ["html", f(0, -1, (a) => htmlEscape(argsString(a)))],
    ["js", f(0, -1, (a) => jsEscape(argsString(a)))],
    ["urlquery", f(0, -1, (a) => urlQueryEscape(argsString(a)))],
    // Podman's additions (containers/common pkg/report).
    ["join", f(2, 2, ([l, sep]) => wantStrings(l).join(wantString(sep)))],
    ["json", f(1, 1, ([v]) => goJson(v, { escapeHtml: false }))],
    ["lower", f(1, 1, ([s]) => wantString(s).toLowerCase())],
    ["upper", f(1, 1, ([s]) => wantString(s).toUpperCase())],
    ["title", f(1, 1, ([s]) => title(wantString(s)))],
    ["split", f(2, 2, ([s, sep]) => split(wantString(s), wantString(sep)))],
    [
      "pad",
      f(3, 3, ([s, l, r]) => {
        const str = wantString(s);
        return str === "" ? str : " ".repeat(Math.max(0, wantInt(l))) + str + " ".repeat(Math.max(0, wantInt(r)));
      }),
    ],
    [
      "truncate",
      f(2, 2, ([s, n]) => {
        const str = wantString(s);
        const len = wantInt(n);
        return str.length < len ? str : str.slice(0, len);
      }),
    ],
  ]);
  return table;
}
