/**
 * Container inspect end to end, held against Podman 4.3 on this machine:
 * the key sets (as dotted paths, recursively) of an exited container, a
 * running one with a bind mount and a named volume, and one on the default
 * bridge were recorded from `podman inspect` of equivalent containers
 * (busybox from the fixture registry, `--network none` unless on the
 * bridge); skiff must print the same keys in the same order, and the same
 * values where they are deterministic. Also --format over nested fields,
 * --type container, container inspect, -l, -s, several names and a missing
 * one (Podman's wording and exit code).
 */
import { expect, test } from "bun:test";
import { mkdirSync, rmSync } from "node:fs";
import { BUSYBOX, ctrSuite } from "../support/ctr.ts";

const t = ctrSuite("inspect");
const LOOP = "trap 'exit 0' TERM; while :; do sleep 0.1; done";

/** Maps whose keys are data, not schema: one path each. */
const MAPS = new Set(["Config.Labels", "Config.Annotations", "NetworkSettings.Ports", "HostConfig.PortBindings", "HostConfig.Tmpfs", "HostConfig.LogConfig.Config"]);

/**
 * The dotted key paths of an inspect report in order of appearance: arrays
 * of objects as `X[]`, network names as `*`, the MAPS as leaves.
 */
function keyPaths(v: unknown, at = ""): string[] {
  if (MAPS.has(at) || v === null || typeof v !== "object") return [at];
  if (Array.isArray(v)) {
    const objs = v.filter((x) => x !== null && typeof x === "object" && !Array.isArray(x));
    return objs.length === 0 ? [at] : [...new Set(objs.flatMap((o) => keyPaths(o, `${at}[]`)))];
  }
  const out: string[] = [];
  for (const [k, x] of Object.entries(v)) {
    const p = at ? `${at}.${at === "NetworkSettings.Networks" ? "*" : k}` : k;
    for (const q of keyPaths(x, p)) if (!out.includes(q)) out.push(q);
  }
  return out;
}

