/**
 * The flags of `run` and `create` (Podman 4's list, same names, shorthands
 * and value types) and their conversion into a ContainerSpec. Flags Podman has
 * that skiff does not implement yet are accepted by the parser and refused
 * with "--x is not supported yet" when given; docs/compatibility.md lists them.
 * Parse with `interspersed: false`: flags stop at the image.
 */
import { parseExpose, parsePortMapping } from "../spec/ports.ts";
import type { FlagSpec, Flags } from "./argv.ts";
import { SkiffError } from "../lib/errors.ts";
import type {
  ContainerSpec, DeviceSpec, HealthcheckSpec, MountSpec, NamespaceMode, PullPolicy, ResourcesSpec,
  RestartSpec, SecuritySpec, UlimitSpec,
} from "../spec/container-spec.ts";
import { ramInBytes } from "../lib/units.ts";
import { parseSignal, signalName } from "../spec/signals.ts";
import { normalizeCapability } from "../spec/capabilities.ts";
import { resolve as resolvePath } from "node:path";

const s = (name: string, help: string, short?: string): FlagSpec => (short ? { name, short, type: "string", help } : { name, type: "string", help });
const a = (name: string, help: string, short?: string): FlagSpec => (short ? { name, short, type: "strings", help } : { name, type: "strings", help });
const b = (name: string, help: string, short?: string, def?: boolean): FlagSpec => ({
  name, type: "bool", help, ...(short ? { short } : {}), ...(def !== undefined ? { default: def } : {}),
});
const i = (name: string, help: string): FlagSpec => ({ name, type: "int", help });

