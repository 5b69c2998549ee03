/**
 * Network definitions and per-container network state.
 *
 * Definitions are JSON files in Podman's network-config format, one per
 * network, in skiff's own folder (`<root>/networks/`, or
 * $SKIFF_NETWORK_CONFIG_DIR), never Podman's /etc/containers/networks. The
 * default network ("skiff", also reachable as "bridge" and "podman") is written there
 * on first use with skiff's own bridge name and the first free /16 from
 * 10.88.0.0/16 on, so it never shares Podman's podman0/cni-podman0.
 *
 * In the state database (migration 4): `container_networks` (the networks a
 * container joins, and while it is set up, the exact netavark options used,
 * which teardown replays, plus netavark's status), and `network_leases`
 * (IPAM: one row per address handed out, inserted under BEGIN IMMEDIATE, so
 * concurrent starts never get the same address).
 */
import type { Database } from "bun:sqlite";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { openDb, writeTx } from "../storage/db.ts";
import { writeFileAtomic } from "../lib/atomic.ts";
import { SkiffError } from "../lib/errors.ts";
import type { StoreLayout } from "../storage/layout.ts";
import { cidrContains, cidrsOverlap, formatCidr, formatIp, lastAddress, parseCidr, parseIp, type Cidr } from "./ip.ts";
import { DEFAULT_NETWORK, DEFAULT_NETWORK_ALIASES, type Attachment, type NetworkConfig, type NetworkStatus, type Subnet } from "./types.ts";
import type { NetavarkOptions } from "./netavark.ts";


/** The store's database (the network tables are part of the schema, storage/schema.ts). */
export function networkDb(s: StoreLayout): Database {
  return openDb(s.root);
}

/** What a set-up container's namespace holds: replayed by teardown. */
export interface NetworkSetup {
  readonly netns: string;
  readonly options: NetavarkOptions;
  readonly status: Record<string, NetworkStatus>;
}

/** Folders of the network side of a store. */
export function networkPaths(s: StoreLayout) {
  return {
    /** Network definitions (Podman's format). */
    config: process.env.SKIFF_NETWORK_CONFIG_DIR ?? join(s.root, "networks"),
    /** netavark's --config: aardvark-dns files and the netavark lock. */
    run: join(s.runroot, "networks"),
    /** Pinned container namespaces. */
    netns: join(s.runroot, "netns"),
  };
}

export const netnsPathOf = (s: StoreLayout, id: string) => join(networkPaths(s).netns, `skiff-${id.slice(0, 16)}`);

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function notFound(ref: string): SkiffError {
  return new SkiffError("not-found", `unable to find network with name or ID ${ref}: network not found`);
}

/** Runs `fn` holding the store's network-config lock (create/remove/default). */
export async function withConfigLock<T>(s: StoreLayout, fn: () => T | Promise<T>): Promise<T> {
  const dir = networkPaths(s).config;
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const host = await import("../lib/host.ts");
  const fd = openSync(join(dir, ".lock"), "a", 0o600);
  try {
    await host.flock(fd, host.LOCK_EX);
    return await fn();
  } finally {
    closeSync(fd);
  }
}

