import type { Command } from "../command.ts";

/**
 * `top CONTAINER [descriptors...]`: the container's processes, Podman's
 * way (psgo descriptors such as `pid,user,args` or AIX codes `%p %u %a`;
 * anything else, e.g. `-ef`, runs ps(1) inside the container).
 */
const cmd: Command = {
  usage: "top [options] CONTAINER [FORMAT-DESCRIPTORS|ARGS...]",
  summary: "Display the running processes of a container",
  flags: [
    { name: "latest", short: "l", type: "bool", help: "Act on the latest container podman is aware of" },
    { name: "list-descriptors", type: "bool", help: "List the supported format descriptors" },
  ],
  // Everything after the container is the descriptors or ps(1)'s own options.
  interspersed: false,
  async run(ctx) {
    const { SkiffError } = await import("../../lib/errors.ts");
    if (ctx.flags.bool("list-descriptors")) {
      const { topDescriptors } = await import("../../engine/stats.ts");
      ctx.out(`${(await topDescriptors()).join("\n")}\n`);
      return 0;
    }
    let ref: string | undefined;
    let args = ctx.args;
    if (ctx.flags.bool("latest")) {
      const { listContainerViews } = await import("../../engine/containers.ts");
      ref = (await listContainerViews(ctx.global))[0]?.config.id;
      if (ref === undefined) throw new SkiffError("not-found", "no containers to top: no such container");
    } else {
      [ref, ...args] = ctx.args;
      if (ref === undefined) throw new SkiffError("usage", "you must provide the name or id of a running container");
    }
    const { topContainer } = await import("../../engine/stats.ts");
    const r = await topContainer(ctx.global, ref, args);
    if ("lines" in r) {
      ctx.out(r.lines.map((l) => `${l}\n`).join(""));
      return 0;
    }
    const { tabwrite } = await import("../../lib/template/tabwriter.ts");
    ctx.out(tabwrite([r.header, ...r.rows].map((row) => `${row.join("\t")}\n`).join("")));
    return 0;
  },
};
export default cmd;
