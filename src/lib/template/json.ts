/**
 * Go's encoding/json output over JS values, byte for byte: Go's string
 * escapes (`\u003c` style, lowercase hex, U+2028/U+2029 always escaped,
 * lone surrogates as U+FFFD), MarshalIndent's layout (`{}`/`[]` for empty
 * containers), and undefined object members omitted as with `omitempty`.
 * Object keys keep insertion order: Go sorts map keys, so callers building a
 * map from user input insert it sorted (see {@link sortedRecord}).
 */

export interface GoJsonOptions {
  /** Indent unit; "" gives compact output (json.Marshal). @default "" */
  readonly indent?: string;
  /** Escape <, >, & as \u003c \u003e \u0026 (Go's default; Podman's inspect turns it off). @default true */
  readonly escapeHtml?: boolean;
  /**
   * Render empty objects as "{", newline, one deeper indent, newline, "}" —
   * the layout of the json-iterator library some Podman listings
   * (`volume ls --format json`) use. @default false
   */
  readonly jsoniterEmptyObjects?: boolean;
}

const HEX = "0123456789abcdef";

function quote(s: string, escapeHtml: boolean): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c < 0x20) {
      rep = c === 10 ? "\\n" : c === 13 ? "\\r" : c === 9 ? "\\t" : `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
    } else if (c === 34) rep = '\\"';
    else if (c === 92) rep = "\\\\";
    else if (escapeHtml && (c === 60 || c === 62 || c === 38)) rep = `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
    else if (c === 0x2028 || c === 0x2029) rep = `\\u202${HEX[c & 15]}`;
    else if (c >= 0xd800 && c <= 0xdfff) {
      const hi = c <= 0xdbff;
      const next = s.charCodeAt(i + 1);
      if (hi && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      rep = "\ufffd";
    }
    if (rep !== undefined) {
      out += s.slice(start, i) + rep;
      start = i + 1;
    }
  }
  return `${out}${s.slice(start)}"`;
}

function num(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`json: unsupported value: ${n}`);
  // JS and Go agree: exponent form below 1e-6 and from 1e21 on, shortest digits.
  return String(n);
}

/** Encodes `value` as Go's json.Marshal / json.MarshalIndent(v, "", indent) would. */
export function goJson(value: unknown, opts: GoJsonOptions = {}): string {
  const indent = opts.indent ?? "";
  const escapeHtml = opts.escapeHtml ?? true;
  const quirk = opts.jsoniterEmptyObjects ?? false;
  const enc = (v: unknown, depth: number): string | undefined => {
    if (v === null || v === undefined) return "null";
    switch (typeof v) {
      case "string":
        return quote(v, escapeHtml);
      case "number":
        return num(v);
      case "boolean":
        return v ? "true" : "false";
      case "bigint":
        return v.toString();
      case "function":
      case "symbol":
        return undefined;
    }
    const toJSON = (v as { toJSON?: () => unknown }).toJSON;
    if (typeof toJSON === "function") return enc(toJSON.call(v), depth);
    const nl = indent ? `\n${indent.repeat(depth + 1)}` : "";
    const close = indent ? `\n${indent.repeat(depth)}` : "";
    const colon = indent ? ": " : ":";
    if (Array.isArray(v)) {
      if (v.length === 0) return "[]";
      return `[${v.map((e) => nl + (enc(e, depth + 1) ?? "null")).join(",")}${close}]`;
    }
    const parts: string[] = [];
    for (const k of Object.keys(v)) {
      const e = enc((v as Record<string, unknown>)[k], depth + 1);
      if (e !== undefined && (v as Record<string, unknown>)[k] !== undefined) parts.push(nl + quote(k, escapeHtml) + colon + e);
    }
    if (parts.length === 0) return quirk && indent ? `{${nl}${close}}` : "{}";
    return `{${parts.join(",")}${close}}`;
  };
  return enc(value, 0) ?? "null";
}

/** A copy of `m` with keys inserted in Go's map order (sorted), for JSON output. */
export function sortedRecord<V>(m: Readonly<Record<string, V>>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k] as V;
  return out;
}
