/**
 * The netavark driver: `netavark --config <dir> --rootless=false setup|teardown
 * <netns>` with the network options JSON on stdin (netavark 1.4: `networks`
 * and `network_info` are maps by network name), the status block read back
 * from stdout. netavark calls are serialised with a flock (netavarkLockPath),
 * as Podman does, because two set-ups racing to create one bridge or one
 * firewall chain fail. aardvark-dns (started by
 * netavark for DNS-enabled networks) keeps its files in `<config>/aardvark-dns`,
 * under skiff's runroot, never Podman's.
 */
import { closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../lib/errors.ts";
import type { PortMapping } from "../spec/ports.ts";
import type { NetworkConfig, NetworkStatus } from "./types.ts";

/** netavark's PerNetworkOptions. */
export interface PerNetworkOptions {
  readonly static_ips?: readonly string[];
  readonly aliases?: readonly string[];
  readonly interface_name: string;
  readonly static_mac?: string;
}

/** The options JSON netavark reads on stdin. Teardown needs the very same as setup. */
export interface NetavarkOptions {
  readonly container_id: string;
  readonly container_name: string;
  readonly port_mappings?: readonly PortMapping[];
  readonly networks: Readonly<Record<string, PerNetworkOptions>>;
  readonly network_info: Readonly<Record<string, NetworkConfig>>;
  readonly dns_servers?: readonly string[];
}

const SEARCH_PATH = "/usr/libexec/podman:/usr/lib/podman:/usr/local/libexec/podman:/usr/local/lib/podman:/usr/libexec:/usr/local/bin:/usr/bin";

function binary(name: "netavark" | "aardvark-dns"): string {
  const env = process.env[name === "netavark" ? "SKIFF_NETAVARK" : "SKIFF_AARDVARK_DNS"];
  if (env) return env;
  const found = Bun.which(name, { PATH: SEARCH_PATH });
  if (!found) throw new SkiffError("runtime", `could not find "${name}" in one of [${SEARCH_PATH.split(":").join(" ")}]: no such file or directory`);
  return found;
}

/** netavark's stderr reduced to its message (it logs JSON `{"error": …}` or plain text; syslog noise dropped). */
function netavarkMessage(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.replace(/failed to connect to syslog: .*$/, "").trim()).filter(Boolean);
  return lines.map((l) => { try { return (JSON.parse(l) as { error?: string }).error ?? l; } catch { return l; } }).join(": ");
}

/**
 * The lock serialising netavark runs. As root it is host-wide, not per
 * store: netavark's firewall chains (NETAVARK_*) and bridges are global, so
 * two stores' set-ups and teardowns racing each other fail ("chain already
 * exists", a rule deleted under the other's feet). Rootless runs have their
 * own namespace and keep the lock in their config folder.
 */
function netavarkLockPath(configDir: string): string {
  if (process.getuid?.() !== 0) return join(configDir, "netavark.lock");
  mkdirSync("/run/lock", { recursive: true, mode: 0o1777 });
  return "/run/lock/skiff-netavark.lock";
}

/**
 * Runs one netavark command under the netavark lock.
 * @returns stdout
 * @throws SkiffError runtime `netavark: <message>`
 */
async function netavark(configDir: string, args: readonly string[], options: NetavarkOptions): Promise<string> {
  mkdirSync(configDir, { recursive: true, mode: 0o755 });
  const host = await import("../lib/host.ts");
  const lockFd = openSync(netavarkLockPath(configDir), "a", 0o600);
  try {
    await host.flock(lockFd, host.LOCK_EX);
    const p = Bun.spawn([binary("netavark"), "--config", configDir, "--rootless=false", "--aardvark-binary", binary("aardvark-dns"), ...args], {
      stdin: new Blob([JSON.stringify(options)]),
      stdout: "pipe",
      stderr: "pipe",
      // netavark needs iptables (in /usr/sbin); aardvark-dns, started by it, must not hold our pipes.
      env: { ...process.env, PATH: `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` },
    });
    // aardvark-dns, when started, daemonizes with its own stdio: reading to EOF is safe.
    const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    if (code !== 0) throw new SkiffError("runtime", `netavark: ${netavarkMessage(err) || `exit status ${code}`}`);
    return out;
  } finally {
    closeSync(lockFd);
  }
}

/**
 * `netavark setup`: creates the interfaces, firewall rules and DNS entries.
 * @returns the status block per network name
 * @throws SkiffError runtime with netavark's message (netavark undoes its partial work itself)
 */
export async function netavarkSetup(configDir: string, netnsPath: string, options: NetavarkOptions): Promise<Record<string, NetworkStatus>> {
  const out = await netavark(configDir, ["setup", netnsPath], options);
  try {
    return JSON.parse(out) as Record<string, NetworkStatus>;
  } catch {
    throw new SkiffError("runtime", `netavark: unreadable status block: ${JSON.stringify(out.slice(0, 200))}`);
  }
}

/** `netavark teardown` with the options of the set-up. @throws SkiffError runtime */
export async function netavarkTeardown(configDir: string, netnsPath: string, options: NetavarkOptions): Promise<void> {
  await netavark(configDir, ["teardown", netnsPath], options);
}
