/**
 * `skiff mount [options] [CONTAINER...]` (also `container mount`): with
 * containers, mounts each and prints its mount point; without, lists the
 * mounted containers (`<id>  <mountpoint>`, or Podman's JSON).
 */
import type { Command } from "../command.ts";
import { SkiffError, exitCodeOf, messageOf } from "../../lib/errors.ts";
import { targets } from "./bulk.ts";

const cmd: Command = {
  usage: "mount [options] [CONTAINER...]",
  summary: "Mount a working container's root filesystem",
  flags: [
    { name: "all", short: "a", type: "bool", help: "Mount all containers" },
    { name: "format", type: "string", help: "Print the mounted containers in specified format (json)" },
    { name: "latest", short: "l", type: "bool", help: "Act on the latest container podman is aware of" },
    { name: "no-trunc", type: "bool", help: "Do not truncate output" },
    { name: "notruncate", type: "bool", hidden: true, help: "Do not truncate output" },
  ],
  async run(ctx) {
    const format = ctx.flags.str("format");
    if (format !== undefined && format !== "json") throw new SkiffError("invalid-argument", `unknown --format argument: ${format}`);
    const engine = await import("../../engine/container-fs.ts");
    const refs = await targets(ctx);
    if (refs.length === 0 && !ctx.flags.bool("all")) {
      const list = await engine.listMountedContainers(ctx.global);
      if (format === "json") {
        ctx.out(JSON.stringify(list.map((m) => ({ id: m.id, Names: m.names, mountpoint: m.mountpoint })), null, 1) + "\n");
        return 0;
      }
      const full = ctx.flags.bool("no-trunc") || ctx.flags.bool("notruncate");
      for (const m of list) ctx.out(`${full ? m.id : m.id.slice(0, 12)}  ${m.mountpoint}\n`);
      return 0;
    }
    let code = 0;
    for (const r of await engine.mountContainers(ctx.global, refs)) {
      if (r.error) {
        ctx.err(`Error: ${messageOf(r.error)}\n`);
        code = exitCodeOf(r.error);
      } else ctx.out(`${r.path}\n`);
    }
    return code;
  },
};
export default cmd;
