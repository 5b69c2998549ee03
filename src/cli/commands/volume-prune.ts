/**
 * `skiff volume prune`: removes the volumes no container uses and prints
 * their names. Without `-f` it lists them and asks first, as Podman 4.3;
 * anything but "y"/"Y" (or EOF) removes nothing.
 */
import type { Command } from "../command.ts";
import { readLine } from "../prompt.ts";


const cmd: Command = {
  usage: "volume prune [options]",
  summary: "Remove all unused volumes",
  maxArgs: 0,
  flags: [
    { name: "filter", type: "strings", help: "Provide filter values (e.g. 'label=<key>=<value>')" },
    { name: "force", short: "f", type: "bool", help: "Do not prompt for confirmation" },
  ],
  async run(ctx) {
    const vols = await import("../../engine/volumes.ts");
    const filters = ctx.flags.strs("filter");
    if (!ctx.flags.bool("force")) {
      const names = await vols.unusedVolumes(ctx.global, filters);
      ctx.out("WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:\n");
      for (const n of names) ctx.out(`${n}\n`);
      ctx.out("Are you sure you want to continue? [y/N] ");
      const answer = await readLine();
      if (answer === undefined || answer.trim().toLowerCase() !== "y") return 0;
    }
    for (const n of await vols.pruneVolumes(ctx.global, filters)) ctx.out(`${n}\n`);
  },
};
export default cmd;
