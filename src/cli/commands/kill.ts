import type { Command } from "../command.ts";
import { renderBulk, targets } from "./bulk.ts";

const cmd: Command = {
  usage: "kill [options] CONTAINER [CONTAINER...]",
  summary: "Kill one or more running containers with a specific signal",
  flags: [
    { name: "all", short: "a", type: "bool", help: "Signal all running containers" },
    { name: "latest", short: "l", type: "bool", help: "Act on the latest container podman is aware of" },
    { name: "signal", short: "s", type: "string", default: "KILL", help: "Signal to send to the container" },
    { name: "cidfile", type: "strings", help: "Read the container ID from the file" },
  ],
  async run(ctx) {
    const { killContainers } = await import("../../engine/containers.ts");
    const { parseSignal } = await import("../../spec/signals.ts");
    const sig = parseSignal(ctx.flags.str("signal") ?? "KILL");
    const refs = await targets(ctx, (s) => s === "running" || s === "paused");
    return renderBulk(ctx, await killContainers(ctx.global, refs, sig), ctx.flags.bool("all"));
  },
};
export default cmd;
