/**
 * Leak checks after an end-to-end scenario, limited to skiff-owned names of
 * one test store (this machine may run Podman's containers too): no mount
 * under the store, no conmon or runtime process of its containers, no
 * bundle folder, exit file, attach link or container lock left behind.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TestStore } from "./cli.ts";

/** Mount points under the store's root or runroot (from /proc/self/mountinfo). */
export function storeMounts(store: Pick<TestStore, "root" | "runroot">): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8").split("\n")
    .map((l) => l.split(" ")[4] ?? "")
    .filter((p) => p.startsWith(store.root + "/") || p.startsWith(store.runroot + "/"));
}

/** Live processes whose command line names the store (conmon's -b/--exit-dir, runtime --root). */
export function storeProcesses(store: Pick<TestStore, "root" | "runroot">): string[] {
  const out: string[] = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    let cmd = "";
    try { cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " "); } catch { continue; }
    if (/conmon|crun|runc/.test(cmd.split(" ")[0] ?? "") && (cmd.includes(store.runroot) || cmd.includes(store.root))) out.push(`${pid}: ${cmd}`);
  }
  return out;
}

function entries(dir: string, keep: (n: string) => boolean = () => true): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter(keep).map((n) => join(dir, n));
}

/** Everything a removed container may leave behind; [] when clean. `live` lists IDs still expected to exist. */
export function leftovers(store: Pick<TestStore, "root" | "runroot">, live: readonly string[] = []): string[] {
  // A live container's things carry its full ID, or its first 16 chars (the netns name).
  const alive = (n: string) => !live.some((id) => n.includes(id.slice(0, 16)));
  return [
    ...storeMounts(store).filter(alive).map((m) => `mount ${m}`),
    ...storeProcesses(store).filter(alive).map((p) => `process ${p}`),
    ...entries(join(store.runroot, "containers"), alive).map((p) => `bundle ${p}`),
    ...entries(join(store.runroot, "exits"), alive).map((p) => `exit file ${p}`),
    ...entries(join(store.runroot, "s"), alive).map((p) => `socket link ${p}`),
    ...entries(join(store.runroot, "runtime"), (n) => /^[0-9a-f]{64}$/.test(n) && alive(n)).map((p) => `runtime state ${p}`),
    ...entries(join(store.runroot, "locks"), (n) => /^[0-9a-f]{64}\.lock$/.test(n) && alive(n)).map((p) => `lock ${p}`),
    ...entries(join(store.root, "containers"), alive).map((p) => `container folder ${p}`),
  ];
}

/**
 * leftovers() after giving conmon time to finish: conmon outlives the
 * container by its exit command (`skiff container cleanup`, a new process),
 * as with Podman, so a monitor may still be exiting when `run` returns.
 */
export async function settledLeftovers(store: Pick<TestStore, "root" | "runroot">, live: readonly string[] = [], ms = 5000): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const l = leftovers(store, live);
    if (l.length === 0 || Date.now() > deadline) return l;
    await Bun.sleep(50);
  }
}

/**
 * Network leftovers of one test store: its bridges (from its network
 * configs) and veths on them, pinned namespaces under <runroot>/netns, its
 * aardvark-dns processes, and iptables rules or chains naming one of its
 * subnets or an address in them. netavark's global NETAVARK_* chains stay
 * by design and are not listed.
 */
export function networkLeftovers(store: Pick<TestStore, "root" | "runroot">): string[] {
  const out: string[] = [];
  const dir = join(store.root, "networks");
  const configs = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".json"))
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as { driver: string; network_interface?: string; subnets?: { subnet: string }[] }) : [];
  for (const c of configs) {
    if (c.driver !== "bridge" || !c.network_interface) continue;
    const br = `/sys/class/net/${c.network_interface}`;
    if (existsSync(br)) out.push(`bridge ${c.network_interface}`);
    if (existsSync(`${br}/brif`)) for (const v of readdirSync(`${br}/brif`)) out.push(`veth ${v} on ${c.network_interface}`);
  }
  for (const n of entries(join(store.runroot, "netns"))) out.push(`netns ${n}`);
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    let cmd = "";
    try { cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " "); } catch { continue; }
    if (cmd.includes("aardvark-dns") && cmd.includes(store.runroot)) out.push(`aardvark-dns ${pid}: ${cmd}`);
  }
  const v4 = configs.flatMap((c) => (c.subnets ?? []).map((s) => s.subnet)).filter((s) => !s.includes(":"));
  const toInt = (ip: string) => ip.split(".").reduce((a, o) => a * 256 + Number(o), 0);
  const inSubnet = (ip: string) => v4.some((s) => {
    const [base = "", len = "32"] = s.split("/");
    const size = 2 ** (32 - Number(len));
    return toInt(ip) >= toInt(base) && toInt(ip) < toInt(base) + size;
  });
  for (const table of ["nat", "filter"]) {
    const r = Bun.spawnSync(["iptables", "-w", "-t", table, "-S"], { stdout: "pipe", stderr: "ignore" });
    for (const line of r.stdout.toString().split("\n")) {
      const ips = line.match(/\b\d+\.\d+\.\d+\.\d+\b/g) ?? [];
      if (ips.some(inSubnet)) out.push(`iptables -t ${table}: ${line}`);
    }
  }
  return out;
}