/** `podman inspect` of `run --network none --name ex busybox sh -c 'exit 3'`. */
const PODMAN_EXITED = [
  "Id", "Created", "Path", "Args",
  "State.OciVersion", "State.Status", "State.Running", "State.Paused",
  "State.Restarting", "State.OOMKilled", "State.Dead", "State.Pid",
  "State.ExitCode", "State.Error", "State.StartedAt", "State.FinishedAt",
  "State.Health.Status", "State.Health.FailingStreak", "State.Health.Log", "State.CheckpointedAt",
  "State.RestoredAt", "Image", "ImageDigest", "ImageName",
  "Rootfs", "Pod", "ResolvConfPath", "HostnamePath",
  "HostsPath", "StaticDir", "OCIConfigPath", "OCIRuntime",
  "ConmonPidFile", "PidFile", "Name", "RestartCount",
  "Driver", "MountLabel", "ProcessLabel", "AppArmorProfile",
  "EffectiveCaps", "BoundingCaps", "ExecIDs", "GraphDriver.Name",
  "GraphDriver.Data.LowerDir", "GraphDriver.Data.UpperDir", "GraphDriver.Data.WorkDir", "Mounts",
  "Dependencies", "NetworkSettings.EndpointID", "NetworkSettings.Gateway", "NetworkSettings.IPAddress",
  "NetworkSettings.IPPrefixLen", "NetworkSettings.IPv6Gateway", "NetworkSettings.GlobalIPv6Address", "NetworkSettings.GlobalIPv6PrefixLen",
  "NetworkSettings.MacAddress", "NetworkSettings.Bridge", "NetworkSettings.SandboxID", "NetworkSettings.HairpinMode",
  "NetworkSettings.LinkLocalIPv6Address", "NetworkSettings.LinkLocalIPv6PrefixLen", "NetworkSettings.Ports", "NetworkSettings.SandboxKey",
  "Namespace", "IsInfra", "IsService", "Config.Hostname",
  "Config.Domainname", "Config.User", "Config.AttachStdin", "Config.AttachStdout",
  "Config.AttachStderr", "Config.Tty", "Config.OpenStdin", "Config.StdinOnce",
  "Config.Env", "Config.Cmd", "Config.Image", "Config.Volumes",
  "Config.WorkingDir", "Config.Entrypoint", "Config.OnBuild", "Config.Labels",
  "Config.Annotations", "Config.StopSignal", "Config.HealthcheckOnFailureAction", "Config.CreateCommand",
  "Config.Umask", "Config.Timeout", "Config.StopTimeout", "Config.Passwd",
  "Config.sdNotifyMode", "HostConfig.Binds", "HostConfig.CgroupManager", "HostConfig.CgroupMode",
  "HostConfig.ContainerIDFile", "HostConfig.LogConfig.Type", "HostConfig.LogConfig.Config", "HostConfig.LogConfig.Path",
  "HostConfig.LogConfig.Tag", "HostConfig.LogConfig.Size", "HostConfig.NetworkMode", "HostConfig.PortBindings",
  "HostConfig.RestartPolicy.Name", "HostConfig.RestartPolicy.MaximumRetryCount", "HostConfig.AutoRemove", "HostConfig.VolumeDriver",
  "HostConfig.VolumesFrom", "HostConfig.CapAdd", "HostConfig.CapDrop", "HostConfig.Dns",
  "HostConfig.DnsOptions", "HostConfig.DnsSearch", "HostConfig.ExtraHosts", "HostConfig.GroupAdd",
  "HostConfig.IpcMode", "HostConfig.Cgroup", "HostConfig.Cgroups", "HostConfig.Links",
  "HostConfig.OomScoreAdj", "HostConfig.PidMode", "HostConfig.Privileged", "HostConfig.PublishAllPorts",
  "HostConfig.ReadonlyRootfs", "HostConfig.SecurityOpt", "HostConfig.Tmpfs", "HostConfig.UTSMode",
  "HostConfig.UsernsMode", "HostConfig.ShmSize", "HostConfig.Runtime", "HostConfig.ConsoleSize",
  "HostConfig.Isolation", "HostConfig.CpuShares", "HostConfig.Memory", "HostConfig.NanoCpus",
  "HostConfig.CgroupParent", "HostConfig.BlkioWeight", "HostConfig.BlkioWeightDevice", "HostConfig.BlkioDeviceReadBps",
  "HostConfig.BlkioDeviceWriteBps", "HostConfig.BlkioDeviceReadIOps", "HostConfig.BlkioDeviceWriteIOps", "HostConfig.CpuPeriod",
  "HostConfig.CpuQuota", "HostConfig.CpuRealtimePeriod", "HostConfig.CpuRealtimeRuntime", "HostConfig.CpusetCpus",
  "HostConfig.CpusetMems", "HostConfig.Devices", "HostConfig.DiskQuota", "HostConfig.KernelMemory",
  "HostConfig.MemoryReservation", "HostConfig.MemorySwap", "HostConfig.MemorySwappiness", "HostConfig.OomKillDisable",
  "HostConfig.PidsLimit", "HostConfig.Ulimits", "HostConfig.CpuCount", "HostConfig.CpuPercent",
  "HostConfig.IOMaximumIOps", "HostConfig.IOMaximumBandwidth", "HostConfig.CgroupConf",];

