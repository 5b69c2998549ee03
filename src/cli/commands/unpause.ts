import type { Command } from "../command.ts";
import { renderBulk, targets } from "./bulk.ts";

const cmd: Command = {
  usage: "unpause [options] CONTAINER [CONTAINER...]",
  summary: "Unpause the processes in one or more containers",
  flags: [
    { name: "all", short: "a", type: "bool", help: "Unpause all containers" },
    { name: "latest", short: "l", type: "bool", help: "Act on the latest container podman is aware of" },
  ],
  async run(ctx) {
    const { pauseContainers } = await import("../../engine/containers.ts");
    const refs = await targets(ctx, (s) => s === "paused");
    return renderBulk(ctx, await pauseContainers(ctx.global, refs, false), ctx.flags.bool("all"));
  },
};
export default cmd;
