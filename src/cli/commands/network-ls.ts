/** `skiff network ls`: Podman 4.3's table (`NETWORK ID  NAME  DRIVER`), `-q`, `--filter`, `--format`, `--no-trunc`. */
import type { Command } from "../command.ts";

const cmd: Command = {
  usage: "network ls [options]",
  summary: "List networks",
  maxArgs: 0,
  flags: [
    { name: "filter", short: "f", type: "strings", help: "Provide filter values (e.g. 'name=podman')" },
    { name: "format", type: "string", help: "Pretty-print networks to JSON or using a Go template" },
    { name: "noheading", type: "bool", help: "Do not print headers" },
    { name: "no-trunc", type: "bool", help: "Do not truncate the network ID" },
    { name: "quiet", short: "q", type: "bool", help: "display only names" },
  ],
  async run(ctx) {
    const { listNetworks } = await import("../../engine/networks.ts");
    const nets = await listNetworks(ctx.global, ctx.flags.strs("filter"));
    if (ctx.flags.bool("quiet")) {
      for (const n of nets) ctx.out(`${n.name}\n`);
      return;
    }
    const trunc = !ctx.flags.bool("no-trunc");
    const rows = nets.map((n) => ({ ...n, ID: trunc ? n.id.slice(0, 12) : n.id, Name: n.name, Driver: n.driver, Labels: n.labels ?? {} }));
    const format = ctx.flags.str("format");
    if (format === "json") {
      ctx.out(`${JSON.stringify(nets, null, "     ")}\n`);
      return;
    }
    const { formatList } = await import("../format.ts");
    ctx.out(formatList(rows, {
      format,
      defaultFormat: "table {{.ID}}\t{{.Name}}\t{{.Driver}}",
      headers: { ID: "NETWORK ID" },
      noHeading: ctx.flags.bool("noheading"),
      name: "ls",
      typeName: "types.Network",
      json: { indent: "     " },
    }));
  },
};
export default cmd;
