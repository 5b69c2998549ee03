/**
 * ContainerSpec: what the user asked for when creating a container, as plain
 * data. The CLI (`run`/`create` flags), the REST APIs and `kube play` all
 * build one; `validateSpec` checks it as a whole; the engine completes it
 * from the image config and turns it into an OCI runtime spec
 * (src/oci/spec-generate.ts). Optional fields mean "use the default", which
 * is stated once, on the field. Sizes are bytes, durations milliseconds
 * unless a field says otherwise.
 */
import type { PortMapping } from "./ports.ts";
import { SkiffError } from "../lib/errors.ts";

/** A bind mount of a host path (`-v /src:/dst`, `--mount type=bind`). */
export interface BindMountSpec {
  readonly type: "bind";
  /** Absolute host path. */
  readonly source: string;
  /** Absolute path inside the container. */
  readonly destination: string;
  /** Mounted read-only. @default false */
  readonly readonly?: boolean;
  /**
   * A missing source folder is created (mode 0755) instead of refused: set for
   * `-v` (Docker's behaviour, its `bind.create_host_path`), not for
   * `--mount type=bind`, whose missing source is an error. @default false
   */
  readonly createHostPath?: boolean;
  /**
   * Further mount options as given (`z`, `Z`, `nosuid`, `rshared`, `noexec`…);
   * `ro`/`rw` are folded into `readonly`. SELinux relabel options are kept
   * for `inspect` and ignored where SELinux is off.
   */
  readonly options?: readonly string[];
}

/** A named or anonymous volume (`-v name:/dst`, `--mount type=volume`, image VOLUMEs). */
export interface VolumeMountSpec {
  readonly type: "volume";
  /** Volume name; absent for an anonymous volume (created with a random name). */
  readonly name?: string;
  readonly destination: string;
  /** @default false */
  readonly readonly?: boolean;
  /** Options as given (`nocopy`, `z`, …); `ro`/`rw` folded into `readonly`. */
  readonly options?: readonly string[];
}

/** A tmpfs (`--tmpfs /x:opts`, `--mount type=tmpfs`). */
export interface TmpfsMountSpec {
  readonly type: "tmpfs";
  readonly destination: string;
  /** tmpfs options (`size=64m`, `mode=1777`, `noexec`…). Podman adds rw, nosuid, nodev and tmpcopyup unless told otherwise. */
  readonly options?: readonly string[];
}

export type MountSpec = BindMountSpec | VolumeMountSpec | TmpfsMountSpec;

/** A host device made available (`--device /dev/x[:/dev/y][:rwm]`). */
export interface DeviceSpec {
  /** Host path. */
  readonly source: string;
  /** Path in the container. @default source */
  readonly destination?: string;
  /** cgroup access: a subset of "rwm". @default "rwm" */
  readonly permissions?: string;
}

/** One `--ulimit name=soft[:hard]`; -1 means unlimited. */
export interface UlimitSpec {
  /** Name without the RLIMIT_ prefix, lowercase, e.g. "nofile". */
  readonly name: string;
  readonly soft: number;
  readonly hard: number;
}

export type RestartPolicy = "no" | "on-failure" | "always" | "unless-stopped";
export type PullPolicy = "always" | "missing" | "never" | "newer";

/** `--restart policy[:maxRetries]`. */
export interface RestartSpec {
  readonly policy: RestartPolicy;
  /** Only with on-failure; 0 = no limit. @default 0 */
  readonly maxRetries?: number;
}

/** Namespace choice for pid/ipc/uts: a new private one, or the host's. */
export type NamespaceMode = "private" | "host";

/** Healthcheck settings (stored; run by a later issue). Durations as the user typed them (Go durations). */
export interface HealthcheckSpec {
  /** Command as Docker stores it: ["CMD-SHELL", "cmd"] or ["CMD", ...]; ["NONE"] disables; absent → the image's (the other fields then override the image's). */
  readonly test?: readonly string[];
  /** @default "30s" */
  readonly interval?: string;
  /** @default "30s" */
  readonly timeout?: string;
  /** @default "0s" */
  readonly startPeriod?: string;
  /** @default 3 */
  readonly retries?: number;
  /** "none" | "kill" | "restart" | "stop". @default "none" */
  readonly onFailure?: string;
}

