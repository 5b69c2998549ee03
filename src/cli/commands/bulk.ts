/**
 * Shared rendering of bulk container operations (stop, rm, kill, …), as
 * Podman does: each success prints what the user typed (or the full ID),
 * each failure prints `Error: <msg>` on stderr; the exit code is 125 when
 * any failed (the last error's code), 0 otherwise.
 */
import type { CommandContext } from "../command.ts";
import type { BulkReport } from "../../engine/containers.ts";
import { exitCodeOf, messageOf } from "../../lib/errors.ts";

export function renderBulk(ctx: CommandContext, reports: readonly BulkReport[], printId = false): number {
  let code = 0;
  for (const r of reports) {
    if (r.error) {
      ctx.err(`Error: ${messageOf(r.error)}\n`);
      code = exitCodeOf(r.error);
    } else if (!r.unchanged) {
      ctx.out(`${printId ? r.id : r.rawInput}\n`);
    }
  }
  return code;
}

/** The refs to act on: args, or every container with `--all`/`--latest`. */
export async function targets(ctx: CommandContext, filter?: (status: string) => boolean): Promise<string[]> {
  if (ctx.flags.bool("all") || ctx.flags.bool("latest")) {
    const { listContainerViews } = await import("../../engine/containers.ts");
    const views = (await listContainerViews(ctx.global)).filter((v) => !filter || filter(v.state.status));
    return (ctx.flags.bool("latest") ? views.slice(0, 1) : views).map((v) => v.config.id);
  }
  return ctx.args;
}