/** `podman inspect` of `run -d --network none -e FOO=bar -w /tmp -u 1000:1000 --label a=b -v DIR:/data:ro -v vol1:/vol busybox sleep 1000`. */
const PODMAN_RUNNING = [
  "Id", "Created", "Path", "Args",
  "State.OciVersion", "State.Status", "State.Running", "State.Paused",
  "State.Restarting", "State.OOMKilled", "State.Dead", "State.Pid",
  "State.ConmonPid", "State.ExitCode", "State.Error", "State.StartedAt",
  "State.FinishedAt", "State.Health.Status", "State.Health.FailingStreak", "State.Health.Log",
  "State.CgroupPath", "State.CheckpointedAt", "State.RestoredAt", "Image",
  "ImageDigest", "ImageName", "Rootfs", "Pod",
  "ResolvConfPath", "HostnamePath", "HostsPath", "StaticDir",
  "OCIConfigPath", "OCIRuntime", "ConmonPidFile", "PidFile",
  "Name", "RestartCount", "Driver", "MountLabel",
  "ProcessLabel", "AppArmorProfile", "EffectiveCaps", "BoundingCaps",
  "ExecIDs", "GraphDriver.Name", "GraphDriver.Data.LowerDir", "GraphDriver.Data.MergedDir",
  "GraphDriver.Data.UpperDir", "GraphDriver.Data.WorkDir", "Mounts[].Type", "Mounts[].Name",
  "Mounts[].Source", "Mounts[].Destination", "Mounts[].Driver", "Mounts[].Mode",
  "Mounts[].Options", "Mounts[].RW", "Mounts[].Propagation", "Dependencies",
  "NetworkSettings.EndpointID", "NetworkSettings.Gateway", "NetworkSettings.IPAddress", "NetworkSettings.IPPrefixLen",
  "NetworkSettings.IPv6Gateway", "NetworkSettings.GlobalIPv6Address", "NetworkSettings.GlobalIPv6PrefixLen", "NetworkSettings.MacAddress",
  "NetworkSettings.Bridge", "NetworkSettings.SandboxID", "NetworkSettings.HairpinMode", "NetworkSettings.LinkLocalIPv6Address",
  "NetworkSettings.LinkLocalIPv6PrefixLen", "NetworkSettings.Ports", "NetworkSettings.SandboxKey", "Namespace",
  "IsInfra", "IsService", "Config.Hostname", "Config.Domainname",
  "Config.User", "Config.AttachStdin", "Config.AttachStdout", "Config.AttachStderr",
  "Config.Tty", "Config.OpenStdin", "Config.StdinOnce", "Config.Env",
  "Config.Cmd", "Config.Image", "Config.Volumes", "Config.WorkingDir",
  "Config.Entrypoint", "Config.OnBuild", "Config.Labels", "Config.Annotations",
  "Config.StopSignal", "Config.HealthcheckOnFailureAction", "Config.CreateCommand", "Config.Umask",
  "Config.Timeout", "Config.StopTimeout", "Config.Passwd", "Config.sdNotifyMode",
  "HostConfig.Binds", "HostConfig.CgroupManager", "HostConfig.CgroupMode", "HostConfig.ContainerIDFile",
  "HostConfig.LogConfig.Type", "HostConfig.LogConfig.Config", "HostConfig.LogConfig.Path", "HostConfig.LogConfig.Tag",
  "HostConfig.LogConfig.Size", "HostConfig.NetworkMode", "HostConfig.PortBindings", "HostConfig.RestartPolicy.Name",
  "HostConfig.RestartPolicy.MaximumRetryCount", "HostConfig.AutoRemove", "HostConfig.VolumeDriver", "HostConfig.VolumesFrom",
  "HostConfig.CapAdd", "HostConfig.CapDrop", "HostConfig.Dns", "HostConfig.DnsOptions",
  "HostConfig.DnsSearch", "HostConfig.ExtraHosts", "HostConfig.GroupAdd", "HostConfig.IpcMode",
  "HostConfig.Cgroup", "HostConfig.Cgroups", "HostConfig.Links", "HostConfig.OomScoreAdj",
  "HostConfig.PidMode", "HostConfig.Privileged", "HostConfig.PublishAllPorts", "HostConfig.ReadonlyRootfs",
  "HostConfig.SecurityOpt", "HostConfig.Tmpfs", "HostConfig.UTSMode", "HostConfig.UsernsMode",
  "HostConfig.ShmSize", "HostConfig.Runtime", "HostConfig.ConsoleSize", "HostConfig.Isolation",
  "HostConfig.CpuShares", "HostConfig.Memory", "HostConfig.NanoCpus", "HostConfig.CgroupParent",
  "HostConfig.BlkioWeight", "HostConfig.BlkioWeightDevice", "HostConfig.BlkioDeviceReadBps", "HostConfig.BlkioDeviceWriteBps",
  "HostConfig.BlkioDeviceReadIOps", "HostConfig.BlkioDeviceWriteIOps", "HostConfig.CpuPeriod", "HostConfig.CpuQuota",
  "HostConfig.CpuRealtimePeriod", "HostConfig.CpuRealtimeRuntime", "HostConfig.CpusetCpus", "HostConfig.CpusetMems",
  "HostConfig.Devices", "HostConfig.DiskQuota", "HostConfig.KernelMemory", "HostConfig.MemoryReservation",
  "HostConfig.MemorySwap", "HostConfig.MemorySwappiness", "HostConfig.OomKillDisable", "HostConfig.PidsLimit",
  "HostConfig.Ulimits", "HostConfig.CpuCount", "HostConfig.CpuPercent", "HostConfig.IOMaximumIOps",
  "HostConfig.IOMaximumBandwidth", "HostConfig.CgroupConf",];

