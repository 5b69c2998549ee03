/**
 * Network operations behind `network create|ls|inspect|rm|prune|exists|
 * connect|disconnect|reload`, the create-time network plan of a container,
 * and the NetworkSettings block of `inspect`: options in, reports out, no
 * printing.
 */
import { groupFilters } from "../spec/filters.ts";
import { DEFAULT_NETWORK } from "../network/types.ts";
import { SkiffError } from "../lib/errors.ts";
import type { GlobalOptions } from "./options.ts";
import type { ContainerSpec } from "../spec/container-spec.ts";
import type { Attachment, NetworkConfig } from "../network/types.ts";
import type { NetworkCreateSpec } from "../network/store.ts";

async function open(g: GlobalOptions) {
  const st = await import("../network/store.ts");
  const store = { root: g.root, runroot: g.runroot };
  return { st, store, db: st.networkDb(store) };
}

/**
 * The networks a new container joins (undefined for none/host/container:/ns:).
 * @throws SkiffError not-found for an unknown network or `container:` target
 */
export async function planContainerNetworks(g: GlobalOptions, spec: ContainerSpec, id: string): Promise<Attachment[] | undefined> {
  const { parseNetworkMode, planAttachments } = await import("../core/container-network.ts");
  const mode = parseNetworkMode(spec.network);
  const { store, db } = await open(g);
  if (mode.kind === "container") {
    const { resolveContainerId } = await import("../core/store.ts");
    resolveContainerId(db, mode.target);
  }
  return planAttachments(store, spec, id);
}

/** Records a new container's networks (right after its row is inserted). */
export function recordAttachments(g: GlobalOptions, id: string, attachments: readonly Attachment[]): void {
  const st = require("../network/store.ts") as typeof import("../network/store.ts");
  st.saveAttachments(st.networkDb({ root: g.root, runroot: g.runroot }), id, attachments);
}

/** `network create`. @throws SkiffError as createNetworkConfig */
export async function createNetwork(g: GlobalOptions, spec: NetworkCreateSpec): Promise<NetworkConfig> {
  const { st, store } = await open(g);
  return st.createNetworkConfig(store, spec);
}

/** Podman's network JSON (ls --format json, inspect) with the containers using it where asked. */
export type NetworkReport = NetworkConfig;

function matchFilters(n: NetworkConfig, filters: readonly string[], inUse: (name: string) => boolean): boolean {
  const by = groupFilters(filters);
  for (const [k, vals] of by) {
    const ok = vals.some((v) => {
      switch (k) {
        case "name": return new RegExp(v).test(n.name);
        case "id": return n.id.startsWith(v);
        case "driver": return n.driver === v;
        case "label": {
          const eq = v.indexOf("=");
          const key = eq < 0 ? v : v.slice(0, eq);
          return n.labels?.[key] !== undefined && (eq < 0 || n.labels[key] === v.slice(eq + 1));
        }
        case "dangling": return (v === "true") === !inUse(n.name);
        case "until": return Date.parse(n.created) < (/^\d+$/.test(v) ? Number(v) * 1000 : Date.parse(v));
        default: throw new SkiffError("invalid-argument", `invalid filter "${k}"`);
      }
    });
    if (!ok) return false;
  }
  return true;
}

/** `network ls`: every network matching the filters (name, id, driver, label, dangling, until), by name. */
export async function listNetworks(g: GlobalOptions, filters: readonly string[] = []): Promise<NetworkReport[]> {
  const { st, store, db } = await open(g);
  const all = await st.listNetworks(store);
  return all.filter((n) => matchFilters(n, filters, (name) => st.containersOnNetwork(db, name).length > 0));
}

/** `network inspect`: configs in argument order; unknown ones as errors. */
export async function inspectNetworks(g: GlobalOptions, refs: readonly string[]): Promise<{ found: NetworkReport[]; errors: SkiffError[] }> {
  const { st, store } = await open(g);
  const found: NetworkReport[] = [];
  const errors: SkiffError[] = [];
  for (const r of refs) {
    try { found.push(await st.findNetwork(store, r)); } catch (e) { if (e instanceof SkiffError) errors.push(e); else throw e; }
  }
  return { found, errors };
}

