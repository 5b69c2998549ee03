/**
 * A subset of Go's fmt package over JS values (see values.ts for the mapping):
 * `%v` printing (Sprint), Sprintln, Sprintf with Go's verbs, flags, width and
 * precision, and Go's bad-verb notation (`%!d(string=x)`, `%!s(MISSING)`,
 * `%!(EXTRA int=2)`).
 */
import { goTypeName, isStruct, sortedKeys } from "./values.ts";

/** Go's strconv.FormatFloat(f, 'g', prec, 64); prec -1 = shortest. No '#' flag. */
export function formatFloatG(f: number, prec: number, upper = false): string {
  if (!Number.isFinite(f)) return Number.isNaN(f) ? "NaN" : f > 0 ? "+Inf" : "-Inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  let mant: string;
  let exp: number;
  let eprec: number;
  if (prec < 0) {
    // Shortest digits that round-trip, as Go's shortest mode.
    const [m, e] = f.toExponential().split("e") as [string, string];
    mant = m;
    exp = Number(e);
    eprec = 6;
  } else {
    const p = prec === 0 ? 1 : prec;
    const [m, e] = f.toExponential(p - 1).split("e") as [string, string];
    mant = m;
    exp = Number(e);
    eprec = p;
    const digits = mant.replace(/[-.]/g, "").length;
    if (eprec > digits && digits >= exp + 1) eprec = digits;
  }
  if (exp < -4 || exp >= eprec) {
    if (mant.includes(".")) mant = mant.replace(/\.?0+$/, "");
    const sign = exp < 0 ? "-" : "+";
    const ae = Math.abs(exp);
    return `${mant}${upper ? "E" : "e"}${sign}${ae < 10 ? "0" : ""}${ae}`;
  }
  // Fixed notation with the significant digits kept, trailing zeros dropped.
  const neg = mant.startsWith("-");
  const digits = mant.replace(/[-.]/g, "");
  let s: string;
  if (exp >= 0) {
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
    const frac = digits.slice(exp + 1).replace(/0+$/, "");
    s = frac ? `${intPart}.${frac}` : intPart;
  } else {
    s = `0.${"0".repeat(-exp - 1)}${digits}`.replace(/0+$/, "").replace(/\.$/, "");
  }
  return neg ? `-${s}` : s;
}

function formatExp(f: number, prec: number, upper: boolean): string {
  const [m, e] = f.toExponential(prec).split("e") as [string, string];
  const exp = Number(e);
  const ae = Math.abs(exp);
  return `${m}${upper ? "E" : "e"}${exp < 0 ? "-" : "+"}${ae < 10 ? "0" : ""}${ae}`;
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? BigInt(n).toString() : formatFloatG(n, -1);
}

