/**
 * The typed Containerfile: what parseContainerfile returns and the build
 * executor consumes. Argument values are as written (quotes and `$VAR`
 * references kept) wherever Docker expands them at build time; call
 * expandInstruction (expand-instruction.ts) with the variables in scope at
 * that step to get the values to use. Instructions Docker does not expand
 * (RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK, ONBUILD, MAINTAINER) are final.
 */

/** A here-document attached to a RUN, COPY or ADD line. */
export interface Heredoc {
  /** The delimiter word without quotes: "EOF" for `<<"EOF"`. For COPY/ADD it is also the source file name. */
  readonly name: string;
  /** The body exactly as written, each line with its "\n", without the terminator line. Use heredocBody() for the text after `<<-` tab stripping. */
  readonly content: string;
  /** `<<-`: leading tabs are stripped from body lines and the terminator. */
  readonly chomp: boolean;
  /** False when any part of the delimiter was quoted (`<<"EOF"`, `<<'EOF'`): the body is then never expanded. */
  readonly expand: boolean;
  /** The file descriptor written before `<<` (`3<<EOF`), 0 when none. */
  readonly fd: number;
}

/** Fields every instruction has. */
export interface InstructionBase {
  /** 1-based line where the instruction starts. */
  readonly line: number;
  /** 1-based line where it ends (its last continuation or heredoc terminator line). */
  readonly endLine: number;
  /**
   * The instruction as written, continuation lines joined (escape character
   * and comment lines removed, whitespace kept, heredoc bodies not
   * included): what Podman prints after `STEP n/m: ` and a cache key input.
   */
  readonly original: string;
  /** The `--flag[=value]` words as written, in order (flag values unexpanded). */
  readonly flags: readonly string[];
}

/**
 * A shell-or-exec command (RUN, CMD, ENTRYPOINT, HEALTHCHECK CMD).
 * Exec form: a JSON array of strings, run as is. Shell form: the text,
 * run as SHELL + [text] (default ["/bin/sh", "-c"]). A line that starts
 * with `[` but is not a valid JSON array falls back to shell form.
 */
export type CommandLine =
  | { readonly form: "exec"; readonly args: readonly string[] }
  | { readonly form: "shell"; readonly command: string };

export interface FromInstruction extends InstructionBase {
  readonly kind: "FROM";
  /** Image reference, "scratch" or an earlier stage name; expand with the global ARGs only. */
  readonly image: string;
  /** `--platform` value as written (may hold $BUILDPLATFORM etc.). */
  readonly platform?: string;
  /** `AS name`, lowercased and checked against ^[a-z][a-z0-9-_.]*$. */
  readonly stageName?: string;
}

/** One `--mount` of RUN. */
export interface RunMount {
  readonly type: "bind" | "cache" | "tmpfs" | "secret" | "ssh";
  /** target=, dst=, destination=; for secret defaults to /run/secrets/<id>. */
  readonly target: string;
  /** source=, src= (path inside `from`, or the secret's id source). */
  readonly source?: string;
  /** from=: a stage name or image (bind, cache). */
  readonly from?: string;
  /** id= (cache id; secret id, defaulting to the target's base name). */
  readonly id?: string;
  /** Cache sharing mode. @default "shared" (cache only) */
  readonly sharing?: "shared" | "private" | "locked";
  /** ro/readonly, rw/readwrite. Default: true for bind, false otherwise. */
  readonly readOnly: boolean;
  /** Secret/ssh: fail when it is not provided. @default false */
  readonly required: boolean;
  /** mode= in octal, as a number (cache default 0o755, secret 0o400). */
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  /** tmpfs size= in bytes. */
  readonly size?: number;
  /** secret env= (expose the secret as this environment variable). */
  readonly env?: string;
}

export interface RunInstruction extends InstructionBase {
  readonly kind: "RUN";
  readonly command: CommandLine;
  /** Parsed `--mount` flags (values unexpanded; expandInstruction expands them). */
  readonly mounts: readonly RunMount[];
  /** `--network`. Absent means the build's default network. */
  readonly network?: "default" | "none" | "host";
  /** `--security`. */
  readonly security?: "sandbox" | "insecure";
  /** Here-documents named on the line, in order. See runCommand() for how they are run. */
  readonly heredocs: readonly Heredoc[];
}

/** COPY and ADD share their shape. */
interface CopyLike extends InstructionBase {
  /** Source paths/URLs/globs as written (heredoc words excluded), JSON form unquoted. */
  readonly sources: readonly string[];
  /** Files given inline: `COPY <<EOF /dest` makes a file named heredoc.name from its body. */
  readonly heredocs: readonly Heredoc[];
  /** Destination as written; several sources need one ending in "/". */
  readonly dest: string;
  /** `--chown=user[:group]`. */
  readonly chown?: string;
  /** `--chmod=0755` (octal) as written. */
  readonly chmod?: string;
  /** `--link` (accepted; a layer-independent copy in BuildKit). @default false */
  readonly link: boolean;
  /** `--exclude=pattern`, repeatable. */
  readonly excludes: readonly string[];
}

