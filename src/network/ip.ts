/**
 * IPv4/IPv6 address and CIDR arithmetic on bigints: parsing, formatting,
 * containment and overlap, as the network store and IPAM need them.
 * Pure functions; errors are SkiffError invalid-argument in Podman's words.
 */
import { isIP } from "node:net";
import { SkiffError } from "../lib/errors.ts";

export interface Cidr {
  readonly family: 4 | 6;
  /** Network address (host bits cleared). */
  readonly base: bigint;
  readonly prefix: number;
}

const bits = (f: 4 | 6) => (f === 4 ? 32 : 128);

/** Parses an address. @throws SkiffError invalid-argument */
export function parseIp(s: string): { family: 4 | 6; value: bigint } {
  const f = isIP(s);
  if (f === 4) return { family: 4, value: s.split(".").reduce((a, o) => (a << 8n) | BigInt(Number(o)), 0n) };
  if (f === 6) {
    let text = s;
    let tail: bigint[] = [];
    const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
    if (v4) {
      const n = parseIp(v4[1]!).value;
      tail = [n >> 16n, n & 0xffffn];
      text = s.slice(0, -v4[1]!.length) + (s.endsWith("::" + v4[1]) ? "" : "0");
      text = text.replace(/:0$/, "");
    }
    const [head = "", rest] = text.split("::");
    const h = head ? head.split(":").map((x) => BigInt(`0x${x}`)) : [];
    const r = rest !== undefined && rest !== "" ? rest.split(":").map((x) => BigInt(`0x${x}`)) : [];
    const groups = rest === undefined ? [...h, ...tail] : [...h, ...Array(8 - h.length - r.length - tail.length).fill(0n), ...r, ...tail];
    return { family: 6, value: groups.reduce((a, g) => (a << 16n) | g, 0n) };
  }
  throw new SkiffError("invalid-argument", `invalid IP address "${s}"`);
}

/** Formats an address (IPv6 in its shortest form). */
export function formatIp(family: 4 | 6, v: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join(".");
  const g = Array.from({ length: 8 }, (_, i) => (v >> BigInt(112 - 16 * i)) & 0xffffn);
  // Longest run of zero groups (≥ 2) becomes "::".
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0n) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0n) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

/** Parses "a.b.c.d/n" or "x::/n" (host bits are cleared). @throws SkiffError invalid-argument */
export function parseCidr(s: string): Cidr {
  const slash = s.indexOf("/");
  const bad = () => new SkiffError("invalid-argument", `invalid CIDR address: ${s}`);
  if (slash < 0 || isIP(s.slice(0, slash)) === 0 || !/^\d+$/.test(s.slice(slash + 1))) throw bad();
  const { family, value } = parseIp(s.slice(0, slash));
  const prefix = Number(s.slice(slash + 1));
  if (prefix > bits(family)) throw bad();
  return { family, base: value & maskOf(family, prefix), prefix };
}

function maskOf(f: 4 | 6, prefix: number): bigint {
  const b = BigInt(bits(f));
  return ((1n << b) - 1n) ^ ((1n << (b - BigInt(prefix))) - 1n);
}

export const formatCidr = (c: Cidr) => `${formatIp(c.family, c.base)}/${c.prefix}`;
/** Number of addresses in the subnet. */
export const cidrSize = (c: Cidr) => 1n << BigInt(bits(c.family) - c.prefix);
export const lastAddress = (c: Cidr) => c.base + cidrSize(c) - 1n;

export function cidrContains(c: Cidr, family: 4 | 6, v: bigint): boolean {
  return c.family === family && v >= c.base && v <= lastAddress(c);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.base <= lastAddress(b) && b.base <= lastAddress(a);
}