function formatTime(d: Date): string {
  const iso = d.toISOString(); // 2006-01-02T15:04:05.000Z
  const ms = iso.slice(20, 23).replace(/0+$/, "");
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${ms ? `.${ms}` : ""} +0000 UTC`;
}

/** Go's `%v` (plus = `%+v`: struct field names). Nested strings print raw. */
export function formatValue(v: unknown, plus = false, top = true): string {
  if (v === undefined) return top ? "<no value>" : "<nil>";
  if (v === null) return "<nil>";
  switch (typeof v) {
    case "string":
      return v;
    case "number":
      return formatNumber(v);
    case "boolean":
    case "bigint":
      return String(v);
    case "function":
      return "0x1";
  }
  if (Array.isArray(v)) return `[${v.map((e) => formatValue(e, plus, false)).join(" ")}]`;
  if (v instanceof Date) return formatTime(v);
  const o = v as Record<string, unknown>;
  if (isStruct(o)) {
    return `{${Object.keys(o)
      .map((k) => (plus ? `${k}:` : "") + formatValue(o[k], plus, false))
      .join(" ")}}`;
  }
  return `map[${sortedKeys(o)
    .map((k) => `${k}:${formatValue(o[k], plus, false)}`)
    .join(" ")}]`;
}

/** Go's fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = "";
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (i > 0 && typeof a !== "string" && typeof args[i - 1] !== "string") out += " ";
    out += formatValue(a, false, false);
  }
  return out;
}

/** Go's fmt.Sprintln: spaces always, newline at the end. */
export function sprintln(args: readonly unknown[]): string {
  return `${args.map((a) => formatValue(a, false, false)).join(" ")}\n`;
}

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  prec: number | undefined;
}

function pad(s: string, sp: Spec, numeric = false): string {
  if (sp.width === undefined) return s;
  const n = [...s].length;
  if (n >= sp.width) return s;
  const fill = sp.width - n;
  if (sp.minus) return s + " ".repeat(fill);
  if (sp.zero && numeric) {
    const sign = /^[-+ ]/.test(s) ? (s[0] as string) : "";
    return sign + "0".repeat(fill) + s.slice(sign.length);
  }
  if (sp.zero && !numeric) return "0".repeat(fill) + s;
  return " ".repeat(fill) + s;
}

function signed(s: string, neg: boolean, sp: Spec): string {
  if (neg) return `-${s}`;
  if (sp.plus) return `+${s}`;
  if (sp.space) return ` ${s}`;
  return s;
}

/** Go's strconv.Quote: double-quoted, Go escapes, non-printables as \x/\u. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (c === 7) out += "\\a";
    else if (c === 8) out += "\\b";
    else if (c === 12) out += "\\f";
    else if (c === 10) out += "\\n";
    else if (c === 13) out += "\\r";
    else if (c === 9) out += "\\t";
    else if (c === 11) out += "\\v";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else if ((c >= 0x80 && c < 0xa0) || c === 0xfffd || (c >= 0xd800 && c <= 0xdfff)) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

function badVerb(verb: string, arg: unknown): string {
  if (arg === undefined || arg === null) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(arg)}=${formatValue(arg, false, false)})`;
}

function formatInt(n: number, verb: string, sp: Spec): string {
  const neg = n < 0;
  const abs = Math.abs(n);
  let digits: string;
  switch (verb) {
    case "d":
    case "v":
      digits = BigInt(abs).toString();
      break;
    case "x":
      digits = abs.toString(16);
      if (sp.sharp) digits = `0x${digits}`;
      break;
    case "X":
      digits = abs.toString(16).toUpperCase();
      if (sp.sharp) digits = `0X${digits}`;
      break;
    case "o":
      digits = abs.toString(8);
      if (sp.sharp) digits = `0${digits}`;
      break;
    case "O":
      digits = `0o${abs.toString(8)}`;
      break;
    case "b":
      digits = abs.toString(2);
      break;
    default:
      return badVerb(verb, n);
  }
  if (sp.prec !== undefined) digits = digits.padStart(sp.prec, "0");
  return pad(signed(digits, neg, sp), sp, sp.prec === undefined);
}

function formatFloat(f: number, verb: string, sp: Spec): string {
  const neg = f < 0 || Object.is(f, -0);
  const a = Math.abs(f);
  let s: string;
  if (!Number.isFinite(a)) s = Number.isNaN(a) ? "NaN" : "Inf";
  else
    switch (verb) {
      case "f":
      case "F":
        s = a.toFixed(sp.prec ?? 6);
        break;
      case "e":
      case "E":
        s = formatExp(a, sp.prec ?? 6, verb === "E");
        break;
      case "g":
      case "G":
      case "v":
        s = formatFloatG(a, sp.prec ?? -1, verb === "G");
        break;
      default:
        return badVerb(verb, f);
    }
  if (Number.isNaN(f)) return pad(sp.plus ? "+NaN" : "NaN", { ...sp, zero: false });
  return pad(signed(s, neg, sp), sp, Number.isFinite(a));
}

