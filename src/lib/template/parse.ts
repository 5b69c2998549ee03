/**
 * Lexer and parser for Go's text/template language, producing the AST that
 * exec.ts walks. Follows Go's grammar: `{{`/`}}` delimiters with `{{- `/` -}}`
 * trim markers, comments, pipelines with declarations, control actions
 * (if/else if/else, range with break/continue, with, define, template, block).
 * Parse errors read as Go's: `template: NAME:LINE: MESSAGE`.
 */
import { SkiffError } from "../errors.ts";

export type Arg =
  | { kind: "field"; pos: number; names: string[] }
  | { kind: "chain"; pos: number; node: Arg; names: string[] }
  | { kind: "variable"; pos: number; name: string; names: string[] }
  | { kind: "dot"; pos: number }
  | { kind: "nil"; pos: number }
  | { kind: "bool"; pos: number; value: boolean }
  | { kind: "number"; pos: number; value: number; text: string }
  | { kind: "string"; pos: number; value: string; text: string }
  | { kind: "identifier"; pos: number; name: string }
  | { kind: "pipe"; pos: number; pipe: Pipe };

export interface Command {
  pos: number;
  args: Arg[];
}

export interface Pipe {
  pos: number;
  decl: string[];
  isAssign: boolean;
  cmds: Command[];
}

export type Node =
  | { type: "text"; text: string }
  | { type: "action"; pos: number; pipe: Pipe }
  | { type: "if" | "with" | "range"; pos: number; pipe: Pipe; list: Node[]; elseList: Node[] | undefined }
  | { type: "template"; pos: number; name: string; pipe: Pipe | undefined }
  | { type: "break" | "continue"; pos: number };

export interface ParseResult {
  root: Node[];
  defines: Map<string, Node[]>;
}

type TokKind =
  | "field"
  | "variable"
  | "identifier"
  | "keyword"
  | "string"
  | "char"
  | "number"
  | "bool"
  | "nil"
  | "dot"
  | "pipe"
  | "lparen"
  | "rparen"
  | "declare"
  | "assign"
  | "comma"
  | "rdelim"
  | "eof";

interface Tok {
  kind: TokKind;
  pos: number;
  text: string;
  /** True when whitespace separates this token from the previous one. */
  sp: boolean;
}

type Item = { text: string } | { pos: number; toks: Tok[] };

const KEYWORDS = new Set(["if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"]);
const isSpace = (c: string | undefined): boolean => c === " " || c === "\t" || c === "\r" || c === "\n";
function isAlnum(c: string | undefined): boolean {
  if (c === undefined) return false;
  const n = c.charCodeAt(0);
  if (n < 0x80) return (n >= 48 && n <= 57) || (n >= 65 && n <= 90) || (n >= 97 && n <= 122) || n === 95;
  return /[\p{L}\p{Nd}]/u.test(c);
}

/** Unquotes a Go interpreted string literal (text includes the quotes). */
function unquote(text: string, fail: (msg: string) => never): string {
  const body = text.slice(1, -1);
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const e = body[++i];
    const simple: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", '"': '"', "'": "'" };
    if (e !== undefined && e in simple) {
      out += simple[e];
      continue;
    }
    const len = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : e !== undefined && /[0-7]/.test(e) ? 3 : 0;
    if (len === 0) fail(`invalid syntax`);
    const digits = e === undefined || /[0-7]/.test(e) ? body.slice(i, i + 3) : body.slice(i + 1, i + 1 + len);
    const code = Number.parseInt(digits, e !== undefined && /[0-7]/.test(e) ? 8 : 16);
    if (digits.length !== len || Number.isNaN(code)) fail(`invalid syntax`);
    if (e === "x" || (e !== undefined && /[0-7]/.test(e))) {
      // A byte escape: decode runs of bytes as UTF-8 where possible.
      out += String.fromCharCode(code);
    } else out += String.fromCodePoint(code);
    i += e !== undefined && /[0-7]/.test(e) ? 2 : len;
  }
  return out;
}

class Parser {
  private items: Item[] = [];
  private toks: Tok[] = [];
  private ti = 0;
  private vars: string[] = ["$"];
  private rangeDepth = 0;
  readonly defines = new Map<string, Node[]>();
  private itemIndex = 0;

  constructor(
    private readonly src: string,
    private readonly name: string,
    private readonly funcs: ReadonlySet<string>,
  ) {}

