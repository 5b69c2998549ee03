/**
 * `skiff volume rm NAME…|-a`: prints each removed name. Exit codes as
 * Podman's: 1 when a volume did not exist (and nothing worse), 2 when one is
 * in use, 125 otherwise.
 */
import type { Command } from "../command.ts";
import { SkiffError, messageOf } from "../../lib/errors.ts";

const cmd: Command = {
  usage: "volume rm [options] VOLUME [VOLUME...]",
  summary: "Remove one or more volumes",
  flags: [
    { name: "all", short: "a", type: "bool", help: "Remove all volumes" },
    { name: "force", short: "f", type: "bool", help: "Remove a volume by force, even if it is being used by a container" },
    { name: "time", short: "t", type: "int", help: "Seconds to wait for running containers to stop before killing the container" },
  ],
  async run(ctx) {
    const all = ctx.flags.bool("all");
    if (all === (ctx.args.length > 0)) throw new SkiffError("usage", "choose either one or more volumes or all");
    const vols = await import("../../engine/volumes.ts");
    const names = all ? (await vols.listVolumes(ctx.global)).map((v) => v.Name) : ctx.args;
    let code = 0;
    for (const r of await vols.removeVolumes(ctx.global, names, { force: ctx.flags.bool("force") })) {
      if (!r.error) { ctx.out(`${r.name}\n`); continue; }
      ctx.err(`Error: ${messageOf(r.error)}\n`);
      const kind = r.error instanceof SkiffError ? r.error.kind : "runtime";
      const c = kind === "not-found" ? 1 : kind === "conflict" ? 2 : 125;
      code = Math.max(code, c);
    }
    return code;
  },
};
export default cmd;
