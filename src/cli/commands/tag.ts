/** `skiff tag IMAGE TARGET_NAME [TARGET_NAME...]`: add names to a local image. */
import type { Command } from "../command.ts";

const command: Command = {
  usage: "tag IMAGE TARGET_NAME [TARGET_NAME...]",
  summary: "Add an additional name to a local image",
  minArgs: 2,
  flags: [],
  async run(ctx) {
    const { tagImage } = await import("../../engine/images.ts");
    tagImage(ctx.global, ctx.args[0]!, ctx.args.slice(1));
    return 0;
  },
};

export default command;
