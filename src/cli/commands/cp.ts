/**
 * `skiff cp [options] [CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH`
 * (also `container cp`): Podman 4.3's flags plus Docker's -L.
 */
import type { Command } from "../command.ts";

const cmd: Command = {
  usage: "cp [options] [CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH",
  summary: "Copy files/folders between a container and the local filesystem",
  minArgs: 2,
  maxArgs: 2,
  flags: [
    { name: "archive", short: "a", type: "bool", default: true, help: "Chown copied files to the primary uid/gid of the destination container." },
    { name: "overwrite", type: "bool", help: "Allow to overwrite directories with non-directories and vice versa" },
    { name: "follow-link", short: "L", type: "bool", hidden: true, help: "Always follow symbol link in SRC_PATH (Docker)" },
  ],
  async run(ctx) {
    const { copyContainerFiles } = await import("../../engine/cp.ts");
    await copyContainerFiles(ctx.global, ctx.args[0]!, ctx.args[1]!, {
      archive: ctx.flags.bool("archive"),
      followLink: ctx.flags.bool("follow-link"),
    });
    return 0;
  },
};
export default cmd;
