/**
 * Argument splitting used by the instruction parsers: BuildKit's parseWords
 * (quote-aware split keeping quotes and escapes), exec-form JSON detection,
 * `--flag` parsing (BuildKit's BFlags) and RUN `--mount` CSV parsing.
 * Errors are plain messages; the caller adds `<file>:<line>: `.
 */
import { RAMInBytes } from "../../lib/units.ts";
import type { RunMount } from "./types.ts";

/** A problem in one instruction; the parser adds file and line. */
export class InstructionError extends Error {}

const fail = (msg: string): never => {
  throw new InstructionError(msg);
};

/**
 * Splits on unquoted whitespace, keeping quotes and escape characters in
 * the words (they are removed later by expansion): `a="b c" d\ e` →
 * [`a="b c"`, `d\ e`]. Inside single quotes the escape character is literal.
 */
export function parseWords(rest: string, escape: string): string[] {
  const words: string[] = [];
  let phase: "space" | "word" | "quote" = "space";
  let word = "";
  let quote = "";
  let blankOK = false;
  const chars = [...rest];
  for (let pos = 0; pos <= chars.length; pos++) {
    let ch = pos < chars.length ? (chars[pos] as string) : "";
    if (phase === "space") {
      if (pos === chars.length) break;
      if (/\s/u.test(ch)) continue;
      phase = "word";
    }
    if (pos === chars.length) {
      if (blankOK || word.length > 0) words.push(word);
      break;
    }
    if (phase === "word") {
      if (/\s/u.test(ch)) {
        phase = "space";
        if (blankOK || word.length > 0) words.push(word);
        word = "";
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = "quote";
      }
      if (ch === escape) {
        if (pos + 1 === chars.length) continue;
        word += ch;
        pos++;
        ch = chars[pos] as string;
      }
      word += ch;
      continue;
    }
    if (ch === quote) phase = "word";
    if (ch === escape && quote !== "'") {
      if (pos + 1 === chars.length) {
        phase = "word";
        continue;
      }
      pos++;
      word += ch;
      ch = chars[pos] as string;
    }
    word += ch;
  }
  return words;
}

/** `[\t\v\f\r ]+` split of a trimmed string, as BuildKit's parseStringsWhitespaceDelimited. */
export function splitWhitespace(rest: string): string[] {
  const t = rest.trim();
  return t === "" ? [] : t.split(/[\t\v\f\r ]+/);
}

/**
 * Exec form: the text parsed as a JSON array of strings. Returns undefined
 * when it is not JSON or not an array (shell form then applies, as Docker);
 * an array holding a non-string is an error.
 */
export function parseJsonArray(rest: string): string[] | undefined {
  const t = rest.replace(/^\s+/u, "");
  if (!t.startsWith("[")) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    return undefined;
  }
  if (!Array.isArray(v)) return undefined;
  if (!v.every((x) => typeof x === "string")) {
    fail("when using JSON array syntax, arrays must be comprised of strings only");
  }
  return v as string[];
}

type FlagKind = "bool" | "string" | "strings";

/** Parsed flags of one instruction: bools as true/false, strings, repeated strings. */
export interface FlagValues {
  readonly bools: Map<string, boolean>;
  readonly strings: Map<string, string>;
  readonly lists: Map<string, string[]>;
}

/**
 * Parses `--name[=value]` words against the flags an instruction accepts
 * (BuildKit's BFlags): unknown flag, duplicate, missing value and
 * non-boolean value are errors.
 */
export function parseFlags(words: readonly string[], accepted: Readonly<Record<string, FlagKind>>, keyword: string): FlagValues {
  const out: FlagValues = { bools: new Map(), strings: new Map(), lists: new Map() };
  const used = new Set<string>();
  for (const word of words) {
    if (!word.startsWith("--")) fail(`arg should start with -- : ${word}`);
    if (word === "--") break;
    const eq = word.indexOf("=");
    const name = eq >= 0 ? word.slice(2, eq) : word.slice(2);
    const value = eq >= 0 ? word.slice(eq + 1) : undefined;
    const kind = accepted[name];
    if (kind === undefined) {
      const known = Object.keys(accepted).map((k) => `--${k}`);
      fail(
        known.length === 0
          ? `unknown flag: ${name} (${keyword} takes no flags)`
          : `unknown flag: ${name} (${keyword} accepts ${known.join(", ")})`,
      );
    }
    if (used.has(name) && kind !== "strings") fail(`duplicate flag specified: ${name}`);
    used.add(name);
    if (kind === "bool") {
      if (value === "") fail(`missing a value on flag: ${name}`);
      const v = (value ?? "true").toLowerCase();
      if (v !== "true" && v !== "false") fail(`expecting boolean value for flag ${name}, not: ${value}`);
      out.bools.set(name, v === "true");
    } else {
      if (value === undefined) fail(`missing a value on flag: ${name}`);
      if (kind === "string") out.strings.set(name, value as string);
      else out.lists.set(name, [...(out.lists.get(name) ?? []), value as string]);
    }
  }
  return out;
}

