import type { Command } from "../command.ts";

const cmd: Command = {
  usage: "rename CONTAINER NAME",
  summary: "Rename an existing container",
  flags: [],
  minArgs: 2,
  maxArgs: 2,
  async run(ctx) {
    const { renameContainer } = await import("../../engine/containers.ts");
    await renameContainer(ctx.global, ctx.args[0]!, ctx.args[1]!);
  },
};
export default cmd;
