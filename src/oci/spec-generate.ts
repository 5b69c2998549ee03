/**
 * ContainerSpec + image config + host facts → OCI runtime spec (config.json,
 * runtime-spec 1.0.2), with Podman's defaults for a rootful container:
 * mounts, namespaces, masked and read-only paths, capabilities, seccomp,
 * rlimits within the host's hard limits, cgroup resources. Host reads are
 * limited to what the spec needs (user lookup in the rootfs, device nodes,
 * the seccomp profile) and the HostFacts the caller passes.
 */
import { chownSync, lstatSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { SkiffError, wrap } from "../lib/errors.ts";
import { prepareBindSources } from "./bind-source.ts";
import {
  DEFAULT_PIDS_LIMIT, DEFAULT_SHM_SIZE, type ContainerSpec, type DeviceSpec, type MountSpec,
} from "../spec/container-spec.ts";
import { resolveCapabilities } from "./capabilities.ts";
import { compileSeccompFile } from "./seccomp.ts";
import { resolveInRoot, resolveUser } from "./user.ts";
import { containerCgroupPath, type HostFacts } from "./resources.ts";

/** The `config` object of an OCI image config (the fields skiff uses). */
export interface ImageConfig {
  readonly User?: string;
  readonly Env?: readonly string[] | null;
  readonly Entrypoint?: readonly string[] | null;
  readonly Cmd?: readonly string[] | null;
  readonly WorkingDir?: string;
  readonly Volumes?: Readonly<Record<string, unknown>> | null;
  readonly StopSignal?: string;
  readonly Labels?: Readonly<Record<string, string>> | null;
  readonly ExposedPorts?: Readonly<Record<string, unknown>> | null;
}

export interface GenerateInput {
  readonly spec: ContainerSpec;
  /** The image config's `config` object ({} for --rootfs). */
  readonly imageConfig: ImageConfig;
  /** Mounted rootfs path (the overlay mount point). */
  readonly rootfs: string;
  /** Full 64-hex container ID. */
  readonly containerId: string;
  /** @default defaultHostname(spec, containerId) */
  readonly hostname?: string;
  /**
   * Folder holding the files bind-mounted into the container: `hosts`,
   * `resolv.conf`, `hostname`, `.containerenv` (the caller writes them).
   */
  readonly userdataDir: string;
  /** Network namespace to join (bridge networking); absent → a new empty one (or the host's with --network host). */
  readonly netnsPath?: string;
  /**
   * Host paths of volumes by container destination: every volume mount of the
   * spec (named and anonymous) and the image's VOLUMEs the caller created.
   */
  readonly volumeSources?: Readonly<Record<string, string>>;
  readonly host: HostFacts;
}

export interface GenerateReport {
  /** The runtime spec, ready for JSON.stringify into the bundle's config.json. */
  readonly ociSpec: OciSpec;
  /** Warnings to print (Podman's wording), e.g. a dropped swap limit. */
  readonly warnings: string[];
}

export interface OciMount { destination: string; type: string; source: string; options?: string[] }
// The runtime spec is a large JSON document; its nested parts are typed loosely on purpose.
export type OciSpec = {
  ociVersion: string;
  process: Record<string, unknown> & { args: string[]; env: string[]; cwd: string };
  root: { path: string; readonly?: boolean };
  hostname?: string;
  mounts: OciMount[];
  annotations?: Record<string, string>;
  linux: Record<string, unknown>;
};

/** Podman's default PATH (containers.conf `env`). */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** Where catatonit is bind-mounted with --init (Podman's path: scripts and docs refer to it). */
export const INIT_DEST = "/run/podman-init";
/** Podman's default for RLIMIT_NOFILE and RLIMIT_NPROC, lowered to the host's hard limits. */
const DEFAULT_RLIMIT = 1_048_576;

export const MASKED_PATHS: readonly string[] = [
  "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
  "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/fs/selinux", "/sys/dev/block",
];
export const READONLY_PATHS: readonly string[] = [
  "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
];

/**
 * The container's hostname as Podman picks it: `--hostname`, else the host's
 * with `--uts host` or `--network host` (the container sees the host's
 * interfaces, so tools that resolve their own name must find it), else the
 * ID's first 12 characters. Also what /etc/hostname and /etc/hosts carry.
 */
export function defaultHostname(spec: ContainerSpec, containerId: string): string {
  if (spec.hostname !== undefined) return spec.hostname;
  const nets = spec.network ?? [];
  if (spec.uts === "host" || (nets.length === 1 && nets[0] === "host")) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require("node:os") as typeof import("node:os")).hostname();
  }
  return containerId.slice(0, 12);
}