export async function networkExists(g: GlobalOptions, ref: string): Promise<boolean> {
  const { st, store } = await open(g);
  try { await st.findNetwork(store, ref); return true; } catch (e) {
    if (e instanceof SkiffError && e.kind === "not-found") return false;
    throw e;
  }
}

export interface NetworkRmReport { readonly name: string; readonly error?: SkiffError }

/**
 * `network rm`: a network with containers is refused unless `force`, which
 * removes those containers first (Podman's -f).
 */
export async function removeNetworks(g: GlobalOptions, refs: readonly string[], opts: { force?: boolean; timeout?: number } = {}): Promise<NetworkRmReport[]> {
  const { st, store, db } = await open(g);
  const out: NetworkRmReport[] = [];
  for (const ref of refs) {
    try {
      const net = await st.findNetwork(store, ref);
      if (net.name === DEFAULT_NETWORK) throw new SkiffError("invalid-argument", `default network ${net.name} cannot be removed`);
      const users = st.containersOnNetwork(db, net.name);
      if (users.length && !opts.force) {
        throw new SkiffError("conflict", `"${net.name}" has associated containers with it. Use -f to forcibly delete containers and pods: network is being used`);
      }
      if (users.length) {
        const { removeContainers } = await import("./containers.ts");
        const reports = await removeContainers(g, users, { force: true, ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}) });
        const failed = reports.find((r) => r.error);
        if (failed?.error) throw failed.error;
      }
      await st.withConfigLock(store, () => st.removeNetworkConfig(store, net));
      out.push({ name: net.name });
    } catch (e) {
      if (!(e instanceof SkiffError)) throw e;
      out.push({ name: ref, error: e });
    }
  }
  return out;
}

/** `network prune`: removes every unused network but the default. @returns removed names */
export async function pruneNetworks(g: GlobalOptions, filters: readonly string[] = []): Promise<string[]> {
  const { st, store, db } = await open(g);
  const out: string[] = [];
  for (const n of await listNetworks(g, filters)) {
    if (n.name === DEFAULT_NETWORK || st.containersOnNetwork(db, n.name).length) continue;
    await st.withConfigLock(store, () => st.removeNetworkConfig(store, n));
    out.push(n.name);
  }
  return out;
}

export interface ConnectOptions {
  readonly aliases?: readonly string[];
  readonly ip?: string;
  readonly ip6?: string;
  readonly mac?: string;
}

/**
 * `network connect`: records the network for the container and, when it is
 * running, sets it up at once (a new interface ethN).
 * @throws SkiffError not-found; conflict when already connected; invalid-argument for a container without bridge networking
 */
export async function connectNetwork(g: GlobalOptions, netRef: string, ctrRef: string, o: ConnectOptions = {}): Promise<void> {
  const { st, store, db } = await open(g);
  const net = await st.findNetwork(store, netRef);
  const [{ resolveContainerId, getContainer }, { withContainerLock }, { observedState, isActive }, cn, { lifecycleContext }] = await Promise.all([
    import("../core/store.ts"), import("../core/lock.ts"), import("../core/lifecycle.ts"), import("../core/container-network.ts"), import("./containers.ts"),
  ]);
  const id = resolveContainerId(db, ctrRef);
  const ctx = await lifecycleContext(g);
  await withContainerLock(store, id, async () => {
    const rec = getContainer(db, id);
    if (!rec) throw new SkiffError("not-found", `no container with name or ID "${ctrRef}" found: no such container`);
    const current = st.getAttachments(db, id);
    if (!current) throw new SkiffError("invalid-argument", `container ${id} is not in bridge network mode: invalid argument`);
    if (current.some((a) => a.network === net.name)) throw new SkiffError("conflict", `container ${id} is already connected to network "${net.name}": network is already connected`);
    const used = new Set(current.map((a) => a.interfaceName));
    let n = 0;
    while (used.has(`eth${n}`)) n++;
    const a: Attachment = {
      network: net.name,
      interfaceName: `eth${n}`,
      aliases: net.dns_enabled ? [...(o.aliases ?? []), id.slice(0, 12)] : [],
      staticIps: [o.ip, o.ip6].filter((x): x is string => !!x),
      ...(o.mac ? { staticMac: o.mac } : {}),
    };
    const st2 = observedState(ctx, rec);
    if (isActive(st2.status) && st.getSetup(db, id)) {
      await cn.connectRunning(store, db, rec.config, a);
      await rewriteEtc(g, rec.config);
    }
    st.saveAttachments(db, id, [...current, a]);
  });
}

