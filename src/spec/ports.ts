/**
 * `-p/--publish` and `--expose` values, parsed and checked as Podman does
 * (`[[ip:][hostPort[-end]]:]containerPort[-end][/protocol]`, IPv6 host IPs in
 * brackets, protocols tcp, udp, sctp, several joined by commas). The result
 * has the shape of netavark's port mappings (containers/common types.PortMapping)
 * so the networking layer hands it on unchanged.
 */
import { SkiffError } from "../lib/errors.ts";

export type PortProtocol = "tcp" | "udp" | "sctp";

export interface PortMapping {
  /** Host address to bind; "" = all addresses. */
  readonly host_ip: string;
  readonly container_port: number;
  /** 0 = pick a free host port at start (`-p 80`, `-p ip::80`). */
  readonly host_port: number;
  /** Number of consecutive ports, ≥ 1. */
  readonly range: number;
  /** One protocol, or several joined by "," as netavark accepts. */
  readonly protocol: string;
}

function bad(msg: string): SkiffError {
  return new SkiffError("invalid-argument", msg);
}

/** A port number 1…65535. @throws invalid-argument naming the value */
function port(s: string): number {
  if (!/^\d+$/.test(s)) throw bad(`invalid port number: strconv.Atoi: parsing "${s}": invalid syntax`);
  const n = Number(s);
  if (n < 1 || n > 65535) throw bad(`port numbers must be between 1 and 65535 (inclusive), got ${n}`);
  return n;
}

/** "a" or "a-b" → [start, count]. */
function portRange(s: string): [number, number] {
  const dash = s.indexOf("-");
  if (dash < 0) return [port(s), 1];
  const start = port(s.slice(0, dash));
  const end = port(s.slice(dash + 1));
  if (end < start) throw bad(`invalid port range "${s}": end must be greater than or equal to start`);
  return [start, end - start + 1];
}

function protocols(s: string): string {
  const list = s.split(",").map((p) => p.trim().toLowerCase());
  for (const p of list) {
    if (p !== "tcp" && p !== "udp" && p !== "sctp") throw bad(`unrecognized protocol "${p}" in port mapping`);
  }
  return [...new Set(list)].join(",");
}

/**
 * Parses one `-p` value.
 * @throws SkiffError invalid-argument with the problem named (bad number, out of range, range lengths differ, bad IP, bad protocol)
 */
export function parsePortMapping(value: string): PortMapping {
  let rest = value;
  let protocol = "tcp";
  const slash = rest.lastIndexOf("/");
  if (slash >= 0) {
    protocol = protocols(rest.slice(slash + 1));
    rest = rest.slice(0, slash);
  }
  let hostIp = "";
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close < 0 || rest[close + 1] !== ":") throw bad(`invalid port format "${value}": IPv6 addresses must be enclosed by [] and followed by a port`);
    hostIp = rest.slice(1, close);
    rest = rest.slice(close + 2);
    if (!/^[0-9a-fA-F:.]+$/.test(hostIp) || !hostIp.includes(":")) throw bad(`invalid IP address "${hostIp}" in port mapping`);
    if (!rest.includes(":")) rest = `:${rest}`; // "[::1]:8080" alone is not a mapping
  }
  const parts = rest.split(":");
  let hostPart = "";
  let ctrPart: string;
  if (parts.length === 1) ctrPart = parts[0]!;
  else if (parts.length === 2) [hostPart, ctrPart] = [parts[0]!, parts[1]!];
  else if (parts.length === 3 && hostIp === "") {
    hostIp = parts[0]!;
    [hostPart, ctrPart] = [parts[1]!, parts[2]!];
    if (!/^(\d{1,3})(\.\d{1,3}){3}$/.test(hostIp) || hostIp.split(".").some((o) => Number(o) > 255)) {
      throw bad(hostIp.includes(".") || /^\d/.test(hostIp) ? `invalid IP address "${hostIp}" in port mapping` : `invalid port format "${value}": IPv6 addresses must be enclosed by []`);
    }
  } else {
    throw bad(`invalid port format "${value}": IPv6 addresses must be enclosed by []`);
  }
  if (ctrPart === "") throw bad(`must provide a non-empty container port to publish`);
  const [containerPort, ctrCount] = portRange(ctrPart);
  if (hostPart === "") return { host_ip: hostIp, container_port: containerPort, host_port: 0, range: ctrCount, protocol };
  const [hostPort, hostCount] = portRange(hostPart);
  if (hostCount !== ctrCount && hostCount !== 1) {
    throw bad(`host and container port ranges have different lengths: ${hostCount} vs ${ctrCount}`);
  }
  return { host_ip: hostIp, container_port: containerPort, host_port: hostPort, range: ctrCount, protocol };
}

/** `--expose` value: `port[-end][/protocol]`. @returns container port, count and protocol */
export function parseExpose(value: string): { port: number; range: number; protocol: string } {
  const slash = value.lastIndexOf("/");
  const protocol = slash >= 0 ? protocols(value.slice(slash + 1)) : "tcp";
  const [p, range] = portRange(slash >= 0 ? value.slice(0, slash) : value);
  return { port: p, range, protocol };
}
