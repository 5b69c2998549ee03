/**
 * Command name → lazy module. Aliases point at the same module. Two-word
 * names ("image ls") are tried before one-word ones.
 */
import type { Command } from "./command.ts";

type Loader = () => Promise<{ default: Command }>;

export const commandTable: Record<string, Loader> = {
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
