/** `skiff untag IMAGE [IMAGE_NAME...]`: remove names (all when none given) from a local image. */
import type { Command } from "../command.ts";

const command: Command = {
  usage: "untag IMAGE [IMAGE...]",
  summary: "Remove a name from a local image",
  minArgs: 1,
  flags: [],
  async run(ctx) {
    const { untagImage } = await import("../../engine/images.ts");
    untagImage(ctx.global, ctx.args[0]!, ctx.args.slice(1));
    return 0;
  },
};

export default command;
