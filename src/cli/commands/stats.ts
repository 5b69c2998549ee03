import type { Command } from "../command.ts";
import type { StatsReport } from "../../engine/stats.ts";

/** Podman's floatToPercentString: "--" for zero, else two decimals and "%". */
function percent(f: number): string {
  return f === 0 || !Number.isFinite(f) ? "--" : `${f.toFixed(2)}%`;
}

/**
 * A row of `stats` with Podman 4.3's template fields (.ID, .Name, .CPUPerc,
 * .MemUsage, .MemUsageBytes, .MemPerc, .NetIO, .BlockIO, .PIDS, .CPU,
 * .AVGCPU, .UpTime) beside the raw define.ContainerStats fields.
 */
export async function statsRow(s: StatsReport, noTrunc: boolean): Promise<Record<string, unknown>> {
  const { HumanSize, BytesSize } = await import("../../lib/units.ts");
  const { goDurationString } = await import("../../lib/go-duration.ts");
  const pair = (a: number, b: number, f: (n: number) => string) => (a === 0 && b === 0 ? "-- / --" : `${f(a)} / ${f(b)}`);
  return {
    ...s,
    ID: noTrunc ? s.ContainerID : s.ContainerID.slice(0, 12),
    CPUPerc: percent(s.CPU),
    MemUsage: pair(s.MemUsage, s.MemLimit, HumanSize),
    MemUsageBytes: pair(s.MemUsage, s.MemLimit, BytesSize),
    MemPerc: percent(s.MemPerc),
    NetIO: pair(s.NetInput, s.NetOutput, HumanSize),
    BlockIO: pair(s.BlockInput, s.BlockOutput, HumanSize),
    PIDS: s.PIDs === 0 ? "--" : String(s.PIDs),
    CPU: goDurationString(s.CPUNano),
    AVGCPU: percent(s.AvgCPU),
    UpTime: goDurationString(s.UpTime),
  };
}

const DEFAULT_FORMAT = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDS}}\t{{.CPU}}\t{{.AVGCPU}}";
const HEADERS = {
  ID: "ID", Name: "NAME", CPUPerc: "CPU %", MemUsage: "MEM USAGE / LIMIT", MemUsageBytes: "MEM USAGE / LIMIT", MemPerc: "MEM %",
  NetIO: "NET IO", BlockIO: "BLOCK IO", PIDS: "PIDS", CPU: "CPU TIME", AVGCPU: "AVG CPU %", UpTime: "UP TIME",
};

/**
 * `stats [CONTAINER...]`: CPU, memory, block I/O and PIDs from each
 * container's cgroup. `--no-stream` prints one sample; otherwise a new
 * sample every `--interval` seconds (CPU % since the previous one) until
 * interrupted or no container is left.
 */
const cmd: Command = {
  usage: "stats [options] [CONTAINER...]",
  summary: "Display a live stream of container resource usage statistics",
  flags: [
    { name: "all", short: "a", type: "bool", help: "Show all containers. Only running containers are shown by default. The default is false" },
    { name: "format", type: "string", help: "Pretty-print container statistics to JSON or using a Go template" },
    { name: "interval", short: "i", type: "int", default: 5, help: "Time in seconds between stats reports" },
    { name: "latest", short: "l", type: "bool", help: "Act on the latest container podman is aware of" },
    { name: "no-reset", type: "bool", help: "Disable resetting the screen between intervals" },
    { name: "no-stream", type: "bool", help: "Disable streaming stats and only pull the first result, default setting is false" },
    { name: "no-trunc", type: "bool", help: "Do not truncate output" },
  ],
  async run(ctx) {
    const { SkiffError } = await import("../../lib/errors.ts");
    const f = ctx.flags;
    const interval = f.int("interval") ?? 5;
    if (interval < 1) throw new SkiffError("invalid-argument", "stats requires an interval of at least 1 second");
    if (f.bool("all") && f.bool("latest")) throw new SkiffError("usage", "--all and --latest cannot be used together");
    if ((f.bool("all") || f.bool("latest")) && ctx.args.length > 0) throw new SkiffError("usage", "--all, --latest and containers cannot be used together");
    let refs = ctx.args;
    if (f.bool("latest")) {
      const { listContainerViews } = await import("../../engine/containers.ts");
      const newest = (await listContainerViews(ctx.global))[0];
      if (!newest) throw new SkiffError("not-found", "no containers to show stats for: no such container");
      refs = [newest.config.id];
    }
    const { containerStats } = await import("../../engine/stats.ts");
    const { formatList, isJsonFormat } = await import("../format.ts");
    const format = f.str("format");
    const noTrunc = f.bool("no-trunc");
    const render = async (reports: StatsReport[]) => {
      const rows = await Promise.all(reports.map((r) => statsRow(r, noTrunc)));
      if (format !== undefined && isJsonFormat(format)) {
        const j = rows.map((r) => ({
          id: r.ID, name: r.Name, cpu_time: r.CPU, cpu_percent: r.CPUPerc, avg_cpu: r.AVGCPU, mem_usage: r.MemUsage,
          mem_percent: r.MemPerc, net_io: r.NetIO, block_io: r.BlockIO, pids: r.PIDS,
        }));
        return `${JSON.stringify(j, null, 5)}\n`;
      }
      return formatList(rows, { format, defaultFormat: DEFAULT_FORMAT, headers: HEADERS, name: "stats" });
    };
    const opts = { all: f.bool("all") };
    if (f.bool("no-stream")) {
      ctx.out(await render(await containerStats(ctx.global, refs, opts)));
      return 0;
    }
    let previous = new Map<string, StatsReport>();
    for (;;) {
      const reports = await containerStats(ctx.global, refs, { ...opts, previous });
      if (!f.bool("no-reset")) ctx.out("\x1b[2J\x1b[0;0H");
      ctx.out(await render(reports));
      if (reports.length === 0 && refs.length > 0) return 0;
      previous = new Map(reports.map((r) => [r.ContainerID, r]));
      await Bun.sleep(interval * 1000);
    }
  },
};
export default cmd;
