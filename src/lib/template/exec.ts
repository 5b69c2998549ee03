/**
 * Executor for parsed templates: walks the AST against JS data with Go's
 * text/template semantics (see values.ts for how JS values stand in for Go
 * values). Execution errors read as Go's:
 * `template: NAME:LINE:COL: executing "NAME" at <NODE>: MESSAGE`.
 */
import { SkiffError } from "../errors.ts";
import { formatValue } from "./fmt.ts";
import type { TemplateFunc } from "./funcs.ts";
import { type Arg, argString, type Command, commandString, type Node, type Pipe } from "./parse.ts";
import { goTypeName, isMap, isStruct, isTrue, sortedKeys } from "./values.ts";

/** Marks "no value piped in" (distinct from an undefined value). */
const NONE: unique symbol = Symbol("none");
type Final = unknown;

class BreakSignal {}
class ContinueSignal {}
const BREAK = new BreakSignal();
const CONTINUE = new ContinueSignal();

const MAX_DEPTH = 10000;

export class Executor {
  private out = "";
  private vars: { name: string; value: unknown }[] = [];
  private current: string;
  private depth = 0;

  constructor(
    private readonly src: string,
    private readonly name: string,
    private readonly defines: ReadonlyMap<string, Node[]>,
    private readonly funcs: ReadonlyMap<string, TemplateFunc>,
  ) {
    this.current = name;
  }

  run(root: Node[], data: unknown): string {
    this.out = "";
    this.vars = [{ name: "$", value: data }];
    this.current = this.name;
    this.list(root, data);
    return this.out;
  }

