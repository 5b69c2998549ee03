/**
 * Containerfile/Dockerfile parser: Docker's documented language as
 * BuildKit's built-in frontend parses it (directives, continuations,
 * comments, heredocs, exec/shell forms, flags), into typed stages.
 *
 * Public API (consumed by the build executor):
 *   parseContainerfile(text, { file }) → Containerfile
 *   parseTrigger(text, escape?)        → Instruction   (an image's OnBuild entry)
 *   runCommand(run)                    → RunCommand    (what a RUN executes)
 *   heredocBody(heredoc)               → string        (body after <<- stripping)
 *   expandInstruction(instr, lookup, escape) (expand-instruction.ts)
 */
import { SkiffError } from "../../lib/errors.ts";
import { parseInstruction } from "./instructions.ts";
import { heredocBody } from "./heredoc.ts";
import { lexContainerfile, parseError, parseHeredocWord, type LogicalLine } from "./lexer.ts";
import type { ArgInstruction, Containerfile, FromInstruction, Instruction, RunInstruction, Stage } from "./types.ts";
import { InstructionError } from "./words.ts";

export type * from "./types.ts";
export { expandInstruction } from "./expand-instruction.ts";

export interface ParseOptions {
  /** Name used in error messages: "Containerfile", "Dockerfile", a path or "-". */
  readonly file: string;
}

function typed(ll: LogicalLine, escape: string, file: string): Instruction | FromInstruction {
  try {
    return parseInstruction(ll, escape);
  } catch (e) {
    if (e instanceof InstructionError) throw parseError(file, ll.startLine, e.message);
    throw e;
  }
}

/**
 * Parses a whole Containerfile into stages.
 * Rules: only ARG may come before the first FROM (those ARGs are
 * `globalArgs`); every other instruction belongs to the stage of the
 * preceding FROM; stage names are unique (case-insensitive).
 * @throws SkiffError "invalid-argument", one line naming file and line:
 *   `Containerfile:7: unknown instruction: FOOBAR`,
 *   `Containerfile:1: no build stage in current context`,
 *   `Containerfile: file with no instructions`,
 *   `Containerfile:4: unterminated heredoc`, argument/flag problems in
 *   BuildKit's words (`Containerfile:3: unknown flag: foo (RUN accepts …)`).
 */
export function parseContainerfile(text: string, opts: ParseOptions): Containerfile {
  const { file } = opts;
  const lexed = lexContainerfile(text, file);
  if (lexed.lines.length === 0) throw new SkiffError("invalid-argument", `${file}: file with no instructions`);
  const globalArgs: ArgInstruction[] = [];
  const stages: { index: number; name?: string; from: FromInstruction; instructions: Instruction[] }[] = [];
  const names = new Set<string>();
  for (const ll of lexed.lines) {
    const instr = typed(ll, lexed.escape, file);
    if (instr.kind === "FROM") {
      if (instr.stageName !== undefined) {
        if (names.has(instr.stageName)) throw parseError(file, ll.startLine, `duplicate stage name ${JSON.stringify(instr.stageName)}`);
        names.add(instr.stageName);
      }
      stages.push({
        index: stages.length,
        ...(instr.stageName !== undefined ? { name: instr.stageName } : {}),
        from: instr,
        instructions: [],
      });
      continue;
    }
    const current = stages[stages.length - 1];
    if (current === undefined) {
      if (instr.kind === "ARG") {
        globalArgs.push(instr);
        continue;
      }
      throw parseError(file, ll.startLine, "no build stage in current context");
    }
    current.instructions.push(instr);
  }
  if (stages.length === 0) throw new SkiffError("invalid-argument", `${file}: dockerfile contains no stages to build`);
  return {
    directives: { ...(lexed.syntax !== undefined ? { syntax: lexed.syntax } : {}), escape: lexed.escape },
    stages: stages as Stage[],
    globalArgs,
    warnings: lexed.warnings,
  };
}

/**
 * Parses one ONBUILD trigger as stored in an image's config (`RUN echo x`,
 * possibly with heredoc bodies after a newline), when that image is the
 * base of a stage. Line numbers are relative to the trigger text.
 * @throws SkiffError "invalid-argument" `ONBUILD trigger:1: …` for an
 *   unknown instruction, FROM/MAINTAINER/ONBUILD triggers or bad arguments.
 */
export function parseTrigger(text: string, escape = "\\"): Instruction {
  const file = "ONBUILD trigger";
  const directive = escape === "\\" ? "" : `# escape=${escape}\n`;
  const lexed = lexContainerfile(directive + text, file);
  const ll = lexed.lines[0];
  if (ll === undefined) throw new SkiffError("invalid-argument", `${file}: empty trigger`);
  const kw = ll.keyword.toUpperCase();
  if (kw === "ONBUILD") throw parseError(file, 1, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (kw === "FROM" || kw === "MAINTAINER") throw parseError(file, 1, `${kw} isn't allowed as an ONBUILD trigger`);
  return typed(ll, escape, file) as Instruction;
}

export { heredocBody } from "./heredoc.ts";

/**
 * What a RUN executes (BuildKit's dispatchRun):
 * - exec form → `{ form: "exec", args }`, run as is;
 * - shell form without heredocs → `{ form: "shell", script: command }`;
 * - `RUN <<EOF` alone → the body is the script (`shell`), or, when it
 *   starts with `#!`, a file to write (mode 0755) and execute (`file`);
 * - heredocs with other words (`RUN <<EOF sh`, `RUN cat <<A <<B`) → the
 *   line plus each body and terminator, for the shell to interpret
 *   (`shell`). A shell script runs as SHELL + [script].
 */
export type RunCommand =
  | { readonly form: "exec"; readonly args: readonly string[] }
  | { readonly form: "shell"; readonly script: string }
  | { readonly form: "file"; readonly name: string; readonly content: string };

export function runCommand(run: RunInstruction): RunCommand {
  const cmd = run.command;
  if (cmd.form === "exec") return { form: "exec", args: cmd.args };
  const first = run.heredocs[0];
  if (first === undefined) return { form: "shell", script: cmd.command };
  if (parseHeredocWord(cmd.command) !== undefined) {
    const body = heredocBody(first);
    if (body.startsWith("#!")) return { form: "file", name: first.name, content: body };
    return { form: "shell", script: body };
  }
  let full = cmd.command;
  for (const h of run.heredocs) full += `\n${h.content}${h.name}`;
  return { form: "shell", script: full };
}
