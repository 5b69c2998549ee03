/**
 * Platform choice from a manifest list, with containers/image's rules
 * (what Podman does for `--platform`, `--arch`, `--os`, `--variant`):
 *
 * - wanted OS/arch default to the host's; the host's CPU variant applies only
 *   when the architecture was not chosen by the user;
 * - a wanted variant expands to its compatible variants, newest first
 *   (arm: v7 → v7, v6, v5; arm64: v8), then "no variant" is tried last;
 * - candidates are tried in that order, and for each the first list entry
 *   with equal OS and architecture (and equal variant when one is wanted) wins.
 */
import { SkiffError } from "../lib/errors.ts";
import type { Descriptor, Platform } from "./manifest.ts";

export interface PlatformChoice {
  /** "os/arch[/variant]" (Podman's --platform); conflicts with os/arch/variant. */
  readonly platform?: string;
  readonly os?: string;
  readonly arch?: string;
  readonly variant?: string;
}

export interface WantedPlatform {
  readonly os: string;
  readonly architecture: string;
  /** "" = any variant. */
  readonly variant: string;
}

const COMPAT: Record<string, string[]> = { arm: ["v8", "v7", "v6", "v5"], arm64: ["v8"] };

/** Go's GOARCH name for Node's `process.arch`. */
export function goArch(nodeArch: string = process.arch): string {
  switch (nodeArch) {
    case "x64": return "amd64";
    case "ia32": return "386";
    case "arm64": return "arm64";
    case "arm": return "arm";
    case "ppc64": return "ppc64le";
    case "s390x": return "s390x";
    case "riscv64": return "riscv64";
    default: return nodeArch;
  }
}

/** The host's platform: os "linux", Go arch, variant "v8" on arm64, "" elsewhere (arm v7 assumed). */
export function hostPlatform(): WantedPlatform {
  const architecture = goArch();
  const variant = architecture === "arm64" ? "v8" : architecture === "arm" ? "v7" : "";
  return { os: "linux", architecture, variant };
}

/**
 * Resolves the user's choice into the wanted platform.
 * @throws SkiffError invalid-argument for a malformed --platform or one combined with --arch/--os/--variant
 */
export function wantedPlatform(choice: PlatformChoice = {}): WantedPlatform {
  let { os, arch, variant } = choice;
  if (choice.platform !== undefined && choice.platform !== "") {
    if (os || arch || variant) throw new SkiffError("invalid-argument", "--platform option can not be specified with --arch or --os");
    const parts = choice.platform.split("/");
    if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === "")) {
      throw new SkiffError("invalid-argument", `invalid platform syntax for --platform=${JSON.stringify(choice.platform)}: use os/arch[/variant]`);
    }
    [os, arch, variant] = parts;
  }
  const host = hostPlatform();
  return {
    os: os || host.os,
    architecture: arch || host.architecture,
    // The host's variant means nothing for another architecture.
    variant: variant || (arch && arch !== host.architecture ? "" : host.variant),
  };
}

/** The ordered candidate list for `wanted` (see module doc). */
export function candidatePlatforms(wanted: WantedPlatform): WantedPlatform[] {
  const out: WantedPlatform[] = [];
  if (wanted.variant !== "") {
    const compat = COMPAT[wanted.architecture];
    const from = compat ? compat.indexOf(wanted.variant) : -1;
    const variants = from >= 0 ? compat!.slice(from) : [wanted.variant];
    for (const v of variants) out.push({ ...wanted, variant: v });
  }
  out.push({ ...wanted, variant: "" });
  return out;
}

function matches(p: Platform | undefined, w: WantedPlatform): boolean {
  if (!p) return false;
  if (p.architecture !== w.architecture || p.os !== w.os) return false;
  return w.variant === "" || (p.variant ?? "") === w.variant;
}

/**
 * Picks the instance of a manifest list for `choice`.
 * `listName` names the list in the error, e.g. "docker://localhost:5000/x:latest".
 * @throws SkiffError invalid-argument, Podman's wording: `choosing an image from
 *   manifest list docker://…: no image found in manifest list for architecture
 *   s390x, variant "", OS linux`
 */
export function chooseInstance(manifests: readonly Descriptor[], choice: PlatformChoice, listName: string): Descriptor {
  const wanted = wantedPlatform(choice);
  for (const c of candidatePlatforms(wanted)) {
    const hit = manifests.find((m) => matches(m.platform, c));
    if (hit) return hit;
  }
  throw new SkiffError(
    "invalid-argument",
    `choosing an image from manifest list ${listName}: no image found in manifest list for architecture ${wanted.architecture}, variant ${JSON.stringify(wanted.variant)}, OS ${wanted.os}`,
  );
}
