/**
 * `skiff unmount|umount [options] CONTAINER...` (also `container
 * unmount|umount`): drops a user mount (Podman's mount counter; `-f` all of
 * them); the rootfs is unmounted when none is left and the container is not
 * running. Prints what the user typed, as Podman.
 */
import type { Command } from "../command.ts";
import { SkiffError } from "../../lib/errors.ts";
import { renderBulk, targets } from "./bulk.ts";

const cmd: Command = {
  usage: "unmount [options] CONTAINER [CONTAINER...]",
  summary: "Unmount working container's root filesystem",
  flags: [
    { name: "all", short: "a", type: "bool", help: "Unmount all of the currently mounted containers" },
    { name: "force", short: "f", type: "bool", help: "Force the complete unmount of the specified mounted containers" },
    { name: "latest", short: "l", type: "bool", help: "Act on the latest container podman is aware of" },
  ],
  async run(ctx) {
    const engine = await import("../../engine/container-fs.ts");
    const refs = ctx.flags.bool("all")
      ? (await engine.listMountedContainers(ctx.global)).map((m) => m.id)
      : await targets(ctx);
    if (refs.length === 0 && !ctx.flags.bool("all")) throw new SkiffError("invalid-argument", "you must provide at least one container name or id");
    return renderBulk(ctx, await engine.unmountContainers(ctx.global, refs, ctx.flags.bool("force")), ctx.flags.bool("all"));
  },
};
export default cmd;
