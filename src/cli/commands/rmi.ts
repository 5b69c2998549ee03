/**
 * `skiff rmi` / `image rm`: prints `Untagged: <name>` and `Deleted: <id>`
 * lines as Podman does, then the errors; exit 1 when an image was not
 * known, 2 when one is used by a container, 125 for other errors.
 */
import type { Command } from "../command.ts";
import { SkiffError } from "../../lib/errors.ts";

const command: Command = {
  usage: "rmi [options] IMAGE [IMAGE...]",
  summary: "Remove one or more images from local storage",
  flags: [
    { name: "all", short: "a", type: "bool", help: "Remove all images" },
    { name: "force", short: "f", type: "bool", help: "Force Removal of the image" },
    { name: "ignore", short: "i", type: "bool", help: "Ignore errors if a specified image does not exist" },
  ],
  async run(ctx) {
    const all = ctx.flags.bool("all");
    if (all && ctx.args.length > 0) throw new SkiffError("usage", "when using the --all switch, you may not pass any images names or IDs");
    if (!all && ctx.args.length === 0) throw new SkiffError("usage", "image name or ID must be specified");
    const { removeImages } = await import("../../engine/images.ts");
    const r = await removeImages(ctx.global, ctx.args, { all, force: ctx.flags.bool("force") });
    for (const u of r.untagged) ctx.out(`Untagged: ${u}\n`);
    for (const d of r.deleted) ctx.out(`Deleted: ${d}\n`);
    let errors = r.errors;
    if (ctx.flags.bool("ignore")) errors = errors.filter((e) => e.kind !== "not-found");
    if (errors.length === 0) return 0;
    for (const e of errors) ctx.err(`Error: ${e.message}\n`);
    return r.exitCode || 125;
  },
};

export default command;
