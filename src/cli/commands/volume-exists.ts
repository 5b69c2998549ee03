import type { Command } from "../command.ts";

/** Exit 0 when the volume exists, 1 when not (Podman's contract). */
const cmd: Command = {
  usage: "volume exists VOLUME",
  summary: "Check if volume exists",
  flags: [],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const { volumeExists } = await import("../../engine/volumes.ts");
    return (await volumeExists(ctx.global, ctx.args[0]!)) ? 0 : 1;
  },
};
export default cmd;
