/** `skiff volume ls`: Podman 4.3's table (`DRIVER  VOLUME NAME`), `-q`, `--filter`, `--format`. */
import type { Command } from "../command.ts";

const cmd: Command = {
  usage: "volume ls [options]",
  summary: "List volumes",
  maxArgs: 0,
  flags: [
    { name: "filter", short: "f", type: "strings", help: "Filter volume output" },
    { name: "format", type: "string", help: "Format volume output using Go template" },
    { name: "noheading", short: "n", type: "bool", help: "Do not print headers" },
    { name: "quiet", short: "q", type: "bool", help: "Print volume output in quiet mode" },
  ],
  async run(ctx) {
    const { listVolumes } = await import("../../engine/volumes.ts");
    const vols = await listVolumes(ctx.global, ctx.flags.strs("filter"));
    if (ctx.flags.bool("quiet")) {
      for (const v of vols) ctx.out(`${v.Name}\n`);
      return;
    }
    // Podman prints nothing at all, not even the header, for an empty list.
    if (vols.length === 0) return;
    const { formatList } = await import("../format.ts");
    ctx.out(formatList(vols, {
      format: ctx.flags.str("format"),
      defaultFormat: "table {{.Driver}}\t{{.Name}}",
      headers: { Name: "VOLUME NAME" },
      noHeading: ctx.flags.bool("noheading"),
      name: "ls",
      typeName: "*entities.VolumeListReport",
      json: { indent: "  " },
    }));
  },
};
export default cmd;
