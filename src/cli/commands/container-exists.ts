import type { Command } from "../command.ts";

/** Exit 0 when the container exists, 1 when not (Podman's contract). */
const cmd: Command = {
  usage: "container exists [options] CONTAINER",
  summary: "Check if a container exists in local storage",
  flags: [{ name: "external", type: "bool", help: "Check external storage containers as well as Podman containers" }],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx) {
    const { containerExists } = await import("../../engine/containers.ts");
    return (await containerExists(ctx.global, ctx.args[0]!)) ? 0 : 1;
  },
};
export default cmd;
