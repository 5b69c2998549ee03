/**
 * Variable expansion of Containerfile words, as BuildKit's shell lexer
 * (frontend/dockerfile/shell) does it: `$VAR`, `${VAR}`, `${VAR:-w}`,
 * `${VAR-w}`, `${VAR:+w}`, `${VAR+w}`, `${VAR:?msg}`, `${VAR?msg}`,
 * `${VAR#pat}`, `${VAR##pat}`, `${VAR%pat}`, `${VAR%%pat}`, `${VAR/p/r}`,
 * `${VAR//p/r}`; single quotes keep everything literal, double quotes keep
 * all but `$` and the escape character (which there escapes only `"`, `$`
 * and itself); outside quotes the escape character escapes any character.
 * Quotes are removed from the result. An unset variable expands to "".
 *
 * Which instruction expands what (the Dockerfile reference's list) is
 * applied by expandInstruction in parse/expand-instruction.ts.
 */
import { SkiffError } from "../lib/errors.ts";

/** Looks a variable up: its value, or undefined when it is not set. */
export type VarLookup = (name: string) => string | undefined;

/** Lexer switches (BuildKit's Lex fields of the same names). */
export interface LexOptions {
  /** The escape character: "\\" or "`" (the `# escape=` directive). @default "\\" */
  readonly escape?: string;
  /** Keep the quote characters in the output. */
  readonly rawQuotes?: boolean;
  /** Keep the escape characters in the output. */
  readonly rawEscapes?: boolean;
  /** Treat quotes as ordinary characters (heredoc bodies). */
  readonly skipProcessQuotes?: boolean;
  /** Leave references to unset variables as written instead of "". */
  readonly skipUnsetEnv?: boolean;
}

interface LexResult {
  /** The processed text, quotes removed, whitespace kept. */
  word: string;
  /** The processed text split on unquoted whitespace (also whitespace from expanded values). */
  words: string[];
}

const EOF = "";

class Lexer {
  private pos = 0;
  private rawEscapes: boolean;

  constructor(
    private readonly src: string,
    private readonly lookup: VarLookup,
    private readonly opts: LexOptions,
    private readonly esc: string,
  ) {
    this.rawEscapes = opts.rawEscapes === true;
  }

  private peek(): string {
    const cp = this.src.codePointAt(this.pos);
    return cp === undefined ? EOF : String.fromCodePoint(cp);
  }

  private next(): string {
    const ch = this.peek();
    this.pos += ch.length;
    return ch;
  }

  run(): LexResult {
    return this.processStopOn(EOF, this.rawEscapes);
  }