/**
 * Checks the working directory inside the rootfs, as Podman does at init: a
 * `-w` folder must exist; the image's WorkingDir is created when missing
 * (owned by the container's user), as Podman and Docker do.
 * @throws SkiffError "invalid-argument" `workdir "/x" does not exist on container <id>`
 */
export function prepareWorkdir(rootfs: string, cwd: string, fromFlag: boolean, containerId: string, uid: number, gid: number): void {
  if (cwd === "/") return;
  const hostPath = resolveInRoot(rootfs, cwd);
  let isDir = false;
  try {
    isDir = statSync(hostPath).isDirectory();
  } catch {
    // missing: handled below
  }
  if (isDir) return;
  if (fromFlag) throw new SkiffError("invalid-argument", `workdir "${cwd}" does not exist on container ${containerId}`);
  // resolveInRoot resolved every existing component inside the rootfs; what is missing is created below it.
  const created = mkdirSync(hostPath, { recursive: true, mode: 0o755 });
  if (created !== undefined) {
    let p = hostPath;
    while (p.length >= created.length) {
      chownSync(p, uid, gid);
      p = p.slice(0, p.lastIndexOf("/"));
    }
  }
}

/**
 * The container process's environment as NAME=value lines, Podman's
 * precedence: PATH and TERM defaults, the image's Env, the spec's `-e`, minus
 * `--unsetenv`; then `container=podman`, HOSTNAME (not with --uts host) and
 * HOME (`home`: the user's passwd home) unless already set. Also what
 * `inspect` shows as Config.Env.
 */
export function processEnv(spec: ContainerSpec, image: ImageConfig, hostname: string, home: string): string[] {
  const envLayers: [string, string][] = [];
  const unsetAll = spec.unsetEnvAll === true;
  if (!unsetAll) envLayers.push(["PATH", DEFAULT_PATH], ["TERM", "xterm"]);
  if (!unsetAll) for (const l of image.Env ?? []) envLayers.push(splitEnvLine(l));
  for (const [k, v] of Object.entries(spec.env ?? {})) envLayers.push([k, v]);
  const unset = new Set(spec.unsetEnv ?? []);
  const env = envLayers.filter(([k]) => !unset.has(k));
  const names = new Set(env.map(([k]) => k));
  if (!names.has("container")) env.push(["container", "podman"]);
  if (!names.has("HOSTNAME") && spec.uts !== "host") env.push(["HOSTNAME", hostname]);
  if (!names.has("HOME")) env.push(["HOME", home]);
  return mergeEnv(env.filter(([k]) => k !== ""));
}

/** The image Env then the spec's, as NAME=value lines with later names winning, order of first appearance kept. */
function mergeEnv(layers: readonly (readonly [string, string])[]): string[] {
  const m = new Map<string, string>();
  for (const [k, v] of layers) m.set(k, v);
  return [...m].map(([k, v]) => `${k}=${v}`);
}

function splitEnvLine(line: string): [string, string] {
  const eq = line.indexOf("=");
  return eq < 0 ? [line, ""] : [line.slice(0, eq), line.slice(eq + 1)];
}

/**
 * The process args with Docker's rules: the spec's entrypoint (even empty)
 * replaces the image's and then the image's Cmd is not used; the spec's
 * command replaces the image's Cmd.
 * @throws SkiffError "invalid-argument" when nothing is left to run
 */
export function processArgs(spec: ContainerSpec, image: ImageConfig): string[] {
  const entrypoint = spec.entrypoint ?? image.Entrypoint ?? [];
  const cmd = spec.command?.length ? spec.command : spec.entrypoint === undefined ? image.Cmd ?? [] : [];
  const args = [...entrypoint.filter((x, i) => !(i === 0 && x === "" && entrypoint.length === 1)), ...cmd];
  if (args.length === 0) throw new SkiffError("invalid-argument", "no command or entrypoint provided, and no CMD or ENTRYPOINT from image");
  return args;
}

