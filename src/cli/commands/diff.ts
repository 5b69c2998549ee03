/**
 * `skiff diff [--format json] CONTAINER` (also `container diff`): the
 * container's changes against its image, `A|C|D /path` per line, or
 * Podman's JSON (`changed`, `added`, `deleted`, empty lists left out,
 * indented as Podman 4.3 prints it).
 */
import type { Command } from "../command.ts";
import { SkiffError } from "../../lib/errors.ts";
import { targets } from "./bulk.ts";

const cmd: Command = {
  usage: "diff [options] CONTAINER",
  summary: "Display the changes to the object's file system",
  maxArgs: 1,
  flags: [
    { name: "format", type: "string", help: "Change the output format (json)" },
    { name: "latest", short: "l", type: "bool", help: "Act on the latest container podman is aware of" },
  ],
  async run(ctx) {
    const format = ctx.flags.str("format");
    if (format !== undefined && format !== "json") throw new SkiffError("invalid-argument", `only supported value for '--format' is 'json'`);
    const [ref] = await targets(ctx);
    if (ref === undefined) throw new SkiffError("invalid-argument", "diff requires one argument: container");
    const { diffContainer } = await import("../../engine/container-fs.ts");
    const changes = await diffContainer(ctx.global, ref);
    if (format === "json") {
      const pick = (k: string) => changes.filter((c) => c.kind === k).map((c) => c.path);
      const body: Record<string, string[]> = {};
      for (const [key, kind] of [["changed", "C"], ["added", "A"], ["deleted", "D"]] as const) {
        const list = pick(kind);
        if (list.length) body[key] = list;
      }
      ctx.out(JSON.stringify(body, null, 5) + "\n");
      return 0;
    }
    for (const c of changes) ctx.out(`${c.kind} ${c.path}\n`);
    return 0;
  },
};
export default cmd;
