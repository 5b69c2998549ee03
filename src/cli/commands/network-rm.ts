/**
 * `skiff network rm [-f] NAME…`: prints each removed name. Exit codes as
 * Podman's: 1 when a network did not exist, 2 when one is in use, 125 otherwise.
 */
import type { Command } from "../command.ts";
import { SkiffError, messageOf } from "../../lib/errors.ts";

const cmd: Command = {
  usage: "network rm [options] NETWORK [NETWORK...]",
  summary: "Remove networks",
  minArgs: 1,
  flags: [
    { name: "force", short: "f", type: "bool", help: "remove any containers using network" },
    { name: "time", short: "t", type: "int", help: "Seconds to wait for running containers to stop before killing the container" },
  ],
  async run(ctx) {
    const { removeNetworks } = await import("../../engine/networks.ts");
    const t = ctx.flags.int("time");
    let code = 0;
    for (const r of await removeNetworks(ctx.global, ctx.args, { force: ctx.flags.bool("force"), ...(t !== undefined ? { timeout: t } : {}) })) {
      if (!r.error) { ctx.out(`${r.name}\n`); continue; }
      ctx.err(`Error: ${messageOf(r.error)}\n`);
      const kind = r.error instanceof SkiffError ? r.error.kind : "runtime";
      code = Math.max(code, kind === "not-found" ? 1 : kind === "conflict" ? 2 : 125);
    }
    return code;
  },
};
export default cmd;
