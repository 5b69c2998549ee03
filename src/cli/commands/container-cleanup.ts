import type { Command } from "../command.ts";
import { exitCodeOf, messageOf } from "../../lib/errors.ts";

/** Run by conmon when a container exits (its exit command); also usable by hand. */
const cmd: Command = {
  usage: "container cleanup [options] CONTAINER [CONTAINER...]",
  summary: "Clean up network and mountpoints of one or more containers",
  flags: [
    { name: "all", short: "a", type: "bool", help: "Cleans up all containers" },
    { name: "exec", type: "string", help: "Clean up the given exec session instead of the container" },
    { name: "latest", short: "l", type: "bool", help: "Act on the latest container podman is aware of" },
    { name: "rm", type: "bool", help: "After cleanup, remove the container entirely" },
    { name: "rmi", type: "bool", help: "After cleanup, remove the image entirely" },
  ],
  async run(ctx) {
    const { cleanupContainers } = await import("../../engine/containers.ts");
    const { targets } = await import("./bulk.ts");
    let code = 0;
    for (const r of await cleanupContainers(ctx.global, await targets(ctx))) {
      if (r.error) { ctx.err(`Error: ${messageOf(r.error)}\n`); code = exitCodeOf(r.error); } else ctx.out(`${r.id}\n`);
    }
    return code;
  },
};
export default cmd;
