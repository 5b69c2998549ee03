import type { Command } from "../command.ts";
import { renderBulk, targets } from "./bulk.ts";

const cmd: Command = {
  usage: "stop [options] CONTAINER [CONTAINER...]",
  summary: "Stop one or more containers",
  flags: [
    { name: "all", short: "a", type: "bool", help: "Stop all running containers" },
    { name: "ignore", short: "i", type: "bool", help: "Ignore errors when a specified container is missing" },
    { name: "latest", short: "l", type: "bool", help: "Act on the latest container podman is aware of" },
    { name: "time", short: "t", type: "int", help: "Seconds to wait for stop before killing the container" },
    { name: "cidfile", type: "strings", help: "Read the container ID from the file" },
  ],
  async run(ctx) {
    const { stopContainers } = await import("../../engine/containers.ts");
    // Podman's stop -a lists every container, stopped ones included (stopping those does nothing).
    const refs = await targets(ctx);
    const t = ctx.flags.int("time");
    return renderBulk(ctx, await stopContainers(ctx.global, refs, { ...(t !== undefined ? { timeout: t } : {}), ignore: ctx.flags.bool("ignore") }), ctx.flags.bool("all"));
  },
};
export default cmd;
