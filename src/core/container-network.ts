/**
 * A container's networking across its lifecycle: which networks it joins
 * (decided at create from `--network`), the set-up at start (a pinned
 * namespace, addresses leased by skiff's IPAM, host ports bound by skiff,
 * `netavark setup`), and the teardown at stop, `rm -f` and `container
 * cleanup` (netavark teardown with the options of the set-up, leases freed,
 * namespace removed). Published host ports are bound here and handed to
 * conmon, which keeps every fd it inherited until the container exits
 * (Podman's way: a port in use is an error, not a silent DNAT rule).
 */
import type { Database } from "bun:sqlite";
import { closeSync } from "node:fs";
import { SkiffError, messageOf } from "../lib/errors.ts";
import type { StoreLayout } from "../storage/layout.ts";
import type { ContainerSpec } from "../spec/container-spec.ts";
import type { PortMapping } from "../spec/ports.ts";
import type { ContainerConfig } from "./types.ts";
import type { Attachment, NetworkConfig, NetworkStatus } from "../network/types.ts";
import type { NetavarkOptions, PerNetworkOptions } from "../network/netavark.ts";

/** How `--network` was given: one of Podman's modes, or networks to join. */
export type NetworkMode =
  | { readonly kind: "none" | "host" }
  | { readonly kind: "container"; readonly target: string }
  | { readonly kind: "ns"; readonly path: string }
  | { readonly kind: "bridge"; readonly networks: readonly { readonly name: string; readonly opts: Readonly<Record<string, string>> }[] };

/**
 * Parses `--network` values: `none`, `host`, `container:<id|name>`,
 * `ns:<path>`, `bridge`, `private`, or network names, each optionally with
 * `:alias=a,ip=x,mac=m,interface_name=i` (Podman 4's syntax).
 * @throws SkiffError invalid-argument for slirp4netns/pasta (rootless modes skiff has not got) and bad syntax
 */
export function parseNetworkMode(values: readonly string[] | undefined): NetworkMode {
  const v = values ?? [];
  if (v.length === 0) return { kind: "bridge", networks: [] };
  const first = v[0]!;
  if (v.length === 1) {
    if (first === "none" || first === "host") return { kind: first };
    if (first.startsWith("container:")) return { kind: "container", target: first.slice(10) };
    if (first.startsWith("ns:")) return { kind: "ns", path: first.slice(3) };
    if (first === "private" || first === "bridge" || first === "default") return { kind: "bridge", networks: [] };
  }
  const networks = v.map((x) => {
    if (/^(slirp4netns|pasta)(:|$)/.test(x)) throw new SkiffError("invalid-argument", `network mode ${x.split(":")[0]} is not supported by skiff`);
    if (/^(none|host|container:|ns:)/.test(x)) {
      throw new SkiffError("invalid-argument", `cannot set multiple networks without bridge network mode, selected mode ${x.split(":")[0]}: invalid argument`);
    }
    const colon = x.indexOf(":");
    const name = colon < 0 ? x : x.slice(0, colon);
    const opts: Record<string, string> = {};
    if (colon >= 0) {
      for (const kv of x.slice(colon + 1).split(",")) {
        const eq = kv.indexOf("=");
        const k = eq < 0 ? kv : kv.slice(0, eq);
        if (eq < 0 || !["alias", "ip", "ip6", "mac", "interface_name"].includes(k)) {
          throw new SkiffError("invalid-argument", `unknown bridge network option: ${kv}`);
        }
        opts[k] = opts[k] !== undefined && k === "alias" ? `${opts[k]},${kv.slice(eq + 1)}` : kv.slice(eq + 1);
      }
    }
    return { name, opts };
  });
  return { kind: "bridge", networks };
}

/**
 * The networks a new container joins, checked against the store (create
 * time): the default network when none is named. undefined for the modes
 * without netavark (none, host, container:, ns:).
 * @throws SkiffError not-found for an unknown network; invalid-argument for misplaced --ip/--network-alias
 */
