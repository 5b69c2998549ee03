/**
 * `skiff image inspect IMAGE...`: Podman 4.3's image JSON (an array, 5-space
 * indent, HTML unescaped), or `--format` once per image. As Podman's
 * cmd/podman/inspect: the images found are printed first (JSON: `[]` when
 * none), then every error after the first as `error inspecting object: …`
 * on stderr, and the first one as the command's error (exit 125).
 */
import type { Command, CommandContext } from "../command.ts";
import { SkiffError } from "../../lib/errors.ts";

/**
 * Renders inspect results in Podman's order: output, then the extra errors,
 * then throws `inspecting object: <first error>` (keeping its kind) when any.
 * Shared with `inspect`.
 */
export async function renderInspect(ctx: CommandContext, reports: readonly unknown[], errors: readonly Error[]): Promise<number> {
  const { formatInspect } = await import("../format.ts");
  ctx.out(formatInspect(reports, ctx.flags.str("format")));
  if (errors.length === 0) return 0;
  for (const e of errors.slice(1)) ctx.err(`error inspecting object: ${e.message}\n`);
  const first = errors[0]!;
  throw new SkiffError(first instanceof SkiffError ? first.kind : "runtime", `inspecting object: ${first.message}`, { cause: first });
}

/** `no names or ids specified`: Podman's own check, before cobra's arity messages. */
export function requireNames(args: readonly string[]): void {
  if (args.length === 0) throw new SkiffError("invalid-argument", "no names or ids specified");
}

const command: Command = {
  usage: "image inspect [options] IMAGE [IMAGE...]",
  summary: "Display the configuration of an image",
  flags: [
    { name: "format", short: "f", type: "string", help: "Format the output to a Go template or json" },
  ],
  async run(ctx) {
    requireNames(ctx.args);
    const { inspectImages } = await import("../../engine/images.ts");
    const { reports, errors } = inspectImages(ctx.global, ctx.args);
    return renderInspect(ctx, reports, errors);
  },
};

export default command;
