/** `skiff image exists IMAGE`: exit 0 if the image is stored, 1 if not; no output. */
import type { Command } from "../command.ts";

const command: Command = {
  usage: "image exists IMAGE",
  summary: "Check if an image exists in local storage",
  minArgs: 1,
  maxArgs: 1,
  flags: [],
  async run(ctx) {
    const { imageExists } = await import("../../engine/images.ts");
    return imageExists(ctx.global, ctx.args[0]!) ? 0 : 1;
  },
};

export default command;