export async function planAttachments(s: StoreLayout, spec: ContainerSpec, containerId: string): Promise<Attachment[] | undefined> {
  const mode = parseNetworkMode(spec.network);
  if (mode.kind !== "bridge") {
    if (spec.networkAliases?.length) throw new SkiffError("invalid-argument", "--network-alias can only be set for bridge networks");
    return undefined;
  }
  const { findNetwork } = await import("../network/store.ts");
  const { DEFAULT_NETWORK } = await import("../network/types.ts");
  const wanted = mode.networks.length ? mode.networks : [{ name: DEFAULT_NETWORK, opts: {} }];
  const out: Attachment[] = [];
  for (const [i, w] of wanted.entries()) {
    const net = await findNetwork(s, w.name);
    if (out.some((a) => a.network === net.name)) continue;
    const staticIps = [w.opts.ip, w.opts.ip6].filter((x): x is string => !!x);
    if (i === 0) {
      if (spec.ip) staticIps.push(spec.ip);
      if (spec.ip6) staticIps.push(spec.ip6);
    }
    const aliases = [...(w.opts.alias?.split(",") ?? []), ...(spec.networkAliases ?? [])];
    // Podman adds the short ID as an alias on DNS-enabled networks.
    if (net.dns_enabled) aliases.push(containerId.slice(0, 12));
    const mac = w.opts.mac ?? (i === 0 ? spec.macAddress : undefined);
    out.push({
      network: net.name,
      interfaceName: w.opts.interface_name ?? `eth${out.length}`,
      aliases: net.dns_enabled ? aliases : [],
      staticIps,
      ...(mac ? { staticMac: mac } : {}),
    });
  }
  return out;
}

/** What /etc/hosts and /etc/resolv.conf need from the network side. */
export interface EtcNetworkInfo {
  /** The container's addresses, first network first. */
  readonly addresses: readonly string[];
  /** The first network's gateway (host.containers.internal). */
  readonly gateway?: string;
  /** aardvark-dns servers of DNS-enabled networks. */
  readonly dnsServers: readonly string[];
  readonly dnsSearch: readonly string[];
}

export interface NetworkSetupReport {
  /** Namespace to join; absent → a new empty one or the host's (none/host). It exists when the report is returned. */
  readonly netnsPath?: string;
  /** Bound host-port sockets for conmon to hold; the caller owns them (closes its copies after spawning conmon, or on failure). */
  readonly portFds: readonly number[];
  /** /etc facts known at once (`container:` mode). */
  readonly info?: EtcNetworkInfo;
  /**
   * Settles when `netavark setup` has configured the namespace: resolves
   * with the /etc facts it produced (undefined when there was nothing to
   * set up), or rejects after undoing its own work (leases, namespace; the
   * port fds stay the caller's). It runs while the caller mounts the rootfs
   * and has the runtime create the container, and must have settled before
   * the container's process starts and before any teardown. A handler is
   * attached, so a rejection is never unhandled.
   */
  readonly configured: Promise<EtcNetworkInfo | undefined>;
}

const nothingToConfigure: Promise<undefined> = Promise.resolve(undefined);

/** Port mappings to set up: `-p` values, then `-P` over --expose and the image's ExposedPorts. */
export function portMappingsOf(config: ContainerConfig): PortMapping[] {
  const out = [...(config.spec.portMappings ?? [])];
  if (config.spec.publishAll) {
    const exposed = new Set<string>(Object.keys((config.imageConfig.ExposedPorts ?? {}) as Record<string, unknown>));
    for (const e of config.spec.expose ?? []) {
      const [p = "", proto = "tcp"] = e.split("/");
      const [a = 0, b = a] = p.split("-").map(Number);
      for (let x = a; x <= b; x++) exposed.add(`${x}/${proto}`);
    }
    for (const e of exposed) {
      const [p = "", proto = "tcp"] = e.split("/");
      const port = Number(p);
      if (!out.some((m) => port >= m.container_port && port < m.container_port + m.range && m.protocol.split(",").includes(proto))) {
        out.push({ host_ip: "", container_port: port, host_port: 0, range: 1, protocol: proto });
      }
    }
  }
  return out;
}

