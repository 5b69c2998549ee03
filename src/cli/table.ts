/**
 * Command name → lazy module. Aliases point at the same module. Two-word
 * names ("image ls") are tried before one-word ones.
 */
import type { Command } from "./command.ts";

type Loader = () => Promise<{ default: Command }>;

export const commandTable: Record<string, Loader> = {
  version: () => import("./commands/version.ts"),
  pull: () => import("./commands/pull.ts"),
  "image pull": () => import("./commands/pull.ts"),
};

/** Top-level names with summaries, for `skiff --help`. */
export function commandGroups(): [string, string][] {
  return [
    ["version", "Display the skiff version information"],
    ["pull", "Pull an image from a registry"],
  ];
}