/** `podman inspect` of `run -d busybox sleep 1000` on the default bridge network. */
const PODMAN_BRIDGE = [
  "Id", "Created", "Path", "Args",
  "State.OciVersion", "State.Status", "State.Running", "State.Paused",
  "State.Restarting", "State.OOMKilled", "State.Dead", "State.Pid",
  "State.ConmonPid", "State.ExitCode", "State.Error", "State.StartedAt",
  "State.FinishedAt", "State.Health.Status", "State.Health.FailingStreak", "State.Health.Log",
  "State.CgroupPath", "State.CheckpointedAt", "State.RestoredAt", "Image",
  "ImageDigest", "ImageName", "Rootfs", "Pod",
  "ResolvConfPath", "HostnamePath", "HostsPath", "StaticDir",
  "OCIConfigPath", "OCIRuntime", "ConmonPidFile", "PidFile",
  "Name", "RestartCount", "Driver", "MountLabel",
  "ProcessLabel", "AppArmorProfile", "EffectiveCaps", "BoundingCaps",
  "ExecIDs", "GraphDriver.Name", "GraphDriver.Data.LowerDir", "GraphDriver.Data.MergedDir",
  "GraphDriver.Data.UpperDir", "GraphDriver.Data.WorkDir", "Mounts", "Dependencies",
  "NetworkSettings.EndpointID", "NetworkSettings.Gateway", "NetworkSettings.IPAddress", "NetworkSettings.IPPrefixLen",
  "NetworkSettings.IPv6Gateway", "NetworkSettings.GlobalIPv6Address", "NetworkSettings.GlobalIPv6PrefixLen", "NetworkSettings.MacAddress",
  "NetworkSettings.Bridge", "NetworkSettings.SandboxID", "NetworkSettings.HairpinMode", "NetworkSettings.LinkLocalIPv6Address",
  "NetworkSettings.LinkLocalIPv6PrefixLen", "NetworkSettings.Ports", "NetworkSettings.SandboxKey", "NetworkSettings.Networks.*.EndpointID",
  "NetworkSettings.Networks.*.Gateway", "NetworkSettings.Networks.*.IPAddress", "NetworkSettings.Networks.*.IPPrefixLen", "NetworkSettings.Networks.*.IPv6Gateway",
  "NetworkSettings.Networks.*.GlobalIPv6Address", "NetworkSettings.Networks.*.GlobalIPv6PrefixLen", "NetworkSettings.Networks.*.MacAddress", "NetworkSettings.Networks.*.NetworkID",
  "NetworkSettings.Networks.*.DriverOpts", "NetworkSettings.Networks.*.IPAMConfig", "NetworkSettings.Networks.*.Links", "NetworkSettings.Networks.*.Aliases",
  "Namespace", "IsInfra", "IsService", "Config.Hostname",
  "Config.Domainname", "Config.User", "Config.AttachStdin", "Config.AttachStdout",
  "Config.AttachStderr", "Config.Tty", "Config.OpenStdin", "Config.StdinOnce",
  "Config.Env", "Config.Cmd", "Config.Image", "Config.Volumes",
  "Config.WorkingDir", "Config.Entrypoint", "Config.OnBuild", "Config.Labels",
  "Config.Annotations", "Config.StopSignal", "Config.HealthcheckOnFailureAction", "Config.CreateCommand",
  "Config.Umask", "Config.Timeout", "Config.StopTimeout", "Config.Passwd",
  "Config.sdNotifyMode", "HostConfig.Binds", "HostConfig.CgroupManager", "HostConfig.CgroupMode",
  "HostConfig.ContainerIDFile", "HostConfig.LogConfig.Type", "HostConfig.LogConfig.Config", "HostConfig.LogConfig.Path",
  "HostConfig.LogConfig.Tag", "HostConfig.LogConfig.Size", "HostConfig.NetworkMode", "HostConfig.PortBindings",
  "HostConfig.RestartPolicy.Name", "HostConfig.RestartPolicy.MaximumRetryCount", "HostConfig.AutoRemove", "HostConfig.VolumeDriver",
  "HostConfig.VolumesFrom", "HostConfig.CapAdd", "HostConfig.CapDrop", "HostConfig.Dns",
  "HostConfig.DnsOptions", "HostConfig.DnsSearch", "HostConfig.ExtraHosts", "HostConfig.GroupAdd",
  "HostConfig.IpcMode", "HostConfig.Cgroup", "HostConfig.Cgroups", "HostConfig.Links",
  "HostConfig.OomScoreAdj", "HostConfig.PidMode", "HostConfig.Privileged", "HostConfig.PublishAllPorts",
  "HostConfig.ReadonlyRootfs", "HostConfig.SecurityOpt", "HostConfig.Tmpfs", "HostConfig.UTSMode",
  "HostConfig.UsernsMode", "HostConfig.ShmSize", "HostConfig.Runtime", "HostConfig.ConsoleSize",
  "HostConfig.Isolation", "HostConfig.CpuShares", "HostConfig.Memory", "HostConfig.NanoCpus",
  "HostConfig.CgroupParent", "HostConfig.BlkioWeight", "HostConfig.BlkioWeightDevice", "HostConfig.BlkioDeviceReadBps",
  "HostConfig.BlkioDeviceWriteBps", "HostConfig.BlkioDeviceReadIOps", "HostConfig.BlkioDeviceWriteIOps", "HostConfig.CpuPeriod",
  "HostConfig.CpuQuota", "HostConfig.CpuRealtimePeriod", "HostConfig.CpuRealtimeRuntime", "HostConfig.CpusetCpus",
  "HostConfig.CpusetMems", "HostConfig.Devices", "HostConfig.DiskQuota", "HostConfig.KernelMemory",
  "HostConfig.MemoryReservation", "HostConfig.MemorySwap", "HostConfig.MemorySwappiness", "HostConfig.OomKillDisable",
  "HostConfig.PidsLimit", "HostConfig.Ulimits", "HostConfig.CpuCount", "HostConfig.CpuPercent",
  "HostConfig.IOMaximumIOps", "HostConfig.IOMaximumBandwidth", "HostConfig.CgroupConf",];