function formatString(s: string, verb: string, sp: Spec): string {
  switch (verb) {
    case "s":
    case "v": {
      const t = sp.prec !== undefined ? [...s].slice(0, sp.prec).join("") : s;
      return pad(t, sp);
    }
    case "q":
      return pad(sp.sharp && !s.includes("`") ? `\`${s}\`` : goQuote(s), sp);
    case "x":
    case "X": {
      let hex = Buffer.from(s, "utf8").toString("hex");
      if (verb === "X") hex = hex.toUpperCase();
      return pad(hex, sp);
    }
    default:
      return badVerb(verb, s);
  }
}

function formatArg(arg: unknown, verb: string, sp: Spec): string {
  if (verb === "T") return pad(arg === undefined || arg === null ? "<nil>" : goTypeName(arg), sp);
  if (arg === undefined || arg === null) {
    return verb === "v" || verb === "s" ? pad("<nil>", sp) : badVerb(verb, arg);
  }
  if (typeof arg === "boolean") return verb === "t" || verb === "v" ? pad(String(arg), sp) : badVerb(verb, arg);
  if (typeof arg === "number") {
    if (Number.isInteger(arg) && !Object.is(arg, -0)) {
      if (verb === "c") return pad(String.fromCodePoint(arg), sp);
      if (verb === "q") return pad(`'${goQuote(String.fromCodePoint(arg)).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`, sp);
      if (verb === "U") return pad(`U+${arg.toString(16).toUpperCase().padStart(4, "0")}`, sp);
      // JSON numbers carry no int/float distinction: let float verbs format integers.
      if ("eEfFgG".includes(verb)) return formatFloat(arg, verb, sp);
      return formatInt(arg, verb, sp);
    }
    return formatFloat(arg, verb, sp);
  }
  if (typeof arg === "string") return formatString(arg, verb, sp);
  if (Array.isArray(arg) && verb !== "v") {
    return `[${arg.map((e) => formatArg(e, verb, { ...sp, width: undefined })).join(" ")}]`;
  }
  if (verb === "v" || (verb === "s" && !Array.isArray(arg))) return pad(formatValue(arg, sp.plus, false), sp);
  return badVerb(verb, arg);
}

/** Go's fmt.Sprintf. Supports flags `-+# 0`, width, `.prec` and `*` for both. */
export function sprintf(format: string, args: readonly unknown[]): string {
  let out = "";
  let argi = 0;
  let i = 0;
  const n = format.length;
  while (i < n) {
    const pct = format.indexOf("%", i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const sp: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false, width: undefined, prec: undefined };
    flags: for (; i < n; i++) {
      switch (format[i]) {
        case "-":
          sp.minus = true;
          sp.zero = false;
          break;
        case "+":
          sp.plus = true;
          break;
        case "#":
          sp.sharp = true;
          break;
        case " ":
          sp.space = true;
          break;
        case "0":
          sp.zero = !sp.minus;
          break;
        default:
          break flags;
      }
    }
    if (format[i] === "*") {
      i++;
      const w = args[argi++];
      if (typeof w === "number" && Number.isInteger(w)) {
        sp.width = Math.abs(w);
        if (w < 0) sp.minus = true;
      } else out += "%!(BADWIDTH)";
    } else {
      const m = /^\d+/.exec(format.slice(i));
      if (m) {
        sp.width = Number(m[0]);
        i += m[0].length;
      }
    }
    if (format[i] === ".") {
      i++;
      if (format[i] === "*") {
        i++;
        const p = args[argi++];
        if (typeof p === "number" && Number.isInteger(p) && p >= 0) sp.prec = p;
        else out += "%!(BADPREC)";
      } else {
        const m = /^\d+/.exec(format.slice(i));
        sp.prec = m ? Number(m[0]) : 0;
        if (m) i += m[0].length;
      }
    }
    if (i >= n) {
      out += "%!(NOVERB)";
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i) ?? 0);
    i += verb.length;
    if (verb === "%") {
      out += "%";
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatArg(args[argi++], verb, sp);
  }
  if (argi < args.length) {
    out += `%!(EXTRA ${args
      .slice(argi)
      .map((a) => (a === undefined || a === null ? "<nil>" : `${goTypeName(a)}=${formatValue(a, false, false)}`))
      .join(", ")})`;
  }
  return out;
}
