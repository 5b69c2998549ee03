/**
 * Linux capabilities for the runtime spec: Podman's default set, `--cap-add`
 * / `--cap-drop` normalisation, and `--privileged` / `--cap-add ALL` limited
 * to what the host's bounding set allows (a container cannot be given a
 * capability its engine does not hold; crun would fail with EPERM).
 */
import { ALL_CAPABILITIES, DEFAULT_CAPABILITIES, normalizeCapability } from "../spec/capabilities.ts";

export { ALL_CAPABILITIES, DEFAULT_CAPABILITIES, normalizeCapability };

/**
 * Decodes a hex capability mask (CapBnd in /proc/self/status) into names;
 * bits above the known list are ignored.
 */
export function capabilitiesFromMask(hex: string): string[] {
  const mask = BigInt(`0x${hex.trim()}`);
  return ALL_CAPABILITIES.filter((_, i) => (mask >> BigInt(i)) & 1n);
}

export interface CapabilityOptions {
  readonly capAdd?: readonly string[];
  readonly capDrop?: readonly string[];
  readonly privileged?: boolean;
  /** The host's bounding set (names); "ALL" and --privileged are limited to it. @default ALL_CAPABILITIES */
  readonly hostBounding?: readonly string[];
  /** The container process runs as a non-root user (Podman then keeps effective/permitted empty unless added). @default false */
  readonly nonRootUser?: boolean;
}

/** The capability sets of the runtime spec's process. Inheritable and ambient stay empty, as in Podman. */
export interface CapabilitySets {
  readonly bounding: string[];
  readonly effective: string[];
  readonly permitted: string[];
}

/**
 * The container's final capability set, following Podman's rules: start from
 * the default set (or the host's bounding set with --privileged), add
 * `capAdd` (ALL = the host's bounding set), then remove `capDrop` (ALL =
 * everything, then capAdd re-adds). For a non-root user Podman gives only the
 * explicitly added capabilities in effective/permitted; the bounding set is
 * the full result. Names are normalised; the result is sorted.
 */
export function resolveCapabilities(opts: CapabilityOptions): CapabilitySets {
  const host = opts.hostBounding ?? ALL_CAPABILITIES;
  const add = (opts.capAdd ?? []).map(normalizeCapability);
  const drop = (opts.capDrop ?? []).map(normalizeCapability);
  const set = new Set<string>(opts.privileged ? host : DEFAULT_CAPABILITIES);
  if (drop.includes("ALL")) set.clear();
  else for (const c of drop) set.delete(c);
  const added = new Set<string>();
  for (const c of add) {
    if (c === "ALL") for (const h of host) added.add(h);
    else if (!drop.includes(c) || drop.includes("ALL")) added.add(c);
  }
  for (const c of added) set.add(c);
  const bounding = [...set].sort();
  if (opts.nonRootUser && !opts.privileged) {
    const eff = [...added].filter((c) => set.has(c)).sort();
    return { bounding, effective: eff, permitted: [...eff] };
  }
  return { bounding, effective: [...bounding], permitted: [...bounding] };
}