/** Podman's deterministic values for the exited container (HostConfig without the log path, Config and State without IDs and times). */
const PODMAN_EXITED_VALUES = {"HostConfig":{"Binds":[],"CgroupManager":"cgroupfs","CgroupMode":"host","ContainerIDFile":"","LogConfig":{"Type":"k8s-file","Config":null,"Tag":"","Size":"0B"},"NetworkMode":"none","PortBindings":{},"RestartPolicy":{"Name":"","MaximumRetryCount":0},"AutoRemove":false,"VolumeDriver":"","VolumesFrom":null,"CapAdd":[],"CapDrop":[],"Dns":[],"DnsOptions":[],"DnsSearch":[],"ExtraHosts":[],"GroupAdd":[],"IpcMode":"shareable","Cgroup":"","Cgroups":"default","Links":null,"OomScoreAdj":0,"PidMode":"private","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":false,"SecurityOpt":[],"Tmpfs":{},"UTSMode":"private","UsernsMode":"","ShmSize":65536000,"Runtime":"oci","ConsoleSize":[0,0],"Isolation":"","CpuShares":0,"Memory":0,"NanoCpus":0,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":null,"BlkioDeviceReadBps":null,"BlkioDeviceWriteBps":null,"BlkioDeviceReadIOps":null,"BlkioDeviceWriteIOps":null,"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[],"DiskQuota":0,"KernelMemory":0,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":0,"OomKillDisable":false,"PidsLimit":2048,"Ulimits":[],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"CgroupConf":null},"Config":{"Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Cmd":["sh","-c","exit 3"],"Image":"localhost:5000/busybox:latest","Volumes":null,"WorkingDir":"/","Entrypoint":"","OnBuild":null,"Labels":null,"StopSignal":15,"HealthcheckOnFailureAction":"none","Umask":"0022","Timeout":0,"StopTimeout":10,"Passwd":true,"sdNotifyMode":"container"},"State":{"OciVersion":"1.0.2-dev","Status":"exited","Running":false,"Paused":false,"Restarting":false,"OOMKilled":false,"Dead":false,"Pid":0,"ExitCode":3,"Error":"","Health":{"Status":"","FailingStreak":0,"Log":null},"CheckpointedAt":"0001-01-01T00:00:00Z","RestoredAt":"0001-01-01T00:00:00Z"}};

async function inspect(ref: string, ...flags: string[]): Promise<Record<string, any>> {
  const out = await t.ok(["inspect", ...flags, ref]);
  const list = JSON.parse(out) as Record<string, any>[];
  expect(list).toHaveLength(1);
  return list[0]!;
}

test("an exited container: Podman's keys in Podman's order, and its values", async () => {
  const r = await t.sk(["run", "--network", "none", "--name", "ex", BUSYBOX, "sh", "-c", "exit 3"]);
  expect(r.code).toBe(3);
  const j = await inspect("ex");
  expect(keyPaths(j)).toEqual(PODMAN_EXITED);
  const { Path, Args, Name, RestartCount, Driver, MountLabel, ProcessLabel, AppArmorProfile, ExecIDs, Mounts, Dependencies, Namespace, IsInfra, IsService, Pod, Rootfs, ImageName } = j;
  expect({ Path, Args, Name, RestartCount, Driver, MountLabel, ProcessLabel, AppArmorProfile, ExecIDs, Mounts, Dependencies, Namespace, IsInfra, IsService, Pod, Rootfs, ImageName }).toEqual({
    Path: "sh", Args: ["-c", "exit 3"], Name: "ex", RestartCount: 0, Driver: "overlay", MountLabel: "", ProcessLabel: "", AppArmorProfile: "",
    ExecIDs: [], Mounts: [], Dependencies: [], Namespace: "", IsInfra: false, IsService: false, Pod: "", Rootfs: "", ImageName: BUSYBOX,
  });
  const { StartedAt, FinishedAt, ...state } = j.State;
  expect(state).toEqual(PODMAN_EXITED_VALUES.State);
  expect(Date.parse(FinishedAt)).toBeGreaterThanOrEqual(Date.parse(StartedAt));
  const { Hostname, Env, Annotations, CreateCommand, ...config } = j.Config;
  expect(config).toEqual(PODMAN_EXITED_VALUES.Config);
  expect(Hostname).toBe(j.Id.slice(0, 12));
  // Podman's order of Env comes from a Go map; the set is what counts.
  expect([...Env].sort()).toEqual(["HOME=/root", `HOSTNAME=${Hostname}`, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", "container=podman"]);
  const { LogConfig: { Path: logPath, ...log }, ...host } = j.HostConfig;
  expect({ ...host, LogConfig: log }).toEqual(PODMAN_EXITED_VALUES.HostConfig);
  expect(logPath).toEndWith(`/${j.Id}/userdata/ctr.log`);
  // The image's manifest digest, as pulled.
  expect(j.ImageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(j.ImageDigest).toBe((await t.ok(["image", "inspect", "--format", "{{.Digest}}", BUSYBOX])).trim());
  expect(j.Image).toBe((await t.ok(["image", "inspect", "--format", "{{.Id}}", BUSYBOX])).trim());
  // skiff's default capability set (the 11 of issue 3; Podman 4.3 on Debian adds AUDIT_WRITE, MKNOD, NET_RAW), as Podman lists them.
  const caps = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT"];
  expect([j.EffectiveCaps, j.BoundingCaps]).toEqual([caps, caps]);
  // Not mounted any more: no MergedDir, as Podman.
  expect(Object.keys(j.GraphDriver.Data)).toEqual(["LowerDir", "UpperDir", "WorkDir"]);
  await t.clean();
}, 60_000);

test("a running container with a bind mount and a named volume: keys, Mounts, Binds, user, workdir, labels, capabilities", async () => {
  const dir = `${t.store.root}/../bind-src`;
  mkdirSync(dir, { recursive: true });
  try {
    await t.ok(["run", "-d", "--network", "none", "--name", "full", "-e", "FOO=bar", "-w", "/tmp", "-u", "1000:1000", "--label", "a=b",
      "-v", `${dir}:/data:ro`, "-v", "vol1:/vol", BUSYBOX, "sleep", "1000"]);
    const j = await inspect("full");
    expect(keyPaths(j)).toEqual(PODMAN_RUNNING);
    const vol = (await t.ok(["volume", "inspect", "--format", "{{.Mountpoint}}", "vol1"])).trim();
    expect(j.Mounts).toEqual([
      { Type: "volume", Name: "vol1", Source: vol, Destination: "/vol", Driver: "local", Mode: "", Options: ["nosuid", "nodev", "rbind"], RW: true, Propagation: "rprivate" },
      { Type: "bind", Source: dir, Destination: "/data", Driver: "", Mode: "", Options: ["rbind"], RW: false, Propagation: "rprivate" },
    ]);
    expect(j.HostConfig.Binds).toEqual(["vol1:/vol:rw,rprivate,nosuid,nodev,rbind", `${dir}:/data:ro,rprivate,rbind`]);
    const { User, WorkingDir, Labels, Cmd, Entrypoint, StopSignal, StopTimeout } = j.Config;
    expect({ User, WorkingDir, Labels, Cmd, Entrypoint, StopSignal, StopTimeout }).toEqual({ User: "1000:1000", WorkingDir: "/tmp", Labels: { a: "b" }, Cmd: ["sleep", "1000"], Entrypoint: "", StopSignal: 15, StopTimeout: 10 });
    expect(j.Config.Env).toContain("FOO=bar");
    // A non-root user gets no effective capabilities (null, as Podman prints an empty list); the bounding set stays.
    expect(j.EffectiveCaps).toBeNull();
    expect(j.BoundingCaps).toContain("CAP_CHOWN");
    expect(j.State.Status).toBe("running");
    expect(j.State.Pid).toBeGreaterThan(0);
    expect(j.State.ConmonPid).toBeGreaterThan(0);
    expect(j.State.CgroupPath).toEndWith(j.Id);
    expect(j.GraphDriver.Data.MergedDir).toEndWith("/merged");
    await t.ok(["rm", "-f", "-t", "0", "full"]);
    await t.ok(["volume", "rm", "vol1"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await t.clean();
}, 60_000);

test("a container on the default bridge: Podman's keys, NetworkSettings with one network", async () => {
  await t.ok(["run", "-d", "--name", "br", BUSYBOX, "sleep", "1000"]);
  const j = await inspect("br");
  expect(keyPaths(j)).toEqual(PODMAN_BRIDGE);
  const ns = j.NetworkSettings;
  const [net] = Object.values(ns.Networks) as Record<string, any>[];
  expect(Object.keys(ns.Networks)).toHaveLength(1);
  expect(ns.IPAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  expect([net!.IPAddress, net!.Gateway, net!.MacAddress]).toEqual([ns.IPAddress, ns.Gateway, ns.MacAddress]);
  expect(j.HostConfig.NetworkMode).toBe("bridge");
  await t.clean();
}, 60_000);

test("--format over nested fields; --type container and container inspect look up containers only", async () => {
  await t.ok(["create", "--network", "none", "--name", "f1", "--label", "k=v", "--restart", "on-failure:2", "-v", "/tmp:/host-tmp", BUSYBOX, "true"]);
  expect(await t.fmt("f1", "{{.State.Status}} {{.State.Health.Status}}|{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}")).toBe("created |on-failure:2");
  expect(await t.fmt("f1", "{{json .Config.Labels}} {{.Config.StopSignal}} {{index .Config.Labels \"k\"}}")).toBe('{"k":"v"} 15 v');
  expect(await t.fmt("f1", "{{range .Mounts}}{{.Type}}:{{.Destination}}:{{.RW}} {{end}}")).toBe("bind:/host-tmp:true");
  expect(await t.fmt("f1", "{{.GraphDriver.Name}} {{len .BoundingCaps}} {{.ImageName}}")).toBe(`overlay 11 ${BUSYBOX}`);
  expect((await t.ok(["inspect", "--type", "container", "--format", "{{.Name}}", "f1"]))).toBe("f1\n");
  expect((await t.ok(["container", "inspect", "--format", "{{.Name}}", "f1"]))).toBe("f1\n");
  // An image name is no container for --type container / container inspect.
  for (const args of [["inspect", "--type", "container", BUSYBOX], ["container", "inspect", BUSYBOX]]) {
    const r = await t.sk(args);
    expect([r.code, r.stdout, r.stderr]).toEqual([125, "[]\n", `Error: inspecting object: no such container ${BUSYBOX}\n`]);
  }
  await t.clean();
}, 60_000);

test("several names, a missing one (Podman's wording, exit 125), -l, -s", async () => {
  await t.ok(["run", "--network", "none", "--name", "a1", BUSYBOX, "sh", "-c", "head -c 1000 /dev/zero > /big"]);
  await t.ok(["create", "--network", "none", "--name", "a2", BUSYBOX, "true"]);
  expect(await t.ok(["inspect", "--format", "{{.Name}}", "a1", "a2"])).toBe("a1\na2\n");
  const missing = await t.sk(["inspect", "nosuch"]);
  expect([missing.code, missing.stdout, missing.stderr]).toEqual([125, "[]\n", 'Error: inspecting object: no such object: "nosuch"\n']);
  const some = await t.sk(["inspect", "--format", "{{.Name}}", "a1", "nosuch", "a2"]);
  expect([some.code, some.stdout, some.stderr]).toEqual([125, "a1\na2\n", 'Error: inspecting object: no such object: "nosuch"\n']);
  const ctr = await t.sk(["container", "inspect", "--format", "{{.Name}}", "a1", "nosuch"]);
  expect([ctr.code, ctr.stdout, ctr.stderr]).toEqual([125, "a1\n", "Error: inspecting object: no such container nosuch\n"]);
  // -l: the newest container.
  expect(await t.ok(["inspect", "-l", "--format", "{{.Name}}"])).toBe("a2\n");
  expect(await t.ok(["container", "inspect", "-l", "--format", "{{.Name}}"])).toBe("a2\n");
  // -s: SizeRw (what the container wrote) and SizeRootFs (the image plus that), after GraphDriver as in Podman.
  const plain = await inspect("a1");
  expect("SizeRw" in plain).toBe(false);
  const sized = await inspect("a1", "-s");
  const keys = Object.keys(sized);
  expect(keys.slice(keys.indexOf("GraphDriver"), keys.indexOf("GraphDriver") + 4)).toEqual(["GraphDriver", "SizeRw", "SizeRootFs", "Mounts"]);
  expect(sized.SizeRw).toBeGreaterThanOrEqual(1000);
  expect(sized.SizeRw).toBeLessThan(2000);
  const image = (await inspect("a2", "-s")).SizeRootFs - (await inspect("a2", "-s")).SizeRw;
  expect(sized.SizeRootFs).toBe(image + sized.SizeRw);
  expect(image).toBeGreaterThan(1_000_000);
  await t.clean();
  const none = await t.sk(["inspect", "-l"]);
  expect([none.code, none.stdout, none.stderr]).toEqual([125, "[]\n", "Error: inspecting object: no containers to inspect: no such container\n"]);
}, 60_000);

/** `podman inspect` of the container made with RICH_FLAGS: HostConfig without the log path, Config without annotations, create command and Env. */
const RICH_FLAGS = ["--network", "none", "--init", "--memory", "64m", "--cpus", "0.5", "--pids-limit", "100", "--tmpfs", "/scratch", "--sysctl", "net.ipv4.ip_forward=1",
  "--cap-add", "NET_ADMIN", "--cap-drop", "CHOWN", "--restart", "on-failure:3", "--stop-signal", "SIGINT", "--stop-timeout", "5", "--entrypoint", "/bin/sh",
  "--hostname", "hst", "--read-only", "--label", "x=y", "--annotation", "an=v", "--shm-size", "1m", "--group-add", "10", "--security-opt", "no-new-privileges"];
const PODMAN_RICH_HOSTCONFIG = {"Binds":[],"CgroupManager":"cgroupfs","CgroupMode":"host","ContainerIDFile":"","LogConfig":{"Type":"k8s-file","Config":null,"Tag":"","Size":"0B"},"NetworkMode":"none","PortBindings":{},"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3},"AutoRemove":false,"VolumeDriver":"","VolumesFrom":null,"CapAdd":["CAP_NET_ADMIN"],"CapDrop":["CAP_CHOWN"],"Dns":[],"DnsOptions":[],"DnsSearch":[],"ExtraHosts":[],"GroupAdd":["10"],"IpcMode":"shareable","Cgroup":"","Cgroups":"default","Links":null,"OomScoreAdj":0,"PidMode":"private","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":true,"SecurityOpt":["no-new-privileges"],"Tmpfs":{"/run":"rw,rprivate,nosuid,nodev,tmpcopyup","/scratch":"rw,rprivate,nosuid,nodev,tmpcopyup","/tmp":"rw,rprivate,nosuid,nodev,tmpcopyup","/var/tmp":"rw,rprivate,nosuid,nodev,tmpcopyup"},"UTSMode":"private","UsernsMode":"","ShmSize":1048576,"Runtime":"oci","ConsoleSize":[0,0],"Isolation":"","CpuShares":0,"Memory":67108864,"NanoCpus":500000000,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":null,"BlkioDeviceReadBps":null,"BlkioDeviceWriteBps":null,"BlkioDeviceReadIOps":null,"BlkioDeviceWriteIOps":null,"CpuPeriod":100000,"CpuQuota":50000,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[],"DiskQuota":0,"KernelMemory":0,"MemoryReservation":0,"MemorySwap":134217728,"MemorySwappiness":-1,"OomKillDisable":false,"Init":true,"PidsLimit":100,"Ulimits":[],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"CgroupConf":null};
const PODMAN_RICH_CONFIG = {"Hostname":"hst","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Cmd":["-c","sleep 1000"],"Image":"localhost:5000/busybox:latest","Volumes":null,"WorkingDir":"/","Entrypoint":"/bin/sh","OnBuild":null,"Labels":{"x":"y"},"StopSignal":2,"HealthcheckOnFailureAction":"none","Umask":"0022","Timeout":0,"StopTimeout":5,"Passwd":true,"sdNotifyMode":"container"};

test("run flags show in HostConfig and Config as in Podman (limits, tmpfs, caps, restart, init, read-only, stop signal)", async () => {
  await t.ok(["create", "--name", "rich", ...RICH_FLAGS, BUSYBOX, "-c", "sleep 1000"]);
  const j = await inspect("rich");
  const { LogConfig: { Path: _, ...log }, ...host } = j.HostConfig;
  expect({ ...host, LogConfig: log }).toEqual(PODMAN_RICH_HOSTCONFIG);
  const { Annotations, CreateCommand, Env, ...config } = j.Config;
  expect(config).toEqual(PODMAN_RICH_CONFIG);
  expect(Annotations.an).toBe("v");
  expect(Object.keys(j.HostConfig.Tmpfs)).toEqual(["/run", "/scratch", "/tmp", "/var/tmp"]);
  await t.clean();
}, 60_000);