  private processStopOn(stop: string, rawEscapes: boolean): LexResult {
    let result = "";
    const w = new WordSplitter();
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      while (this.peek() !== EOF) {
        const ch = this.peek();
        if (stop !== EOF && ch === stop) {
          this.next();
          return { word: result, words: w.finish() };
        }
        if (ch === "$") {
          const tmp = this.processDollar();
          result += tmp;
          w.addString(tmp);
        } else if (!this.opts.skipProcessQuotes && (ch === "'" || ch === '"')) {
          const tmp = ch === "'" ? this.processSingleQuote() : this.processDoubleQuote();
          result += tmp;
          w.addRaw(tmp);
        } else {
          let c = this.next();
          if (c === this.esc) {
            if (this.rawEscapes) {
              w.addRaw(c);
              result += c;
            }
            c = this.next();
            if (c === EOF) break;
            w.addRaw(c);
          } else {
            w.addChar(c);
          }
          result += c;
        }
      }
      if (stop !== EOF) {
        throw new SkiffError("invalid-argument", `unexpected end of statement while looking for matching ${stop}`);
      }
      return { word: result, words: w.finish() };
    } finally {
      this.rawEscapes = saved;
    }
  }

  private processSingleQuote(): string {
    let result = "";
    const open = this.next();
    if (this.opts.rawQuotes) result += open;
    for (;;) {
      const ch = this.next();
      if (ch === EOF) {
        throw new SkiffError("invalid-argument", "unexpected end of statement while looking for matching single-quote");
      }
      if (ch === "'") {
        if (this.opts.rawQuotes) result += ch;
        return result;
      }
      result += ch;
    }
  }

  private processDoubleQuote(): string {
    let result = "";
    const open = this.next();
    if (this.opts.rawQuotes) result += open;
    for (;;) {
      const p = this.peek();
      if (p === EOF) {
        throw new SkiffError("invalid-argument", "unexpected end of statement while looking for matching double-quote");
      }
      if (p === '"') {
        this.next();
        if (this.opts.rawQuotes) result += p;
        return result;
      }
      if (p === "$") {
        result += this.processDollar();
        continue;
      }
      let ch = this.next();
      if (ch === this.esc) {
        if (this.rawEscapes) result += ch;
        const after = this.peek();
        if (after === EOF) continue;
        if (after === '"' || after === "$" || after === this.esc) ch = this.next();
      }
      result += ch;
    }
  }

  private processName(): string {
    let name = "";
    while (this.peek() !== EOF) {
      const ch = this.peek();
      if (name === "" && /\p{Nd}/u.test(ch)) {
        while (this.peek() !== EOF && /\p{Nd}/u.test(this.peek())) name += this.next();
        return name;
      }
      if (name === "" && "@*#?-$!0".includes(ch)) return this.next();
      if (!/[\p{L}\p{Nd}_]/u.test(ch)) break;
      name += this.next();
    }
    return name;
  }

  private processDollar(): string {
    this.next(); // the "$"
    if (this.peek() !== "{") {
      const name = this.processName();
      if (name === "") return "$";
      const value = this.lookup(name);
      if (value === undefined && this.opts.skipUnsetEnv) return `$${name}`;
      return value ?? "";
    }
    this.next(); // the "{"
    const first = this.peek();
    if (first === EOF) throw new SkiffError("invalid-argument", "syntax error: missing '}'");
    if (first === "{" || first === "}" || first === ":") {
      throw new SkiffError("invalid-argument", "syntax error: bad substitution");
    }
    const name = this.processName();
    let ch = this.next();
    let mod = ch;
    if (ch === "}") {
      const value = this.lookup(name);
      if (value === undefined && this.opts.skipUnsetEnv) return `\${${name}}`;
      return value ?? "";
    }
    if (ch === EOF) throw new SkiffError("invalid-argument", "syntax error: missing '}'");
    if (ch === ":" || "+-?#%".includes(ch)) {
      let nullIsUnset = false;
      if (ch === ":") {
        nullIsUnset = true;
        ch = this.next();
        mod += ch;
      }
      const raw = ch === "#" || ch === "%";
      let word: string;
      try {
        word = this.processStopOn("}", raw).word;
      } catch (e) {
        if (this.peek() === EOF) throw new SkiffError("invalid-argument", "syntax error: missing '}'");
        throw e;
      }
      const value = this.lookup(name);
      if (value === undefined && this.opts.skipUnsetEnv) return `\${${name}${mod}${word}}`;
      const unset = value === undefined || (nullIsUnset && value === "");
      switch (ch) {
        case "-":
          return unset ? word : (value as string);
        case "+":
          return unset ? "" : word;
        case "?":
          if (value === undefined) {
            throw new SkiffError("invalid-argument", `${name}: ${word || "is not allowed to be unset"}`);
          }
          if (nullIsUnset && value === "") {
            throw new SkiffError("invalid-argument", `${name}: ${word || "is not allowed to be empty"}`);
          }
          return value;
        case "#":
        case "%": {
          let greedy = false;
          if (word.startsWith(ch)) {
            greedy = true;
            word = word.slice(1);
          }
          return ch === "%" ? trimSuffix(word, value ?? "", greedy) : trimPrefix(word, value ?? "", greedy);
        }
      }
      throw new SkiffError("invalid-argument", `unsupported modifier (${mod}) in substitution`);
    }
    if (ch === "/") {
      const all = this.peek() === "/";
      if (all) this.next();
      let pattern: string;
      let replacement: string;
      try {
        pattern = this.processStopOn("/", true).word;
      } catch (e) {
        if (this.peek() === EOF) throw new SkiffError("invalid-argument", "syntax error: missing '/' in ${}");
        throw e;
      }
      try {
        replacement = this.processStopOn("}", true).word;
      } catch (e) {
        if (this.peek() === EOF) throw new SkiffError("invalid-argument", "syntax error: missing '}'");
        throw e;
      }
      const value = this.lookup(name);
      if (value === undefined && this.opts.skipUnsetEnv) return `\${${name}/${pattern}/${replacement}}`;
      const re = shellPatternToRegex(pattern, true, false, all);
      const v = value ?? "";
      if (all) return v.replace(re, () => replacement);
      const m = re.exec(v);
      return m ? v.slice(0, m.index) + replacement + v.slice(m.index + m[0].length) : v;
    }
    throw new SkiffError("invalid-argument", `unsupported modifier (${mod}) in substitution`);
  }
}

/** BuildKit's wordsStruct: splits on whitespace that came unquoted (literal or from a value). */
class WordSplitter {
  private word = "";
  private words: string[] = [];
  private inWord = false;

  addChar(ch: string): void {
    if (/\s/u.test(ch)) {
      if (this.inWord && this.word !== "") {
        this.words.push(this.word);
        this.word = "";
        this.inWord = false;
      }
    } else {
      this.addRaw(ch);
    }
  }

  addRaw(s: string): void {
    this.word += s;
    this.inWord = true;
  }

