/** `skiff volume inspect NAME…|-a`: Podman's JSON, or `--format` per volume; missing names are errors (125). */
import type { Command } from "../command.ts";
import { SkiffError } from "../../lib/errors.ts";

const cmd: Command = {
  usage: "volume inspect [options] VOLUME [VOLUME...]",
  summary: "Display detailed information on one or more volumes",
  flags: [
    { name: "all", short: "a", type: "bool", help: "Inspect all volumes" },
    { name: "format", short: "f", type: "string", help: "Format volume output using Go template", default: "json" },
  ],
  async run(ctx) {
    const all = ctx.flags.bool("all");
    if (!all && ctx.args.length === 0) throw new SkiffError("usage", "provide one or more volume names or use --all");
    if (all && ctx.args.length > 0) throw new SkiffError("usage", "when using the --all switch, you may not pass any volume names");
    const [{ inspectVolumes }, { formatInspect }] = await Promise.all([import("../../engine/volumes.ts"), import("../format.ts")]);
    const r = await inspectVolumes(ctx.global, ctx.args, all);
    ctx.out(formatInspect(r.volumes, ctx.flags.str("format")));
    if (r.missing.length === 0) return 0;
    for (const n of r.missing.slice(0, -1)) ctx.err(`Error: inspecting object: no such volume ${n}\n`);
    throw new SkiffError("not-found", `inspecting object: no such volume ${r.missing.at(-1)!}`);
  },
};
export default cmd;