function hostDevice(path: string): { type: string; major: number; minor: number; fileMode: number; uid: number; gid: number } {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new SkiffError("invalid-argument", `stat ${path}: ${code === "ENOENT" ? "no such file or directory" : String(code)}`);
  }
  const type = st.isCharacterDevice() ? "c" : st.isBlockDevice() ? "b" : st.isFIFO() ? "p" : "";
  if (!type) throw new SkiffError("invalid-argument", `${path} is not a valid device`);
  // glibc's gnu_dev_major/minor encoding of dev_t.
  const rdev = BigInt(st.rdev);
  const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
  const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & 0xffffff00n));
  return { type, major, minor, fileMode: st.mode, uid: st.uid, gid: st.gid };
}

/** Device nodes under /dev for --privileged (skipping pts, shm, mqueue and the console's ptmx, as Podman). */
function allHostDevices(dir = "/dev"): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    const p = `${dir}/${n}`;
    if (["/dev/pts", "/dev/shm", "/dev/mqueue", "/dev/ptmx", "/dev/console", "/dev/fd", "/dev/core"].includes(p)) continue;
    let st;
    try {
      st = lstatSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) out.push(...allHostDevices(p));
    else if (st.isCharacterDevice() || st.isBlockDevice()) out.push(p);
  }
  return out;
}

function bindOptions(m: { readonly?: boolean; options?: readonly string[] }, extra: readonly string[] = []): string[] {
  const ignored = new Set(["z", "Z", "U", "O", "nocopy", "copy", "rw", "ro", "idmap"]);
  const user = (m.options ?? []).filter((o) => !ignored.has(o) && !o.startsWith("idmap="));
  const propagation = user.find((o) => /^r?(shared|slave|private|unbindable)$/.test(o));
  const bind = user.includes("bind") ? "bind" : "rbind";
  const rest = user.filter((o) => o !== "bind" && o !== "rbind" && o !== propagation);
  return [...(m.readonly ? ["ro"] : []), propagation ?? "rprivate", bind, ...extra, ...rest];
}

function tmpfsOptions(opts: readonly string[] = []): string[] {
  const has = (a: string, b: string) => opts.includes(a) || opts.includes(b);
  const out = [...(has("rw", "ro") ? [] : ["rw"]), "rprivate"];
  if (!has("suid", "nosuid")) out.push("nosuid");
  if (!has("dev", "nodev")) out.push("nodev");
  out.push(...opts.filter((o) => o !== "notmpcopyup" && o !== "tmpcopyup"));
  if (!opts.includes("notmpcopyup")) out.push("tmpcopyup");
  return out;
}

function userMount(m: MountSpec, input: GenerateInput): OciMount {
  if (m.type === "bind") return { destination: m.destination, type: "bind", source: m.source, options: bindOptions(m) };
  if (m.type === "tmpfs") return { destination: m.destination, type: "tmpfs", source: "tmpfs", options: tmpfsOptions(m.options) };
  const source = input.volumeSources?.[m.destination];
  if (source === undefined) {
    throw new SkiffError("invalid-argument", `no volume source for ${m.name ? `volume "${m.name}"` : "anonymous volume"} at ${m.destination}`);
  }
  return { destination: m.destination, type: "bind", source, options: bindOptions(m, ["nosuid", "nodev"]) };
}

function sizeK(bytes: number): string {
  return bytes % 1024 === 0 ? `size=${bytes / 1024}k` : `size=${bytes}`;
}

/**
 * Builds the runtime spec for `input.spec` (validated with validateSpec).
 * Follows Podman 4's generated config.json for a rootful container, with
 * these deliberate differences: default rlimits never exceed the host's hard
 * limits; /dev/shm is a tmpfs mount rather than a bind of a per-container
 * tmpfs; `container=podman` is set in the environment.
 * Side effects: the image's WorkingDir is created in the rootfs when missing (prepareWorkdir), and a
 * missing `-v` bind source on the host (prepareBindSources).
 * @throws SkiffError "invalid-argument" for unknown users/groups, missing devices, an unreadable seccomp
 *   profile, --init without catatonit, a --ulimit above the hard limit, a missing -w folder, a missing
 *   `--mount type=bind` source
 */
