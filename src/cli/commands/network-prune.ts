/** `skiff network prune [-f] [--filter]`: removes unused networks (never the default), prints their names. */
import type { Command } from "../command.ts";

const cmd: Command = {
  usage: "network prune [options]",
  summary: "Prune unused networks",
  maxArgs: 0,
  flags: [
    { name: "filter", type: "strings", help: "Provide filter values (e.g. 'label=<key>=<value>')" },
    { name: "force", short: "f", type: "bool", help: "do not prompt for confirmation" },
  ],
  async run(ctx) {
    if (!ctx.flags.bool("force")) {
      ctx.out("WARNING! This will remove all networks not used by at least one container.\nAre you sure you want to continue? [y/N] ");
      let line = "";
      for await (const c of process.stdin) { line += String(c); if (line.includes("\n")) break; }
      if (line.trim().toLowerCase() !== "y") return 0;
    }
    const { pruneNetworks } = await import("../../engine/networks.ts");
    for (const n of await pruneNetworks(ctx.global, ctx.flags.strs("filter"))) ctx.out(`${n}\n`);
  },
};
export default cmd;
