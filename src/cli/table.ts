/**
 * Command name → lazy module. Aliases point at the same module. Two-word
 * names ("image ls") are tried before one-word ones.
 */
import type { Command } from "./command.ts";

type Loader = () => Promise<{ default: Command }>;

export const commandTable: Record<string, Loader> = {
  run: () => import("./commands/run.ts"),
  "container run": () => import("./commands/run.ts"),
  create: () => import("./commands/create.ts"),
  "container create": () => import("./commands/create.ts"),
  start: () => import("./commands/start.ts"),
  "container start": () => import("./commands/start.ts"),
  stop: () => import("./commands/stop.ts"),
  "container stop": () => import("./commands/stop.ts"),
  restart: () => import("./commands/restart.ts"),
  "container restart": () => import("./commands/restart.ts"),
  kill: () => import("./commands/kill.ts"),
  "container kill": () => import("./commands/kill.ts"),
  rm: () => import("./commands/rm.ts"),
  "container rm": () => import("./commands/rm.ts"),
  wait: () => import("./commands/wait.ts"),
  "container wait": () => import("./commands/wait.ts"),
  "container cleanup": () => import("./commands/container-cleanup.ts"),
  version: () => import("./commands/version.ts"),
  login: () => import("./commands/login.ts"),
  logout: () => import("./commands/logout.ts"),
  pull: () => import("./commands/pull.ts"),
  "image pull": () => import("./commands/pull.ts"),
  tag: () => import("./commands/tag.ts"),
  "image tag": () => import("./commands/tag.ts"),
  untag: () => import("./commands/untag.ts"),
  "image untag": () => import("./commands/untag.ts"),
  rmi: () => import("./commands/rmi.ts"),
  "image rm": () => import("./commands/rmi.ts"),
  "image prune": () => import("./commands/image-prune.ts"),
  "image exists": () => import("./commands/image-exists.ts"),
  save: () => import("./commands/save.ts"),
  "image save": () => import("./commands/save.ts"),
  load: () => import("./commands/load.ts"),
  "image load": () => import("./commands/load.ts"),
};

/** Top-level names with summaries, for `skiff --help`. */
export function commandGroups(): [string, string][] {
  return [
    ["run", "Run a command in a new container"],
    ["create", "Create but do not start a container"],
    ["start", "Start one or more containers"],
    ["stop", "Stop one or more containers"],
    ["restart", "Restart one or more containers"],
    ["kill", "Kill one or more running containers with a specific signal"],
    ["rm", "Remove one or more containers"],
    ["wait", "Block on one or more containers"],
    ["version", "Display the skiff version information"],
    ["login", "Log in to a container registry"],
    ["logout", "Log out of a container registry"],
    ["pull", "Pull an image from a registry"],
    ["tag", "Add an additional name to a local image"],
    ["untag", "Remove a name from a local image"],
    ["rmi", "Removes one or more images from local storage"],
    ["save", "Save image(s) to an archive"],
    ["load", "Load image(s) from a tar archive"],
  ];
}