/** All flags of `run`/`create` (`create` ignores -d, --rm is meaningful for both). */
export const RUN_FLAGS: readonly FlagSpec[] = [
  a("add-host", "Add a custom host-to-IP mapping (host:ip)"),
  a("annotation", "Add annotations to container (key=value)"),
  s("arch", "use ARCH instead of the architecture of the machine for choosing images"),
  a("attach", "Attach to STDIN, STDOUT or STDERR", "a"),
  s("authfile", "Path of the authentication file"),
  s("blkio-weight", "Block IO weight (relative weight) accepts a weight value between 10 and 1000"),
  a("blkio-weight-device", "Block IO weight (relative device weight, format: DEVICE_NAME:WEIGHT)"),
  a("cap-add", "Add capabilities to the container"),
  a("cap-drop", "Drop capabilities from the container"),
  a("cgroup-conf", "Configure cgroup v2 (key=value)"),
  s("cgroup-parent", "Optional parent cgroup for the container"),
  s("cgroupns", "cgroup namespace to use"),
  { name: "cgroups", type: "string", help: 'control container cgroup configuration ("enabled"|"disabled"|"no-conmon"|"split")', default: "enabled" },
  a("chrootdirs", "Chroot directories inside the container"),
  s("cidfile", "Write the container ID to the file"),
  s("conmon-pidfile", "Path to the file that will receive the PID of conmon"),
  s("cpu-period", "Limit the CPU CFS (Completely Fair Scheduler) period"),
  s("cpu-quota", "Limit the CPU CFS (Completely Fair Scheduler) quota"),
  s("cpu-rt-period", "Limit the CPU real-time period in microseconds"),
  s("cpu-rt-runtime", "Limit the CPU real-time runtime in microseconds"),
  s("cpu-shares", "CPU shares (relative weight)", "c"),
  s("cpus", "Number of CPUs. The default is 0.000 which means no limit"),
  s("cpuset-cpus", "CPUs in which to allow execution (0-3, 0,1)"),
  s("cpuset-mems", "Memory nodes (MEMs) in which to allow execution (0-3, 0,1)"),
  b("detach", "Run container in background and print container ID", "d"),
  s("detach-keys", "Override the key sequence for detaching a container"),
  a("device", "Add a host device to the container"),
  a("device-cgroup-rule", "Add a rule to the cgroup allowed devices list"),
  a("device-read-bps", "Limit read rate (bytes per second) from a device"),
  a("device-read-iops", "Limit read rate (IO per second) from a device"),
  a("device-write-bps", "Limit write rate (bytes per second) to a device"),
  a("device-write-iops", "Limit write rate (IO per second) to a device"),
  b("disable-content-trust", "This is a Docker specific option and is a NOOP"),
  a("dns", "Set custom DNS servers"),
  a("dns-option", "Set custom DNS options"),
  a("dns-search", "Set custom DNS search domains"),
  s("entrypoint", "Overwrite the default ENTRYPOINT of the image"),
  a("env", "Set environment variables in container", "e"),
  a("env-file", "Read in a file of environment variables"),
  b("env-host", "Use all current host environment variables in container"),
  a("env-merge", "Preprocess environment variables from image before injecting them into the container"),
  a("expose", "Expose a port or a range of ports"),
  a("gidmap", "GID map to use for the user namespace"),
  a("group-add", "Add additional groups to the primary container process"),
  s("health-cmd", "set a healthcheck command for the container ('none' disables the existing healthcheck)"),
  s("health-interval", "set an interval for the healthchecks"),
  s("health-on-failure", "action to take once the container turns unhealthy"),
  s("health-retries", "the number of retries allowed before a healthcheck is considered to be unhealthy"),
  s("health-start-period", "the initialization time needed for a container to bootstrap"),
  s("health-timeout", "the maximum time allowed to complete the healthcheck before an interval is considered failed"),
  s("hostname", "Set container hostname", "h"),
  a("hostuser", "Host user account to add to /etc/passwd within container"),
  b("http-proxy", "Set proxy environment variables in the container based on the host proxy vars", undefined, true),
  { name: "image-volume", type: "string", help: 'Tells podman how to handle the builtin image volumes ("bind"|"tmpfs"|"ignore")', default: "bind" },
  b("init", "Run an init binary inside the container that forwards signals and reaps processes"),
  s("init-path", "Path to the container-init binary"),
  b("interactive", "Keep STDIN open even if not attached", "i"),
  s("ip", "Specify a static IPv4 address for the container"),
  s("ip6", "Specify a static IPv6 address for the container"),
  s("ipc", "IPC namespace to use"),
  a("label", "Set metadata on container", "l"),
  a("label-file", "Read in a line delimited file of labels"),
  s("log-driver", "Logging driver for the container"),
  a("log-opt", "Logging driver options"),
  s("mac-address", "Container MAC address (e.g. 92:d0:c6:0a:29:33)"),
  s("memory", "Memory limit (format: <number>[<unit>], where unit = b (bytes), k (kibibytes), m (mebibytes), or g (gibibytes))", "m"),
  s("memory-reservation", "Memory soft limit (format: <number>[<unit>])"),
  s("memory-swap", "Swap limit equal to memory plus swap: '-1' to enable unlimited swap"),
  s("memory-swappiness", "Tune container memory swappiness (0 to 100, or -1 for system default)"),
  a("mount", "Attach a filesystem mount to the container"),
  s("name", "Assign a name to the container"),
  a("network", "Connect a container to a network"),
  { name: "net", type: "strings", help: "Connect a container to a network", hidden: true },
  a("network-alias", "Add network-scoped alias for the container"),
  b("no-healthcheck", "Disable healthchecks on container"),
  b("no-hosts", "Do not create /etc/hosts within the container, instead use the version from the image"),
  b("oom-kill-disable", "Disable OOM Killer"),
  s("oom-score-adj", "Tune the host's OOM preferences (-1000 to 1000)"),
  s("os", "use OS instead of the running OS for choosing images"),
  b("passwd", "add entries to /etc/passwd and /etc/group", undefined, true),
  s("passwd-entry", "Entry to write to /etc/passwd"),
  s("personality", "Configure execution domain using personality (e.g., LINUX/LINUX32)"),
  s("pid", "PID namespace to use"),
  s("pidfile", "Write the container process ID to the file"),
  s("pids-limit", "Tune container pids limit (set -1 for unlimited)"),
  s("platform", "Specify the platform for selecting the image"),
  s("pod", "Run container in an existing pod"),
  s("pod-id-file", "Read the pod ID from the file"),
  s("preserve-fds", "Pass a number of additional file descriptors into the container"),
  b("privileged", "Give extended privileges to container"),
  a("publish", "Publish a container's port, or a range of ports, to the host", "p"),
  b("publish-all", "Publish all exposed ports to random ports on the host interface", "P"),
  s("pull", 'Pull image policy ("always"|"missing"|"never"|"newer")'),
  b("quiet", "Suppress output information when pulling images", "q"),
  b("read-only", "Make containers root filesystem read-only"),
  b("read-only-tmpfs", "When running containers in read-only mode mount a read-write tmpfs on /run, /tmp and /var/tmp", undefined, true),
  b("replace", "If a container with the same name exists, replace it"),
  a("requires", "Add one or more requirement containers that must be started before this container will start"),
  s("restart", 'Restart policy to apply when a container exits ("always"|"no"|"on-failure"|"unless-stopped")'),
  b("rm", "Remove container (and pod if created) after exit"),
  b("rmi", "Remove container image unless used by other containers"),
  // Docker's run flag; Podman has it only as a global option (podman --runtime).
  s("runtime", "Name or path of the OCI runtime to use for this container"),
  b("rootfs", "The first argument is not an image but the rootfs to the exploded container"),
  s("sdnotify", 'control sd-notify behavior ("container"|"conmon"|"ignore")'),
  s("seccomp-policy", "Policy for selecting a seccomp profile (experimental)"),
  a("secret", "Add secret to container"),
  a("security-opt", "Security Options"),
  s("shm-size", "Size of /dev/shm (format: <number>[<unit>])"),
  b("sig-proxy", "Proxy received signals to the process", undefined, true),
  s("stop-signal", "Signal to stop a container. Default is SIGTERM"),
  s("stop-timeout", "Timeout (in seconds) that containers stopped by user command have to exit"),
  s("subgidname", "Name of range listed in /etc/subgid for use in user namespace"),
  s("subuidname", "Name of range listed in /etc/subuid for use in user namespace"),
  a("sysctl", "Sysctl options"),
  s("systemd", 'Run container in systemd mode ("true"|"false"|"always")'),
  s("timeout", "Maximum length of time a container is allowed to run"),
  { name: "tls-verify", type: "bool", help: "Require HTTPS and verify certificates when contacting registries for pulling images", default: true },
  a("tmpfs", "Mount a temporary filesystem (tmpfs) into a container"),
  b("tty", "Allocate a pseudo-TTY for container", "t"),
  s("tz", "Set timezone in container"),
  a("uidmap", "UID map to use for the user namespace"),
  a("ulimit", "Ulimit options"),
  s("umask", "Set umask in container"),
  a("unsetenv", "Unset environment default variables in container"),
  b("unsetenv-all", "Unset all default environment variables in container"),
  s("user", "Username or UID (format: <name|uid>[:<group|gid>])", "u"),
  s("userns", "User namespace to use"),
  s("uts", "UTS namespace to use"),
  s("variant", "Use VARIANT instead of the running architecture variant for choosing images"),
  a("volume", "Bind mount a volume into the container", "v"),
  a("volumes-from", "Mount volumes from the specified container(s)"),
  s("workdir", "Working directory inside the container", "w"),
];

/**
 * Flags parsed but refused when given ("not supported yet"). A few take a
 * value that equals the default harmlessly; those are in ACCEPTED_DEFAULTS.
 */
export const UNSUPPORTED_RUN_FLAGS: readonly string[] = [
  "blkio-weight-device", "cgroup-conf", "chrootdirs", "cpu-rt-period", "cpu-rt-runtime",
  "device-read-bps", "device-read-iops", "device-write-bps", "device-write-iops", "env-merge", "gidmap",
  "hostuser", "passwd-entry", "personality", "pod", "pod-id-file", "preserve-fds", "requires", "rmi", "secret",
  "subgidname", "subuidname", "uidmap", "userns", "volumes-from", "cgroups", "image-volume", "sdnotify",
  "seccomp-policy", "systemd",
];
/** Values of otherwise unsupported flags that change nothing (the default behaviour). */
const ACCEPTED_DEFAULTS: Readonly<Record<string, readonly string[]>> = {
  cgroups: ["enabled"], "image-volume": ["bind"], sdnotify: ["container"], "seccomp-policy": ["default"],
  systemd: ["true", "false"], userns: ["host", ""],
};

