/**
 * Network definitions in Podman's network-config JSON format (the files
 * Podman keeps in /etc/containers/networks, containers/common
 * types.Network), and the per-container attachment and status shapes that
 * netavark's options JSON and status block use (netavark 1.4: the *map*
 * form of `networks`).
 */

/** One subnet of a network: CIDR, gateway, optional lease range. */
export interface Subnet {
  /** CIDR, e.g. "10.89.0.0/24". */
  readonly subnet: string;
  /** Gateway address (the bridge's address); absent for an internal network without one. */
  readonly gateway?: string;
  /** Addresses handed out; the whole subnet when absent. */
  readonly lease_range?: { readonly start_ip?: string; readonly end_ip?: string };
}

/** A network definition, field order as Podman writes it. */
export interface NetworkConfig {
  readonly name: string;
  /** 64 hex. */
  readonly id: string;
  /** "bridge" | "macvlan". */
  readonly driver: string;
  /** Bridge name (bridge) or parent interface (macvlan). */
  readonly network_interface?: string;
  /** RFC3339Nano. */
  readonly created: string;
  readonly subnets?: readonly Subnet[];
  readonly ipv6_enabled: boolean;
  readonly internal: boolean;
  readonly dns_enabled: boolean;
  readonly labels?: Readonly<Record<string, string>>;
  readonly options?: Readonly<Record<string, string>>;
  readonly ipam_options?: Readonly<Record<string, string>>;
}

/** How a container joins one network (netavark's PerNetworkOptions). */
export interface Attachment {
  /** Network name. */
  readonly network: string;
  /** Interface name inside the container: eth0, eth1, … */
  readonly interfaceName: string;
  /** `--network-alias` names (DNS-enabled networks). */
  readonly aliases: readonly string[];
  /** `--ip`/`--ip6` wishes; allocated otherwise. */
  readonly staticIps: readonly string[];
  /** `--mac-address`. */
  readonly staticMac?: string;
}

/** One network's result for a container (netavark's StatusBlock, per network). */
export interface NetworkStatus {
  readonly dns_search_domains?: readonly string[];
  readonly dns_server_ips?: readonly string[];
  readonly interfaces?: Readonly<Record<string, {
    readonly mac_address: string;
    readonly subnets?: readonly { readonly ipnet: string; readonly gateway?: string }[];
  }>>;
}

/**
 * skiff's default network. Not Podman's name "podman": netavark names its
 * firewall chains after the network name, so sharing it would make skiff's
 * default network and Podman's share (and delete under each other) one NAT
 * chain. "podman" and Docker's "bridge" still find it (store.ts findNetwork).
 */
export const DEFAULT_NETWORK = "skiff";

/** Other names of the default network, for Docker's and Podman's scripts. */
export const DEFAULT_NETWORK_ALIASES: readonly string[] = ["bridge", "podman"];
