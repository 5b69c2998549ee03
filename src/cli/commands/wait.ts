import type { Command } from "../command.ts";
import { exitCodeOf, messageOf } from "../../lib/errors.ts";

const cmd: Command = {
  usage: "wait [options] CONTAINER [CONTAINER...]",
  summary: "Block on one or more containers",
  flags: [
    { name: "condition", type: "strings", help: "Condition to wait on" },
    { name: "interval", short: "i", type: "string", help: "Time Interval to wait before polling for completion" },
    { name: "latest", short: "l", type: "bool", help: "Act on the latest container podman is aware of" },
    { name: "ignore", type: "bool", help: "Ignore if a container does not exist" },
  ],
  minArgs: 1,
  async run(ctx) {
    const { waitContainers } = await import("../../engine/containers.ts");
    const cond = ctx.flags.strs("condition");
    const reports = await waitContainers(ctx.global, ctx.args, cond.length ? cond : ["stopped"]);
    let code = 0;
    for (const r of reports) {
      if (r.error) {
        if (ctx.flags.bool("ignore")) { ctx.out("-1\n"); continue; }
        ctx.err(`Error: ${messageOf(r.error)}\n`); code = exitCodeOf(r.error);
      } else ctx.out(`${r.exitCode}\n`);
    }
    return code;
  },
};
export default cmd;