/** What the conversion needs from the caller's world. */
export interface RunArgsContext {
  /** The caller's environment (for `-e NAME`, `--env-host`, `--http-proxy`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a text file (for `--env-file`, `--label-file`); throws Node's ENOENT errors. @default fs.readFileSync */
  readonly readFile?: (path: string) => string;
  /** Folder that `-v ./x:/y` and `--mount type=bind,src=./x` are relative to. @default process.cwd() */
  readonly cwd?: string;
}

const usage = (msg: string) => new SkiffError("usage", msg);
const invalid = (msg: string) => new SkiffError("invalid-argument", msg);

/**
 * pflag's StringSlice: each occurrence is a CSV record, so `--cap-add a,b`
 * adds two values (quotes protect commas). stringArray flags (-e, -v,
 * --mount, --security-opt, -l, --network) are not split.
 */
function csv(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    let cur = "";
    let quoted = false;
    for (let k = 0; k < v.length; k++) {
      const c = v[k]!;
      if (c === '"') { if (quoted && v[k + 1] === '"') { cur += '"'; k++; } else quoted = !quoted; continue; }
      if (c === "," && !quoted) { out.push(cur); cur = ""; continue; }
      cur += c;
    }
    out.push(cur);
  }
  return out;
}

function uintFlag(f: Flags, name: string, short?: string): number | undefined {
  const v = f.str(name);
  if (v === undefined) return undefined;
  if (!/^\+?\d+$/.test(v)) {
    const label = short ? `-${short}, --${name}` : `--${name}`;
    throw usage(`invalid argument "${v}" for "${label}" flag: strconv.ParseUint: parsing "${v}": invalid syntax`);
  }
  return Number(v);
}

function intFlag(f: Flags, name: string): number | undefined {
  const v = f.str(name);
  if (v === undefined) return undefined;
  if (!/^[-+]?\d+$/.test(v)) throw usage(`invalid argument "${v}" for "--${name}" flag: strconv.ParseInt: parsing "${v}": invalid syntax`);
  return Number(v);
}

function readText(ctx: RunArgsContext, path: string): string {
  if (ctx.readFile) return ctx.readFile(path);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require("node:fs") as typeof import("node:fs")).readFileSync(path, "utf8");
}

function fsMessage(path: string, e: unknown): string {
  const code = (e as { code?: string }).code;
  const text: Record<string, string> = { ENOENT: "no such file or directory", EACCES: "permission denied", EISDIR: "is a directory" };
  return code && text[code] ? `open ${path}: ${text[code]}` : e instanceof Error ? e.message : String(e);
}

/**
 * Docker's env-file format: one `NAME=value` or `NAME` per line, `#` comments
 * and blank lines skipped, leading whitespace trimmed, the value kept
 * verbatim (no quotes processing); `NAME` alone takes the caller's value and
 * is skipped when the caller has none.
 * @throws SkiffError "invalid-argument" `variable 'a b' contains whitespaces`
 */
export function parseEnvFileText(text: string, env: Readonly<Record<string, string | undefined>>): [string, string][] {
  const out: [string, string][] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "").replace(/^\s+/, "");
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    const name = eq >= 0 ? line.slice(0, eq) : line.replace(/\s+$/, "");
    if (/\s/.test(name)) throw invalid(`variable '${name}' contains whitespaces`);
    if (name === "") throw invalid(`invalid environment variable: "${line}"`);
    if (eq >= 0) out.push([name, line.slice(eq + 1)]);
    else if (env[name] !== undefined) out.push([name, env[name]!]);
  }
  return out;
}

/**
 * One `-e` value: `K=V`; `K` takes the caller's value (skipped if unset);
 * `K*` takes every caller variable starting with K (Podman's wildcard).
 * @throws SkiffError "invalid-argument" `invalid environment variable: "=x"`
 */
export function parseEnvArg(v: string, env: Readonly<Record<string, string | undefined>>): [string, string][] {
  const eq = v.indexOf("=");
  if (eq === 0 || v === "") throw invalid(`invalid environment variable: "${v}"`);
  if (eq > 0) return [[v.slice(0, eq), v.slice(eq + 1)]];
  if (v.endsWith("*")) {
    const prefix = v.slice(0, -1);
    return Object.entries(env).filter((e): e is [string, string] => e[0].startsWith(prefix) && e[1] !== undefined);
  }
  return env[v] !== undefined ? [[v, env[v]!]] : [];
}

const VOLUME_OPTS = new Set([
  "rw", "ro", "z", "Z", "O", "U", "nocopy", "copy", "suid", "nosuid", "dev", "nodev", "exec", "noexec",
  "shared", "rshared", "slave", "rslave", "private", "rprivate", "unbindable", "runbindable", "bind", "rbind", "idmap",
]);

function absoluteDest(d: string): string {
  if (!d.startsWith("/")) throw invalid(`invalid container path "${d}", must be an absolute path`);
  return d.length > 1 ? d.replace(/\/+$/, "") : d;
}

function splitRo(opts: readonly string[]): { readonly: boolean; rest: string[] } {
  const ro = opts.filter((o) => o === "ro" || o === "rw");
  if (ro.length > 1) throw invalid("cannot pass 'ro' and 'rw' options more than once");
  return { readonly: ro[0] === "ro", rest: opts.filter((o) => o !== "ro" && o !== "rw") };
}

/**
 * A host path given to `-v` or `--mount type=bind`, made absolute: "/x" as
 * is, "./x", "../x", "." and ".." against `cwd` (Docker >= 23 and Podman).
 * Anything else is not a path; `undefined` then.
 */
