/** `skiff volume create [NAME]`: prints the new volume's name. */
import type { Command } from "../command.ts";

const cmd: Command = {
  usage: "volume create [options] [NAME]",
  summary: "Create a new volume",
  maxArgs: 1,
  flags: [
    { name: "driver", short: "d", type: "string", help: "Specify volume driver name", default: "local" },
    { name: "label", short: "l", type: "strings", help: "Set metadata for a volume (default [])" },
    { name: "opt", short: "o", type: "strings", help: "Set driver specific options (default [])" },
    { name: "ignore", type: "bool", help: "Don't fail if volume already exists" },
  ],
  async run(ctx) {
    const { createVolume } = await import("../../engine/volumes.ts");
    const name = await createVolume(ctx.global, {
      ...(ctx.args[0] !== undefined ? { name: ctx.args[0] } : {}),
      driver: ctx.flags.str("driver") ?? "local",
      options: ctx.flags.strs("opt"),
      labels: ctx.flags.strs("label"),
      ignore: ctx.flags.bool("ignore"),
    });
    ctx.out(`${name}\n`);
  },
};
export default cmd;
