/**
 * What `stats`, `top` and `port` report about containers: options in,
 * reports out, no printing.
 */
import type { PortMapping as SpecPortMapping } from "../spec/ports.ts";
import { SkiffError } from "../lib/errors.ts";
import type { GlobalOptions } from "./options.ts";
import type { ContainerView } from "./containers.ts";

/**
 * One container's resource usage, with the field names of Podman's
 * define.ContainerStats (sizes in bytes, times in nanoseconds, percentages
 * as numbers, 100 = one full CPU).
 */
export interface StatsReport {
  readonly ContainerID: string;
  readonly Name: string;
  /** CPU use since the previous sample (or since start), percent. */
  readonly CPU: number;
  readonly CPUNano: number;
  /** Wall clock of this sample, ns since the epoch. */
  readonly SystemNano: number;
  readonly MemUsage: number;
  /** The cgroup limit, capped at the host's memory (as Podman). */
  readonly MemLimit: number;
  readonly MemPerc: number;
  readonly NetInput: number;
  readonly NetOutput: number;
  readonly BlockInput: number;
  readonly BlockOutput: number;
  readonly PIDs: number;
  /** Time since the container started, ns. */
  readonly UpTime: number;
  /** CPU use over the container's whole life, percent. */
  readonly AvgCPU: number;
}

export interface StatsOptions {
  /** Every container, not only running ones (`-a`). @default false */
  readonly all?: boolean;
  /** The previous sample per container ID: CPU % is the use since then. */
  readonly previous?: ReadonlyMap<string, StatsReport>;
}

async function views(g: GlobalOptions, refs: readonly string[], all: boolean): Promise<ContainerView[]> {
  const eng = await import("./containers.ts");
  if (refs.length === 0) {
    const vs = await eng.listContainerViews(g);
    return all ? vs : vs.filter((v) => v.state.status === "running" || v.state.status === "paused");
  }
  return Promise.all(refs.map((r) => eng.containerView(g, r)));
}

/**
 * Samples the cgroup of each container named in `refs` (all running ones
 * when empty; every container with `all`). A container that is not running
 * reports zeros, as Podman's `stats -a` shows it.
 * @throws SkiffError not-found for an unknown name or ID
 */
export async function containerStats(g: GlobalOptions, refs: readonly string[], opts: StatsOptions = {}): Promise<StatsReport[]> {
  const { readCgroupStats, hostMemoryBytes } = await import("../core/cgroup-stats.ts");
  const { processAlive } = await import("../core/proc.ts");
  const hostMem = hostMemoryBytes();
  const now = Date.now();
  return (await views(g, refs, opts.all ?? false)).map((v) => {
    const st = v.state;
    const live = (st.status === "running" || st.status === "paused") && st.pid !== undefined && processAlive(st.pid, st.pidStartTime);
    const c = live ? readCgroupStats(st.pid!) : undefined;
    const upNs = live && st.startedAt ? (now - st.startedAt) * 1e6 : 0;
    const cpuNs = c?.cpuNs ?? 0;
    const prev = opts.previous?.get(v.config.id);
    const sinceNs = prev ? now * 1e6 - prev.SystemNano : upNs;
    const cpuDelta = prev ? cpuNs - prev.CPUNano : cpuNs;
    const memLimit = c ? Math.min(c.memLimit, hostMem || c.memLimit) : 0;
    const memUsage = c?.memUsage ?? 0;
    return {
      ContainerID: v.config.id,
      Name: v.config.name,
      CPU: sinceNs > 0 ? (cpuDelta / sinceNs) * 100 : 0,
      CPUNano: cpuNs,
      SystemNano: now * 1e6,
      MemUsage: memUsage,
      MemLimit: Number.isFinite(memLimit) ? memLimit : 0,
      MemPerc: memLimit > 0 && Number.isFinite(memLimit) ? (memUsage / memLimit) * 100 : 0,
      // No network namespace with interfaces yet (--network none|host): nothing to count.
      NetInput: 0,
      NetOutput: 0,
      BlockInput: c?.blockRead ?? 0,
      BlockOutput: c?.blockWrite ?? 0,
      PIDs: c?.pids ?? 0,
      UpTime: upNs,
      AvgCPU: upNs > 0 ? (cpuNs / upNs) * 100 : 0,
    };
  });
}

/** `top`'s output: a header row and one row per process, or ps(1)'s own lines. */
export type TopReport = { readonly header: string[]; readonly rows: string[][] } | { readonly lines: string[] };

