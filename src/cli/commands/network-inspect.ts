/** `skiff network inspect NAME…`: Podman's network JSON, or `--format` per network; unknown names are errors (125). */
import type { Command } from "../command.ts";

const cmd: Command = {
  usage: "network inspect [options] NETWORK [NETWORK...]",
  summary: "Displays the raw network configuration for one or more networks",
  minArgs: 1,
  flags: [{ name: "format", short: "f", type: "string", help: "Pretty-print network to JSON or using a Go template", default: "json" }],
  async run(ctx) {
    const [{ inspectNetworks }, { formatInspect }] = await Promise.all([import("../../engine/networks.ts"), import("../format.ts")]);
    const r = await inspectNetworks(ctx.global, ctx.args);
    if (r.found.length) ctx.out(formatInspect(r.found, ctx.flags.str("format")));
    if (r.errors.length === 0) return 0;
    for (const e of r.errors.slice(0, -1)) ctx.err(`Error: ${e.message}\n`);
    throw r.errors.at(-1)!;
  },
};
export default cmd;
