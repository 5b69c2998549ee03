/**
 * `skiff container inspect [-l] [-s] [--format] CONTAINER...`: `inspect`
 * limited to containers, as Podman 4.3's (an unknown name is
 * `no such container x`, never looked up as an image).
 */
import type { Command } from "../command.ts";
import { INSPECT_FLAGS, inspectObjects } from "./inspect.ts";

const command: Command = {
  usage: "container inspect [options] CONTAINER [CONTAINER...]",
  summary: "Display the configuration of a container",
  flags: INSPECT_FLAGS,
  run: (ctx) => inspectObjects(ctx, "container"),
};

export default command;