/** cgroup limits. Absent means unlimited / kernel default. */
export interface ResourcesSpec {
  /** Memory limit in bytes (`-m/--memory`). */
  readonly memory?: number;
  /** Soft limit in bytes (`--memory-reservation`). */
  readonly memoryReservation?: number;
  /** Memory plus swap in bytes; -1 = unlimited swap (`--memory-swap`). @default 2 × memory when memory is set (Docker/Podman) */
  readonly memorySwap?: number;
  /** 0..100 (`--memory-swappiness`). */
  readonly memorySwappiness?: number;
  /** Disable the OOM killer (`--oom-kill-disable`). @default false */
  readonly oomKillDisable?: boolean;
  /** CFS quota in microseconds per period (`--cpu-quota`, or derived from `--cpus`). */
  readonly cpuQuota?: number;
  /** CFS period in microseconds (`--cpu-period`; 100000 with `--cpus`). */
  readonly cpuPeriod?: number;
  /** Relative weight (`-c/--cpu-shares`). */
  readonly cpuShares?: number;
  /** `--cpuset-cpus`, e.g. "0-1". */
  readonly cpusetCpus?: string;
  /** `--cpuset-mems`. */
  readonly cpusetMems?: string;
  /** Maximum number of pids; -1 or 0 = unlimited (`--pids-limit`). @default 2048 (containers.conf pids_limit) */
  readonly pidsLimit?: number;
  /** Block IO weight 10..1000 (`--blkio-weight`). */
  readonly blkioWeight?: number;
}

/** `--security-opt` values, parsed. */
export interface SecuritySpec {
  /** `no-new-privileges`. @default false */
  readonly noNewPrivileges?: boolean;
  /** `seccomp=unconfined` or `seccomp=/path.json`. @default the containers-common profile */
  readonly seccompProfile?: string;
  /** `mask=/a:/b` extra masked paths. */
  readonly mask?: readonly string[];
  /** `unmask=ALL` or `unmask=/proc/x:/proc/y` paths removed from the default masks. */
  readonly unmask?: readonly string[];
  /** `label=…` values, recorded (SELinux is off on the hosts skiff targets). */
  readonly label?: readonly string[];
  /** `apparmor=…`, recorded. */
  readonly apparmor?: string;
  /** `proc-opts=…`, recorded. */
  readonly procOpts?: readonly string[];
}