/** `network disconnect`: drops the network from the container (torn down at once when running). */
export async function disconnectNetwork(g: GlobalOptions, netRef: string, ctrRef: string): Promise<void> {
  const { st, store, db } = await open(g);
  const net = await st.findNetwork(store, netRef);
  const [{ resolveContainerId, getContainer }, { withContainerLock }, cn] = await Promise.all([
    import("../core/store.ts"), import("../core/lock.ts"), import("../core/container-network.ts"),
  ]);
  const id = resolveContainerId(db, ctrRef);
  await withContainerLock(store, id, async () => {
    const rec = getContainer(db, id);
    if (!rec) throw new SkiffError("not-found", `no container with name or ID "${ctrRef}" found: no such container`);
    const current = st.getAttachments(db, id) ?? [];
    if (!current.some((a) => a.network === net.name)) {
      throw new SkiffError("invalid-argument", `container ${id} is not connected to network ${net.name}: network is not connected`);
    }
    await cn.disconnectRunning(store, db, id, net.name);
    st.saveAttachments(db, id, current.filter((a) => a.network !== net.name));
    if (st.getSetup(db, id)) await rewriteEtc(g, rec.config);
  });
}

/** Rewrites a running container's /etc/hosts and resolv.conf in place after connect/disconnect. */
async function rewriteEtc(g: GlobalOptions, config: import("../core/types.ts").ContainerConfig): Promise<void> {
  const [{ etcInfoOf }, { writeContainerFiles }, { defaultHostname }, layout, st] = await Promise.all([
    import("../core/container-network.ts"), import("../core/etc-files.ts"), import("../oci/spec-generate.ts"), import("../storage/layout.ts"), import("../network/store.ts"),
  ]);
  const store = { root: g.root, runroot: g.runroot };
  const info = await etcInfoOf(st.networkDb(store), config.id);
  writeContainerFiles(layout.containerUserdataDir(store, config.id), config, defaultHostname(config.spec, config.id), info);
}

/**
 * `network reload`: re-applies the firewall rules of running containers
 * (after they were flushed) by tearing down and setting up again with the
 * options of the set-up; netavark 1.4 has no firewall-only reload. The
 * interfaces are recreated with the same addresses and MACs are kept when given.
 * @returns per container, its ID or the error
 */
export async function reloadNetworks(g: GlobalOptions, refs: readonly string[], all: boolean): Promise<{ id: string; error?: SkiffError }[]> {
  const { st, store, db } = await open(g);
  const [{ resolveContainerId, listContainers }, { withContainerLock }, nv, { lifecycleContext }, { observedState }] = await Promise.all([
    import("../core/store.ts"), import("../core/lock.ts"), import("../network/netavark.ts"), import("./containers.ts"), import("../core/lifecycle.ts"),
  ]);
  const ctx = await lifecycleContext(g);
  const ids = all ? listContainers(db).filter((r) => observedState(ctx, r).status === "running").map((r) => r.config.id) : [];
  const out: { id: string; error?: SkiffError }[] = [];
  for (const ref of all ? ids : refs) {
    try {
      const id = all ? ref : resolveContainerId(db, ref);
      await withContainerLock(store, id, async () => {
        const setup = st.getSetup(db, id);
        if (!setup) return;
        const dir = st.networkPaths(store).run;
        await nv.netavarkTeardown(dir, setup.netns, setup.options).catch(() => {});
        // Same addresses and MACs: netavark is told them explicitly.
        const networks = Object.fromEntries(Object.entries(setup.options.networks).map(([name, o]) => {
          const mac = Object.values(setup.status[name]?.interfaces ?? {})[0]?.mac_address;
          return [name, { ...o, ...(mac ? { static_mac: mac } : {}) }];
        }));
        const options = { ...setup.options, networks };
        const status = await nv.netavarkSetup(dir, setup.netns, options);
        st.saveSetup(db, id, { netns: setup.netns, options, status });
      });
      out.push({ id });
    } catch (e) {
      if (!(e instanceof SkiffError)) throw e;
      out.push({ id: ref, error: e });
    }
  }
  return out;
}

