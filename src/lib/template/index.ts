/**
 * Go's text/template, as Podman uses it for `--format`: compile once, execute
 * per data value. See parse.ts (grammar), exec.ts (semantics), funcs.ts
 * (functions), values.ts (how JS values map to Go values).
 *
 * ```ts
 * const t = compileTemplate("{{range .}}{{.Name}}\n{{end}}", "ls");
 * t.execute([{ Name: "a" }]); // "a\n"
 * ```
 */
import { Executor } from "./exec.ts";
import { builtinFuncs, type TemplateFunc } from "./funcs.ts";
import { parseTemplate } from "./parse.ts";

export { markStruct } from "./values.ts";
export { goJson, sortedRecord, type GoJsonOptions } from "./json.ts";
export { sprintf, formatValue } from "./fmt.ts";
export type { TemplateFunc } from "./funcs.ts";

export interface Template {
  /** The template's name, used in error messages ("template: NAME:1:2: …"). */
  readonly name: string;
  /**
   * Renders the template against `data`. Throws SkiffError "invalid-argument"
   * with Go's one-line message on an execution error (e.g. `template:
   * ls:1:2: executing "ls" at <.X>: can't evaluate field X in type T`).
   */
  execute(data: unknown): string;
}

/**
 * Parses `src` as a Go text/template named `name` with Go's builtin functions
 * plus Podman's (join, json, lower, pad, split, title, truncate, upper) and
 * `extraFuncs` (which override builtins of the same name). Throws SkiffError
 * "invalid-argument" with Go's parse error, e.g. `template: ls:1: unclosed action`.
 */
export function compileTemplate(src: string, name = "template", extraFuncs?: ReadonlyMap<string, TemplateFunc>): Template {
  let funcs = builtinFuncs();
  if (extraFuncs && extraFuncs.size > 0) funcs = new Map([...funcs, ...extraFuncs]);
  const { root, defines } = parseTemplate(src, name, new Set(funcs.keys()));
  const exec = new Executor(src, name, defines, funcs);
  return { name, execute: (data: unknown) => exec.run(root, data) };
}
