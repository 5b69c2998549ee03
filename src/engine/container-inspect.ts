/**
 * `inspect` of a container as Podman 4.3 prints it (libpod's
 * InspectContainerData): the same keys in the same order, omitempty fields
 * left out where Podman leaves them out (State.ConmonPid when 0,
 * State.CgroupPath unless running, GraphDriver.Data.MergedDir unless the
 * rootfs is mounted, Config.Healthcheck without one, HostConfig.Init unless
 * set, SizeRw/SizeRootFs without `-s`). Values come from the container's
 * record; the process environment and capabilities are derived with the
 * same functions that build its runtime spec, so an exited container (whose
 * bundle is gone) shows what it ran with.
 */
import { realpathSync, existsSync } from "node:fs";
import { join } from "node:path";
import { rfc3339NanoFromMs, ZERO_TIME } from "../lib/gotime.ts";
import type { GlobalOptions } from "./options.ts";
import type { ContainerConfig, ContainerRecord, ContainerState } from "../core/types.ts";
import type { LifecycleContext } from "../core/lifecycle.ts";
import type { StoreLayout } from "../storage/layout.ts";

export interface InspectContainerOptions {
  /** Add SizeRw and SizeRootFs (`inspect -s`): walks the container's layers. @default false */
  readonly size?: boolean;
}

/**
 * The inspect report of the container `ref` (full ID, name or unique ID
 * prefix), or undefined when it names no container.
 * @throws SkiffError invalid-argument for an ambiguous ID prefix
 */
export async function inspectContainer(g: GlobalOptions, ref: string, opts: InspectContainerOptions = {}): Promise<Record<string, unknown> | undefined> {
  const { lifecycleContext } = await import("./containers.ts");
  const ctx = await lifecycleContext(g);
  const { findContainerId, getContainer } = await import("../core/store.ts");
  const id = findContainerId(ctx.db, ref);
  const rec = id ? getContainer(ctx.db, id) : undefined;
  return rec ? inspectRecord(g, ctx, rec, opts) : undefined;
}

/** The ID of the newest container (`-l`, `--latest`), or undefined when there is none. */
export async function latestContainerId(g: GlobalOptions): Promise<string | undefined> {
  const { lifecycleContext } = await import("./containers.ts");
  const ctx = await lifecycleContext(g);
  const { listContainers } = await import("../core/store.ts");
  return listContainers(ctx.db)[0]?.config.id;
}

/**
 * The directory holding a file of the container's root filesystem without
 * mounting it: the mounted rootfs when there is one, else the first of the
 * upper dir and the image layers (top first) that has `path`.
 */
function rootHolding(store: StoreLayout, c: ContainerConfig, mounted: boolean, path: string, layout: typeof import("../storage/layout.ts")): string {
  if (c.rootfs !== undefined) return c.rootfs;
  if (mounted) return layout.containerMergedDir(store, c.id);
  const dirs = [layout.containerUpperDir(store, c.id), ...c.lowerLinks.map((l) => join(layout.layerLinkDir(store), l))];
  return dirs.find((d) => existsSync(join(d, path))) ?? dirs[dirs.length - 1]!;
}

/** Podman's name for a status: "configured" shows as created, "stopped" (not cleaned up yet) as exited. */
function podmanStatus(s: ContainerState["status"]): string {
  return s === "configured" ? "created" : s === "stopped" ? "exited" : s;
}