/**
 * `inspect`'s NetworkSettings as Podman shows it: the first network's
 * address at top level (bridge mode), Ports by "port/proto", and Networks
 * with per-network addresses and aliases.
 */
export async function networkSettings(g: GlobalOptions, id: string, spec: ContainerSpec): Promise<Record<string, unknown>> {
  const { st, store, db } = await open(g);
  const setup = st.getSetup(db, id);
  const attachments = st.getAttachments(db, id) ?? [];
  const ports: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  const mappings = setup?.options.port_mappings ?? spec.portMappings ?? [];
  for (const m of mappings) {
    for (let i = 0; i < m.range; i++) {
      for (const p of m.protocol.split(",")) {
        const key = `${m.container_port + i}/${p}`;
        (ports[key] ??= []).push({ HostIp: m.host_ip, HostPort: m.host_port ? String(m.host_port + i) : "" });
      }
    }
  }
  const networks: Record<string, unknown> = {};
  let top: Record<string, unknown> = {};
  for (const a of attachments) {
    const stn = setup?.status[a.network];
    const iface = stn?.interfaces?.[a.interfaceName] ?? Object.values(stn?.interfaces ?? {})[0];
    const v4 = iface?.subnets?.find((s) => !s.ipnet.includes(":"));
    const v6 = iface?.subnets?.find((s) => s.ipnet.includes(":"));
    const net = setup?.options.network_info[a.network];
    const entry = {
      EndpointID: "",
      Gateway: v4?.gateway ?? "",
      IPAddress: v4?.ipnet.split("/")[0] ?? "",
      IPPrefixLen: v4 ? Number(v4.ipnet.split("/")[1]) : 0,
      IPv6Gateway: v6?.gateway ?? "",
      GlobalIPv6Address: v6?.ipnet.split("/")[0] ?? "",
      GlobalIPv6PrefixLen: v6 ? Number(v6.ipnet.split("/")[1]) : 0,
      MacAddress: iface?.mac_address ?? "",
      NetworkID: net?.id ?? a.network,
      DriverOpts: null,
      IPAMConfig: null,
      Links: null,
      Aliases: a.aliases.length ? a.aliases : null,
    };
    networks[a.network] = entry;
    if (Object.keys(top).length === 0) top = entry;
  }
  const bridgeMode = attachments.length > 0;
  return {
    EndpointID: "",
    Gateway: bridgeMode ? top.Gateway ?? "" : "",
    IPAddress: bridgeMode ? top.IPAddress ?? "" : "",
    IPPrefixLen: bridgeMode ? top.IPPrefixLen ?? 0 : 0,
    IPv6Gateway: bridgeMode ? top.IPv6Gateway ?? "" : "",
    GlobalIPv6Address: bridgeMode ? top.GlobalIPv6Address ?? "" : "",
    GlobalIPv6PrefixLen: bridgeMode ? top.GlobalIPv6PrefixLen ?? 0 : 0,
    MacAddress: bridgeMode ? top.MacAddress ?? "" : "",
    Bridge: "",
    SandboxID: "",
    HairpinMode: false,
    LinkLocalIPv6Address: "",
    LinkLocalIPv6PrefixLen: 0,
    Ports: ports,
    SandboxKey: setup?.netns ?? "",
    ...(bridgeMode ? { Networks: networks } : {}),
  };
}