function hostPath(src: string, cwd: string): string | undefined {
  if (src.startsWith("/")) return src;
  if (src === "." || src === ".." || src.startsWith("./") || src.startsWith("../")) return resolvePath(cwd, src);
  return undefined;
}

/** Docker's refusal of a source that is neither a path nor a volume name. */
function badVolumeName(src: string): SkiffError {
  return invalid(`${JSON.stringify(src)} includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
}

/**
 * `-v src:dst[:opts]`, `-v dst` (anonymous volume). An absolute src, or one
 * starting with "./" or "../", is a bind mount (relative ones resolved
 * against `cwd`; a missing folder is created at start, as Docker does);
 * a name is a named volume. A relative path like "rel/sub" is neither and is
 * refused with Docker's message.
 * @throws SkiffError "invalid-argument" with Podman's/Docker's messages
 */
export function parseVolumeArg(v: string, cwd: string = process.cwd()): MountSpec {
  const parts = v.split(":");
  if (parts.length > 3 || v === "") throw invalid(`invalid volume specification: "${v}"`);
  if (parts.length === 1) return { type: "volume", destination: absoluteDest(parts[0]!) };
  const [src, dst, optStr] = parts as [string, string, string | undefined];
  const opts = optStr !== undefined ? optStr.split(",") : [];
  for (const o of opts) {
    if (!VOLUME_OPTS.has(o) && !o.startsWith("idmap=")) throw invalid(`invalid option type "${o}"`);
  }
  const { readonly, rest } = splitRo(opts);
  const destination = absoluteDest(dst);
  const extra = rest.length ? { options: rest } : {};
  const source = hostPath(src, cwd);
  if (source !== undefined) return { type: "bind", source, destination, readonly, createHostPath: true, ...extra };
  if (src === "") throw invalid(`invalid volume specification: "${v}"`);
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(src)) throw badVolumeName(src);
  return { type: "volume", name: src, destination, readonly, ...extra };
}

/**
 * `--mount type=bind|volume|tmpfs,src=…,dst=…,ro,…` (Docker's syntax with
 * Podman's keys: source/src, destination/dst/target, readonly/ro[=bool],
 * bind-propagation, relabel, tmpfs-size, tmpfs-mode, volume-opt, nocopy).
 * A relative bind source is resolved against `cwd`; it must exist at create.
 */
export function parseMountArg(v: string, cwd: string = process.cwd()): MountSpec {
  let type = "";
  let source: string | undefined;
  let dest: string | undefined;
  let readonly = false;
  const options: string[] = [];
  for (const field of csv([v])) {
    const eq = field.indexOf("=");
    const key = (eq >= 0 ? field.slice(0, eq) : field).toLowerCase();
    const val = eq >= 0 ? field.slice(eq + 1) : undefined;
    const boolVal = () => {
      if (val === undefined || ["true", "1"].includes(val.toLowerCase())) return true;
      if (["false", "0"].includes(val.toLowerCase())) return false;
      throw invalid(`invalid value for ${key}: "${val}"`);
    };
    switch (key) {
      case "type": type = val ?? ""; break;
      case "src": case "source": source = val; break;
      case "dst": case "destination": case "target": dest = val; break;
      case "ro": case "readonly": readonly = boolVal(); break;
      case "rw": readonly = !boolVal(); break;
      case "bind-propagation": options.push(val ?? ""); break;
      case "relabel": options.push(val === "private" ? "Z" : "z"); break;
      case "tmpfs-size": options.push(`size=${val}`); break;
      case "tmpfs-mode": options.push(`mode=${val}`); break;
      case "nocopy": case "notmpcopyup": case "u": case "z": if (boolVal()) options.push(key === "u" ? "U" : key); break;
      case "bind-nonrecursive": if (boolVal()) options.push("bind"); break;
      case "volume-opt": case "consistency": case "chown": case "idmap": break; // recorded by Docker, meaningless here
      case "suid": case "nosuid": case "dev": case "nodev": case "exec": case "noexec": options.push(key); break;
      default: throw invalid(`unknown mount option "${key}"`);
    }
  }
  if (type === "") throw invalid("incorrect mount format: should be --mount type=<bind|tmpfs|volume>,[src=<host-dir|volume-name>,]target=<ctr-dir>[,options]");
  if (type !== "bind" && type !== "volume" && type !== "tmpfs") throw invalid(`invalid filesystem type "${type}"`);
  if (dest === undefined || dest === "") throw invalid("must set volume destination");
  const destination = absoluteDest(dest);
  const extra = options.length ? { options } : {};
  if (type === "tmpfs") return { type, destination, options: readonly ? ["ro", ...options] : options };
  if (type === "bind") {
    if (!source) throw invalid("must set source volume");
    // --mount is always a path (no volume names): Docker >= 23 and Podman resolve any relative one.
    return { type, source: resolvePath(cwd, source), destination, readonly, ...extra };
  }
  return source ? { type, name: source, destination, readonly, ...extra } : { type, destination, readonly, ...extra };
}

/** `--tmpfs /dst[:opts]`. */
export function parseTmpfsArg(v: string): MountSpec {
  const c = v.indexOf(":");
  const destination = absoluteDest(c >= 0 ? v.slice(0, c) : v);
  return c >= 0 ? { type: "tmpfs", destination, options: v.slice(c + 1).split(",").filter(Boolean) } : { type: "tmpfs", destination };
}

const ULIMITS = new Set(["as", "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"]);

/** `--ulimit name=soft[:hard]` (-1 = unlimited). @throws with Podman's "requires name=SOFT:HARD" wording */
export function parseUlimitArg(v: string): UlimitSpec {
  const fail = (why: string) => invalid(`ulimit option "${v}" requires name=SOFT:HARD, failed to be parsed: ${why}`);
  const eq = v.indexOf("=");
  if (eq < 0) throw fail(`invalid ulimit argument: ${v}`);
  const name = v.slice(0, eq).toLowerCase().replace(/^rlimit_/, "");
  if (!ULIMITS.has(name)) throw fail(`invalid ulimit type: ${v.slice(0, eq)}`);
  const parts = v.slice(eq + 1).split(":");
  if (parts.length > 2) throw fail(`too many limit value arguments - ${v.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``);
  const nums = parts.map((p) => {
    if (!/^-?\d+$/.test(p)) throw fail(`strconv.ParseInt: parsing "${p}": invalid syntax`);
    return Number(p);
  });
  const soft = nums[0]!;
  const hard = nums[1] ?? soft;
  if (soft !== -1 && hard !== -1 && soft > hard) throw fail(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  return { name, soft, hard };
}

/** `--restart no|on-failure[:N]|always|unless-stopped`. */
export function parseRestartArg(v: string): RestartSpec {
  const [policy, count, ...more] = v.split(":");
  if (more.length) throw invalid(`invalid restart policy "${v}"`);
  if (!["no", "on-failure", "always", "unless-stopped", ""].includes(policy!)) {
    throw invalid(`running container create option: "${policy}" is not a valid restart policy: invalid argument`);
  }
  const p = (policy || "no") as RestartSpec["policy"];
  if (count === undefined) return { policy: p };
  if (!/^-?\d+$/.test(count)) throw invalid(`parsing restart policy retry count: strconv.Atoi: parsing "${count}": invalid syntax`);
  const n = Number(count);
  if (n < 0) throw invalid("must specify restart policy retry count as a number greater than 0");
  return { policy: p, maxRetries: n };
}

const DEVICE_MODE = /^[rwm]{1,3}$/;
function isDeviceMode(m: string): boolean {
  return DEVICE_MODE.test(m) && new Set(m).size === m.length;
}

/** `--device /dev/x[:/dev/y][:rwm]` (Podman's ParseDevice rules). */
export function parseDeviceArg(v: string): DeviceSpec {
  const parts = v.split(":");
  const source = parts[0]!;
  if (!source.startsWith("/")) throw invalid(`${v} is not an absolute path`);
  if (parts.length === 1) return { source };
  if (parts.length === 2) {
    const x = parts[1]!;
    if (isDeviceMode(x)) return { source, permissions: x };
    if (!x.startsWith("/")) throw invalid(`invalid device mode: ${x}`);
    return { source, destination: x };
  }
  if (parts.length === 3) {
    if (!isDeviceMode(parts[2]!)) throw invalid(`invalid device mode: ${parts[2]}`);
    if (!parts[1]!.startsWith("/")) throw invalid(`${parts[1]} is not an absolute path`);
    return { source, destination: parts[1]!, permissions: parts[2]! };
  }
  throw invalid(`invalid device specification: ${v}`);
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
/** True for an IPv4 or IPv6 literal. */
export function isIP(s: string): boolean {
  if (IPV4.test(s)) return true;
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(":")) return false;
  const dbl = s.split("::");
  if (dbl.length > 2) return false;
  const groups = s.split(":").filter((g) => g !== "");
  const last = groups[groups.length - 1];
  const v4tail = last !== undefined && last.includes(".");
  if (v4tail && !IPV4.test(last)) return false;
  const count = groups.length + (v4tail ? 1 : 0);
  if (!groups.every((g) => g.includes(".") || /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return dbl.length === 2 ? count < 8 : count === 8;
}

/** `--add-host host:ip` (split at the first colon, so IPv6 addresses work; "host-gateway" accepted). */
export function parseAddHostArg(v: string): { host: string; ip: string } {
  const c = v.indexOf(":");
  if (c <= 0) throw invalid(`bad format for add-host: "${v}"`);
  const host = v.slice(0, c);
  const ip = v.slice(c + 1);
  if (ip !== "host-gateway" && !isIP(ip.replace(/^\[|\]$/g, ""))) throw invalid(`invalid IP address in add-host: "${ip}"`);
  return { host, ip: ip.replace(/^\[|\]$/g, "") };
}

function keyValues(values: readonly string[], what: (v: string) => string, allowBare: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    if (eq === 0 || (eq < 0 && !allowBare)) throw invalid(what(v));
    if (eq < 0) out[v] = "";
    else out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

function parseNamespace(flag: string, v: string | undefined, extra: readonly string[] = []): NamespaceMode | undefined {
  if (v === undefined || v === "") return undefined;
  if (v === "host") return "host";
  if (v === "private" || extra.includes(v)) return "private";
  if (/^(container|ns|pod):/.test(v) || v === "pod") throw invalid(`--${flag} ${v} is not supported yet`);
  throw invalid(`unrecognized namespace mode ${v} passed`);
}

/** `--security-opt` values (key=value or Docker's legacy key:value). */
export function parseSecurityOpts(values: readonly string[]): SecuritySpec {
  let noNewPrivileges = false;
  let seccompProfile: string | undefined;
  const mask: string[] = [];
  const unmask: string[] = [];
  const label: string[] = [];
  const procOpts: string[] = [];
  let apparmor: string | undefined;
  values.forEach((opt, idx) => {
    if (opt === "no-new-privileges") { noNewPrivileges = true; return; }
    const m = /^([a-z-]+)[=:](.*)$/.exec(opt);
    if (!m) throw invalid(`invalid --security-opt ${idx + 1}: "${opt}"`);
    const [, key, val] = m as unknown as [string, string, string];
    switch (key) {
      case "no-new-privileges":
        if (!["true", "false"].includes(val)) throw invalid(`invalid --security-opt 2: "${opt}"`);
        noNewPrivileges = val === "true";
        break;
      case "seccomp": seccompProfile = val; break;
      case "mask": mask.push(...val.split(":").filter(Boolean)); break;
      case "unmask": unmask.push(...val.split(":").filter(Boolean)); break;
      case "systempaths": if (val === "unconfined") unmask.push("ALL"); else throw invalid(`invalid --security-opt 1: "${opt}"`); break;
      case "label": label.push(val); break;
      case "apparmor": apparmor = val; break;
      case "proc-opts": procOpts.push(...val.split(",")); break;
      default: throw invalid(`invalid --security-opt 1: "${opt}"`);
    }
  });
  return {
    ...(noNewPrivileges ? { noNewPrivileges } : {}),
    ...(seccompProfile !== undefined ? { seccompProfile } : {}),
    ...(mask.length ? { mask } : {}),
    ...(unmask.length ? { unmask } : {}),
    ...(label.length ? { label } : {}),
    ...(apparmor !== undefined ? { apparmor } : {}),
    ...(procOpts.length ? { procOpts } : {}),
  };
}

/** Sysctls a container may set in its own namespaces (Podman's allow-list). */
const IPC_SYSCTLS = new Set(["kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"]);

function parseSysctls(values: readonly string[], ipcHost: boolean, netHost: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    if (eq <= 0) throw invalid(`${v} is invalid, sysctl values must be in the form of KEY=VALUE`);
    const key = v.slice(0, eq);
    if (IPC_SYSCTLS.has(key) || key.startsWith("fs.mqueue.")) {
      if (ipcHost) throw invalid(`sysctl '${key}' is not allowed in the hosts ipc namespace`);
    } else if (key.startsWith("net.")) {
      if (netHost) throw invalid(`sysctl '${key}' is not allowed in the hosts network namespace`);
    } else {
      throw invalid(`sysctl '${key}' is not allowed`);
    }
    out[key] = v.slice(eq + 1);
  }
  return out;
}

function parseEntrypoint(v: string): string[] {
  if (v === "") return [];
  if (v.startsWith("[")) {
    try {
      const j: unknown = JSON.parse(v);
      if (Array.isArray(j) && j.every((x) => typeof x === "string")) return j as string[];
    } catch {
      // Not JSON: Podman then takes the whole string as the program.
    }
  }
  return [v];
}

function parseHealthcheck(f: Flags): HealthcheckSpec | undefined {
  if (f.bool("no-healthcheck")) {
    if (f.changed("health-cmd")) throw invalid("cannot specify both --no-healthcheck and --health-cmd");
    return { test: ["NONE"] };
  }
  const cmd = f.str("health-cmd");
  let test: string[] | undefined;
  if (cmd === undefined) test = undefined;
  else if (cmd.toLowerCase() === "none") test = ["NONE"];
  else {
    const ep = cmd.startsWith("[") ? parseEntrypoint(cmd) : undefined;
    test = ep && cmd.startsWith("[") && ep.length && ep[0] !== cmd ? ["CMD", ...ep] : ["CMD-SHELL", cmd];
  }
  const retries = uintFlag(f, "health-retries");
  const onFailure = f.str("health-on-failure");
  if (onFailure !== undefined && !["none", "kill", "restart", "stop"].includes(onFailure)) {
    throw invalid(`invalid healthcheck action ${JSON.stringify(onFailure)}`);
  }
  const durations: Record<string, string | undefined> = {
    interval: f.str("health-interval"), timeout: f.str("health-timeout"), startPeriod: f.str("health-start-period"),
  };
  for (const [k, d] of Object.entries(durations)) {
    if (d !== undefined && d !== "disable" && !/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$|^0$/.test(d)) {
      throw invalid(`invalid healthcheck-${k === "startPeriod" ? "start-period" : k} ${JSON.stringify(d)}`);
    }
  }
  const hc: HealthcheckSpec = {
    ...(test ? { test } : {}),
    ...(durations.interval !== undefined ? { interval: durations.interval } : {}),
    ...(durations.timeout !== undefined ? { timeout: durations.timeout } : {}),
    ...(durations.startPeriod !== undefined ? { startPeriod: durations.startPeriod } : {}),
    ...(retries !== undefined ? { retries } : {}),
    ...(onFailure !== undefined ? { onFailure } : {}),
  };
  return Object.keys(hc).length ? hc : undefined;
}

function memFlag(f: Flags, name: string): number | undefined {
  const v = f.str(name);
  if (v === undefined || v === "") return undefined;
  if (name === "memory-swap" && v === "-1") return -1;
  try {
    return ramInBytes(v);
  } catch (e) {
    throw invalid(`invalid value for memory: ${(e as Error).message}`);
  }
}

function parseResources(f: Flags): ResourcesSpec | undefined {
  const r: { -readonly [K in keyof ResourcesSpec]: ResourcesSpec[K] } = {};
  const set = <K extends keyof ResourcesSpec>(k: K, v: ResourcesSpec[K] | undefined) => { if (v !== undefined) r[k] = v; };
  set("memory", memFlag(f, "memory"));
  set("memoryReservation", memFlag(f, "memory-reservation"));
  set("memorySwap", memFlag(f, "memory-swap"));
  set("memorySwappiness", intFlag(f, "memory-swappiness"));
  if (f.bool("oom-kill-disable")) r.oomKillDisable = true;
  set("cpuShares", uintFlag(f, "cpu-shares", "c"));
  set("cpuPeriod", uintFlag(f, "cpu-period"));
  set("cpuQuota", intFlag(f, "cpu-quota"));
  const cpus = f.str("cpus");
  if (cpus !== undefined) {
    const n = Number(cpus);
    if (cpus.trim() === "" || !Number.isFinite(n)) {
      throw usage(`invalid argument "${cpus}" for "--cpus" flag: strconv.ParseFloat: parsing "${cpus}": invalid syntax`);
    }
    if (n > 0) {
      if (r.cpuPeriod !== undefined) throw invalid("--cpu-period and --cpus cannot be set together");
      if (r.cpuQuota !== undefined) throw invalid("--cpu-quota and --cpus cannot be set together");
      r.cpuPeriod = 100_000;
      r.cpuQuota = Math.round(n * 100_000);
    }
  }
  set("cpusetCpus", f.str("cpuset-cpus"));
  set("cpusetMems", f.str("cpuset-mems"));
  set("pidsLimit", intFlag(f, "pids-limit"));
  const bw = f.str("blkio-weight");
  if (bw !== undefined) {
    if (!/^\d+$/.test(bw)) throw invalid(`invalid --blkio-weight: strconv.ParseUint: parsing "${bw}": invalid syntax`);
    r.blkioWeight = Number(bw);
  }
  return Object.keys(r).length ? r : undefined;
}

const PULL: readonly PullPolicy[] = ["always", "missing", "never", "newer"];
const LOG_DRIVERS = ["k8s-file", "none", "passthrough", "journald"];

/**
 * Turns parsed `run`/`create` flags and positionals (IMAGE [COMMAND [ARG…]])
 * into a validated-syntax ContainerSpec (call validateSpec for whole-spec
 * conflicts). `--env-file` and `--label-file` are read here.
 * @throws SkiffError "invalid-argument" (bad values, Podman's wording), "usage" (pflag-style number errors)
 */
export function runArgsToSpec(f: Flags, args: readonly string[], ctx: RunArgsContext): ContainerSpec {
  for (const name of UNSUPPORTED_RUN_FLAGS) {
    if (!f.changed(name)) continue;
    const ok = ACCEPTED_DEFAULTS[name];
    const v = f.str(name);
    if (ok && v !== undefined && ok.includes(v)) continue;
    throw invalid(`--${name} is not supported yet`);
  }
  if (args.length === 0) throw usage("requires at least 1 arg(s), only received 0");
  const spec: { -readonly [K in keyof ContainerSpec]: ContainerSpec[K] } = { image: args[0]! };
  if (args.length > 1) spec.command = args.slice(1);
  const str = (flag: string, key: keyof ContainerSpec) => {
    const v = f.str(flag);
    if (v !== undefined) (spec as Record<string, unknown>)[key] = v;
  };
  const flag = (name: string, key: keyof ContainerSpec) => { if (f.bool(name)) (spec as Record<string, unknown>)[key] = true; };

  str("name", "name");
  flag("detach", "detach"); flag("interactive", "interactive"); flag("tty", "tty"); flag("rm", "remove");
  flag("privileged", "privileged"); flag("read-only", "readOnly"); flag("init", "init"); flag("no-hosts", "noHosts");
  flag("publish-all", "publishAll"); flag("replace", "replace"); flag("rootfs", "rootfs"); flag("quiet", "quiet");
  flag("env-host", "envHost"); flag("unsetenv-all", "unsetEnvAll");
  if (f.changed("sig-proxy")) spec.sigProxy = f.bool("sig-proxy");
  if (f.changed("read-only-tmpfs")) spec.readOnlyTmpfs = f.bool("read-only-tmpfs");
  if (f.changed("tls-verify")) spec.tlsVerify = f.bool("tls-verify");
  if (!f.bool("http-proxy")) spec.httpProxy = false;
  const attach = csv(f.strs("attach"));
  for (const s of attach) {
    if (!["stdin", "stdout", "stderr"].includes(s.toLowerCase())) throw invalid(`invalid stream "${s}" for --attach - must be one of stdin, stdout, or stderr: invalid argument`);
  }
  if (attach.length) spec.attach = attach.map((x) => x.toLowerCase());
  str("detach-keys", "detachKeys");

  // Environment: proxy variables, host env, env files, then -e, later wins (Podman's order).
  const env: Record<string, string> = {};
  if (f.bool("http-proxy")) {
    for (const k of ["http_proxy", "https_proxy", "ftp_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY"]) {
      const v = ctx.env[k];
      if (v !== undefined) env[k] = v;
    }
  }
  if (f.bool("env-host")) for (const [k, v] of Object.entries(ctx.env)) if (v !== undefined) env[k] = v;
  for (const file of csv(f.strs("env-file"))) {
    let text: string;
    try {
      text = readText(ctx, file);
    } catch (e) {
      throw invalid(`parsing env file "${file}": ${fsMessage(file, e)}`);
    }
    for (const [k, v] of parseEnvFileText(text, ctx.env)) env[k] = v;
  }
  for (const e of f.strs("env")) for (const [k, v] of parseEnvArg(e, ctx.env)) env[k] = v;
  if (Object.keys(env).length) spec.env = env;
  const unset = f.strs("unsetenv");
  if (unset.length) spec.unsetEnv = unset;

  const ep = f.str("entrypoint");
  if (ep !== undefined) spec.entrypoint = parseEntrypoint(ep);
  str("workdir", "workdir");
  const wd = f.str("workdir");
  if (wd !== undefined && !wd.startsWith("/")) throw invalid(`invalid container path "${wd}", must be an absolute path`);
  str("user", "user");
  const groups = csv(f.strs("group-add"));
  if (groups.length) spec.groupAdd = groups;

  const mounts: MountSpec[] = [
    ...f.strs("volume").map((v) => parseVolumeArg(v, ctx.cwd ?? process.cwd())),
    ...f.strs("mount").map((v) => parseMountArg(v, ctx.cwd ?? process.cwd())),
    ...f.strs("tmpfs").map(parseTmpfsArg),
  ];
  if (mounts.length) spec.mounts = mounts;

  const publish = csv(f.strs("publish"));
  if (publish.length) {
    spec.publish = publish;
    spec.portMappings = publish.map(parsePortMapping);
  }
  const expose = csv(f.strs("expose"));
  if (expose.length) {
    for (const e of expose) parseExpose(e); // checked now, used by -P and the image's ExposedPorts
    spec.expose = expose;
  }
  const nets = [...f.strs("network"), ...f.strs("net")];
  if (nets.length) spec.network = nets;
  const aliases = csv(f.strs("network-alias"));
  if (aliases.length) spec.networkAliases = aliases;
  str("ip", "ip"); str("ip6", "ip6"); str("mac-address", "macAddress");
  const pid = parseNamespace("pid", f.str("pid"));
  if (pid) spec.pid = pid;
  const ipc = parseNamespace("ipc", f.str("ipc"), ["shareable", "none"]);
  if (ipc) spec.ipc = ipc;
  const uts = parseNamespace("uts", f.str("uts"));
  if (uts) spec.uts = uts;
  const cgns = parseNamespace("cgroupns", f.str("cgroupns"));
  if (cgns) spec.cgroupns = cgns;

  str("hostname", "hostname");
  const addHosts = csv(f.strs("add-host")).map(parseAddHostArg);
  if (addHosts.length) spec.addHosts = addHosts;
  const dns = csv(f.strs("dns"));
  for (const d of dns) if (d !== "none" && !isIP(d)) throw invalid(`${d} is not an ip address`);
  if (dns.length) spec.dns = dns;
  const dnsSearch = csv(f.strs("dns-search"));
  if (dnsSearch.length) spec.dnsSearch = dnsSearch;
  const dnsOptions = csv(f.strs("dns-option"));
  if (dnsOptions.length) spec.dnsOptions = dnsOptions;

  const labels: Record<string, string> = {};
  for (const file of csv(f.strs("label-file"))) {
    let text: string;
    try {
      text = readText(ctx, file);
    } catch (e) {
      throw invalid(`unable to process labels: ${fsMessage(file, e)}`);
    }
    for (const line of text.split("\n")) {
      const l = line.trim();
      if (l === "" || l.startsWith("#")) continue;
      const eq = l.indexOf("=");
      if (eq < 0) labels[l] = "";
      else labels[l.slice(0, eq)] = l.slice(eq + 1);
    }
  }
  Object.assign(labels, keyValues(f.strs("label"), (v) => `invalid label "${v}"`, true));
  if (Object.keys(labels).length) spec.labels = labels;
  const annotations = keyValues(csv(f.strs("annotation")), () => "annotations must be formatted KEY=VALUE", false);
  if (Object.keys(annotations).length) spec.annotations = annotations;

  str("init-path", "initPath");
  const restart = f.str("restart");
  if (restart !== undefined) spec.restart = parseRestartArg(restart);
  const stopSignal = f.str("stop-signal");
  if (stopSignal !== undefined) spec.stopSignal = signalName(parseSignal(stopSignal));
  const stopTimeout = uintFlag(f, "stop-timeout");
  if (stopTimeout !== undefined) spec.stopTimeout = stopTimeout;
  const timeout = uintFlag(f, "timeout");
  if (timeout !== undefined) spec.timeout = timeout;

  const resources = parseResources(f);
  if (resources) spec.resources = resources;
  const oom = intFlag(f, "oom-score-adj");
  if (oom !== undefined) spec.oomScoreAdj = oom;
  const ulimits = csv(f.strs("ulimit")).map(parseUlimitArg);
  if (ulimits.length) spec.ulimits = ulimits;
  const capAdd = csv(f.strs("cap-add")).map(normalizeCapability);
  if (capAdd.length) spec.capAdd = capAdd;
  const capDrop = csv(f.strs("cap-drop")).map(normalizeCapability);
  if (capDrop.length) spec.capDrop = capDrop;
  const security = parseSecurityOpts(f.strs("security-opt"));
  if (Object.keys(security).length) spec.security = security;
  const devices = csv(f.strs("device")).map(parseDeviceArg);
  if (devices.length) spec.devices = devices;
  const rules = csv(f.strs("device-cgroup-rule"));
  for (const r of rules) {
    if (!/^[abc] (\d+|\*):(\d+|\*) [rwm]{1,3}$/.test(r)) throw invalid(`invalid device cgroup rule requires type, major:Minor, and access rules: ${JSON.stringify(r)}`);
  }
  if (rules.length) spec.deviceCgroupRules = rules;
  const shm = f.str("shm-size");
  if (shm !== undefined) {
    try {
      spec.shmSize = ramInBytes(shm);
    } catch (e) {
      throw invalid(`unable to translate --shm-size: ${(e as Error).message}`);
    }
  }
  const netMode = nets.length === 1 ? nets[0] : undefined;
  const sysctls = parseSysctls(csv(f.strs("sysctl")), ipc === "host", netMode === "host");
  if (Object.keys(sysctls).length) spec.sysctls = sysctls;

  const logDriver = f.str("log-driver");
  if (logDriver !== undefined) {
    if (!LOG_DRIVERS.includes(logDriver)) throw invalid("running container create option: invalid log driver: invalid argument");
    spec.logDriver = logDriver;
  }
  const logOpts: Record<string, string> = {};
  for (const o of csv(f.strs("log-opt"))) {
    const eq = o.indexOf("=");
    if (eq <= 0) throw invalid(`invalid log option "${o}"`);
    const key = o.slice(0, eq);
    const val = o.slice(eq + 1);
    if (key === "max-size") {
      try {
        ramInBytes(val);
      } catch (e) {
        throw invalid(`${(e as Error).message}`);
      }
    } else if (!["path", "tag", "max-file", "mode"].includes(key)) throw invalid(`invalid log option "${o}"`);
    logOpts[key] = val;
  }
  if (Object.keys(logOpts).length) spec.logOpts = logOpts;
  str("runtime", "runtime");
  const pull = f.str("pull");
  if (pull !== undefined) {
    const p = pull === "true" ? "always" : pull === "false" ? "missing" : pull.toLowerCase();
    if (!PULL.includes(p as PullPolicy)) throw invalid(`unsupported pull policy "${pull}"`);
    spec.pull = p as PullPolicy;
  }
  str("cidfile", "cidfile"); str("pidfile", "pidfile"); str("conmon-pidfile", "conmonPidfile");
  const hc = parseHealthcheck(f);
  if (hc) spec.healthcheck = hc;
  const umask = f.str("umask");
  if (umask !== undefined) {
    if (!/^[0-7]{1,4}$/.test(umask)) throw invalid(`invalid umask string ${umask}`);
    spec.umask = umask;
  }
  str("tz", "tz"); str("cgroup-parent", "cgroupParent"); str("authfile", "authfile");
  const platform = f.str("platform");
  if (platform !== undefined && (f.changed("arch") || f.changed("os"))) throw invalid("--platform option can not be specified with --arch or --os");
  if (platform !== undefined) spec.platform = platform;
  else if (f.changed("arch") || f.changed("os") || f.changed("variant")) {
    spec.platform = [f.str("os") ?? "linux", f.str("arch") ?? "", f.str("variant") ?? ""].filter((x, k) => k < 2 || x).join("/");
  }
  return spec;
}