async function inspectRecord(g: GlobalOptions, ctx: LifecycleContext, rec: ContainerRecord, opts: InspectContainerOptions): Promise<Record<string, unknown>> {
  const [layout, { observedState, logPathOf }, specGen, { resolveUser }, { resolveCapabilities }, { LiveHostFacts, containerCgroupPath }, { healthConfig }, { HumanSize }, nets] = await Promise.all([
    import("../storage/layout.ts"), import("../core/lifecycle.ts"), import("../oci/spec-generate.ts"), import("../oci/user.ts"),
    import("../oci/capabilities.ts"), import("../oci/resources.ts"), import("../spec/healthcheck.ts"), import("../lib/units.ts"), import("./networks.ts"),
  ]);
  const { config: c } = rec;
  const spec = c.spec;
  const st = observedState(ctx, rec);
  const live = st.status === "running" || st.status === "paused";
  const mounted = c.rootfs !== undefined || live || (st.mount !== undefined && st.mount !== "none");
  // Times as RFC3339Nano text (Docker's form in templates; src/lib/gotime.ts), zero time for "never".
  const time = rfc3339NanoFromMs;
  const image = c.imageConfig as import("../oci/spec-generate.ts").ImageConfig;
  const hostname = specGen.defaultHostname(spec, c.id);

  // The identity and capabilities the process runs with, as its runtime spec gets them.
  const userStr = spec.user ?? image.User ?? "";
  let user: { uid: number; home: string } = { uid: 0, home: "/" };
  try {
    user = resolveUser(rootHolding(ctx.store, c, mounted, "etc/passwd", layout), userStr, []);
  } catch {
    // A user that does not resolve fails at start; inspect still reports the container.
    if (/^\d+/.test(userStr)) user = { uid: Number(/^\d+/.exec(userStr)![0]), home: "/" };
  }
  const host = new LiveHostFacts();
  const caps = resolveCapabilities({
    ...(spec.capAdd ? { capAdd: spec.capAdd } : {}),
    ...(spec.capDrop ? { capDrop: spec.capDrop } : {}),
    privileged: spec.privileged === true,
    hostBounding: host.boundingCapabilities,
    nonRootUser: user.uid !== 0,
  });
  const list = (xs: readonly string[]) => (xs.length ? [...xs] : null);

  const health = healthConfig(spec.healthcheck, c.imageConfig.Healthcheck as Parameters<typeof healthConfig>[1]);
  const netSettings = await nets.networkSettings(g, c.id, spec);
  const { getImage } = await import("../storage/images.ts");
  const { openDb } = await import("../storage/db.ts");
  const img = c.imageId ? getImage(openDb(g.root), c.imageId) : undefined;
  const userdata = layout.containerUserdataDir(ctx.store, c.id);
  const bundle = layout.containerBundleDir(ctx.store, c.id);
  const r = spec.resources ?? {};

  // Mounts in Podman's order: volumes (named, anonymous, the image's), then bind mounts; tmpfs shows in HostConfig.Tmpfs.
  const volumeMounts = (c.volumeMounts ?? []).map((v) => {
    const m = spec.mounts?.find((x) => x.type === "volume" && x.destination === v.destination);
    const ro = m !== undefined && "readonly" in m && m.readonly === true;
    const options = [...(m?.options ?? []).filter((o) => !["ro", "rw"].includes(o)), "nosuid", "nodev", "rbind"];
    return {
      mount: { Type: "volume", Name: v.name, Source: `${layout.volumeDir(ctx.store, v.name)}/_data`, Destination: v.destination, Driver: "local", Mode: "", Options: options, RW: !ro, Propagation: "rprivate" },
      bind: `${v.name}:${v.destination}:${ro ? "ro" : "rw"},rprivate,${options.join(",")}`,
    };
  });
  const legacyVolumes = c.volumeMounts ? [] : (spec.mounts ?? []).filter((m) => m.type === "volume").map((m) => ({
    mount: { Type: "volume", Name: m.type === "volume" ? m.name ?? "" : "", Source: "", Destination: m.destination, Driver: "local", Mode: "", Options: ["nosuid", "nodev", "rbind"], RW: !("readonly" in m && m.readonly), Propagation: "rprivate" },
    bind: "",
  }));
  const bindMounts = (spec.mounts ?? []).flatMap((m) => {
    if (m.type !== "bind") return [];
    const ro = m.readonly === true;
    const options = [...(m.options ?? []).filter((o) => !["ro", "rw", "z", "Z", "rbind", "bind"].includes(o)), "rbind"];
    return [{
      mount: { Type: "bind", Source: m.source, Destination: m.destination, Driver: "", Mode: "", Options: options, RW: !ro, Propagation: "rprivate" },
      bind: `${m.source}:${m.destination}:${ro ? "ro" : "rw"},rprivate,${options.join(",")}`,
    }];
  });
  const mounts = [...volumeMounts, ...legacyVolumes, ...bindMounts];
  const tmpfs: Record<string, string> = {};
  for (const m of spec.mounts ?? []) {
    if (m.type === "tmpfs") tmpfs[m.destination] = ["rw", "rprivate", "nosuid", "nodev", "tmpcopyup", ...(m.options ?? [])].join(",");
  }
  if (spec.readOnly === true && spec.readOnlyTmpfs !== false) {
    for (const d of ["/run", "/tmp", "/var/tmp"]) tmpfs[d] ??= "rw,rprivate,nosuid,nodev,tmpcopyup";
  }

  const report: Record<string, unknown> = {
    Id: c.id,
    Created: time(c.created),
    Path: c.command[0] ?? "",
    Args: c.command.slice(1),
    State: {
      OciVersion: "1.0.2-dev",
      Status: podmanStatus(st.status),
      Running: st.status === "running",
      Paused: st.status === "paused",
      Restarting: false,
      OOMKilled: st.oomKilled ?? false,
      Dead: false,
      Pid: live ? st.pid ?? 0 : 0,
      ...(live && st.conmonPid ? { ConmonPid: st.conmonPid } : {}),
      ExitCode: st.exitCode ?? 0,
      Error: st.error ?? "",
      StartedAt: time(st.startedAt),
      FinishedAt: time(st.finishedAt),
      Health: { Status: "", FailingStreak: 0, Log: null },
      ...(live ? { CgroupPath: containerCgroupPath(c.id, "cgroupfs", spec.cgroupParent) } : {}),
      CheckpointedAt: ZERO_TIME,
      RestoredAt: ZERO_TIME,
    },
    Image: c.imageId ?? "",
    ImageDigest: img?.manifestDigest ?? "",
    ImageName: c.imageName,
    Rootfs: c.rootfs ?? "",
    Pod: "",
    ResolvConfPath: existsSync(`${userdata}/resolv.conf`) ? `${userdata}/resolv.conf` : "",
    HostnamePath: `${userdata}/hostname`,
    HostsPath: spec.noHosts ? "" : `${userdata}/hosts`,
    StaticDir: userdata,
    OCIConfigPath: `${bundle}/config.json`,
    OCIRuntime: c.runtime.split("/").pop(),
    ConmonPidFile: `${bundle}/conmon.pid`,
    PidFile: `${bundle}/pidfile`,
    Name: c.name,
    RestartCount: st.restartCount ?? 0,
    Driver: "overlay",
    MountLabel: "",
    ProcessLabel: "",
    AppArmorProfile: "",
    EffectiveCaps: list(caps.effective),
    BoundingCaps: list(caps.bounding),
    ExecIDs: [],
    GraphDriver: {
      Name: "overlay",
      Data: c.rootfs === undefined ? {
        // The layers' own folders, top first, as Podman shows them (skiff mounts them through short links).
        LowerDir: c.lowerLinks.map((l) => { const p = join(layout.layerLinkDir(ctx.store), l); try { return realpathSync(p); } catch { return p; } }).join(":"),
        ...(mounted ? { MergedDir: layout.containerMergedDir(ctx.store, c.id) } : {}),
        UpperDir: layout.containerUpperDir(ctx.store, c.id),
        WorkDir: layout.containerWorkDir(ctx.store, c.id),
      } : {},
    },
  };
  if (opts.size) {
    const { containerSize } = await import("../core/container-size.ts");
    const z = containerSize(ctx.store, c);
    report.SizeRw = z.rwSize;
    report.SizeRootFs = z.rootFsSize;
  }
  const cpuPeriod = r.cpuPeriod ?? 0;
  const cpuQuota = r.cpuQuota ?? 0;
  Object.assign(report, {
    Mounts: mounts.map((m) => m.mount),
    Dependencies: [],
    NetworkSettings: netSettings,
    Namespace: "",
    IsInfra: false,
    IsService: false,
    Config: {
      Hostname: hostname,
      Domainname: "",
      User: userStr,
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      Tty: c.terminal,
      OpenStdin: c.stdin,
      StdinOnce: false,
      Env: specGen.processEnv(spec, image, hostname, user.home),
      Cmd: spec.command ? [...spec.command] : spec.entrypoint === undefined ? image.Cmd ?? null : null,
      Image: c.imageName,
      Volumes: null,
      WorkingDir: spec.workdir ?? (image.WorkingDir || "/"),
      Entrypoint: (spec.entrypoint ?? image.Entrypoint ?? []).join(" "),
      OnBuild: null,
      Labels: Object.keys(c.labels).length ? sortedMap(c.labels) : null,
      Annotations: sortedMap(spec.annotations ?? {}),
      StopSignal: c.stopSignal,
      ...(health ? { Healthcheck: health } : {}),
      HealthcheckOnFailureAction: spec.healthcheck?.onFailure ?? "none",
      CreateCommand: null,
      ...(spec.tz !== undefined ? { Timezone: spec.tz } : {}),
      Umask: spec.umask ?? "0022",
      Timeout: spec.timeout ?? 0,
      StopTimeout: c.stopTimeout,
      Passwd: true,
      sdNotifyMode: "container",
    },
    HostConfig: {
      Binds: mounts.map((m) => m.bind).filter(Boolean),
      CgroupManager: "cgroupfs",
      CgroupMode: spec.cgroupns === "private" ? "private" : "host",
      ContainerIDFile: spec.cidfile ?? "",
      LogConfig: { Type: c.logDriver, Config: null, Path: logPathOf(ctx, c.id), Tag: "", Size: HumanSize(Math.max(c.logSizeMax, 0)) },
      NetworkMode: spec.network?.[0] ?? "bridge",
      PortBindings: netSettings.Ports,
      RestartPolicy: { Name: c.restartPolicy.name === "no" ? "" : c.restartPolicy.name, MaximumRetryCount: c.restartPolicy.maxRetries ?? 0 },
      AutoRemove: c.autoRemove,
      VolumeDriver: "",
      VolumesFrom: spec.volumesFrom?.length ? [...spec.volumesFrom] : null,
      CapAdd: (spec.capAdd ?? []).map(capName),
      CapDrop: (spec.capDrop ?? []).map(capName),
      Dns: spec.dns ?? [],
      DnsOptions: spec.dnsOptions ?? [],
      DnsSearch: spec.dnsSearch ?? [],
      ExtraHosts: (spec.addHosts ?? []).map((h) => `${h.host}:${h.ip}`),
      GroupAdd: spec.groupAdd ?? [],
      IpcMode: spec.ipc === "host" ? "host" : "shareable",
      Cgroup: "",
      Cgroups: "default",
      Links: null,
      OomScoreAdj: spec.oomScoreAdj ?? 0,
      PidMode: spec.pid === "host" ? "host" : "private",
      Privileged: spec.privileged ?? false,
      PublishAllPorts: spec.publishAll ?? false,
      ReadonlyRootfs: spec.readOnly ?? false,
      SecurityOpt: spec.security?.noNewPrivileges ? ["no-new-privileges"] : [],
      Tmpfs: sortedMap(tmpfs),
      UTSMode: spec.uts === "host" ? "host" : "private",
      UsernsMode: "",
      ShmSize: spec.shmSize ?? 65536000,
      Runtime: "oci",
      ConsoleSize: [0, 0],
      Isolation: "",
      CpuShares: r.cpuShares ?? 0,
      Memory: r.memory ?? 0,
      NanoCpus: cpuPeriod > 0 && cpuQuota > 0 ? Math.round((cpuQuota / cpuPeriod) * 1e9) : 0,
      CgroupParent: spec.cgroupParent ?? "",
      BlkioWeight: r.blkioWeight ?? 0,
      BlkioWeightDevice: null,
      BlkioDeviceReadBps: null,
      BlkioDeviceWriteBps: null,
      BlkioDeviceReadIOps: null,
      BlkioDeviceWriteIOps: null,
      CpuPeriod: cpuPeriod,
      CpuQuota: cpuQuota,
      CpuRealtimePeriod: 0,
      CpuRealtimeRuntime: 0,
      CpusetCpus: r.cpusetCpus ?? "",
      CpusetMems: r.cpusetMems ?? "",
      Devices: (spec.devices ?? []).map((d) => ({ PathOnHost: d.source, PathInContainer: d.destination ?? d.source, CgroupPermissions: d.permissions ?? "rwm" })),
      DiskQuota: 0,
      KernelMemory: 0,
      MemoryReservation: r.memoryReservation ?? 0,
      // Podman shows the swap limit it set: twice the memory when only --memory was given.
      MemorySwap: r.memorySwap ?? (r.memory ? r.memory * 2 : 0),
      MemorySwappiness: r.memorySwappiness ?? (r.memory ? -1 : 0),
      OomKillDisable: r.oomKillDisable ?? false,
      ...(spec.init ? { Init: true } : {}),
      PidsLimit: r.pidsLimit ?? 2048,
      Ulimits: (spec.ulimits ?? []).map((u) => ({ Name: `RLIMIT_${u.name.toUpperCase()}`, Soft: u.soft, Hard: u.hard })),
      CpuCount: 0,
      CpuPercent: 0,
      IOMaximumIOps: 0,
      IOMaximumBandwidth: 0,
      CgroupConf: null,
    },
  });
  return report;
}

/** A copy with keys in byte order: Go's encoding/json writes map keys sorted, and Podman's maps print so. */
function sortedMap<T>(m: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** "net_admin" / "NET_ADMIN" / "CAP_NET_ADMIN" → "CAP_NET_ADMIN", as HostConfig.CapAdd/CapDrop show them ("ALL" stays). */
function capName(c: string): string {
  const u = c.toUpperCase();
  return u === "ALL" || u.startsWith("CAP_") ? u : `CAP_${u}`;
}
