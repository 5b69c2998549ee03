/**
 * `.containerignore` / `.dockerignore` with Docker's rules
 * (moby/patternmatcher and its ignorefile reader):
 * - a line starting with `#` (first column) is a comment; lines are
 *   trimmed; blank lines are skipped; `!` makes an exception;
 * - patterns are cleaned like Go's filepath.Clean and anchored at the
 *   context root (a leading "/" is dropped);
 * - `*` and `?` never match "/", `[…]` classes as filepath.Match, `\`
 *   escapes, `**` matches any number of folders (also none);
 * - a path is excluded when it or one of its parent folders matches, and
 *   the last matching pattern wins, so `dir` then `!dir/keep.txt`
 *   re-includes that one file.
 * Which file is read: `<containerfile>.containerignore`, then
 * `<containerfile>.dockerignore` beside the Containerfile (BuildKit's and
 * Buildah's per-file ignore), else `.containerignore`, else `.dockerignore`
 * in the context. The Containerfile itself is not special-cased: Buildah
 * reads it from the context even when an ignore pattern matches it.
 */
import { existsSync, lstatSync, readdirSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { SkiffError } from "../lib/errors.ts";

type MatchType = "exact" | "prefix" | "suffix" | "regexp";

interface Pattern {
  readonly exclusion: boolean;
  /** The cleaned pattern text (without "!"). */
  readonly text: string;
  readonly dirs: readonly string[];
  readonly type: MatchType;
  readonly re?: RegExp;
}

/** Go's path.Clean for slash paths. */
export function cleanPath(p: string): string {
  if (p === "") return ".";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(part);
  }
  const s = out.join("/");
  if (rooted) return `/${s}`;
  return s === "" ? "." : s;
}

/** Go's filepath.Match syntax check: throws for a malformed `[` class or a trailing `\`. */
function checkSyntax(p: string): void {
  const bad = () => {
    throw new SkiffError("invalid-argument", `syntax error in pattern: ${JSON.stringify(p)}`);
  };
  const chars = [...p];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === "\\") {
      if (i + 1 >= chars.length) bad();
      i++;
    } else if (c === "[") {
      i++;
      if (chars[i] === "^") i++;
      let first = true;
      for (;;) {
        if (i >= chars.length) bad();
        if (chars[i] === "]" && !first) break;
        const lo = readClassChar(chars, i, bad);
        i = lo.next;
        if (chars[i] === "-") {
          const hi = readClassChar(chars, i + 1, bad);
          if (hi.ch < lo.ch) bad();
          i = hi.next;
        }
        first = false;
      }
    }
  }
}

function readClassChar(chars: string[], i: number, bad: () => never): { ch: string; next: number } {
  const c = chars[i];
  if (c === undefined || c === "-" || c === "]") return bad();
  if (c === "\\") {
    const n = chars[i + 1];
    if (n === undefined) return bad();
    return { ch: n, next: i + 2 };
  }
  return { ch: c, next: i + 1 };
}

const REGEX_SPECIAL = new Set([...".+()|{}$"]);

/** Compiles a cleaned pattern as patternmatcher's compile() does. */
function compile(text: string, exclusion: boolean): Pattern {
  let re = "^";
  let type: MatchType = "exact";
  const chars = [...text];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === "*") {
      if (chars[i + 1] === "*") {
        const start = i;
        i++;
        if (chars[i + 1] === "/") i++;
        if (i + 1 >= chars.length) {
          if (type === "exact") type = "prefix";
          else {
            re += "[\\s\\S]*";
            type = "regexp";
          }
        } else {
          re += "(?:[\\s\\S]*/)?";
          type = "regexp";
        }
        if (start === 0) type = "suffix";
      } else {
        re += "[^/]*";
        type = "regexp";
      }
    } else if (ch === "?") {
      re += "[^/]";
      type = "regexp";
    } else if (REGEX_SPECIAL.has(ch)) {
      re += `\\${ch}`;
    } else if (ch === "\\") {
      if (i + 1 < chars.length) {
        const n = chars[++i] as string;
        re += /[A-Za-z0-9]/.test(n) ? n : `\\${n}`;
        type = "regexp";
      } else re += "\\\\";
    } else if (ch === "[" || ch === "]") {
      re += ch;
      type = "regexp";
    } else if (ch === "^" || ch === "/") {
      re += ch === "^" && chars[i - 1] !== "[" ? "\\^" : ch;
    } else {
      re += ch;
    }
  }
  const dirs = text.split("/");
  if (type !== "regexp") return { exclusion, text, dirs, type };
  return { exclusion, text, dirs, type, re: new RegExp(`${re}$`) };
}