function readConfigs(dir: string): NetworkConfig[] {
  if (!existsSync(dir)) return [];
  const out: NetworkConfig[] = [];
  for (const f of readdirSync(dir)) {
    if (!f.endsWith(".json")) continue;
    try { out.push(JSON.parse(readFileSync(join(dir, f), "utf8")) as NetworkConfig); } catch {}
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** IPv4 and IPv6 routes of the host (connected ones included), from /proc. */
export function hostRoutes(): Cidr[] {
  const out: Cidr[] = [];
  try {
    for (const l of readFileSync("/proc/net/route", "utf8").split("\n").slice(1)) {
      const f = l.trim().split(/\s+/);
      if (f.length < 8) continue;
      const le = (h: string) => BigInt(`0x${h.match(/../g)!.reverse().join("")}`);
      const dest = le(f[1]!);
      const mask = le(f[7]!);
      if (mask === 0n) continue; // the default route overlaps everything
      const prefix = mask.toString(2).replace(/0+$/, "").length;
      out.push({ family: 4, base: dest, prefix });
    }
  } catch {}
  try {
    for (const l of readFileSync("/proc/net/ipv6_route", "utf8").split("\n")) {
      const f = l.trim().split(/\s+/);
      if (f.length < 10 || f[1] === "00") continue;
      out.push({ family: 6, base: BigInt(`0x${f[0]}`), prefix: parseInt(f[1]!, 16) });
    }
  } catch {}
  return out;
}

const linkExists = (name: string) => existsSync(`/sys/class/net/${name}`);

function usedSubnets(configs: readonly NetworkConfig[]): Cidr[] {
  return configs.flatMap((c) => (c.subnets ?? []).map((s) => parseCidr(s.subnet)));
}

function freeSubnet(candidates: Iterable<string>, taken: readonly Cidr[]): string | undefined {
  for (const c of candidates) {
    const cidr = parseCidr(c);
    if (!taken.some((t) => cidrsOverlap(t, cidr))) return c;
  }
  return undefined;
}

/**
 * Bridges and subnets are host-wide while each store keeps its own configs
 * and leases: a claim file per bridge name (`/run/skiff-bridges/<name>`,
 * naming the config file that owns it and its subnets) keeps two stores
 * (the default one and a test's, say) from picking the same bridge or subnet.
 * A claim whose config file is gone is stale and reused.
 */
const CLAIMS = process.env.SKIFF_BRIDGE_CLAIMS ?? "/run/skiff-bridges";

interface Claim { readonly config: string; readonly subnets: readonly string[] }

function liveClaims(): Map<string, Claim> {
  const out = new Map<string, Claim>();
  if (!existsSync(CLAIMS)) return out;
  for (const n of readdirSync(CLAIMS)) {
    try {
      const c = JSON.parse(readFileSync(join(CLAIMS, n), "utf8")) as Claim;
      if (existsSync(c.config)) out.set(n, c);
    } catch {}
  }
  return out;
}

function writeClaim(bridge: string, configFile: string, subnets: readonly Subnet[]): void {
  mkdirSync(CLAIMS, { recursive: true, mode: 0o755 });
  writeFileAtomic(join(CLAIMS, bridge), JSON.stringify({ config: configFile, subnets: subnets.map((x) => x.subnet) }));
}

function dropClaim(bridge: string | undefined, configFile: string): void {
  if (!bridge) return;
  try {
    const c = JSON.parse(readFileSync(join(CLAIMS, bridge), "utf8")) as Claim;
    if (c.config === configFile) rmSync(join(CLAIMS, bridge), { force: true });
  } catch {}
}

/** Subnets claimed by other stores' bridges. */
const claimedSubnets = (): Cidr[] => [...liveClaims().values()].flatMap((c) => c.subnets.map(parseCidr));

function freeBridgeName(configs: readonly NetworkConfig[], from: number): string {
  const used = new Set(configs.map((c) => c.network_interface));
  const claims = liveClaims();
  for (let i = from; ; i++) {
    const n = `skiff${i}`;
    if (!used.has(n) && !linkExists(n) && !claims.has(n)) return n;
  }
}

const nowRfc3339 = () => new Date().toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");

/** The default network, written on first use (config lock held by the caller). */
function ensureDefault(dir: string, configs: NetworkConfig[]): NetworkConfig {
  const found = configs.find((c) => c.name === DEFAULT_NETWORK);
  if (found) return found;
  const taken = [...usedSubnets(configs), ...hostRoutes(), ...claimedSubnets()];
  const subnet = freeSubnet(function* () {
    yield "10.88.0.0/16";
    for (let i = 90; i < 255; i++) yield `10.${i}.0.0/16`;
  }(), taken);
  if (!subnet) throw new SkiffError("runtime", "could not find a free subnet for the default network");
  const cidr = parseCidr(subnet);
  const config: NetworkConfig = {
    name: DEFAULT_NETWORK,
    // Not Podman's fixed default ID: netavark names its iptables chains after the network ID, so a
    // shared ID would make every store (and Podman) share one NAT chain, and the last container of
    // any of them to stop would delete it under the others.
    id: createHash("sha256").update(randomBytes(32)).digest("hex"),
    driver: "bridge",
    network_interface: freeBridgeName(configs, 0),
    created: nowRfc3339(),
    subnets: [{ subnet, gateway: formatIp(4, cidr.base + 1n) }],
    ipv6_enabled: false,
    internal: false,
    dns_enabled: false,
    ipam_options: { driver: "host-local" },
  };
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  writeFileAtomic(join(dir, `${config.name}.json`), JSON.stringify(config, null, "     "));
  writeClaim(config.network_interface!, join(dir, `${config.name}.json`), config.subnets!);
  configs.push(config);
  return config;
}

/** Every network, the default one included (written on first use). */
export async function listNetworks(s: StoreLayout): Promise<NetworkConfig[]> {
  const dir = networkPaths(s).config;
  let configs = readConfigs(dir);
  // Configs written before claims existed (or after /run was cleared) claim their bridge again.
  for (const c of configs) {
    if (c.driver === "bridge" && c.network_interface && !existsSync(join(CLAIMS, c.network_interface))) {
      writeClaim(c.network_interface, join(dir, `${c.name}.json`), c.subnets ?? []);
    }
  }
  if (!configs.some((c) => c.name === DEFAULT_NETWORK)) {
    configs = await withConfigLock(s, () => {
      const again = readConfigs(dir);
      ensureDefault(dir, again);
      return again.sort((a, b) => a.name.localeCompare(b.name));
    });
  }
  return configs;
}

/**
 * A network by name, full ID or unique ID prefix; "bridge" and "podman" are the default network.
 * @throws SkiffError not-found `unable to find network with name or ID x: network not found`
 */
export async function findNetwork(s: StoreLayout, ref: string): Promise<NetworkConfig> {
  const all = await listNetworks(s);
  // "bridge" and "podman" name the default network unless a network of that name exists.
  const name = DEFAULT_NETWORK_ALIASES.includes(ref) && !all.some((c) => c.name === ref) ? DEFAULT_NETWORK : ref;
  const exact = all.find((c) => c.name === name || c.id === name);
  if (exact) return exact;
  const byPrefix = /^[0-9a-f]+$/.test(name) ? all.filter((c) => c.id.startsWith(name)) : [];
  if (byPrefix.length === 1) return byPrefix[0]!;
  if (byPrefix.length > 1) throw new SkiffError("invalid-argument", `more than one result for network ID ${ref}`);
  throw notFound(ref);
}

export interface NetworkCreateSpec {
  readonly name?: string;
  /** @default "bridge" */
  readonly driver?: string;
  readonly subnets?: readonly string[];
  readonly gateways?: readonly string[];
  readonly ipRanges?: readonly string[];
  readonly ipv6?: boolean;
  readonly internal?: boolean;
  readonly disableDns?: boolean;
  readonly labels?: Readonly<Record<string, string>>;
  readonly options?: Readonly<Record<string, string>>;
  readonly interfaceName?: string;
  /** Return the existing network instead of failing on a name clash (`--ignore`). */
  readonly ignore?: boolean;
}

const bad = (m: string) => new SkiffError("invalid-argument", m);

/**
 * Checks and writes a new network definition, as `podman network create`
 * does with the netavark backend (subnets checked against the store's
 * networks and the host's routes; a free 10.89.x.0/24 picked when none is
 * given; a ULA /64 for --ipv6).
 * @throws SkiffError conflict for a name in use or an overlapping subnet; invalid-argument for bad values or an unsupported driver
 */
export async function createNetworkConfig(s: StoreLayout, spec: NetworkCreateSpec): Promise<NetworkConfig> {
  const driver = spec.driver ?? "bridge";
  if (driver !== "bridge" && driver !== "macvlan") throw bad(`unsupported driver ${driver}: invalid argument`);
  if (spec.name !== undefined && !NAME.test(spec.name)) throw bad(`network name ${spec.name} invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument`);
  for (const [k, v] of Object.entries(spec.options ?? {})) {
    const ok = driver === "bridge" ? ["mtu", "vlan", "isolate", "com.docker.network.bridge.name"] : ["mtu", "mode"];
    if (!ok.includes(k)) throw bad(`unsupported ${driver} network option ${k}`);
    if ((k === "mtu" || k === "vlan") && !/^\d+$/.test(v)) throw bad(`parse ${k} option "${v}": invalid syntax`);
    if (k === "isolate" && !["true", "false", "strict"].includes(v)) throw bad(`failed to parse isolate option: strconv.ParseBool: parsing "${v}": invalid syntax`);
  }
  if ((spec.gateways?.length ?? 0) > (spec.subnets?.length ?? 0)) throw bad("cannot set more gateways than subnets");
  if ((spec.ipRanges?.length ?? 0) > (spec.subnets?.length ?? 0)) throw bad("cannot set more ranges than subnets");
  return withConfigLock(s, () => {
    const dir = networkPaths(s).config;
    const configs = readConfigs(dir);
    ensureDefault(dir, configs);
    const name = spec.name ?? (() => { for (let i = 1; ; i++) if (!configs.some((c) => c.name === `podman${i}`)) return `podman${i}`; })();
    const clash = configs.find((c) => c.name === name);
    if (clash) {
      if (spec.ignore) return clash;
      throw new SkiffError("conflict", `network name ${name} already used: network already exists`);
    }
    const taken = [...usedSubnets(configs), ...(driver === "bridge" ? [...hostRoutes(), ...claimedSubnets()] : [])];
    const subnets: Subnet[] = [];
    (spec.subnets ?? []).forEach((text, i) => {
      const cidr = parseCidr(text);
      if (taken.some((t) => cidrsOverlap(t, cidr))) {
        throw new SkiffError("conflict", `subnet ${formatCidr(cidr)} is already used on the host or by another config`);
      }
      taken.push(cidr);
      const gw = spec.gateways?.[i];
      if (gw !== undefined) {
        const g = parseIp(gw);
        if (!cidrContains(cidr, g.family, g.value)) throw bad(`gateway ip ${gw} not in subnet ${formatCidr(cidr)}`);
      }
      const range = spec.ipRanges?.[i];
      let lease: Subnet["lease_range"];
      if (range !== undefined) {
        const r = parseCidr(range);
        if (!cidrsOverlap(r, cidr) || r.prefix < cidr.prefix) throw bad(`ip range ${range} is not in subnet ${formatCidr(cidr)}`);
        lease = { start_ip: formatIp(r.family, r.base === cidr.base ? r.base + 1n : r.base), end_ip: formatIp(r.family, lastAddress(r) === lastAddress(cidr) && r.family === 4 ? lastAddress(r) - 1n : lastAddress(r)) };
      }
      const gateway = gw ?? (driver === "bridge" && !spec.internal ? formatIp(cidr.family, cidr.base + 1n) : undefined);
      subnets.push({ subnet: formatCidr(cidr), ...(gateway ? { gateway } : {}), ...(lease ? { lease_range: lease } : {}) });
    });
    if (!subnets.some((x) => !x.subnet.includes(":"))) {
      const wantV4 = !(spec.ipv6 && (spec.subnets?.length ?? 0) > 0);
      if (wantV4) {
        const v4 = freeSubnet(function* () { for (let a = 89; a < 255; a++) for (let b = 0; b < 256; b++) yield `10.${a}.${b}.0/24`; }(), taken);
        if (!v4) throw new SkiffError("runtime", "could not find free subnet from subnet pools");
        subnets.push({ subnet: v4, ...(driver === "bridge" ? { gateway: formatIp(4, parseCidr(v4).base + 1n) } : {}) });
      }
    }
    if (spec.ipv6 && !subnets.some((x) => x.subnet.includes(":"))) {
      // A random ULA /64 (RFC 4193), as Podman picks one.
      const v6 = freeSubnet(function* () {
        for (;;) { const h = randomBytes(5).toString("hex"); yield `fd${h.slice(0, 2)}:${h.slice(2, 6)}:${h.slice(6, 10)}::/64`; }
      }(), taken);
      subnets.push({ subnet: v6!, ...(driver === "bridge" ? { gateway: formatIp(6, parseCidr(v6!).base + 1n) } : {}) });
    }
    let iface = spec.interfaceName ?? spec.options?.["com.docker.network.bridge.name"];
    if (iface !== undefined && configs.some((c) => c.network_interface === iface && c.driver === "bridge" && driver === "bridge")) {
      throw new SkiffError("conflict", `bridge name ${iface} already in use: network already exists`);
    }
    if (driver === "bridge") iface ??= freeBridgeName(configs, 1);
    if (driver === "macvlan" && iface !== undefined && !linkExists(iface)) throw bad(`parent interface ${iface} does not exist`);
    const options = Object.fromEntries(Object.entries(spec.options ?? {}).filter(([k]) => k !== "com.docker.network.bridge.name"));
    const config: NetworkConfig = {
      name,
      id: createHash("sha256").update(randomBytes(32)).digest("hex"),
      driver,
      ...(iface !== undefined ? { network_interface: iface } : {}),
      created: nowRfc3339(),
      subnets,
      ipv6_enabled: spec.ipv6 === true || subnets.some((x) => x.subnet.includes(":")),
      internal: spec.internal === true,
      dns_enabled: driver === "bridge" && spec.disableDns !== true,
      ...(spec.labels && Object.keys(spec.labels).length ? { labels: spec.labels } : {}),
      ...(Object.keys(options).length ? { options } : {}),
      ipam_options: { driver: "host-local" },
    };
    writeFileAtomic(join(dir, `${name}.json`), JSON.stringify(config, null, "     "));
    if (driver === "bridge") writeClaim(iface!, join(dir, `${name}.json`), subnets);
    return config;
  });
}

/** Deletes a definition file (the default network cannot be removed). @throws SkiffError invalid-argument for the default network */
export function removeNetworkConfig(s: StoreLayout, config: NetworkConfig): void {
  if (config.name === DEFAULT_NETWORK) throw bad(`default network ${DEFAULT_NETWORK} cannot be removed`);
  const file = join(networkPaths(s).config, `${config.name}.json`);
  rmSync(file, { force: true });
  if (config.driver === "bridge") dropClaim(config.network_interface, file);
}

// ---- container_networks

export function getAttachments(db: Database, id: string): Attachment[] | undefined {
  const r = db.query("SELECT attachments FROM container_networks WHERE container_id = ?").get(id) as { attachments: string } | null;
  return r ? JSON.parse(r.attachments) as Attachment[] : undefined;
}

export function saveAttachments(db: Database, id: string, attachments: readonly Attachment[]): void {
  db.query("INSERT INTO container_networks (container_id, attachments) VALUES (?, ?) ON CONFLICT(container_id) DO UPDATE SET attachments = excluded.attachments")
    .run(id, JSON.stringify(attachments));
}

export function getSetup(db: Database, id: string): NetworkSetup | undefined {
  const r = db.query("SELECT setup FROM container_networks WHERE container_id = ?").get(id) as { setup: string | null } | null;
  return r?.setup ? JSON.parse(r.setup) as NetworkSetup : undefined;
}

export function saveSetup(db: Database, id: string, setup: NetworkSetup | undefined): void {
  db.query("UPDATE container_networks SET setup = ? WHERE container_id = ?").run(setup ? JSON.stringify(setup) : null, id);
}

/** IDs of the containers attached to a network. */
export function containersOnNetwork(db: Database, network: string): string[] {
  const rows = db.query("SELECT container_id, attachments FROM container_networks").all() as { container_id: string; attachments: string }[];
  return rows.filter((r) => (JSON.parse(r.attachments) as Attachment[]).some((a) => a.network === network)).map((r) => r.container_id);
}

// ---- IPAM

function leaseCandidates(sub: Subnet): { cidr: Cidr; first: bigint; last: bigint } {
  const cidr = parseCidr(sub.subnet);
  const start = sub.lease_range?.start_ip ? parseIp(sub.lease_range.start_ip).value : cidr.base + 1n;
  // IPv4's broadcast address is never handed out.
  const end = sub.lease_range?.end_ip ? parseIp(sub.lease_range.end_ip).value : lastAddress(cidr) - (cidr.family === 4 ? 1n : 0n);
  return { cidr, first: start, last: end };
}

/**
 * Leases one address per subnet of `net` to a container (a wanted address
 * when it falls in the subnet), under BEGIN IMMEDIATE.
 * @returns the addresses, in subnet order
 * @throws SkiffError conflict when a wanted address is taken; invalid-argument when it is outside every subnet; runtime when a subnet is full
 */
export function allocateAddresses(db: Database, net: NetworkConfig, containerId: string, wanted: readonly string[]): string[] {
  return writeTx(db, () => {
    const taken = new Set((db.query("SELECT address FROM network_leases WHERE network = ?").all(net.name) as { address: string }[]).map((r) => r.address));
    const out: string[] = [];
    const subnets = net.subnets ?? [];
    for (const w of wanted) {
      const p = parseIp(w);
      if (!subnets.some((s) => cidrContains(parseCidr(s.subnet), p.family, p.value))) {
        throw bad(`requested static ip ${w} not in any subnet on network ${net.name}`);
      }
    }
    for (const sub of subnets) {
      const { cidr, first, last } = leaseCandidates(sub);
      const gw = sub.gateway ? parseIp(sub.gateway).value : undefined;
      const want = wanted.map(parseIp).find((p) => cidrContains(cidr, p.family, p.value));
      let pick: string | undefined;
      if (want) {
        pick = formatIp(want.family, want.value);
        if (taken.has(pick) || want.value === gw) throw new SkiffError("conflict", `IPAM error: requested ip address ${pick} is already allocated to another container`);
      } else {
        for (let v = first; v <= last; v++) {
          if (v === gw || v === cidr.base) continue;
          const t = formatIp(cidr.family, v);
          if (!taken.has(t)) { pick = t; break; }
        }
        if (!pick) throw new SkiffError("runtime", `IPAM error: failed to find free IP in range: ${formatCidr(cidr)}`);
      }
      db.query("INSERT INTO network_leases (network, address, container_id) VALUES (?, ?, ?)").run(net.name, pick, containerId);
      taken.add(pick);
      out.push(pick);
    }
    return out;
  });
}

/** Releases a container's leases (on one network, or all). */
export function releaseAddresses(db: Database, containerId: string, network?: string): void {
  if (network === undefined) db.query("DELETE FROM network_leases WHERE container_id = ?").run(containerId);
  else db.query("DELETE FROM network_leases WHERE container_id = ? AND network = ?").run(containerId, network);
}
