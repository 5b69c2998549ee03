/**
 * The shape of a CLI command. Each command module under src/cli/commands/
 * default-exports one `Command`; src/cli/main.ts maps names to lazy imports so
 * that `skiff images` loads only what `images` needs.
 */
import type { FlagSpec, Flags } from "./argv.ts";
import type { GlobalOptions } from "../engine/options.ts";

export interface CommandContext {
  /** Global flags (--root, --runroot, …) resolved with their defaults. */
  readonly global: GlobalOptions;
  readonly flags: Flags;
  readonly args: string[];
  /** Writes to stdout (buffered by the caller is fine). */
  readonly out: (s: string) => void;
  /** Writes to stderr. */
  readonly err: (s: string) => void;
}

export interface Command {
  /** Usage line after "skiff", e.g. "pull [options] IMAGE [IMAGE...]". */
  readonly usage: string;
  readonly summary: string;
  readonly flags: readonly FlagSpec[];
  /** false: flags end at the first positional (run, exec). @default true */
  readonly interspersed?: boolean;
  /** Positional argument count bounds, checked before run. */
  readonly minArgs?: number;
  readonly maxArgs?: number;
  /** Returns the process exit code (0 unless said otherwise). */
  run(ctx: CommandContext): Promise<number | void>;
}
