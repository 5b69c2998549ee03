/** `skiff network create [options] [NAME]`: Podman 4.3's flags; prints the new network's name. */
import type { Command } from "../command.ts";

const kv = (items: readonly string[]) => Object.fromEntries(items.map((i) => {
  const eq = i.indexOf("=");
  return eq < 0 ? [i, ""] : [i.slice(0, eq), i.slice(eq + 1)];
}));

const cmd: Command = {
  usage: "network create [options] [NAME]",
  summary: "Create networks for containers and pods",
  maxArgs: 1,
  flags: [
    { name: "driver", short: "d", type: "string", default: "bridge", help: "driver to manage the network" },
    { name: "gateway", type: "strings", help: "IPv4 or IPv6 gateway for the subnet" },
    { name: "ignore", type: "bool", help: "Don't fail if network already exists" },
    { name: "interface-name", type: "string", help: "interface name which is used by the driver" },
    { name: "internal", type: "bool", help: "restrict external access from this network" },
    { name: "ip-range", type: "strings", help: "allocate container IP from range" },
    { name: "ipam-driver", type: "string", help: "IP Address Management Driver" },
    { name: "ipv6", type: "bool", help: "enable IPv6 networking" },
    { name: "label", type: "strings", help: "set metadata on a network" },
    { name: "opt", short: "o", type: "strings", help: "Set driver specific options (default [])" },
    { name: "subnet", type: "strings", help: "subnets in CIDR format" },
    { name: "disable-dns", type: "bool", help: "disable dns plugin" },
  ],
  async run(ctx) {
    const f = ctx.flags;
    const { createNetwork } = await import("../../engine/networks.ts");
    const iface = f.str("interface-name");
    const n = await createNetwork(ctx.global, {
      ...(ctx.args[0] !== undefined ? { name: ctx.args[0] } : {}),
      driver: f.str("driver") ?? "bridge",
      subnets: f.strs("subnet"),
      gateways: f.strs("gateway"),
      ipRanges: f.strs("ip-range"),
      ipv6: f.bool("ipv6"),
      internal: f.bool("internal"),
      disableDns: f.bool("disable-dns"),
      labels: kv(f.strs("label")),
      options: kv(f.strs("opt")),
      ...(iface ? { interfaceName: iface } : {}),
      ignore: f.bool("ignore"),
    });
    ctx.out(`${n.name}\n`);
  },
};
export default cmd;
