/**
 * `skiff image prune`: removes dangling images (`-a`: all unused), prints
 * their IDs. Without `-f` asks on stdin first, as Podman; EOF is an error.
 */
import type { Command } from "../command.ts";
import { readLine } from "../prompt.ts";
import { SkiffError } from "../../lib/errors.ts";


const command: Command = {
  usage: "image prune [options]",
  summary: "Remove unused images",
  maxArgs: 0,
  flags: [
    { name: "all", short: "a", type: "bool", help: "Remove all images not in use by containers, not just dangling ones" },
    { name: "external", type: "bool", hidden: true },
    { name: "filter", type: "strings", help: "Provide filter values (e.g. 'label=<key>=<value>')" },
    { name: "force", short: "f", type: "bool", help: "Do not prompt for confirmation" },
  ],
  async run(ctx) {
    const all = ctx.flags.bool("all");
    if (!ctx.flags.bool("force")) {
      ctx.out(all
        ? "WARNING! This command removes all images without at least one container associated with them.\nAre you sure you want to continue? [y/N] "
        : "WARNING! This command removes all dangling images.\nAre you sure you want to continue? [y/N] ");
      const answer = await readLine();
      if (answer === undefined) throw new SkiffError("runtime", "EOF");
      if (answer.trim().toLowerCase() !== "y") return 0;
    }
    const { pruneImages } = await import("../../engine/images.ts");
    for (const id of await pruneImages(ctx.global, { all, filters: ctx.flags.strs("filter") })) ctx.out(`${id}\n`);
    return 0;
  },
};

export default command;
