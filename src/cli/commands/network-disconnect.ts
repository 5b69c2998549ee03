/** `skiff network disconnect [-f] NETWORK CONTAINER`: leaves a network, at once when the container runs. */
import type { Command } from "../command.ts";

const cmd: Command = {
  usage: "network disconnect [options] NETWORK CONTAINER",
  summary: "Disconnect a container from a network",
  minArgs: 2,
  maxArgs: 2,
  flags: [{ name: "force", short: "f", type: "bool", help: "force removal of container from network" }],
  async run(ctx) {
    const { disconnectNetwork } = await import("../../engine/networks.ts");
    await disconnectNetwork(ctx.global, ctx.args[0]!, ctx.args[1]!);
  },
};
export default cmd;