/**
 * Lists a running container's processes (`top CTR [descriptors]`), as
 * Podman: psgo-style descriptors read from /proc for the processes of the
 * container's cgroup; descriptors psgo does not know are handed to ps(1)
 * inside the container (`top CTR -ef`), whose output lines come back minus
 * the ps process itself.
 * @throws SkiffError state `top can only be used on running containers: container state improper`
 */
export async function topContainer(g: GlobalOptions, ref: string, args: readonly string[]): Promise<TopReport> {
  const eng = await import("./containers.ts");
  const v = await eng.containerView(g, ref);
  const st = v.state;
  if (st.status !== "running" || st.pid === undefined) {
    throw new SkiffError("state", "top can only be used on running containers: container state improper");
  }
  const top = await import("../core/proc-top.ts");
  let descriptors: string[];
  try {
    descriptors = top.parseDescriptors(args);
  } catch (e) {
    if (!(e instanceof top.UnknownDescriptorError)) throw e;
    return { lines: await psInContainer(g, v, args) };
  }
  const { cgroupProcesses } = await import("../core/cgroup-stats.ts");
  const pids = cgroupProcesses(st.pid);
  // Init first, then the others by host pid (psgo lists by pid in the container's namespace).
  const ordered = [st.pid, ...pids.filter((p) => p !== st.pid)];
  return top.topTable(st.pid, ordered, descriptors);
}

async function psInContainer(g: GlobalOptions, v: ContainerView, args: readonly string[]): Promise<string[]> {
  const { runtimeStateDir } = await import("../storage/layout.ts");
  const p = Bun.spawn([v.config.runtime, "--root", runtimeStateDir({ root: g.root, runroot: g.runroot }), "exec", v.config.id, "ps", ...args], {
    stdin: "ignore", stdout: "pipe", stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (code !== 0) {
    const { runtimeMessage } = await import("../oci/runtime.ts");
    throw new SkiffError("runtime", `executing ps(1) in the container: ${runtimeMessage(err) || out.trim() || `exit status ${code}`}`);
  }
  const self = args.join(" ");
  return out.split("\n").filter((l) => l !== "" && !l.includes(self === "" ? "\0" : self));
}

/** One published port as Podman's ocicni.PortMapping names it. */
export interface PortMapping {
  readonly hostIP: string;
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: string;
}

export interface PortReport {
  readonly id: string;
  readonly ports: PortMapping[];
}

/**
 * One entry per published port (ranges and "tcp,udp" expanded), from
 * mappings in netavark's shape (spec/ports.ts). A mapping whose host port is
 * left to the network set-up (`-p 80`) has none yet and is not listed.
 */
export function expandPortMappings(mappings: readonly SpecPortMapping[]): PortMapping[] {
  return mappings.filter((m) => m.host_port !== 0).flatMap((m) => Array.from({ length: m.range }, (_, i) =>
    m.protocol.split(",").map((p) => ({ hostIP: m.host_ip, hostPort: m.host_port + i, containerPort: m.container_port + i, protocol: p })),
  ).flat());
}

/**
 * The recorded port mappings of running containers: those in `refs`, or
 * every running container with mappings when `refs` is empty.
 * @throws SkiffError not-found for an unknown name or ID
 */
export async function containerPorts(g: GlobalOptions, refs: readonly string[]): Promise<PortReport[]> {
  const vs = await views(g, refs, refs.length > 0);
  return vs
    .filter((v) => v.state.status === "running" || v.state.status === "paused")
    .map((v) => ({ id: v.config.id, ports: setUpPorts(g, v.config.id) ?? expandPortMappings(v.config.spec.portMappings ?? []) }))
    .filter((r) => refs.length > 0 || r.ports.length > 0);
}

/** The mappings netavark was given at start (host ports picked for `-p 80` and `-P` included), one per port. */
function setUpPorts(g: GlobalOptions, id: string): PortMapping[] | undefined {
  const st = require("../network/store.ts") as typeof import("../network/store.ts");
  const setup = st.getSetup(st.networkDb({ root: g.root, runroot: g.runroot }), id);
  if (!setup) return undefined;
  return expandPortMappings(setup.options.port_mappings ?? []);
}

/** Names of the `top` descriptors (`top -l`), as Podman lists them. */
export async function topDescriptors(): Promise<string[]> {
  const { listDescriptors } = await import("../core/proc-top.ts");
  return listDescriptors();
}
