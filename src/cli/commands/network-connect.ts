/** `skiff network connect [options] NETWORK CONTAINER`: joins a network, at once when the container runs. */
import type { Command } from "../command.ts";

const cmd: Command = {
  usage: "network connect [options] NETWORK CONTAINER",
  summary: "Add container to a network",
  minArgs: 2,
  maxArgs: 2,
  flags: [
    { name: "alias", type: "strings", help: "network scoped alias for container" },
    { name: "ip", type: "string", help: "set a static ipv4 address for this container network" },
    { name: "ip6", type: "string", help: "set a static ipv6 address for this container network" },
    { name: "mac-address", type: "string", help: "set a static mac address for this container network" },
  ],
  async run(ctx) {
    const { connectNetwork } = await import("../../engine/networks.ts");
    const f = ctx.flags;
    const ip = f.str("ip"), ip6 = f.str("ip6"), mac = f.str("mac-address");
    await connectNetwork(ctx.global, ctx.args[0]!, ctx.args[1]!, {
      aliases: f.strs("alias"), ...(ip ? { ip } : {}), ...(ip6 ? { ip6 } : {}), ...(mac ? { mac } : {}),
    });
  },
};
export default cmd;
