import type { Command } from "../command.ts";
import { exitCodeOf, messageOf } from "../../lib/errors.ts";

const cmd: Command = {
  usage: "container prune [options]",
  summary: "Remove all non running containers",
  flags: [
    { name: "force", short: "f", type: "bool", help: "Do not prompt for confirmation. The default is false" },
    { name: "filter", type: "strings", help: "Provide filter values (e.g. 'label=<key>=<value>')" },
  ],
  maxArgs: 0,
  async run(ctx) {
    if (!ctx.flags.bool("force")) {
      ctx.out("WARNING! This will remove all non running containers.\nAre you sure you want to continue? [y/N] ");
      const line = await new Promise<string>((resolve) => process.stdin.once("data", (d) => resolve(String(d))));
      process.stdin.pause();
      if (!/^y(es)?$/i.test(line.trim())) return 0;
    }
    const { pruneContainers } = await import("../../engine/containers.ts");
    let code = 0;
    for (const r of await pruneContainers(ctx.global)) {
      if (r.error) { ctx.err(`Error: ${messageOf(r.error)}\n`); code = exitCodeOf(r.error); } else ctx.out(`${r.id}\n`);
    }
    return code;
  },
};
export default cmd;