export interface ContainerSpec {
  /** Image reference as the user typed it (or a rootfs path with `rootfs`). */
  readonly image: string;
  /** Command after the image; absent → the image's Cmd. */
  readonly command?: readonly string[];
  /** `--entrypoint`; [] clears the image's (`--entrypoint ''`); absent → the image's Entrypoint. */
  readonly entrypoint?: readonly string[];
  /** `--name`; absent → a generated adjective_noun name. */
  readonly name?: string;
  /** `-d`. @default false */
  readonly detach?: boolean;
  /** `-i`: keep stdin open. @default false */
  readonly interactive?: boolean;
  /** `-t`: allocate a pseudo-terminal. @default false */
  readonly tty?: boolean;
  /** `-a` streams to attach to ("stdin" | "stdout" | "stderr"). @default stdout+stderr (+stdin with -i) */
  readonly attach?: readonly string[];
  /** `--rm`: remove after exit. @default false */
  readonly remove?: boolean;
  /** `--sig-proxy`: forward signals to the container (foreground only). @default true */
  readonly sigProxy?: boolean;
  /** `--detach-keys`. @default "ctrl-p,ctrl-q" */
  readonly detachKeys?: string;
  /** Environment from `--env-file` then `-e`, in order; later entries win. Merged over the image's Env. */
  readonly env?: Readonly<Record<string, string>>;
  /** `--unsetenv` names removed from the defaults and the image's Env. */
  readonly unsetEnv?: readonly string[];
  /** `--unsetenv-all`. @default false */
  readonly unsetEnvAll?: boolean;
  /** `-w`; absent → the image's WorkingDir, else "/". */
  readonly workdir?: string;
  /** `-u user[:group]` as typed; absent → the image's User, else root. */
  readonly user?: string;
  /** `--group-add` names or ids (also "keep-groups"). */
  readonly groupAdd?: readonly string[];
  /** `-v`, `--mount`, `--tmpfs` in command-line order. */
  readonly mounts?: readonly MountSpec[];
  /** `--volumes-from`, recorded. */
  readonly volumesFrom?: readonly string[];
  /** `-p` values as typed. */
  readonly publish?: readonly string[];
  /** `-p` values parsed (ports.ts), in netavark's shape. */
  readonly portMappings?: readonly PortMapping[];
  /** `-P`. @default false */
  readonly publishAll?: boolean;
  /** `--expose` values as typed. */
  readonly expose?: readonly string[];
  /**
   * `--network`/`--net` values as typed. Mode "none" and "host" are handled
   * here; "bridge", network names, "container:…", "ns:…", "slirp4netns",
   * "pasta" belong to the networking layer. @default ["bridge"] rootful
   */
  readonly network?: readonly string[];
  /** `--network-alias`. */
  readonly networkAliases?: readonly string[];
  /** `--ip`, `--ip6`, `--mac-address`, recorded for the networking layer. */
  readonly ip?: string;
  readonly ip6?: string;
  readonly macAddress?: string;
  /** `--pid`. @default "private" */
  readonly pid?: NamespaceMode;
  /** `--ipc`. @default "private" */
  readonly ipc?: NamespaceMode;
  /** `--uts`. @default "private" */
  readonly uts?: NamespaceMode;
  /** `--cgroupns`. @default "private" on cgroup v2, "host" on v1 */
  readonly cgroupns?: NamespaceMode;
  /** `-h/--hostname`; absent → the first 12 characters of the container ID. */
  readonly hostname?: string;
  /** `--add-host host:ip` pairs, validated. */
  readonly addHosts?: readonly { readonly host: string; readonly ip: string }[];
  /** `--dns` servers. */
  readonly dns?: readonly string[];
  /** `--dns-search` domains. */
  readonly dnsSearch?: readonly string[];
  /** `--dns-option` options. */
  readonly dnsOptions?: readonly string[];
  /** `--no-hosts`: don't bind /etc/hosts. @default false */
  readonly noHosts?: boolean;
  /** `-l/--label` and `--label-file`; later wins. */
  readonly labels?: Readonly<Record<string, string>>;
  /** `--annotation`. */
  readonly annotations?: Readonly<Record<string, string>>;
  /** `--init`: run catatonit as PID 1. @default false */
  readonly init?: boolean;
  /** `--init-path`. @default "/usr/libexec/podman/catatonit" or catatonit on PATH */
  readonly initPath?: string;
  /** `--restart`. @default { policy: "no" } */
  readonly restart?: RestartSpec;
  /** `--stop-signal` as a name ("SIGTERM") — normalised. @default the image's StopSignal, else "SIGTERM" */
  readonly stopSignal?: string;
  /** `--stop-timeout` in seconds. @default 10 */
  readonly stopTimeout?: number;
  /** `--timeout` in seconds, 0 = none. @default 0 */
  readonly timeout?: number;
  readonly resources?: ResourcesSpec;
  /** `--oom-score-adj`, -1000..1000. */
  readonly oomScoreAdj?: number;
  /** `--ulimit`; each overrides the engine default for its name. */
  readonly ulimits?: readonly UlimitSpec[];
  /** `--cap-add`, normalised ("CAP_NET_ADMIN" or "ALL"). */
  readonly capAdd?: readonly string[];
  /** `--cap-drop`, normalised. */
  readonly capDrop?: readonly string[];
  /** `--privileged`. @default false */
  readonly privileged?: boolean;
  readonly security?: SecuritySpec;
  /** `--device`. */
  readonly devices?: readonly DeviceSpec[];
  /** `--device-cgroup-rule` values as typed ("c 1:3 rwm"). */
  readonly deviceCgroupRules?: readonly string[];
  /** `--shm-size` in bytes. @default 65536 KiB */
  readonly shmSize?: number;
  /** `--sysctl` key → value. */
  readonly sysctls?: Readonly<Record<string, string>>;
  /** `--read-only`. @default false */
  readonly readOnly?: boolean;
  /** `--read-only-tmpfs`: tmpfs on /run, /tmp, /var/tmp with --read-only. @default true */
  readonly readOnlyTmpfs?: boolean;
  /** `--log-driver`: "k8s-file" | "none" | "passthrough" | "journald". @default "k8s-file" */
  readonly logDriver?: string;
  /** `--log-opt key=value` (path, max-size, tag). */
  readonly logOpts?: Readonly<Record<string, string>>;
  /** `--runtime` name or path. @default the engine's (crun) */
  readonly runtime?: string;
  /** `--pull`. @default "missing" */
  readonly pull?: PullPolicy;
  /** `--cidfile` path to write the ID into. */
  readonly cidfile?: string;
  /** `--pidfile`, `--conmon-pidfile` paths. */
  readonly pidfile?: string;
  readonly conmonPidfile?: string;
  /** Healthcheck (`--health-*`); absent → the image's; `--no-healthcheck` → test ["NONE"]. */
  readonly healthcheck?: HealthcheckSpec;
  /** `--umask` as an octal string. @default "0022" */
  readonly umask?: string;
  /** `--tz`, recorded. */
  readonly tz?: string;
  /** `--cgroup-parent`. */
  readonly cgroupParent?: string;
  /** `--replace`: remove an existing container of the same name first. @default false */
  readonly replace?: boolean;
  /** `--rootfs`: `image` is an exploded rootfs folder. @default false */
  readonly rootfs?: boolean;
  /** `--platform`/`--arch`/`--os`/`--variant` for image selection. */
  readonly platform?: string;
  /** `-q`: no pull progress. @default false */
  readonly quiet?: boolean;
  /** `--authfile`, `--tls-verify` for a pull. */
  readonly authfile?: string;
  readonly tlsVerify?: boolean;
  /** `--http-proxy`: pass the host's proxy variables. @default true */
  readonly httpProxy?: boolean;
  /** `--env-host`: the caller's whole environment. @default false (already merged into env by the CLI) */
  readonly envHost?: boolean;
}

