import type { Command } from "../command.ts";

/**
 * `port CONTAINER [PRIVATE_PORT[/PROTO]]`, `port -a`: the port mappings
 * recorded for running containers (`-p`), as Podman prints them:
 * "80/tcp -> 0.0.0.0:8080", or only "0.0.0.0:8080" for one private port;
 * with `-a` each container's full ID comes first.
 */
const cmd: Command = {
  usage: "port [options] CONTAINER [PRIVATE_PORT[/PROTO]]",
  summary: "List port mappings or a specific mapping for the container",
  flags: [
    { name: "all", short: "a", type: "bool", help: "Display port information for all containers" },
    { name: "latest", short: "l", type: "bool", help: "Act on the latest container podman is aware of" },
  ],
  maxArgs: 2,
  async run(ctx) {
    const { SkiffError } = await import("../../lib/errors.ts");
    const all = ctx.flags.bool("all");
    const latest = ctx.flags.bool("latest");
    let refs: string[] = [];
    let filter: string | undefined;
    if (all) {
      if (ctx.args.length > 0) throw new SkiffError("usage", "no arguments are needed with --all");
      if (latest) throw new SkiffError("usage", "--all and --latest cannot be used together");
    } else if (latest) {
      if (ctx.args.length > 1) throw new SkiffError("usage", "accepts at most 1 arg(s) with --latest");
      const { listContainerViews } = await import("../../engine/containers.ts");
      const newest = (await listContainerViews(ctx.global))[0];
      if (!newest) throw new SkiffError("not-found", "no containers to list ports: no such container");
      refs = [newest.config.id];
      filter = ctx.args[0];
    } else {
      if (ctx.args.length === 0) throw new SkiffError("usage", "you must supply a running container name or id");
      refs = [ctx.args[0]!];
      filter = ctx.args[1];
    }
    let want: { port: number; proto: string } | undefined;
    if (filter !== undefined) {
      const [p = "", proto = "tcp"] = filter.split("/");
      const port = Number(p);
      if (!/^\d+$/.test(p) || port < 1 || port > 65535) throw new SkiffError("invalid-argument", `invalid port number "${p}"`);
      want = { port, proto };
    }
    const { containerPorts } = await import("../../engine/stats.ts");
    const reports = await containerPorts(ctx.global, refs);
    let out = "";
    for (const r of reports) {
      if (all) out += `${r.id}\n`;
      let found = false;
      for (const m of r.ports) {
        const host = `${m.hostIP || "0.0.0.0"}:${m.hostPort}`;
        if (want) {
          if (m.containerPort !== want.port || m.protocol !== want.proto) continue;
          found = true;
          out += `${host}\n`;
        } else {
          out += `${m.containerPort}/${m.protocol} -> ${host}\n`;
        }
      }
      if (want && !found) throw new SkiffError("not-found", `failed to find published port "${filter}"`);
    }
    ctx.out(out);
    return 0;
  },
};
export default cmd;
