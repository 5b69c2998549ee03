import type { Command } from "../command.ts";
import { SkiffError } from "../../lib/errors.ts";
import { renderBulk, targets } from "./bulk.ts";

const cmd: Command = {
  usage: "rm [options] CONTAINER [CONTAINER...]",
  summary: "Remove one or more containers",
  flags: [
    { name: "all", short: "a", type: "bool", help: "Remove all containers" },
    { name: "force", short: "f", type: "bool", help: "Force removal of a running or unusable container" },
    { name: "ignore", short: "i", type: "bool", help: "Ignore errors when a specified container is missing" },
    { name: "latest", short: "l", type: "bool", help: "Act on the latest container podman is aware of" },
    { name: "volumes", short: "v", type: "bool", help: "Remove anonymous volumes associated with the container" },
    { name: "time", short: "t", type: "int", help: "Seconds to wait for stop before killing the container" },
    { name: "depend", type: "bool", help: "Remove container and all containers that depend on the selected container" },
    { name: "cidfile", type: "strings", help: "Read the container ID from the file" },
  ],
  async run(ctx) {
    const { removeContainers } = await import("../../engine/containers.ts");
    const refs = await targets(ctx);
    const force = ctx.flags.bool("force");
    const t = ctx.flags.int("time");
    // -f also ignores unknown names, as Podman's.
    const reports = await removeContainers(ctx.global, refs, { force, volumes: ctx.flags.bool("volumes"), ignore: ctx.flags.bool("ignore") || force, ...(t !== undefined ? { timeout: t } : {}) });
    const code = renderBulk(ctx, reports, ctx.flags.bool("all"));
    // Podman's rm: 1 when a container does not exist, 2 when one is running (without -f), else 125.
    const kinds = reports.flatMap((r) => (r.error instanceof SkiffError ? [r.error.kind] : []));
    return kinds.includes("not-found") ? 1 : kinds.includes("state") ? 2 : code;
  },
};
export default cmd;