  fail(msg: string, pos?: number): never {
    const line = pos === undefined ? 1 : this.lineOf(pos);
    throw new SkiffError("invalid-argument", `template: ${this.name}:${line}: ${msg}`);
  }

  private lineOf(pos: number): number {
    let n = 1;
    for (let i = 0; i < pos && i < this.src.length; i++) if (this.src.charCodeAt(i) === 10) n++;
    return n;
  }

  // ---- lexing ----

  lex(): void {
    const s = this.src;
    let i = 0;
    let trimNext = false;
    while (i <= s.length) {
      let open = s.indexOf("{{", i);
      if (open < 0) open = s.length;
      let text = s.slice(i, open);
      if (trimNext) text = text.replace(/^[ \t\r\n]+/, "");
      trimNext = false;
      if (open >= s.length) {
        if (text) this.items.push({ text });
        break;
      }
      let p = open + 2;
      if (s[p] === "-" && isSpace(s[p + 1])) {
        text = text.replace(/[ \t\r\n]+$/, "");
        p += 2;
      }
      if (text) this.items.push({ text });
      // Comments: "/*" right after the delimiter (and trim marker).
      const q = p;
      if (s.startsWith("/*", q)) {
        const end = s.indexOf("*/", q + 2);
        if (end < 0) this.fail("unclosed comment", q);
        let r = end + 2;
        if (s.startsWith(" -}}", r) || (isSpace(s[r]) && s.startsWith("-}}", r + 1))) {
          trimNext = true;
          r = s.indexOf("-}}", r) + 3;
        } else if (s.startsWith("}}", r)) r += 2;
        else this.fail("comment ends before closing delimiter", q);
        i = r;
        continue;
      }
      const toks: Tok[] = [];
      const r = this.lexAction(p, toks);
      trimNext = r.trim;
      this.items.push({ pos: open, toks });
      i = r.next;
    }
  }

