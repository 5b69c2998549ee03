/**
 * Containerfile text → logical lines, as BuildKit's parser reads them:
 * parser directives at the very top, `#` comment lines, line continuations
 * with the escape character, comment and blank lines inside continuations
 * dropped, here-document bodies after RUN/COPY/ADD lines.
 */
import { SkiffError } from "../../lib/errors.ts";
import { lexWords } from "../expand.ts";
import type { Heredoc } from "./types.ts";

/** One instruction's text before it is typed. */
export interface LogicalLine {
  readonly startLine: number;
  readonly endLine: number;
  /** Joined text (leading whitespace of the first line removed). */
  readonly text: string;
  /** The keyword as written. */
  readonly keyword: string;
  /** Leading `--flag` words. */
  readonly flags: string[];
  /** The rest after keyword and flags, trimmed. */
  readonly rest: string;
  readonly heredocs: Heredoc[];
}

export interface LexedFile {
  readonly syntax?: string;
  readonly escape: string;
  readonly lines: LogicalLine[];
  readonly warnings: string[];
}

/** Error for a position in the file: `<file>:<line>: <message>`. */
export function parseError(file: string, line: number, message: string): SkiffError {
  return new SkiffError("invalid-argument", `${file}:${line}: ${message}`);
}

const DIRECTIVE = /^#[ \t\n\f\r]*([a-zA-Z][a-zA-Z0-9]*)[ \t\n\f\r]*=[ \t\n\f\r]*(.+?)[ \t\n\f\r]*$/;
const HEREDOC_WORD = /^(\d*)<<(-?)([^<]*)$/;
const WHITESPACE = /[\t\v\f\r ]+/;
/** Keywords whose lines may carry here-documents. */
const HEREDOC_KEYWORDS = new Set(["run", "copy", "add"]);

const trimNewline = (s: string) => s.replace(/[\r\n]+$/, "");
const trimLeft = (s: string) => s.replace(/^\s+/u, "");
const isComment = (raw: string) => trimLeft(trimNewline(raw)).startsWith("#");

function continuationRegex(escape: string): RegExp {
  const e = escape === "\\" ? "\\\\" : escape;
  // The escape char ends a line as a continuation unless it is itself escaped.
  return new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`);
}

/**
 * Splits a Containerfile into logical lines.
 * @throws SkiffError "invalid-argument" `<file>:<line>: …` for a repeated
 *   or invalid directive, an unterminated heredoc or a bad flag word.
 */
export function lexContainerfile(text: string, file: string): LexedFile {
  // Lines keep their "\n" so heredoc bodies are reproduced exactly.
  const raw = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  if (raw.length > 0 && raw[0]?.startsWith("\uFEFF")) raw[0] = raw[0].slice(1);

  let escape = "\\";
  let syntax: string | undefined;
  let contRe = continuationRegex(escape);
  let directivesDone = false;
  const seen = new Set<string>();
  const lines: LogicalLine[] = [];
  const warnings: string[] = [];

  const directive = (line: string, lineNo: number) => {
    if (directivesDone) return;
    const m = DIRECTIVE.exec(line);
    const key = m?.[1]?.toLowerCase();
    if (!m || (key !== "escape" && key !== "syntax")) {
      directivesDone = true;
      return;
    }
    if (seen.has(key)) throw parseError(file, lineNo, `only one ${key} parser directive can be used`);
    seen.add(key);
    const value = m[2] as string;
    if (key === "syntax") syntax = value;
    else {
      if (value !== "\\" && value !== "`") {
        throw parseError(file, lineNo, `invalid escape token '${value}' does not match \` or \\`);
      }
      escape = value;
      contRe = continuationRegex(escape);
    }
  };
  const stripComment = (s: string) => (s.startsWith("#") ? "" : s);
  const trimContinuation = (s: string): [string, boolean] =>
    contRe.test(s) ? [s.replace(contRe, "$1"), false] : [s, true];

  let i = 0;
  while (i < raw.length) {
    const lineNo = i + 1;
    let first = trimLeft(trimNewline(raw[i] as string));
    directive(first, lineNo);
    first = stripComment(first);
    i++;
    let [joined, ended] = trimContinuation(first);
    if (ended && joined === "") continue;
    let emptyContinuation = false;
    while (!ended && i < raw.length) {
      const r = raw[i] as string;
      const l = trimNewline(r);
      directive(l, i + 1);
      i++;
      if (isComment(r)) continue;
      if (trimLeft(l) === "") {
        emptyContinuation = true;
        continue;
      }
      let part: string;
      [part, ended] = trimContinuation(stripComment(l));
      joined += part;
    }
    if (emptyContinuation) warnings.push(`empty continuation line found in: ${joined}`);

    const { keyword, flags, rest } = splitCommand(joined);
    const heredocs: Heredoc[] = [];
    if (mayHaveHeredocs(keyword, rest)) {
      for (const h of heredocsFromLine(joined)) {
        let content = "";
        let terminated = false;
        while (i < raw.length) {
          const r = raw[i] as string;
          i++;
          let candidate = trimNewline(r);
          if (h.chomp) candidate = candidate.replace(/^\t+/, "");
          if (candidate === h.name) {
            terminated = true;
            break;
          }
          content += r;
        }
        if (!terminated) throw parseError(file, lineNo, "unterminated heredoc");
        heredocs.push({ ...h, content });
      }
    }
    lines.push({ startLine: lineNo, endLine: i, text: joined, keyword, flags, rest, heredocs });
  }
  return { ...(syntax !== undefined ? { syntax } : {}), escape, lines, warnings };
}