function closeAll(fds: readonly number[]): void {
  for (const fd of fds) try { closeSync(fd); } catch {}
}

/**
 * Binds every published host port (port 0: one the kernel picks, consecutive
 * for a range). sctp is not bound (netavark forwards it as given).
 * @returns the mappings with their host ports filled in, and the fds
 * @throws SkiffError conflict `cannot listen on the TCP port: listen tcp4 127.0.0.1:8080: bind: address already in use`
 */
export async function bindPorts(mappings: readonly PortMapping[]): Promise<{ mappings: PortMapping[]; fds: number[] }> {
  if (mappings.length === 0) return { mappings: [], fds: [] };
  const { bindInet, HostError } = await import("../lib/host.ts");
  const fds: number[] = [];
  const out: PortMapping[] = [];
  const bindOne = (ip: string, port: number, proto: string): number => {
    try {
      const r = bindInet(ip, port, proto === "tcp");
      fds.push(r.fd);
      return r.port;
    } catch (e) {
      if (e instanceof HostError && e.code === "EADDRINUSE") {
        const fam = ip.includes(":") ? "6" : "4";
        const addr = ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
        throw new SkiffError("conflict", `cannot listen on the ${proto.toUpperCase()} port: listen ${proto}${fam} ${addr}: bind: address already in use`);
      }
      if (e instanceof HostError && e.code === "EADDRNOTAVAIL") {
        throw new SkiffError("invalid-argument", `cannot listen on the ${proto.toUpperCase()} port: listen ${proto} ${ip}:${port}: bind: cannot assign requested address`);
      }
      throw e;
    }
  };
  try {
    for (const m of mappings) {
      const protos = m.protocol.split(",").filter((p) => p !== "sctp");
      let host = m.host_port;
      if (host === 0 && m.range === 1 && protos.length > 0) host = bindOne(m.host_ip, 0, protos[0]!) , protos.shift();
      else if (host === 0) host = 30000 + Math.floor(Math.random() * 20000);
      for (let i = 0; i < m.range; i++) for (const p of protos) bindOne(m.host_ip, host + i, p);
      out.push({ ...m, host_port: host });
    }
    return { mappings: out, fds };
  } catch (e) {
    closeAll(fds);
    throw e;
  }
}

function etcInfo(nets: readonly Attachment[], status: Record<string, NetworkStatus>): EtcNetworkInfo {
  const addresses: string[] = [];
  let gateway: string | undefined;
  const dnsServers: string[] = [];
  const dnsSearch: string[] = [];
  for (const a of nets) {
    const st = status[a.network];
    for (const iface of Object.values(st?.interfaces ?? {})) {
      for (const sn of iface.subnets ?? []) {
        addresses.push(sn.ipnet.split("/")[0]!);
        if (gateway === undefined && sn.gateway && !sn.gateway.includes(":")) gateway = sn.gateway;
      }
    }
    for (const d of st?.dns_server_ips ?? []) if (!dnsServers.includes(d)) dnsServers.push(d);
    for (const d of st?.dns_search_domains ?? []) if (!dnsSearch.includes(d)) dnsSearch.push(d);
  }
  return { addresses, ...(gateway ? { gateway } : {}), dnsServers, dnsSearch };
}

/** netavark's per-network options for one attachment with its leased addresses. */
function perNetwork(a: Attachment, ips: readonly string[]): PerNetworkOptions {
  return {
    static_ips: ips,
    ...(a.aliases.length ? { aliases: a.aliases } : {}),
    interface_name: a.interfaceName,
    ...(a.staticMac ? { static_mac: a.staticMac } : {}),
  };
}

/**
 * Leases addresses for `attachments` and runs `netavark setup` for them in
 * `netns`; on failure everything it did is undone.
 * @returns the options used (for teardown) and netavark's status
 */