  private lexAction(start: number, toks: Tok[]): { next: number; trim: boolean } {
    const s = this.src;
    let i = start;
    let sp = true;
    let parens = 0;
    const push = (kind: TokKind, pos: number, text: string): void => {
      toks.push({ kind, pos, text, sp });
      sp = false;
    };
    for (;;) {
      if (i >= s.length) this.fail("unclosed action", start);
      const c = s[i] as string;
      if (isSpace(c)) {
        // " -}}" is a right trim marker.
        let j = i;
        while (isSpace(s[j])) j++;
        if (s.startsWith("-}}", j)) {
          push("rdelim", j, "-}}");
          return { next: j + 3, trim: true };
        }
        i = j;
        sp = true;
        continue;
      }
      if (s.startsWith("}}", i)) {
        push("rdelim", i, "}}");
        return { next: i + 2, trim: false };
      }
      const pos = i;
      switch (c) {
        case "|":
          push("pipe", pos, c);
          i++;
          continue;
        case "(":
          parens++;
          push("lparen", pos, c);
          i++;
          continue;
        case ")":
          parens--;
          if (parens < 0) this.fail(`unexpected right paren U+0029 ')'`, pos);
          push("rparen", pos, c);
          i++;
          continue;
        case ",":
          push("comma", pos, c);
          i++;
          continue;
        case "=":
          push("assign", pos, c);
          i++;
          continue;
        case ":":
          if (s[i + 1] !== "=") this.fail("expected :=", pos);
          push("declare", pos, ":=");
          i += 2;
          continue;
        case '"': {
          let j = i + 1;
          while (j < s.length && s[j] !== '"') {
            if (s[j] === "\\") j++;
            if (s[j] === "\n") this.fail("unterminated quoted string", pos);
            j++;
          }
          if (j >= s.length) this.fail("unterminated quoted string", pos);
          push("string", pos, s.slice(i, j + 1));
          i = j + 1;
          continue;
        }
        case "`": {
          const j = s.indexOf("`", i + 1);
          if (j < 0) this.fail("unterminated raw quoted string", pos);
          push("string", pos, s.slice(i, j + 1));
          i = j + 1;
          continue;
        }
        case "'": {
          let j = i + 1;
          while (j < s.length && s[j] !== "'") {
            if (s[j] === "\\") j++;
            j++;
          }
          if (j >= s.length) this.fail("unterminated character constant", pos);
          push("char", pos, s.slice(i, j + 1));
          i = j + 1;
          continue;
        }
        case "$": {
          let j = i + 1;
          while (isAlnum(s[j])) j++;
          push("variable", pos, s.slice(i, j));
          i = j;
          continue;
        }
        case ".": {
          if (isAlnum(s[i + 1]) && !/[0-9]/.test(s[i + 1] as string)) {
            let j = i + 1;
            while (isAlnum(s[j])) j++;
            push("field", pos, s.slice(i, j));
            i = j;
            continue;
          }
          if (!/[0-9]/.test(s[i + 1] ?? "")) {
            push("dot", pos, ".");
            i++;
            continue;
          }
          break; // a number like .5
        }
      }
      if (c === "+" || c === "-" || c === "." || /[0-9]/.test(c)) {
        const m = /^[+-]?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][+-]?[0-9_]+)?)/.exec(
          s.slice(i),
        );
        const text = m?.[0] ?? "";
        if (!/[0-9]/.test(text) || isAlnum(s[i + text.length]) || s[i + text.length] === ".") {
          this.fail(`bad number syntax: "${s.slice(i, i + text.length + 1)}"`, pos);
        }
        push("number", pos, text);
        i += text.length;
        continue;
      }
      if (isAlnum(c)) {
        let j = i;
        while (isAlnum(s[j])) j++;
        const word = s.slice(i, j);
        if (word === "true" || word === "false") push("bool", pos, word);
        else if (word === "nil") push("nil", pos, word);
        else if (KEYWORDS.has(word)) push("keyword", pos, word);
        else push("identifier", pos, word);
        i = j;
        continue;
      }
      this.fail(`unexpected "${c}" in command`, pos);
    }
  }

  // ---- parsing ----

  private peek(): Tok {
    return this.toks[this.ti] ?? { kind: "eof", pos: this.src.length, text: "", sp: true };
  }

  private next(): Tok {
    const t = this.peek();
    this.ti++;
    return t;
  }

  private expect(kind: TokKind, context: string): Tok {
    const t = this.next();
    if (t.kind !== kind) this.unexpected(t, context);
    return t;
  }

  private unexpected(t: Tok, context: string): never {
    const desc = t.kind === "rdelim" ? "}}" : t.kind === "eof" ? "EOF" : t.text;
    this.fail(`unexpected "${desc}" in ${context}`, t.pos);
  }

  parse(): ParseResult {
    this.lex();
    const root: Node[] = [];
    for (;;) {
      const { nodes, end } = this.list(true);
      root.push(...nodes);
      if (end === "eof") break;
      this.fail(`unexpected {{${end}}}`, this.lastPos);
    }
    return { root, defines: this.defines };
  }

  private lastPos = 0;

  /** Parses nodes up to {{end}}, {{else}} or EOF; returns which one ended the list. */
  private list(top: boolean): { nodes: Node[]; end: "end" | "else" | "eof" } {
    const nodes: Node[] = [];
    while (this.itemIndex < this.items.length) {
      const item = this.items[this.itemIndex++] as Item;
      if ("text" in item) {
        nodes.push({ type: "text", text: item.text });
        continue;
      }
      this.toks = item.toks;
      this.ti = 0;
      this.lastPos = item.pos;
      const t = this.peek();
      if (t.kind === "keyword") {
        this.next();
        switch (t.text) {
          case "end":
            this.expect("rdelim", "end");
            return { nodes, end: "end" };
          case "else":
            return { nodes, end: "else" };
          case "if":
          case "with":
          case "range":
            nodes.push(this.control(t.text, t.pos));
            continue;
          case "break":
          case "continue":
            if (this.rangeDepth === 0) this.fail(`{{${t.text}}} outside {{range}}`, t.pos);
            this.expect("rdelim", t.text);
            nodes.push({ type: t.text, pos: t.pos });
            continue;
          case "template":
          case "block": {
            const nameTok = this.next();
            if (nameTok.kind !== "string") this.unexpected(nameTok, `${t.text} clause`);
            const name = this.stringValue(nameTok);
            let pipe: Pipe | undefined;
            if (this.peek().kind !== "rdelim") pipe = this.pipeline(t.text, "rdelim");
            else this.next();
            if (t.text === "block") {
              const saved = this.vars;
              this.vars = ["$"];
              const body = this.list(false);
              this.vars = saved;
              if (body.end !== "end") this.fail(`unexpected ${body.end === "eof" ? "EOF" : "{{else}}"}`, t.pos);
              this.defines.set(name, body.nodes);
            }
            nodes.push({ type: "template", pos: t.pos, name, pipe });
            continue;
          }
          case "define": {
            if (!top) this.fail("unexpected <define> in command", t.pos);
            const nameTok = this.next();
            if (nameTok.kind !== "string") this.unexpected(nameTok, "define clause");
            this.expect("rdelim", "define clause");
            const saved = this.vars;
            this.vars = ["$"];
            const body = this.list(false);
            this.vars = saved;
            if (body.end !== "end") this.fail(`unexpected ${body.end === "eof" ? "EOF" : "{{else}}"}`, t.pos);
            this.defines.set(this.stringValue(nameTok), body.nodes);
            continue;
          }
        }
      }
      const pipe = this.pipeline("command", "rdelim");
      nodes.push({ type: "action", pos: pipe.pos, pipe });
    }
    return { nodes, end: "eof" };
  }

  private control(kind: "if" | "with" | "range", pos: number): Node {
    const varMark = this.vars.length;
    const pipe = this.pipeline(kind, "rdelim");
    if (pipe.cmds.length === 0) this.fail(`missing value for ${kind}`, pos);
    if (kind === "range") this.rangeDepth++;
    const body = this.list(false);
    if (kind === "range") this.rangeDepth--;
    let elseList: Node[] | undefined;
    if (body.end === "else") {
      // {{else if …}} / {{else with …}} nest a control in the else branch.
      const t = this.peek();
      if (t.kind === "keyword" && (t.text === "if" || t.text === "with") && kind !== "range") {
        this.next();
        this.vars.length = varMark;
        elseList = [this.control(t.text, t.pos)];
        this.vars.length = varMark;
        return { type: kind, pos, pipe, list: body.nodes, elseList };
      }
      this.expect("rdelim", "else");
      const rest = this.list(false);
      if (rest.end !== "end") this.fail(`expected end; found ${rest.end === "eof" ? "EOF" : "{{else}}"}`, pos);
      elseList = rest.nodes;
    } else if (body.end === "eof") {
      this.fail("unexpected EOF", pos);
    }
    this.vars.length = varMark;
    return { type: kind, pos, pipe, list: body.nodes, elseList };
  }

  private stringValue(t: Tok): string {
    return t.text.startsWith("`") ? t.text.slice(1, -1) : unquote(t.text, (m) => this.fail(m, t.pos));
  }

  private pipeline(context: string, end: "rdelim" | "rparen"): Pipe {
    const start = this.peek();
    const pipe: Pipe = { pos: start.pos, decl: [], isAssign: false, cmds: [] };
    // Declarations: $x := / $x = / $i, $v :=
    if (start.kind === "variable") {
      const save = this.ti;
      const v1 = this.next();
      const t2 = this.peek();
      if (t2.kind === "declare" || t2.kind === "assign") {
        this.next();
        pipe.decl.push(v1.text);
        pipe.isAssign = t2.kind === "assign";
      } else if (t2.kind === "comma" && context === "range") {
        this.next();
        const v2 = this.expect("variable", "range");
        const d = this.next();
        if (d.kind !== "declare" && d.kind !== "assign") this.fail(`range can only initialize variables`, d.pos);
        pipe.decl.push(v1.text, v2.text);
        pipe.isAssign = d.kind === "assign";
      } else this.ti = save;
      if (pipe.isAssign) for (const v of pipe.decl) this.checkVar(v, v1.pos);
    }
    for (;;) {
      const t = this.peek();
      if (t.kind === end) {
        this.next();
        if (pipe.cmds.length === 0 && pipe.decl.length > 0) this.fail(`missing value for ${context}`, t.pos);
        break;
      }
      if (t.kind === "rdelim" || t.kind === "eof" || t.kind === "rparen") this.unexpected(t, context === "command" ? "operand" : context);
      pipe.cmds.push(this.command(end));
      const after = this.peek();
      if (after.kind === "pipe") {
        this.next();
        const n = this.peek();
        if (n.kind === end || n.kind === "rdelim" || n.kind === "eof") this.fail("missing command", n.pos);
      }
    }
    if (!pipe.isAssign) for (const v of pipe.decl) this.vars.push(v);
    for (let i = 1; i < pipe.cmds.length; i++) {
      const a0 = (pipe.cmds[i] as Command).args[0];
      if (a0 && (a0.kind === "bool" || a0.kind === "dot" || a0.kind === "nil" || a0.kind === "number" || a0.kind === "string")) {
        this.fail(`non executable command in pipeline stage ${i + 1}`, a0.pos);
      }
    }
    return pipe;
  }

  private checkVar(name: string, pos: number): void {
    if (!this.vars.includes(name)) this.fail(`undefined variable "${name}"`, pos);
  }

  private command(end: "rdelim" | "rparen"): Command {
    const cmd: Command = { pos: this.peek().pos, args: [] };
    for (;;) {
      const t = this.peek();
      if (t.kind === "pipe" || t.kind === end || t.kind === "rdelim" || t.kind === "rparen" || t.kind === "eof") break;
      if (cmd.args.length > 0 && !t.sp && t.kind !== "field") this.fail(`missing space?`, t.pos);
      cmd.args.push(this.operand());
    }
    if (cmd.args.length === 0) this.fail("empty command", cmd.pos);
    return cmd;
  }

  private operand(): Arg {
    let node = this.term();
    const names: string[] = [];
    let lastPos = node.pos;
    while (this.peek().kind === "field" && !this.peek().sp) {
      const f = this.next();
      names.push(f.text.slice(1));
      lastPos = f.pos;
    }
    if (names.length === 0) return node;
    switch (node.kind) {
      case "field":
        return { kind: "field", pos: lastPos, names: [...node.names, ...names] };
      case "variable":
        return { kind: "variable", pos: lastPos, name: node.name, names: [...node.names, ...names] };
      case "bool":
      case "string":
      case "number":
      case "nil":
      case "dot":
        this.fail(`unexpected . after term "${argString(node)}"`, lastPos);
      // falls through (fail never returns)
      default:
        return { kind: "chain", pos: lastPos, node, names };
    }
  }

  private term(): Arg {
    const t = this.next();
    switch (t.kind) {
      case "identifier":
        if (!this.funcs.has(t.text)) this.fail(`function "${t.text}" not defined`, t.pos);
        return { kind: "identifier", pos: t.pos, name: t.text };
      case "dot":
        return { kind: "dot", pos: t.pos };
      case "nil":
        return { kind: "nil", pos: t.pos };
      case "variable":
        this.checkVar(t.text, t.pos);
        return { kind: "variable", pos: t.pos, name: t.text, names: [] };
      case "field":
        return { kind: "field", pos: t.pos, names: [t.text.slice(1)] };
      case "bool":
        return { kind: "bool", pos: t.pos, value: t.text === "true" };
      case "number": {
        const value = Number(t.text.replace(/_/g, "").replace(/^([+-]?)0([0-7]+)$/, "$10o$2"));
        if (Number.isNaN(value)) this.fail(`illegal number syntax: "${t.text}"`, t.pos);
        return { kind: "number", pos: t.pos, value, text: t.text };
      }
      case "char": {
        const v = unquote(`"${t.text.slice(1, -1)}"`, (m) => this.fail(m, t.pos));
        const cp = v.codePointAt(0);
        if (cp === undefined || [...v].length !== 1) this.fail(`malformed character constant: ${t.text}`, t.pos);
        return { kind: "number", pos: t.pos, value: cp, text: t.text };
      }
      case "string":
        return { kind: "string", pos: t.pos, value: this.stringValue(t), text: t.text };
      case "lparen": {
        const pipe = this.pipeline("parenthesized pipeline", "rparen");
        return { kind: "pipe", pos: t.pos, pipe };
      }
      case "keyword":
        this.fail(`unexpected <${t.text}> in command`, t.pos);
      // falls through (fail never returns)
      default:
        this.unexpected(t, "operand");
    }
  }
}

/** Go's String() of an argument node, for "at <…>" in execution errors. */
export function argString(a: Arg): string {
  switch (a.kind) {
    case "field":
      return `.${a.names.join(".")}`;
    case "chain":
      return `${argString(a.node)}.${a.names.join(".")}`;
    case "variable":
      return [a.name, ...a.names].join(".");
    case "dot":
      return ".";
    case "nil":
      return "nil";
    case "bool":
      return String(a.value);
    case "number":
    case "string":
      return a.text;
    case "identifier":
      return a.name;
    case "pipe":
      return `(${pipeString(a.pipe)})`;
  }
}

export function commandString(c: Command): string {
  return c.args.map(argString).join(" ");
}

export function pipeString(p: Pipe): string {
  const decl = p.decl.length ? `${p.decl.join(", ")} ${p.isAssign ? "=" : ":="} ` : "";
  return decl + p.cmds.map(commandString).join(" | ");
}

/** Parses `src`; `funcs` names the functions the template may call. Throws SkiffError "invalid-argument". */
export function parseTemplate(src: string, name: string, funcs: ReadonlySet<string>): ParseResult {
  return new Parser(src, name, funcs).parse();
}
