/**
 * The files skiff bind-mounts into a container from its userdata folder:
 * /etc/hosts, /etc/resolv.conf, /etc/hostname and /run/.containerenv
 * (Podman's set). Written before each start, in place (a running
 * container's bind mount pins the inode, so no rename).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { VERSION } from "../lib/version.ts";
import type { ContainerConfig } from "./types.ts";

/** What the network set-up tells these files (src/core/container-network.ts EtcNetworkInfo). */
export interface EtcNetworkFacts {
  readonly addresses: readonly string[];
  readonly gateway?: string;
  readonly dnsServers: readonly string[];
  readonly dnsSearch: readonly string[];
}

/**
 * /etc/resolv.conf for the container: --dns/--dns-search/--dns-option, else
 * aardvark-dns's servers on DNS-enabled networks (it forwards other names
 * to the host's servers), else the host's minus loopback servers. The
 * networks' search domains (dns.podman) come first, as in Podman.
 */
export function resolvConf(spec: ContainerConfig["spec"], hostText: string, net?: EtcNetworkFacts): string {
  const lines: string[] = [];
  const hostSearch = hostText.split("\n").filter((l) => /^search\s/.test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1));
  const search = [...(net?.dnsServers.length ? net.dnsSearch : []), ...(spec.dnsSearch ?? hostSearch)];
  if (search.length) lines.push(`search ${search.join(" ")}`);
  const servers = spec.dns ?? (net?.dnsServers.length ? net.dnsServers : undefined) ?? hostText.split("\n").filter((l) => /^nameserver\s/.test(l)).map((l) => l.trim().split(/\s+/)[1] ?? "")
    .filter((s) => s && !s.startsWith("127.") && s !== "::1");
  for (const s of servers) lines.push(`nameserver ${s}`);
  const opts = spec.dnsOptions ?? hostText.split("\n").filter((l) => /^options\s/.test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1));
  if (opts.length) lines.push(`options ${opts.join(" ")}`);
  return lines.length ? `${lines.join("\n")}\n` : "";
}

/**
 * /etc/hosts as Podman writes it: localhost, --add-host entries, the
 * container's own addresses with its hostname and name (127.0.1.1 without a
 * network), then host.containers.internal at the first network's gateway.
 */
export function hostsFile(config: ContainerConfig, hostname: string, net?: EtcNetworkFacts): string {
  const lines = ["127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4", "::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6"];
  for (const h of config.spec.addHosts ?? []) lines.push(`${h.ip}\t${h.host}`);
  const mode = config.spec.network?.[0];
  const names = hostname === config.name ? hostname : `${hostname} ${config.name}`;
  if (net?.addresses.length) for (const a of net.addresses) lines.push(`${a}\t${names}`);
  else if (mode !== "host") lines.push(`127.0.1.1\t${names}`);
  if (net?.gateway && !(config.spec.addHosts ?? []).some((h) => h.host === "host.containers.internal")) {
    lines.push(`${net.gateway}\thost.containers.internal`);
  }
  return `${lines.join("\n")}\n`;
}

export function writeContainerFiles(dir: string, config: ContainerConfig, hostname: string, net?: EtcNetworkFacts): void {
  let hostResolv = "";
  try { hostResolv = readFileSync("/etc/resolv.conf", "utf8"); } catch {}
  const hostNet = config.spec.network?.length === 1 && config.spec.network[0] === "host";
  writeFileSync(join(dir, "hostname"), `${hostNet ? readHostName() : hostname}\n`);
  writeFileSync(join(dir, "hosts"), hostNet ? safeRead("/etc/hosts") : hostsFile(config, hostname, net));
  writeFileSync(join(dir, "resolv.conf"), resolvConf(config.spec, hostResolv, net));
  writeFileSync(join(dir, ".containerenv"),
    `engine="skiff-${VERSION}"\nname="${config.name}"\nid="${config.id}"\nimage="${config.imageName}"\nimageid="${config.imageId ?? ""}"\nrootless=${process.getuid?.() === 0 ? 0 : 1}\n`);
}

function safeRead(p: string): string { try { return readFileSync(p, "utf8"); } catch { return ""; } }
function readHostName(): string { return safeRead("/proc/sys/kernel/hostname").trim(); }