/** Go encoding/csv's split of one record: commas, with `"…"` quoting (`""` is a quote). */
export function splitCsv(s: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = "";
    if (s[i] === '"') {
      i++;
      for (;;) {
        if (i >= s.length) fail(`parse error on mount ${JSON.stringify(s)}: extraneous or missing " in quoted-field`);
        if (s[i] === '"') {
          if (s[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += s[i];
        i++;
      }
      if (i < s.length && s[i] !== ",") fail(`parse error on mount ${JSON.stringify(s)}: extraneous or missing " in quoted-field`);
    } else {
      const end = s.indexOf(",", i);
      field = end < 0 ? s.slice(i) : s.slice(i, end);
      if (field.includes('"')) fail(`parse error on mount ${JSON.stringify(s)}: bare " in non-quoted-field`);
      i = end < 0 ? s.length : end;
    }
    fields.push(field);
    if (i >= s.length) return fields;
    i++; // the comma
  }
}

const MOUNT_TYPES = new Set(["bind", "cache", "tmpfs", "secret", "ssh"]);

function parseBoolValue(key: string, value: string): boolean {
  const v = value.toLowerCase();
  if (["1", "t", "true"].includes(v)) return true;
  if (["0", "f", "false"].includes(v)) return false;
  return fail(`invalid value for ${key}: ${value}`);
}

function parseId(key: string, value: string): number {
  if (!/^\d+$/.test(value)) fail(`invalid value for ${key}: ${value}`);
  return Number(value);
}

/**
 * One `--mount=` value (BuildKit's runmount syntax): `type=` bind (default)
 * |cache|tmpfs|secret|ssh, `target`/`dst`/`destination`, `source`/`src`,
 * `from`, `id`, `sharing`=shared|private|locked, `mode` (octal), `uid`,
 * `gid`, `ro`/`readonly`[=bool], `rw`/`readwrite`[=bool], `required`[=bool],
 * `size` (tmpfs), `env` (secret). Bind mounts are read-only by default.
 */
export function parseMount(value: string): RunMount {
  let type: RunMount["type"] = "bind";
  let target: string | undefined;
  let source: string | undefined;
  let from: string | undefined;
  let id: string | undefined;
  let sharing: RunMount["sharing"];
  let readOnly: boolean | undefined;
  let required = false;
  let mode: number | undefined;
  let uid: number | undefined;
  let gid: number | undefined;
  let size: number | undefined;
  let env: string | undefined;
  for (const field of splitCsv(value)) {
    const eq = field.indexOf("=");
    const key = (eq >= 0 ? field.slice(0, eq) : field).toLowerCase().trim();
    const v = eq >= 0 ? field.slice(eq + 1) : undefined;
    if (v === undefined) {
      if (key === "readonly" || key === "ro") readOnly = true;
      else if (key === "readwrite" || key === "rw") readOnly = false;
      else if (key === "required") required = true;
      else fail(`unexpected key '${key}' in '${field}'`);
      continue;
    }
    switch (key) {
      case "type":
        if (!MOUNT_TYPES.has(v.toLowerCase())) fail(`unsupported mount type "${v}"`);
        type = v.toLowerCase() as RunMount["type"];
        break;
      case "target":
      case "dst":
      case "destination":
        target = v;
        break;
      case "source":
      case "src":
        source = v;
        break;
      case "from":
        from = v;
        break;
      case "id":
        id = v;
        break;
      case "sharing": {
        const s = v.toLowerCase();
        if (s !== "shared" && s !== "private" && s !== "locked") fail(`unsupported sharing value "${v}"`);
        sharing = s as RunMount["sharing"];
        break;
      }
      case "readonly":
      case "ro":
        readOnly = parseBoolValue(key, v);
        break;
      case "readwrite":
      case "rw":
        readOnly = !parseBoolValue(key, v);
        break;
      case "required":
        required = parseBoolValue(key, v);
        break;
      case "mode":
        if (!/^[0-7]+$/.test(v)) fail(`invalid value ${v} for mode`);
        mode = parseInt(v, 8);
        break;
      case "uid":
        uid = parseId(key, v);
        break;
      case "gid":
        gid = parseId(key, v);
        break;
      case "size":
        try {
          size = RAMInBytes(v);
        } catch {
          fail(`invalid value for size: ${v}`);
        }
        break;
      case "env":
        env = v;
        break;
      default:
        fail(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (type === "secret") {
    if (id === undefined) {
      if (target === undefined && source === undefined) fail("one of source, target required");
      id = basename((target ?? source) as string);
    }
    if (target === undefined && env === undefined) target = `/run/secrets/${id}`;
    mode ??= 0o400;
    uid ??= 0;
    gid ??= 0;
  } else if (type === "ssh") {
    id ??= "default";
    target ??= "/run/buildkit/ssh_agent.0";
    mode ??= 0o600;
  }
  if (target === undefined) fail(type === "secret" ? "one of source, target required" : "mount destination not set");
  if (type === "cache") {
    sharing ??= "shared";
    mode ??= 0o755;
    id ??= target;
  }
  if (type === "tmpfs" && from !== undefined) fail("'from' is not supported for tmpfs");
  if (type !== "cache" && type !== "secret" && type !== "ssh" && (mode !== undefined || uid !== undefined || gid !== undefined)) {
    fail(`mode, uid and gid are not supported for type=${type}`);
  }
  return {
    type,
    target: target as string,
    readOnly: readOnly ?? type === "bind",
    required,
    ...(source !== undefined ? { source } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(id !== undefined ? { id } : {}),
    ...(sharing !== undefined ? { sharing } : {}),
    ...(mode !== undefined ? { mode } : {}),
    ...(uid !== undefined ? { uid } : {}),
    ...(gid !== undefined ? { gid } : {}),
    ...(size !== undefined ? { size } : {}),
    ...(env !== undefined ? { env } : {}),
  };
}

function basename(p: string): string {
  const parts = p.split("/").filter((x) => x !== "");
  return parts[parts.length - 1] ?? p;
}