/** Podman's default pids limit (containers.conf `pids_limit`). */
export const DEFAULT_PIDS_LIMIT = 2048;
/** Podman's default /dev/shm size: 65536k. */
export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;
/** Default `--stop-timeout`, seconds. */
export const DEFAULT_STOP_TIMEOUT = 10;

const HOST_NAME = /^[^\s:]+$/;

/**
 * Checks the spec as a whole: conflicting flags, values that make no sense
 * together. Single-value syntax is checked by the parser that built the spec.
 * @throws SkiffError "invalid-argument" naming the flags, in Podman's wording where Podman has one
 */
export function validateSpec(spec: ContainerSpec): void {
  const bad = (msg: string): never => {
    throw new SkiffError("invalid-argument", msg);
  };
  if (!spec.image) bad("an image name (or --rootfs) must be specified");
  // Podman's rule for container names (also what `rename` checks).
  if (spec.name !== undefined && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(spec.name)) {
    bad(`${JSON.stringify(spec.name)}: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument`);
  }
  const policy = spec.restart?.policy;
  if (spec.remove && policy !== undefined && policy !== "no") {
    bad(`the --rm option conflicts with --restart, when the restartPolicy is not "" and "no"`);
  }
  if (spec.restart?.maxRetries !== undefined && spec.restart.maxRetries !== 0 && policy !== "on-failure") {
    bad("restart policy retries can only be specified with on-failure restart policy");
  }
  if (spec.hostname !== undefined && spec.uts === "host") {
    bad("invalid config provided: cannot set hostname when running in the host UTS namespace: invalid configuration");
  }
  const nets = spec.network ?? [];
  if (nets.length > 1 && nets.some((n) => n === "none" || n === "host")) {
    const mode = nets.find((n) => n === "none" || n === "host");
    bad(`cannot set multiple networks without bridge network mode, selected mode ${mode}: invalid argument`);
  }
  const r = spec.resources;
  if (r?.memorySwap !== undefined && r.memorySwap !== -1) {
    if (r.memory === undefined || r.memory === 0) {
      bad("you should always set a memory limit when using a memoryswap limit, see usage");
    } else if (r.memorySwap < r.memory) {
      bad("minimum memoryswap limit should be larger than memory limit, see usage");
    }
  }
  if (r?.memory !== undefined && r.memoryReservation !== undefined && r.memory > 0 && r.memoryReservation > r.memory) {
    bad("minimum memory limit cannot be less than memory reservation limit, see usage");
  }
  if (r?.memorySwappiness !== undefined && r.memorySwappiness !== -1 && (r.memorySwappiness < 0 || r.memorySwappiness > 100)) {
    bad(`invalid value: ${r.memorySwappiness}, valid memory swappiness range is 0-100`);
  }
  if (r?.blkioWeight !== undefined && r.blkioWeight !== 0 && (r.blkioWeight < 10 || r.blkioWeight > 1000)) {
    bad("invalid --blkio-weight: can only be set between 10 and 1000");
  }
  if (spec.oomScoreAdj !== undefined && (spec.oomScoreAdj < -1000 || spec.oomScoreAdj > 1000)) {
    bad(`oom_score_adj: must be in range -1000..1000: ${spec.oomScoreAdj}`);
  }
  if (spec.privileged && (spec.security?.mask?.length ?? 0) > 0) {
    bad("cannot set --security-opt mask with --privileged");
  }
  // Podman accepts the very same mount twice, and refuses two different ones on one destination.
  const dests = new Map<string, string>();
  for (const m of spec.mounts ?? []) {
    const d = m.destination.length > 1 ? m.destination.replace(/\/+$/, "") : m.destination;
    const same = JSON.stringify({ ...m, destination: d });
    const prev = dests.get(d);
    if (prev !== undefined && prev !== same) bad(`${d}: duplicate mount destination`);
    dests.set(d, same);
  }
  for (const h of spec.addHosts ?? []) {
    if (!HOST_NAME.test(h.host)) bad(`bad format for add-host: "${h.host}:${h.ip}"`);
  }
}