  private fail(pos: number, node: string, msg: string): never {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < pos && i < this.src.length; i++) {
      if (this.src.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    throw new SkiffError(
      "invalid-argument",
      `template: ${this.name}:${line}:${pos - lineStart}: executing "${this.current}" at <${node}>: ${msg}`,
    );
  }

  private list(nodes: readonly Node[], dot: unknown): void {
    for (const n of nodes) this.node(n, dot);
  }

  private node(n: Node, dot: unknown): void {
    switch (n.type) {
      case "text":
        this.out += n.text;
        return;
      case "action": {
        const mark = this.vars.length;
        const v = this.pipeline(n.pipe, dot);
        if (n.pipe.decl.length === 0) this.out += this.printable(v, n);
        // Declarations in an action live until the enclosing {{end}}: keep them.
        void mark;
        return;
      }
      case "if":
      case "with": {
        const mark = this.vars.length;
        const v = this.pipeline(n.pipe, dot);
        if (isTrue(v)) this.list(n.list, n.type === "with" ? v : dot);
        else if (n.elseList) this.list(n.elseList, dot);
        this.vars.length = mark;
        return;
      }
      case "range":
        this.range(n, dot);
        return;
      case "break":
        throw BREAK;
      case "continue":
        throw CONTINUE;
      case "template": {
        const body = this.defines.get(n.name);
        if (!body) this.fail(n.pos, `template "${n.name}"`, `no such template "${n.name}"`);
        const v = n.pipe ? this.pipeline(n.pipe, dot) : undefined;
        if (++this.depth > MAX_DEPTH) this.fail(n.pos, `template "${n.name}"`, `exceeded maximum template depth (${MAX_DEPTH})`);
        const savedVars = this.vars;
        const savedName = this.current;
        this.vars = [{ name: "$", value: v }];
        this.current = n.name;
        try {
          this.list(body, v);
        } finally {
          this.vars = savedVars;
          this.current = savedName;
          this.depth--;
        }
        return;
      }
    }
  }

  private printable(v: unknown, n: { pos: number; pipe: Pipe }): string {
    if (typeof v === "string") return v;
    if (typeof v === "function") this.fail(n.pos, pipeText(n.pipe), `can't print ${pipeText(n.pipe)} of type func`);
    return formatValue(v);
  }

  private range(n: Extract<Node, { pipe: Pipe; list: Node[] }>, dot: unknown): void {
    const mark = this.vars.length;
    const v = this.pipeline(n.pipe, dot);
    // The pipeline declared its variables; they are reassigned each iteration.
    this.vars.length = mark;
    const one = (key: unknown, elem: unknown): boolean => {
      const [d1, d2] = n.pipe.decl;
      if (d1 !== undefined) {
        if (d2 !== undefined) {
          this.setVar(d1, key, n.pipe.isAssign);
          this.setVar(d2, elem, n.pipe.isAssign);
        } else this.setVar(d1, elem, n.pipe.isAssign);
      }
      const inner = this.vars.length;
      try {
        this.list(n.list, elem);
      } catch (e) {
        if (e === BREAK) return false;
        if (e !== CONTINUE) throw e;
      } finally {
        this.vars.length = inner;
      }
      return true;
    };
    let ran = false;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        ran = true;
        this.vars.length = mark;
        if (!one(i, v[i])) break;
      }
    } else if (isMap(v)) {
      for (const k of sortedKeys(v)) {
        ran = true;
        this.vars.length = mark;
        if (!one(k, v[k])) break;
      }
    } else if (v !== undefined && v !== null) {
      const c = n.pipe.cmds[n.pipe.cmds.length - 1] as Command;
      this.fail(c.pos, commandString(c), `range can't iterate over ${formatValue(v)}`);
    }
    this.vars.length = mark;
    if (!ran && n.elseList) this.list(n.elseList, dot);
  }

  private setVar(name: string, value: unknown, assign: boolean): void {
    if (assign) {
      for (let i = this.vars.length - 1; i >= 0; i--) {
        const v = this.vars[i] as { name: string; value: unknown };
        if (v.name === name) {
          v.value = value;
          return;
        }
      }
    }
    this.vars.push({ name, value });
  }

  private getVar(name: string, pos: number): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as { name: string; value: unknown };
      if (v.name === name) return v.value;
    }
    this.fail(pos, name, `undefined variable: ${name}`);
  }

  private pipeline(p: Pipe, dot: unknown): unknown {
    let value: unknown = NONE;
    for (const cmd of p.cmds) value = this.command(cmd, dot, value);
    if (value === NONE) value = undefined;
    for (const d of p.decl) this.setVar(d, value, p.isAssign);
    return value;
  }

  private command(cmd: Command, dot: unknown, final: Final): unknown {
    const first = cmd.args[0] as Arg;
    const rest = cmd.args.slice(1);
    switch (first.kind) {
      case "field":
        return this.fieldChain(dot, dot, first, first.names, rest, final);
      case "chain": {
        const recv = this.arg(first.node, dot);
        return this.fieldChain(dot, recv, first, first.names, rest, final);
      }
      case "variable": {
        const v = this.getVar(first.name, first.pos);
        if (first.names.length === 0) {
          this.notAFunction(first, rest, final);
          return v;
        }
        return this.fieldChain(dot, v, first, first.names, rest, final);
      }
      case "identifier":
        return this.call(cmd, first.name, rest, dot, final);
      case "pipe":
        this.notAFunction(first, rest, final);
        return this.pipeline(first.pipe, dot);
      case "nil":
        this.fail(first.pos, "nil", "nil is not a command");
      // falls through (fail never returns)
      default:
        this.notAFunction(first, rest, final);
        return this.arg(first, dot);
    }
  }

  private notAFunction(a: Arg, rest: readonly Arg[], final: Final): void {
    if (rest.length > 0 || final !== NONE) this.fail(a.pos, argString(a), `can't give argument to non-function ${argString(a)}`);
  }

  /** Evaluates an argument (no arguments of its own). */
  private arg(a: Arg, dot: unknown): unknown {
    switch (a.kind) {
      case "dot":
        return dot;
      case "nil":
        return null;
      case "bool":
      case "number":
      case "string":
        return a.value;
      case "field":
        return this.fieldChain(dot, dot, a, a.names, [], NONE);
      case "chain":
        return this.fieldChain(dot, this.arg(a.node, dot), a, a.names, [], NONE);
      case "variable": {
        const v = this.getVar(a.name, a.pos);
        return a.names.length ? this.fieldChain(dot, v, a, a.names, [], NONE) : v;
      }
      case "identifier":
        return this.call({ pos: a.pos, args: [a] }, a.name, [], dot, NONE);
      case "pipe": {
        const mark = this.vars.length;
        const v = this.pipeline(a.pipe, dot);
        this.vars.length = mark;
        return v;
      }
    }
  }

  private fieldChain(dot: unknown, recv: unknown, node: Arg, names: readonly string[], args: readonly Arg[], final: Final): unknown {
    let v = recv;
    const last = names.length - 1;
    for (let i = 0; i <= last; i++) {
      v = this.field(dot, v, names[i] as string, node, i === last ? args : [], i === last ? final : NONE);
    }
    return v;
  }

  private field(dot: unknown, recv: unknown, name: string, node: Arg, args: readonly Arg[], final: Final): unknown {
    const hasArgs = args.length > 0 || final !== NONE;
    if (recv === undefined) return undefined;
    if (recv === null) this.fail(node.pos, argString(node), `nil pointer evaluating interface {}.${name}`);
    if (typeof recv === "object" && !Array.isArray(recv) && !(recv instanceof Date)) {
      const o = recv as Record<string, unknown>;
      const struct = isStruct(o);
      if (name in o) {
        const v = o[name];
        if (typeof v === "function") {
          const vals = args.map((a) => this.arg(a, dot));
          if (final !== NONE) vals.push(final);
          try {
            return (v as (...a: unknown[]) => unknown).apply(o, vals);
          } catch (e) {
            this.fail(node.pos, argString(node), `error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
        if (hasArgs) {
          this.fail(node.pos, argString(node), struct ? `${name} has arguments but cannot be invoked as function` : `${name} is not a method but has arguments`);
        }
        return v === undefined && struct ? null : v;
      }
      if (!struct) {
        if (hasArgs) this.fail(node.pos, argString(node), `${name} is not a method but has arguments`);
        return undefined;
      }
    }
    this.fail(node.pos, argString(node), `can't evaluate field ${name} in type ${goTypeName(recv)}`);
  }

  private call(cmd: Command, name: string, argNodes: readonly Arg[], dot: unknown, final: Final): unknown {
    const f = this.funcs.get(name);
    if (!f) this.fail(cmd.pos, name, `"${name}" is not a defined function`);
    const n = argNodes.length + (final !== NONE ? 1 : 0);
    if (n < f.min || (f.max >= 0 && n > f.max)) {
      const want = f.max < 0 ? `at least ${f.min}` : String(f.min);
      this.fail(cmd.pos, commandString(cmd), `wrong number of args for ${name}: want ${want} got ${n}`);
    }
    if (name === "and" || name === "or") {
      // Short-circuit: stop at the first false (and) or true (or) argument.
      let v: unknown;
      for (let i = 0; i < n; i++) {
        v = i < argNodes.length ? this.arg(argNodes[i] as Arg, dot) : final;
        if (isTrue(v) === (name === "or")) return v;
      }
      return v;
    }
    const vals = argNodes.map((a) => this.arg(a, dot));
    if (final !== NONE) vals.push(final);
    try {
      return f.fn(vals);
    } catch (e) {
      if (e instanceof SkiffError) throw e;
      this.fail(cmd.pos, commandString(cmd), `error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

function pipeText(p: Pipe): string {
  return p.cmds.map(commandString).join(" | ");
}