function matchOne(p: Pattern, path: string): boolean {
  switch (p.type) {
    case "exact":
      return path === p.text;
    case "prefix":
      return path.startsWith(p.text.slice(0, -2));
    case "suffix": {
      const suffix = p.text.slice(2);
      if (path.endsWith(suffix)) return true;
      return suffix.startsWith("/") && path === suffix.slice(1);
    }
    case "regexp":
      return (p.re as RegExp).test(path);
  }
}

/** A compiled list of ignore patterns. */
export class IgnoreMatcher {
  private readonly patterns: Pattern[];
  /** The file the patterns came from, when loaded from one. */
  readonly source: string | undefined;

  /**
   * @param patterns lines as moby's ignorefile.ReadAll returns them
   *   (already cleaned) or raw patterns; blank ones are skipped.
   * @throws SkiffError "invalid-argument" for `!` alone or a bad `[` class.
   */
  constructor(patterns: readonly string[], source?: string) {
    this.source = source;
    this.patterns = [];
    for (let p of patterns) {
      p = p.trim();
      if (p === "") continue;
      p = cleanPath(p);
      let exclusion = false;
      if (p.startsWith("!")) {
        if (p.length === 1) throw new SkiffError("invalid-argument", 'illegal exclusion pattern: "!"');
        exclusion = true;
        p = p.slice(1);
      }
      checkSyntax(p);
      this.patterns.push(compile(p, exclusion));
    }
  }

  /** True when some pattern is an exception (`!…`). */
  get hasExclusions(): boolean {
    return this.patterns.some((p) => p.exclusion);
  }

  /**
   * Whether a context path is excluded (patternmatcher's
   * MatchesOrParentMatches): it or a parent folder matches, last match wins.
   * @param relPath slash-separated, relative to the context root ("a/b.txt").
   * @param _isDir accepted for callers' clarity; Docker's rules do not depend on it.
   */
  ignored(relPath: string, _isDir = false): boolean {
    const file = cleanPath(relPath);
    if (file === "." || this.patterns.length === 0) return false;
    const slash = file.lastIndexOf("/");
    const parents = slash < 0 ? [] : file.slice(0, slash).split("/");
    let matched = false;
    for (const p of this.patterns) {
      if (p.exclusion !== matched) continue;
      let m = matchOne(p, file);
      if (!m) {
        for (let i = 0; i < parents.length && !m; i++) m = matchOne(p, parents.slice(0, i + 1).join("/"));
      }
      if (m) matched = !p.exclusion;
    }
    return matched;
  }

  /**
   * Whether an excluded folder may still hold something an exception
   * re-includes, so a walker must descend into it. Conservative: true when
   * some exception's leading segments could match the folder's path (or
   * hold `**`), false when no exception can reach inside.
   */
  mayContainIncluded(relDir: string): boolean {
    const dir = cleanPath(relDir);
    const segs = dir === "." ? [] : dir.split("/");
    return this.patterns.some((p) => p.exclusion && prefixCouldMatch(p.dirs, segs));
  }
}

/** Could a path below `segs` match a pattern with these `/`-separated parts? */
function prefixCouldMatch(dirs: readonly string[], segs: readonly string[]): boolean {
  for (let i = 0; i < segs.length; i++) {
    const d = dirs[i];
    if (d === undefined) return false;
    if (d.includes("**")) return true;
    if (!segmentMatches(d, segs[i] as string)) return false;
  }
  return dirs.length > segs.length;
}

