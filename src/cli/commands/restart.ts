import type { Command } from "../command.ts";
import { renderBulk, targets } from "./bulk.ts";

const cmd: Command = {
  usage: "restart [options] CONTAINER [CONTAINER...]",
  summary: "Restart one or more containers",
  flags: [
    { name: "all", short: "a", type: "bool", help: "Restart all non-running containers" },
    { name: "latest", short: "l", type: "bool", help: "Act on the latest container podman is aware of" },
    { name: "running", type: "bool", help: "Restart only running containers when --all is used" },
    { name: "time", short: "t", type: "int", help: "Seconds to wait for stop before killing the container" },
  ],
  async run(ctx) {
    const { restartContainers } = await import("../../engine/containers.ts");
    const refs = await targets(ctx, ctx.flags.bool("running") ? (s) => s === "running" : undefined);
    const t = ctx.flags.int("time");
    return renderBulk(ctx, await restartContainers(ctx.global, refs, t !== undefined ? { timeout: t } : {}), ctx.flags.bool("all"));
  },
};
export default cmd;