export interface CopyInstruction extends CopyLike {
  readonly kind: "COPY";
  /** `--from=stage|index|image`. */
  readonly from?: string;
  /** `--parents` (keep the source's parent folders). @default false */
  readonly parents: boolean;
}

export interface AddInstruction extends CopyLike {
  readonly kind: "ADD";
  /** `--checksum=sha256:…` (only for HTTP sources). */
  readonly checksum?: string;
  /** `--keep-git-dir`. @default false */
  readonly keepGitDir: boolean;
}

/** A `key=value` pair of ENV or LABEL, both sides as written. */
export interface KeyValue {
  readonly key: string;
  readonly value: string;
}

export interface EnvInstruction extends InstructionBase {
  readonly kind: "ENV";
  /** Pairs in order; all are expanded with the variables from *before* this instruction. */
  readonly pairs: readonly KeyValue[];
}

export interface LabelInstruction extends InstructionBase {
  readonly kind: "LABEL";
  readonly pairs: readonly KeyValue[];
}

/** One name of ARG with its optional default (undefined: no `=`; "" for `NAME=`). */
export interface ArgDecl {
  readonly name: string;
  readonly default?: string;
}

export interface ArgInstruction extends InstructionBase {
  readonly kind: "ARG";
  readonly args: readonly ArgDecl[];
}

export interface WorkdirInstruction extends InstructionBase {
  readonly kind: "WORKDIR";
  readonly path: string;
}

export interface UserInstruction extends InstructionBase {
  readonly kind: "USER";
  /** `user[:group]` as written. */
  readonly user: string;
}

export interface ExposeInstruction extends InstructionBase {
  readonly kind: "EXPOSE";
  /** Words as written (`80`, `53/udp`, `$PORT`); expansion may split one into several. */
  readonly ports: readonly string[];
}

export interface VolumeInstruction extends InstructionBase {
  readonly kind: "VOLUME";
  readonly paths: readonly string[];
}

export interface EntrypointInstruction extends InstructionBase {
  readonly kind: "ENTRYPOINT";
  readonly command: CommandLine;
}

export interface CmdInstruction extends InstructionBase {
  readonly kind: "CMD";
  readonly command: CommandLine;
}

export interface ShellInstruction extends InstructionBase {
  readonly kind: "SHELL";
  /** The JSON array (SHELL accepts only the exec form), at least one element. */
  readonly shell: readonly string[];
}

export interface StopsignalInstruction extends InstructionBase {
  readonly kind: "STOPSIGNAL";
  readonly signal: string;
}

/** HEALTHCHECK NONE or HEALTHCHECK [flags] CMD … */
export interface HealthcheckInstruction extends InstructionBase {
  readonly kind: "HEALTHCHECK";
  /**
   * The image config's Healthcheck.Test: ["NONE"], ["CMD", …args] for exec
   * form, ["CMD-SHELL", command] for shell form.
   */
  readonly test: readonly string[];
  /** Durations in nanoseconds (0: inherit the default), as the image config stores them. */
  readonly interval: number;
  readonly timeout: number;
  readonly startPeriod: number;
  readonly startInterval: number;
  /** 0: default. */
  readonly retries: number;
}

export interface OnbuildInstruction extends InstructionBase {
  readonly kind: "ONBUILD";
  /**
   * The trigger as stored in the image config's OnBuild list: the text after
   * `ONBUILD ` (heredoc bodies appended as Docker does). Parse it with
   * parseTrigger() when an image with triggers is used as a base.
   */
  readonly trigger: string;
  /** The trigger parsed now (ONBUILD ONBUILD, FROM and MAINTAINER triggers are refused). */
  readonly instruction: Instruction;
}

export interface MaintainerInstruction extends InstructionBase {
  readonly kind: "MAINTAINER";
  readonly maintainer: string;
}

export type Instruction =
  | RunInstruction
  | CopyInstruction
  | AddInstruction
  | EnvInstruction
  | ArgInstruction
  | WorkdirInstruction
  | UserInstruction
  | ExposeInstruction
  | VolumeInstruction
  | LabelInstruction
  | EntrypointInstruction
  | CmdInstruction
  | ShellInstruction
  | StopsignalInstruction
  | HealthcheckInstruction
  | OnbuildInstruction
  | MaintainerInstruction;

/** A build stage: one FROM and what follows until the next FROM. */
export interface Stage {
  /** 0-based position in the file (`COPY --from=0`). */
  readonly index: number;
  /** `AS name`, lowercased. */
  readonly name?: string;
  readonly from: FromInstruction;
  readonly instructions: readonly Instruction[];
}

export interface ParserDirectives {
  /** `# syntax=` (recorded, not acted on). */
  readonly syntax?: string;
  /** `# escape=`: "\\" (default) or "`". */
  readonly escape: string;
}

export interface Containerfile {
  readonly directives: ParserDirectives;
  readonly stages: readonly Stage[];
  /** ARGs before the first FROM: usable in FROM lines, and in a stage after a bare `ARG NAME`. */
  readonly globalArgs: readonly ArgInstruction[];
  /** Non-fatal findings, e.g. empty continuation lines (BuildKit warns about them). */
  readonly warnings: readonly string[];
}