function segmentMatches(pattern: string, seg: string): boolean {
  const p = compile(pattern, false);
  return matchOne(p, seg);
}

/**
 * Reads an ignore file as moby's ignorefile.ReadAll: BOM stripped, `#`
 * comments (first column only), trimmed lines, `!` exceptions, cleaned
 * and made relative (a leading "/" dropped).
 */
export function readIgnoreFile(text: string): string[] {
  const out: string[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (const line of lines) {
    if (line.startsWith("#")) continue;
    let p = line.trim();
    if (p === "") continue;
    const invert = p.startsWith("!");
    if (invert) p = p.slice(1).trim();
    if (p.length > 0) {
      p = cleanPath(p);
      if (p.length > 1 && p.startsWith("/")) p = p.slice(1);
    }
    out.push(invert ? `!${p}` : p);
  }
  return out;
}

/**
 * Loads the ignore rules for a build context.
 * @param contextDir the context folder.
 * @param containerfile the Containerfile path (absolute, or relative to the
 *   context) whose `<path>.containerignore`/`.dockerignore` takes precedence.
 * @param ignoreFile an explicit ignore file (`--ignorefile`), used instead.
 * @returns a matcher (with no patterns when there is no ignore file).
 * @throws SkiffError "invalid-argument" for a bad pattern, naming the file.
 */
export function loadIgnore(contextDir: string, containerfile?: string, ignoreFile?: string): IgnoreMatcher {
  const candidates: string[] = [];
  if (ignoreFile !== undefined) candidates.push(ignoreFile);
  else {
    if (containerfile !== undefined && containerfile !== "-") {
      const cf = isAbsolute(containerfile) ? containerfile : join(contextDir, containerfile);
      candidates.push(`${cf}.containerignore`, `${cf}.dockerignore`);
    }
    candidates.push(join(contextDir, ".containerignore"), join(contextDir, ".dockerignore"));
  }
  for (const path of candidates) {
    if (ignoreFile === undefined && !existsSync(path)) continue;
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (e) {
      throw new SkiffError("invalid-argument", `reading ignore file ${JSON.stringify(path)}: ${(e as Error).message}`);
    }
    try {
      return new IgnoreMatcher(readIgnoreFile(text), path);
    } catch (e) {
      throw new SkiffError("invalid-argument", `${path}: ${(e as Error).message}`);
    }
  }
  return new IgnoreMatcher([]);
}

/** One entry of the build context. */
export interface ContextEntry {
  /** Slash-separated path relative to the context root. */
  readonly path: string;
  readonly type: "file" | "dir" | "symlink" | "other";
}

/**
 * Lists the context's entries that are not ignored, depth first in
 * byte order of names (stable for hashing). An excluded folder is skipped
 * unless an exception may re-include something inside; folders holding
 * re-included entries are listed themselves. Symlinks are not followed.
 */
export function walkContext(contextDir: string, matcher: IgnoreMatcher): ContextEntry[] {
  const out: ContextEntry[] = [];
  const walk = (rel: string): boolean => {
    const abs = rel === "" ? contextDir : join(contextDir, rel);
    const names = readdirSync(abs).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    let any = false;
    for (const name of names) {
      const path = rel === "" ? name : `${rel}/${name}`;
      const st = lstatSync(join(contextDir, path));
      const type: ContextEntry["type"] = st.isDirectory() ? "dir" : st.isSymbolicLink() ? "symlink" : st.isFile() ? "file" : "other";
      const excluded = matcher.ignored(path, type === "dir");
      if (type === "dir") {
        if (excluded && !matcher.mayContainIncluded(path)) continue;
        const at = out.length;
        const inner = walk(path);
        if (!excluded || inner) {
          out.splice(at, 0, { path, type });
          any = true;
        }
        continue;
      }
      if (excluded) continue;
      out.push({ path, type });
      any = true;
    }
    return any;
  };
  walk("");
  return out;
}