  addString(s: string): void {
    for (const ch of s) this.addChar(ch);
  }

  finish(): string[] {
    if (this.word !== "") {
      this.words.push(this.word);
      this.word = "";
      this.inWord = false;
    }
    return this.words;
  }
}

/**
 * A `${VAR#pat}`-style shell pattern as a regex: `*` any string, `?` one
 * character, `\` escapes `*`, `?` and `\` (and a `}`/`/` is taken literally).
 */
function shellPatternToRegex(pattern: string, greedy: boolean, anchored: boolean, global = false): RegExp {
  let out = anchored ? "^" : "";
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === "*") out += greedy ? "[\\s\\S]*" : "[\\s\\S]*?";
    else if (c === "?") out += "[\\s\\S]";
    else if (c === "\\") {
      const n = chars[i + 1];
      if (n === "}" || n === "/") continue;
      if (n !== "*" && n !== "?" && n !== "\\") {
        throw new SkiffError("invalid-argument", `invalid pattern (${pattern}) in substitution: invalid escape '\\${n ?? ""}'`);
      }
      out += `\\${n}`;
      i++;
    } else out += c.replace(/[[\]{}.+()|^$\\*?]/g, "\\$&");
  }
  return new RegExp(out, global ? "gu" : "u");
}

function trimPrefix(word: string, value: string, greedy: boolean): string {
  const m = shellPatternToRegex(word, greedy, true).exec(value);
  return m ? value.slice(m[0].length) : value;
}

function trimSuffix(word: string, value: string, greedy: boolean): string {
  // Match the reversed pattern against the reversed value, as BuildKit does,
  // so that a non-greedy `*` finds the shortest suffix.
  const rev = (s: string) => [...s].reverse().join("");
  const revPattern = reverseShellPattern(word);
  const v = rev(value);
  const m = shellPatternToRegex(revPattern, greedy, true).exec(v);
  return m ? rev(v.slice(m[0].length)) : value;
}

/** Reverses a shell pattern keeping each `\x` escape pair in order. */
function reverseShellPattern(p: string): string {
  const tokens: string[] = [];
  const chars = [...p];
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] === "\\" && i + 1 < chars.length) {
      tokens.push(`\\${chars[i + 1]}`);
      i++;
    } else tokens.push(chars[i] as string);
  }
  return tokens.reverse().join("");
}

function lex(text: string, lookup: VarLookup, opts: LexOptions): LexResult {
  const esc = opts.escape ?? "\\";
  try {
    return new Lexer(text, lookup, opts, esc).run();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new SkiffError("invalid-argument", `processing ${JSON.stringify(text)}: ${msg}`, { cause: e });
  }
}

/**
 * One word expanded as BuildKit's ProcessWord: variables substituted,
 * quotes and escapes removed, whitespace kept (no splitting).
 * `expandString('"${A}-x" \\$B', v => ({A: "1"})[v], "\\")` → `1-x $B`.
 * @throws SkiffError "invalid-argument" (`processing "<text>": <problem>`)
 *   for an unterminated quote, `${}`, a missing `}`, an unsupported
 *   modifier or a `${VAR?msg}` on an unset variable.
 */
export function expandString(text: string, lookup: VarLookup, escape = "\\"): string {
  return lex(text, lookup, { escape }).word;
}

/**
 * Each word expanded as by expandString (one output per input: BuildKit's
 * expandSliceInPlace, used for COPY/ADD sources, VOLUME paths).
 */
export function expandWords(words: readonly string[], lookup: VarLookup, escape = "\\"): string[] {
  return words.map((w) => expandString(w, lookup, escape));
}

/**
 * Text expanded and then split into words on whitespace that is not quoted,
 * including whitespace inside substituted values (BuildKit's ProcessWords,
 * used for EXPOSE): `splitWords("$P 9000/udp", {P: "80 81"})` → ["80","81","9000/udp"].
 */
export function splitWords(text: string, lookup: VarLookup, escape = "\\"): string[] {
  return lex(text, lookup, { escape }).words;
}

/**
 * A heredoc body whose delimiter was not quoted, expanded as BuildKit
 * expands COPY/ADD heredoc content: variables substituted, quotes kept as
 * they are, the backslash (always `\`, whatever `# escape=` says) still
 * escapes the next character (so `\$X` gives `$X` and `\n` gives `n`).
 */
export function expandHeredoc(text: string, lookup: VarLookup): string {
  return lex(text, lookup, { escape: "\\", skipProcessQuotes: true }).word;
}

/** The lexer with explicit options, for the parser's own uses (heredoc detection). */
export function lexWords(text: string, lookup: VarLookup, opts: LexOptions): { word: string; words: string[] } {
  return lex(text, lookup, opts);
}
