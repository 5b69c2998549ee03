/**
 * `skiff inspect [--type] NAME...`, as Podman 4.3's cmd/podman/inspect:
 * `--type image` inspects images only (errors as `image inspect`);
 * `--type all` (the default) looks each name up as a container first, then as
 * an image, and a name that is neither is `no such object: "x"`. Output and
 * error order as `image inspect` (see renderInspect).
 */
import type { Command, CommandContext } from "../command.ts";
import { SkiffError } from "../../lib/errors.ts";
import { renderInspect, requireNames } from "./image-inspect.ts";

const TYPES = ["image", "container", "pod", "network", "volume", "all"];

/**
 * Inspects `ctx.args` (or the newest container with `-l`) as objects of
 * `type`, rendering found reports and Podman's errors (see renderInspect).
 * `-s` adds SizeRw/SizeRootFs to containers. Shared by `inspect` and
 * `container inspect` (type "container").
 * @throws SkiffError invalid-argument for `-l` with names, or no names
 */
export async function inspectObjects(ctx: CommandContext, type: string): Promise<number> {
  const { inspectContainer, latestContainerId } = await import("../../engine/container-inspect.ts");
  const opts = { size: ctx.flags.bool("size") };
  if (ctx.flags.bool("latest")) {
    if (ctx.args.length > 0) throw new SkiffError("invalid-argument", "--latest and arguments cannot be used together");
    const id = await latestContainerId(ctx.global);
    const report = id === undefined ? undefined : await inspectContainer(ctx.global, id, opts);
    return renderInspect(ctx, report ? [report] : [], report ? [] : [new SkiffError("not-found", "no containers to inspect: no such container")]);
  }
  requireNames(ctx.args);
  const reports: unknown[] = [];
  const errors: Error[] = [];
  const containers = type === "all" || type === "container";
  for (const ref of ctx.args) {
    const ctr = containers ? await inspectContainer(ctx.global, ref, opts) : undefined;
    if (ctr !== undefined) { reports.push(ctr); continue; }
    if (type === "image" || type === "all") {
      const { inspectImages } = await import("../../engine/images.ts");
      const r = inspectImages(ctx.global, [ref]);
      if (r.reports.length > 0) { reports.push(...r.reports); continue; }
      const e = r.errors[0]!;
      errors.push(type === "all" && e instanceof SkiffError && e.kind === "not-found" ? new SkiffError("not-found", `no such object: "${ref}"`) : e);
      continue;
    }
    // Pods, networks and volumes have no inspect here yet: nothing is found, in Podman's words.
    errors.push(new SkiffError("not-found", type === "network"
      ? `network ${ref}: unable to find network with name or ID ${ref}: network not found`
      : `no such ${type} ${ref}`));
  }
  return renderInspect(ctx, reports, errors);
}

/** The flags `container inspect` shares with `inspect`. */
export const INSPECT_FLAGS: Command["flags"] = [
  { name: "format", short: "f", type: "string", help: "Format the output to a Go template or json" },
  { name: "latest", short: "l", type: "bool", help: "Act on the latest container podman is aware of" },
  { name: "size", short: "s", type: "bool", help: "Display total file size" },
];

const command: Command = {
  usage: "inspect [options] {CONTAINER|IMAGE|POD|NETWORK|VOLUME} [...]",
  summary: "Display the configuration of object denoted by ID",
  flags: [
    ...INSPECT_FLAGS,
    { name: "type", short: "t", type: "string", default: "all", help: "Specify inspect-object type (\"image\", \"container\", \"pod\", \"network\", \"volume\" or \"all\")" },
  ],
  async run(ctx) {
    const type = ctx.flags.str("type") ?? "all";
    if (!TYPES.includes(type)) {
      throw new SkiffError("invalid-argument", `invalid type "${type}": must be "image", "container", "pod", "network", "volume", or "all"`);
    }
    return inspectObjects(ctx, type);
  },
};

export default command;
