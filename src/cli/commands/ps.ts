import type { Command } from "../command.ts";
import { groupFilters } from "../../spec/filters.ts";
import type { PortMapping } from "../../spec/ports.ts";
import type { ContainerView } from "../../engine/containers.ts";
import { SkiffError } from "../../lib/errors.ts";

/** Go's units.HumanDuration, as Podman prints ages ("5 seconds", "About a minute"). */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 1) return "Less than a second";
  if (s === 1) return "1 second";
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(s / 60);
  if (m === 1) return "About a minute";
  if (m < 60) return `${m} minutes`;
  const h = Math.round(s / 3600);
  if (h === 1) return "About an hour";
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.floor(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.floor(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24 / 30)} months`;
  return `${Math.floor(h / 24 / 365)} years`;
}

/** Podman's STATUS column. */
export function statusText(v: ContainerView, now = Date.now()): string {
  const st = v.state;
  switch (st.status) {
    case "running": return `Up ${humanDuration(now - (st.startedAt ?? now))} ago`;
    case "paused": return "Paused";
    case "stopped":
    case "exited": return `Exited (${st.exitCode ?? 0}) ${humanDuration(now - (st.finishedAt ?? now))} ago`;
    case "removing": return "Removing";
    default: return "Created";
  }
}

/** Podman's state names: "configured" shows as "created", "stopped" as "exited". */
export function stateName(v: ContainerView): string {
  const s = v.state.status;
  return s === "configured" ? "created" : s === "stopped" ? "exited" : s;
}

/** State names `--filter status=` and `wait --condition` accept (libpod's StringToContainerStatus). */
export const STATUS_NAMES = ["created", "running", "paused", "stopped", "exited", "unknown", "removing", "stopping"];

/**
 * Podman 4.3's ancestor match: the image's full ID, its name as recorded, or
 * that name without a ":latest" tag. Short names, ID prefixes and patterns
 * match nothing (unlike Docker).
 */
function ancestorMatches(v: ContainerView, val: string): boolean {
  const name = v.config.imageName;
  return v.config.imageId === val || name === val || (name.endsWith(":latest") && name.slice(0, -":latest".length) === val);
}

function matches(v: ContainerView, filters: readonly string[]): boolean {
  const by = groupFilters(filters);
  for (const [k, vals] of by) {
    const ok = vals.some((val) => {
      switch (k) {
        case "id": return v.config.id.startsWith(val);
        case "name": return new RegExp(val).test(v.config.name);
        case "status":
          if (!STATUS_NAMES.includes(val)) throw new SkiffError("invalid-argument", `unknown container state: ${val}: invalid argument`);
          return stateName(v) === val;
        case "exited": return (stateName(v) === "exited") && String(v.state.exitCode) === val;
        case "ancestor": return ancestorMatches(v, val);
        case "label": {
          const [lk, lv] = val.split("=", 2) as [string, string | undefined];
          return lk in v.config.labels && (lv === undefined || v.config.labels[lk] === lv);
        }
        case "volume": return (v.config.volumes ?? []).includes(val);
        default: throw new SkiffError("invalid-argument", `${k} is an invalid filter`);
      }
    });
    if (!ok) return false;
  }
  return true;
}

const cmd: Command = {
  usage: "ps [options]",
  summary: "List containers",
  flags: [
    { name: "all", short: "a", type: "bool", help: "Show all the containers, default is only running containers" },
    { name: "filter", short: "f", type: "strings", help: "Filter output based on conditions given" },
    { name: "format", type: "string", help: "Pretty-print containers to JSON or using a Go template" },
    { name: "last", short: "n", type: "int", default: -1, help: "Print the n last created containers (all states)" },
    { name: "latest", short: "l", type: "bool", help: "Act on the latest container podman is aware of" },
    { name: "noheading", type: "bool", help: "Do not print headers" },
    { name: "no-trunc", type: "bool", help: "Display the extended information" },
    { name: "quiet", short: "q", type: "bool", help: "Print the numeric IDs of the containers only" },
    { name: "size", short: "s", type: "bool", help: "Display the total file sizes" },
    { name: "sort", type: "string", default: "created", help: "Sort output by: command, created, id, image, names, runningfor, size, status" },
    { name: "external", type: "bool", hidden: true },
    { name: "sync", type: "bool", hidden: true },
  ],
  maxArgs: 0,
  async run(ctx) {
    const f = ctx.flags;
    const sortKey = f.str("sort") ?? "created";
    const SORT_KEYS = ["command", "created", "id", "image", "names", "runningfor", "size", "status"];
    if (!SORT_KEYS.includes(sortKey)) {
      throw new SkiffError("usage", `invalid argument "${sortKey}" for "--sort" flag: "${sortKey}" is not a valid value.  Choose from: "${SORT_KEYS.join(", ")}"`);
    }
    const { listContainerViews, containerSizes } = await import("../../engine/containers.ts");
    let views = await listContainerViews(ctx.global);
    const last = f.int("last") ?? -1;
    const all = f.bool("all") || last >= 0 || f.bool("latest") || f.strs("filter").length > 0;
    if (!all) views = views.filter((v) => v.state.status === "running" || v.state.status === "paused");
    views = views.filter((v) => matches(v, f.strs("filter")));
    // -l / -n pick the newest containers; the listing itself runs oldest first, as Podman's.
    views.sort((a, b) => b.config.created - a.config.created);
    if (f.bool("latest")) views = views.slice(0, 1);
    if (last >= 0) views = views.slice(0, last);
    views.reverse();
    const sizes = f.bool("size") ? await containerSizes(ctx.global, views.map((v) => v.config.id)) : undefined;
    const key: Record<string, (v: ContainerView) => string | number> = {
      created: (v) => v.config.created, runningfor: (v) => v.state.startedAt ?? 0, id: (v) => v.config.id, image: (v) => v.config.imageName,
      names: (v) => v.config.name, command: (v) => v.config.command.join(" "), status: (v) => statusText(v),
      size: (v) => sizes?.get(v.config.id)?.rootFsSize ?? 0,
    };
    const k = key[sortKey]!;
    views.sort((a, b) => { const x = k(a), y = k(b); return x < y ? -1 : x > y ? 1 : 0; });
    const noTrunc = f.bool("no-trunc");
    const { HumanSizeWithPrecision } = await import("../../lib/units.ts");
    const sizeText = (v: ContainerView) => {
      const z = sizes?.get(v.config.id);
      return z ? `${HumanSizeWithPrecision(z.rwSize, 3)} (virtual ${HumanSizeWithPrecision(z.rootFsSize, 3)})` : "";
    };
    // Go's zero time.Time as Unix seconds: what Podman's JSON gives for "never".
    const unix = (ms: number | undefined) => (ms ? Math.floor(ms / 1000) : -62135596800);
    if (f.bool("quiet")) {
      for (const v of views) ctx.out(`${noTrunc ? v.config.id : v.config.id.slice(0, 12)}\n`);
      return;
    }
    const now = Date.now();
    const format = f.str("format");
    const { formatList, isJsonFormat } = await import("../format.ts");
    if (format !== undefined && isJsonFormat(format)) {
      const items = views.map((v) => ({
        AutoRemove: v.config.autoRemove, Command: v.config.command, CreatedAt: `${humanDuration(now - v.config.created)} ago`,
        Exited: stateName(v) === "exited", ExitedAt: unix(v.state.finishedAt), ExitCode: v.state.exitCode ?? 0,
        Id: v.config.id, Image: v.config.imageName, ImageID: v.config.imageId ?? "", IsInfra: false, Labels: v.config.labels,
        Mounts: [], Names: [v.config.name], Namespaces: {}, Networks: [], Pid: v.state.pid ?? 0, Pod: "", PodName: "",
        Ports: v.config.spec.portMappings?.length ? v.config.spec.portMappings : null, Size: sizes?.has(v.config.id) ? { RwSize: sizes.get(v.config.id)!.rwSize, RootFsSize: sizes.get(v.config.id)!.rootFsSize } : null, StartedAt: unix(v.state.startedAt), State: stateName(v), Status: statusText(v, now),
        Created: Math.floor(v.config.created / 1000),
      }));
      ctx.out(`${JSON.stringify(items, null, 2)}\n`);
      return;
    }
    const rows = views.map((v) => {
      const command = v.config.command.join(" ");
      return {
        ID: noTrunc ? v.config.id : v.config.id.slice(0, 12),
        Image: v.config.imageName,
        ImageID: v.config.imageId ?? "",
        Command: noTrunc || command.length <= 17 ? command : `${command.slice(0, 17)}...`,
        CreatedHuman: `${humanDuration(now - v.config.created)} ago`,
        CreatedAt: new Date(v.config.created).toISOString(),
        Created: `${humanDuration(now - v.config.created)} ago`,
        RunningFor: humanDuration(now - v.config.created),
        Status: statusText(v, now),
        State: stateName(v),
        Ports: portsText(v.config.spec.portMappings ?? []),
        Names: v.config.name,
        Labels: v.config.labels,
        Pid: v.state.pid ?? 0,
        ExitCode: v.state.exitCode ?? 0,
        Exited: stateName(v) === "exited",
        AutoRemove: v.config.autoRemove,
        Size: sizeText(v),
        Mounts: "",
        Networks: "",
        Pod: "",
        PodName: "",
      };
    });
    const def = `table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}${f.bool("size") ? "\t{{.Size}}" : ""}`;
    ctx.out(formatList(rows, { format, defaultFormat: def, headers: { ID: "CONTAINER ID", CreatedHuman: "CREATED" }, noHeading: f.bool("noheading"), name: "ps", typeName: "ps.psReporter" }));
  },
};
export default cmd;

/**
 * Podman's PORTS column: `127.0.0.1:8080->80/tcp, 0.0.0.0:9000-9001->90-91/udp`.
 * From the mappings asked for at create (a port left to the set-up to pick,
 * `-p 80`, shows only in `port`, which reads the set-up).
 */
function portsText(mappings: readonly PortMapping[]): string {
  const range = (start: number, n: number) => (n > 1 ? `${start}-${start + n - 1}` : `${start}`);
  return mappings
    .filter((m) => m.host_port !== 0)
    .flatMap((m) => m.protocol.split(",").map((proto) =>
      `${m.host_ip || "0.0.0.0"}:${range(m.host_port, m.range)}->${range(m.container_port, m.range)}/${proto}`))
    .join(", ");
}
