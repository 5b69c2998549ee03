import type { Command } from "../command.ts";

/** Exit 0 when the network exists, 1 when not (Podman's contract). */
const cmd: Command = {
  usage: "network exists NETWORK",
  summary: "network exists",
  flags: [],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const { networkExists } = await import("../../engine/networks.ts");
    return (await networkExists(ctx.global, ctx.args[0]!)) ? 0 : 1;
  },
};
export default cmd;