export function generateRuntimeSpec(input: GenerateInput): GenerateReport {
  const { spec, imageConfig: image, host } = input;
  const warnings: string[] = [];
  const privileged = spec.privileged === true;
  const hostname = input.hostname ?? defaultHostname(spec, input.containerId);
  const utsHost = spec.uts === "host";
  const networks = spec.network ?? [];
  const netHost = networks.length === 1 && networks[0] === "host";

  // Process identity.
  const userStr = spec.user ?? image.User ?? "";
  let user;
  try {
    user = resolveUser(input.rootfs, userStr, spec.groupAdd ?? []);
  } catch (e) {
    throw e instanceof SkiffError && e.message.startsWith("Unable to find group") ? wrap(e, `looking up supplemental groups for container ${input.containerId}`) : e;
  }
  const caps = resolveCapabilities({
    ...(spec.capAdd ? { capAdd: spec.capAdd } : {}),
    ...(spec.capDrop ? { capDrop: spec.capDrop } : {}),
    privileged,
    hostBounding: host.boundingCapabilities,
    nonRootUser: user.uid !== 0,
  });


  let args = processArgs(spec, image);
  const mounts: OciMount[] = [];
  if (spec.init) {
    const initPath = spec.initPath ?? host.initPath;
    if (!initPath) throw new SkiffError("invalid-argument", "container-init binary not found on the host: catatonit is not installed");
    try {
      statSync(initPath);
    } catch {
      throw new SkiffError("invalid-argument", `container-init binary not found on the host: stat ${initPath}: no such file or directory`);
    }
    args = [INIT_DEST, "--", ...args];
    mounts.push({ destination: INIT_DEST, type: "bind", source: initPath, options: ["bind", "ro", "rprivate", "nosuid", "nodev"] });
  }

  // Rlimits: explicit ones, then defaults within the hard limits (Bun raised our soft NOFILE; children must not inherit it).
  const rlimits: { type: string; hard: number; soft: number }[] = [];
  const seen = new Set<string>();
  const unlimited = 2 ** 64 - 1;
  for (const u of spec.ulimits ?? []) {
    const hardHost = host.rlimitHard[u.name];
    const want = u.hard === -1 ? Infinity : u.hard;
    if (!host.canRaiseRlimits && hardHost !== undefined && hardHost !== -1 && want > hardHost) {
      throw new SkiffError("invalid-argument", `ulimit ${u.name}=${u.soft}:${u.hard} exceeds the hard limit ${hardHost} of this process: raising it needs CAP_SYS_RESOURCE`);
    }
    rlimits.push({ type: `RLIMIT_${u.name.toUpperCase()}`, hard: u.hard === -1 ? unlimited : u.hard, soft: u.soft === -1 ? unlimited : u.soft });
    seen.add(u.name);
  }
  for (const name of ["nofile", "nproc"]) {
    if (seen.has(name)) continue;
    const hardHost = host.rlimitHard[name];
    const v = host.canRaiseRlimits || hardHost === undefined || hardHost === -1 ? DEFAULT_RLIMIT : Math.min(DEFAULT_RLIMIT, hardHost);
    rlimits.push({ type: `RLIMIT_${name.toUpperCase()}`, hard: v, soft: v });
  }

  const cwd = spec.workdir ?? (image.WorkingDir || "/");
  prepareWorkdir(input.rootfs, cwd, spec.workdir !== undefined, input.containerId, user.uid, user.gid);
  const umask = spec.umask !== undefined ? parseInt(spec.umask, 8) : 0o022;
  const processUser: Record<string, unknown> = { uid: user.uid, gid: user.gid, umask };
  if (user.additionalGids.length) processUser.additionalGids = user.additionalGids;
  const capabilities: Record<string, string[]> = {};
  if (caps.bounding.length) capabilities.bounding = caps.bounding;
  if (caps.effective.length) capabilities.effective = caps.effective;
  if (caps.permitted.length) capabilities.permitted = caps.permitted;
  const process: OciSpec["process"] = {
    terminal: spec.tty === true,
    user: processUser,
    args,
    env: processEnv(spec, image, hostname, user.home),
    cwd,
    capabilities,
    rlimits,
  };
  if (spec.security?.noNewPrivileges) process.noNewPrivileges = true;
  if (spec.oomScoreAdj !== undefined) process.oomScoreAdj = spec.oomScoreAdj;

  // Mounts, Podman's order: kernel filesystems, then the container's files, then user mounts.
  const ro = spec.readOnly === true;
  mounts.unshift(
    { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "noexec", "strictatime", "mode=755", "size=65536k"] },
    { destination: "/sys", type: "sysfs", source: "sysfs", options: ["rprivate", "nosuid", "noexec", "nodev", privileged ? "rw" : "ro"] },
    { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
    { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", sizeK(spec.shmSize ?? DEFAULT_SHM_SIZE)] },
  );
  const fileOpts = ro ? ["bind", "rprivate", "ro", "nosuid", "noexec", "nodev"] : ["bind", "rprivate"];
  const userDests = new Set((spec.mounts ?? []).map((m) => m.destination));
  const files: [string, string][] = [["/etc/resolv.conf", "resolv.conf"], ["/etc/hostname", "hostname"], ["/run/.containerenv", ".containerenv"]];
  if (!spec.noHosts) files.unshift(["/etc/hosts", "hosts"]);
  for (const [dest, name] of files) {
    if (!userDests.has(dest)) mounts.push({ destination: dest, type: "bind", source: `${input.userdataDir}/${name}`, options: [...fileOpts] });
  }
  if (ro && spec.readOnlyTmpfs !== false) {
    for (const d of ["/run", "/tmp", "/var/tmp"]) {
      if (!userDests.has(d)) mounts.push({ destination: d, type: "tmpfs", source: "tmpfs", options: ["rw", "rprivate", "nosuid", "nodev", "tmpcopyup"] });
    }
  }
  prepareBindSources(spec.mounts);
  for (const m of spec.mounts ?? []) mounts.push(userMount(m, input));
  for (const dest of Object.keys(image.Volumes ?? {})) {
    const d = dest.length > 1 ? dest.replace(/\/+$/, "") : dest;
    const src = input.volumeSources?.[d];
    if (!userDests.has(d) && src !== undefined) mounts.push({ destination: d, type: "bind", source: src, options: ["rprivate", "rbind", "nosuid", "nodev"] });
  }
  mounts.push({ destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["rprivate", "nosuid", "noexec", "nodev", "relatime", privileged ? "rw" : "ro"] });

  // Namespaces.
  const namespaces: { type: string; path?: string }[] = [];
  if (spec.pid !== "host") namespaces.push({ type: "pid" });
  if (!netHost) namespaces.push(input.netnsPath ? { type: "network", path: input.netnsPath } : { type: "network" });
  if (spec.ipc !== "host") namespaces.push({ type: "ipc" });
  if (!utsHost) namespaces.push({ type: "uts" });
  namespaces.push({ type: "mount" });
  const cgroupns = spec.cgroupns ?? (host.cgroupVersion === 2 ? "private" : "host");
  if (cgroupns === "private") namespaces.push({ type: "cgroup" });

  // Devices.
  const devices: Record<string, unknown>[] = [];
  const deviceRules: Record<string, unknown>[] = [{ allow: privileged, access: "rwm" }];
  const addDevice = (d: DeviceSpec) => {
    const info = hostDevice(d.source);
    const access = d.permissions ?? "rwm";
    devices.push({ path: d.destination ?? d.source, type: info.type, major: info.major, minor: info.minor, fileMode: info.fileMode, uid: info.uid, gid: info.gid });
    if (!privileged) deviceRules.push({ allow: true, type: info.type, major: info.major, minor: info.minor, access });
  };
  if (privileged) for (const p of allHostDevices()) addDevice({ source: p });
  for (const d of spec.devices ?? []) {
    if (privileged) {
      const dest = d.destination ?? d.source;
      const i = devices.findIndex((x) => x.path === dest);
      if (i >= 0) devices.splice(i, 1);
    }
    addDevice(d);
  }
  for (const r of spec.deviceCgroupRules ?? []) {
    const [type, mm, access] = r.split(" ") as [string, string, string];
    const [maj, min] = mm.split(":") as [string, string];
    const rule: Record<string, unknown> = { allow: true, type };
    if (maj !== "*") rule.major = Number(maj);
    if (min !== "*") rule.minor = Number(min);
    rule.access = access;
    deviceRules.push(rule);
  }

  // Resources.
  const resources: Record<string, unknown> = { devices: deviceRules };
  const r = spec.resources ?? {};
  const memory: Record<string, unknown> = {};
  if (r.memory !== undefined && r.memory > 0) memory.limit = r.memory;
  if (r.memoryReservation !== undefined && r.memoryReservation > 0) memory.reservation = r.memoryReservation;
  if (r.memorySwap !== undefined || memory.limit !== undefined) {
    // Docker/Podman default: swap = 2 × memory; an explicit value the host cannot account is dropped with Podman's warning.
    const swap = r.memorySwap ?? (memory.limit as number) * 2;
    if (host.memswAvailable) memory.swap = swap;
    else if (r.memorySwap !== undefined) warnings.push("Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.");
  }
  if (r.memorySwappiness !== undefined && r.memorySwappiness >= 0) memory.swappiness = r.memorySwappiness;
  if (r.oomKillDisable) memory.disableOOMKiller = true;
  if (Object.keys(memory).length) resources.memory = memory;
  const cpu: Record<string, unknown> = {};
  if (r.cpuShares !== undefined && r.cpuShares > 0) cpu.shares = r.cpuShares;
  if (r.cpuQuota !== undefined && r.cpuQuota !== 0) cpu.quota = r.cpuQuota;
  if (r.cpuPeriod !== undefined && r.cpuPeriod > 0) cpu.period = r.cpuPeriod;
  if (r.cpusetCpus) cpu.cpus = r.cpusetCpus;
  if (r.cpusetMems) cpu.mems = r.cpusetMems;
  if (Object.keys(cpu).length) resources.cpu = cpu;
  const pids = r.pidsLimit ?? DEFAULT_PIDS_LIMIT;
  if (pids > 0) resources.pids = { limit: pids };
  if (r.blkioWeight) {
    if (host.blkioWeightAvailable) resources.blockIO = { weight: r.blkioWeight };
    else warnings.push("Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.");
  }

  const linux: Record<string, unknown> = {
    resources,
    cgroupsPath: containerCgroupPath(input.containerId, host.cgroupManager, spec.cgroupParent),
    namespaces,
  };
  if (devices.length) linux.devices = devices;
  if (spec.sysctls && Object.keys(spec.sysctls).length) linux.sysctl = { ...spec.sysctls };

  const seccompProfile = spec.security?.seccompProfile;
  if (!privileged && seccompProfile !== "unconfined") {
    const path = seccompProfile ?? host.seccompProfilePath;
    if (path) {
      linux.seccomp = compileSeccompFile(path, { capabilities: caps.bounding, arch: host.arch, kernelVersion: host.kernelVersion });
    } else {
      warnings.push("seccomp profile /usr/share/containers/seccomp.json not found: running without a seccomp filter");
    }
  }
  const unmask = spec.security?.unmask ?? [];
  const unmaskAll = unmask.includes("ALL");
  const masked = privileged || unmaskAll ? [] : MASKED_PATHS.filter((p) => !unmask.includes(p));
  masked.push(...(spec.security?.mask ?? []));
  const readonlyPaths = privileged || unmaskAll ? [] : READONLY_PATHS.filter((p) => !unmask.includes(p));
  if (masked.length) linux.maskedPaths = masked;
  if (readonlyPaths.length) linux.readonlyPaths = readonlyPaths;

  const ociSpec: OciSpec = {
    ociVersion: "1.0.2",
    process,
    root: ro ? { path: input.rootfs, readonly: true } : { path: input.rootfs },
    ...(utsHost ? {} : { hostname }),
    mounts,
    linux,
  };
  if (spec.annotations && Object.keys(spec.annotations).length) ociSpec.annotations = { ...spec.annotations };
  return { ociSpec, warnings };
}