async function setupAttachments(s: StoreLayout, db: Database, config: ContainerConfig, netns: string, attachments: readonly Attachment[], ports: readonly PortMapping[]) {
  const st = await import("../network/store.ts");
  const { netavarkSetup } = await import("../network/netavark.ts");
  const networks: Record<string, PerNetworkOptions> = {};
  const info: Record<string, NetworkConfig> = {};
  try {
    for (const a of attachments) {
      const net = await st.findNetwork(s, a.network);
      info[net.name] = net;
      networks[net.name] = perNetwork(a, st.allocateAddresses(db, net, config.id, a.staticIps));
    }
    const options: NetavarkOptions = {
      container_id: config.id,
      container_name: config.name,
      ...(ports.length ? { port_mappings: ports } : {}),
      networks,
      network_info: info,
      ...(config.spec.dns?.length ? { dns_servers: config.spec.dns } : {}),
    };
    // Recorded before netavark runs: if this process dies during the set-up,
    // `rm -f` or conmon's cleanup still finds what to tear down.
    st.saveSetup(db, config.id, { netns, options, status: {} });
    const status = await netavarkSetup(st.networkPaths(s).run, netns, options);
    return { options, status };
  } catch (e) {
    for (const name of Object.keys(networks)) st.releaseAddresses(db, config.id, name);
    throw e;
  }
}

/**
 * Sets up a container's network before the runtime creates it, in two
 * steps: at once, the pinned namespace and the published host ports (bound
 * here: a port in use fails the start before anything else is made, as in
 * Podman); then, in the background, leases and `netavark setup`
 * (`configured`), which only has to be done before the process starts.
 * @throws SkiffError not-found for an unknown network or `container:` target; state when the target is not running; conflict for a port in use. Nothing is left set up when it throws
 */
export async function setupContainerNetwork(s: StoreLayout, db: Database, config: ContainerConfig): Promise<NetworkSetupReport> {
  const st = await import("../network/store.ts");
  st.networkDb(s);
  const mode = parseNetworkMode(config.spec.network);
  if (mode.kind === "none" || mode.kind === "host") return { portFds: [], configured: nothingToConfigure };
  if (mode.kind === "ns") return { netnsPath: mode.path, portFds: [], configured: nothingToConfigure };
  if (mode.kind === "container") return joinContainer(s, db, mode.target);
  // A set-up left by a crash (no teardown ran) is undone first.
  if (st.getSetup(db, config.id)) await teardownContainerNetwork(s, db, config.id);
  const attachments = st.getAttachments(db, config.id) ?? [];
  if (attachments.length === 0) return { portFds: [], configured: nothingToConfigure };
  const { createNetns, removeNetns } = await import("../network/netns.ts");
  const netns = st.netnsPathOf(s, config.id);
  const bound = await bindPorts(portMappingsOf(config));
  try {
    await createNetns(netns);
  } catch (e) {
    closeAll(bound.fds);
    throw e;
  }
  // The pinned namespace is recorded at once (no networks yet), so a set-up
  // interrupted from here on is undone by the next teardown.
  st.saveSetup(db, config.id, { netns, options: { container_id: config.id, container_name: config.name, networks: {}, network_info: {} }, status: {} });
  const configured = (async () => {
    try {
      const { options, status } = await setupAttachments(s, db, config, netns, attachments, bound.mappings);
      st.saveSetup(db, config.id, { netns, options, status });
      return etcInfo(attachments, status);
    } catch (e) {
      await removeNetns(netns);
      st.saveSetup(db, config.id, undefined);
      throw e;
    }
  })();
  configured.catch(() => {});
  return { netnsPath: netns, portFds: bound.fds, configured };
}

async function joinContainer(s: StoreLayout, db: Database, target: string): Promise<NetworkSetupReport> {
  const [{ resolveContainerId, getContainer }, st] = await Promise.all([import("./store.ts"), import("../network/store.ts")]);
  const id = resolveContainerId(db, target);
  const rec = getContainer(db, id)!;
  if (rec.state.status !== "running" && rec.state.status !== "paused" || rec.state.pid === undefined) {
    throw new SkiffError("state", `cannot join network namespace of container ${id}: container state improper`);
  }
  const setup = st.getSetup(db, id);
  const attachments = st.getAttachments(db, id) ?? [];
  return {
    netnsPath: setup?.netns ?? `/proc/${rec.state.pid}/ns/net`,
    portFds: [],
    ...(setup ? { info: etcInfo(attachments, setup.status) } : {}),
    configured: nothingToConfigure,
  };
}