/** RUN/COPY/ADD (also as an ONBUILD trigger) in shell form may carry heredocs. */
function mayHaveHeredocs(keyword: string, rest: string): boolean {
  let kw = keyword.toLowerCase();
  let args = rest;
  if (kw === "onbuild") {
    const sub = splitCommandLoose(rest);
    kw = sub.keyword.toLowerCase();
    args = sub.rest;
  }
  if (!HEREDOC_KEYWORDS.has(kw)) return false;
  return !isJsonArray(args);
}

function isJsonArray(rest: string): boolean {
  const t = trimLeft(rest);
  if (!t.startsWith("[")) return false;
  try {
    const v: unknown = JSON.parse(t);
    return Array.isArray(v);
  } catch {
    return false;
  }
}

const noVars = () => undefined;

/** The heredoc words of a line (`<<EOF`, `<<-"END"`, `3<<X`), in order, bodies empty. */
export function heredocsFromLine(line: string): Omit<Heredoc, "content">[] {
  let words: string[];
  try {
    words = lexWords(line, noVars, { rawQuotes: true, rawEscapes: true, skipUnsetEnv: true }).words;
  } catch {
    return [];
  }
  const out: Omit<Heredoc, "content">[] = [];
  for (const w of words) {
    const h = parseHeredocWord(w);
    if (h) out.push(h);
  }
  return out;
}

/** A word like `<<EOF` as a heredoc, or undefined. */
export function parseHeredocWord(word: string): Omit<Heredoc, "content"> | undefined {
  const m = HEREDOC_WORD.exec(word);
  if (!m) return undefined;
  const rest = m[3] as string;
  if (rest === "") return undefined;
  let cooked: string[];
  let rawWords: string[];
  try {
    cooked = lexWords(rest, noVars, { skipUnsetEnv: true }).words;
    if (cooked.length !== 1) return undefined;
    rawWords = lexWords(rest, noVars, { skipUnsetEnv: true, rawQuotes: true }).words;
  } catch {
    return undefined;
  }
  const name = cooked[0] as string;
  const quotes = (s: string) => (s.match(/['"]/g) ?? []).length;
  return {
    name,
    chomp: m[2] === "-",
    expand: quotes(name) === quotes(rawWords[0] ?? ""),
    fd: m[1] ? Number(m[1]) : 0,
  };
}

/** Keyword / flags / rest, as BuildKit's splitCommand. */
export function splitCommand(line: string): { keyword: string; flags: string[]; rest: string } {
  const parts = splitCommandLoose(line);
  if (parts.rest === "") return { keyword: parts.keyword, flags: [], rest: "" };
  const { flags, rest } = extractBuilderFlags(parts.rest);
  return { keyword: parts.keyword, flags, rest: rest.trim() };
}

function splitCommandLoose(line: string): { keyword: string; rest: string } {
  const t = line.trim();
  const m = WHITESPACE.exec(t);
  if (!m) return { keyword: t, rest: "" };
  return { keyword: t.slice(0, m.index), rest: t.slice(m.index + m[0].length) };
}

/**
 * Leading `--name[=value]` words (quotes and backslashes inside a flag word
 * are processed; `--` alone ends the flags).
 */
function extractBuilderFlags(line: string): { flags: string[]; rest: string } {
  const words: string[] = [];
  let phase: "space" | "word" | "quote" = "space";
  let word = "";
  let quote = "";
  let blankOK = false;
  for (let pos = 0; pos <= line.length; pos++) {
    const ch = pos < line.length ? (line[pos] as string) : "";
    if (phase === "space") {
      if (pos === line.length) break;
      if (/\s/u.test(ch)) continue;
      if (ch !== "-" || line[pos + 1] !== "-") return { flags: words, rest: line.slice(pos) };
      phase = "word";
    }
    if (pos === line.length) {
      if (word !== "--" && (blankOK || word.length > 0)) words.push(word);
      break;
    }
    if (phase === "word") {
      if (/\s/u.test(ch)) {
        phase = "space";
        if (word === "--") return { flags: words, rest: line.slice(pos) };
        if (blankOK || word.length > 0) words.push(word);
        word = "";
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = "quote";
        continue;
      }
      if (ch === "\\") {
        if (pos + 1 === line.length) continue;
        pos++;
        word += line[pos];
        continue;
      }
      word += ch;
      continue;
    }
    // inside quotes
    if (ch === quote) {
      phase = "word";
      continue;
    }
    if (ch === "\\") {
      if (pos + 1 === line.length) {
        phase = "word";
        continue;
      }
      pos++;
      word += line[pos];
      continue;
    }
    word += ch;
  }
  return { flags: words, rest: "" };
}
