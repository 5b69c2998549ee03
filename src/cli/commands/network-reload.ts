/** `skiff network reload [-a] [CONTAINER…]`: re-applies firewall rules; prints each container's ID. */
import type { Command } from "../command.ts";
import { SkiffError, messageOf } from "../../lib/errors.ts";

const cmd: Command = {
  usage: "network reload [options] [CONTAINER...]",
  summary: "Reload firewall rules for one or more containers",
  flags: [
    { name: "all", short: "a", type: "bool", help: "Reload network configuration of all containers" },
    { name: "latest", short: "l", type: "bool", help: "Act on the latest container podman is aware of" },
  ],
  async run(ctx) {
    const all = ctx.flags.bool("all");
    if (all === (ctx.args.length > 0)) throw new SkiffError("usage", all ? "--all and containers cannot be used together" : "at least one container must be given or use --all");
    const { reloadNetworks } = await import("../../engine/networks.ts");
    let code = 0;
    for (const r of await reloadNetworks(ctx.global, ctx.args, all)) {
      if (!r.error) { ctx.out(`${r.id}\n`); continue; }
      ctx.err(`Error: ${messageOf(r.error)}\n`);
      code = 125;
    }
    return code;
  },
};
export default cmd;