/**
 * Undoes the set-up: netavark teardown with the set-up's options, leases
 * freed, namespace removed. Idempotent; a container never set up is left alone.
 * @throws SkiffError runtime with netavark's message (the rest is still undone)
 */
export async function teardownContainerNetwork(s: StoreLayout, db: Database, containerId: string): Promise<void> {
  (await import("../network/store.ts")).networkDb(s);
  const st = await import("../network/store.ts");
  const setup = st.getSetup(db, containerId);
  if (!setup) return;
  let error: unknown;
  // A set-up that never reported its status was interrupted (the process
  // died): netavark may have done part of it, so its teardown errors are expected.
  const confirmed = Object.keys(setup.status).length > 0;
  if (Object.keys(setup.options.networks).length > 0) {
    try {
      const { netavarkTeardown } = await import("../network/netavark.ts");
      await netavarkTeardown(st.networkPaths(s).run, setup.netns, setup.options);
    } catch (e) { if (confirmed) error = e; }
  }
  const { removeNetns } = await import("../network/netns.ts");
  await removeNetns(setup.netns);
  st.releaseAddresses(db, containerId);
  st.saveSetup(db, containerId, undefined);
  if (error) throw new SkiffError("runtime", `tearing down network of container ${containerId}: ${messageOf(error)}`);
}

/**
 * `network connect` on a running container: leases, `netavark setup` for
 * the one network (eth<n>), recorded in the set-up so teardown covers it.
 */
export async function connectRunning(s: StoreLayout, db: Database, config: ContainerConfig, a: Attachment): Promise<void> {
  const st = await import("../network/store.ts");
  const setup = st.getSetup(db, config.id);
  if (!setup) throw new SkiffError("state", `container ${config.id} has no network namespace to connect to: container state improper`);
  const r = await setupAttachments(s, db, config, setup.netns, [a], []);
  st.saveSetup(db, config.id, {
    netns: setup.netns,
    options: { ...setup.options, networks: { ...setup.options.networks, ...r.options.networks }, network_info: { ...setup.options.network_info, ...r.options.network_info } },
    status: { ...setup.status, ...r.status },
  });
}

/** `network disconnect` on a running container: `netavark teardown` for that network only. */
export async function disconnectRunning(s: StoreLayout, db: Database, containerId: string, network: string): Promise<void> {
  const st = await import("../network/store.ts");
  const setup = st.getSetup(db, containerId);
  if (!setup || !setup.options.networks[network]) return;
  const { netavarkTeardown } = await import("../network/netavark.ts");
  const one = {
    ...setup.options,
    networks: { [network]: setup.options.networks[network]! },
    network_info: { [network]: setup.options.network_info[network]! },
  };
  // Ports stay with the remaining networks (netavark forwards them per network).
  delete (one as { port_mappings?: unknown }).port_mappings;
  await netavarkTeardown(st.networkPaths(s).run, setup.netns, one);
  st.releaseAddresses(db, containerId, network);
  const networks = { ...setup.options.networks };
  const info = { ...setup.options.network_info };
  const status = { ...setup.status };
  delete networks[network];
  delete info[network];
  delete status[network];
  st.saveSetup(db, containerId, { netns: setup.netns, options: { ...setup.options, networks, network_info: info }, status });
}

/** The etc-file facts of a set-up container (for rewriting /etc/hosts after connect). */
export async function etcInfoOf(db: Database, containerId: string): Promise<EtcNetworkInfo | undefined> {
  const st = await import("../network/store.ts");
  const setup = st.getSetup(db, containerId);
  return setup ? etcInfo(st.getAttachments(db, containerId) ?? [], setup.status) : undefined;
}
