/**
 * Finding a stored image from what a user typed, in the order Podman's
 * libimage uses: full ID, exact stored name, ID prefix, then the reference
 * parsed — a qualified name matches exactly (with a digest: an image of
 * that repository known by that digest); a short name is tried as
 * `localhost/<name>`, then under each unqualified-search registry, then
 * against any stored name whose repository path ends in `/<name>` (so
 * `busybox` finds `localhost:5000/busybox:latest`).
 */
import type { Database } from "bun:sqlite";
import { SkiffError } from "../lib/errors.ts";
import { parseReference } from "../image/reference.ts";
import { getImage, imageByName, imagesByIdPrefix, listImages, type ImageRecord } from "./images.ts";

/**
 * @param searchRegistries registries.conf's unqualified-search-registries, in order
 * @throws SkiffError not-found `<ref>: image not known`; invalid-argument for a malformed reference or an ambiguous ID prefix
 */
export function resolveLocalImage(db: Database, ref: string, searchRegistries: readonly string[] = []): ImageRecord {
  const found = findLocalImage(db, ref, searchRegistries);
  if (!found) throw new SkiffError("not-found", `${ref}: image not known`);
  return found;
}

/** As resolveLocalImage, but undefined when nothing matches. */
export function findLocalImage(db: Database, ref: string, searchRegistries: readonly string[] = []): ImageRecord | undefined {
  const hex = ref.startsWith("sha256:") ? ref.slice(7) : ref;
  if (/^[0-9a-f]{64}$/.test(hex)) {
    const img = getImage(db, hex);
    if (img || ref.startsWith("sha256:")) return img;
  }
  const exact = imageByName(db, ref);
  if (exact) return exact;
  if (/^[0-9a-f]+$/.test(hex)) {
    const byPrefix = imagesByIdPrefix(db, hex);
    if (byPrefix.length > 1) throw new SkiffError("invalid-argument", `short ID "${hex}" is ambiguous: it matches ${byPrefix.length} images`);
    if (byPrefix.length === 1) return byPrefix[0];
  }
  const parsed = parseReference(ref);
  const tag = parsed.tag ?? (parsed.digest ? undefined : "latest");
  if (parsed.digest) {
    const digest = parsed.digest;
    const repos = parsed.shortName ? shortCandidates(shortPath(ref), searchRegistries) : [`${parsed.registry}/${parsed.repository}`];
    const images = listImages(db).filter((i) => i.digests.includes(digest) || i.manifestDigest === digest);
    for (const repo of repos) {
      const hit = images.find((i) => i.names.some((n) => repoOf(n) === repo));
      if (hit) return hit;
    }
    if (parsed.shortName) {
      const path = shortPath(ref);
      return images.find((i) => i.names.some((n) => repoOf(n).endsWith(`/${path}`)));
    }
    return undefined;
  }
  if (!parsed.shortName) return imageByName(db, `${parsed.registry}/${parsed.repository}:${tag}`);
  const path = shortPath(ref);
  for (const repo of shortCandidates(path, searchRegistries)) {
    const img = imageByName(db, `${repo}:${tag}`);
    if (img) return img;
  }
  return listImages(db).find((i) => i.names.some((n) => repoOf(n).endsWith(`/${path}`) && n.endsWith(`:${tag}`) && !n.includes("@")));
}

/** The repository part of a stored name: everything before ":tag" or "@digest". */
function repoOf(name: string): string {
  const at = name.indexOf("@");
  const base = at >= 0 ? name.slice(0, at) : name;
  const colon = base.lastIndexOf(":");
  return colon > base.lastIndexOf("/") ? base.slice(0, colon) : base;
}

/** The repository path as typed in a short name (no tag, no digest). */
function shortPath(ref: string): string {
  return repoOf(ref);
}

function shortCandidates(path: string, searchRegistries: readonly string[]): string[] {
  const out = [`localhost/${path}`];
  for (const reg of searchRegistries) {
    out.push(reg === "docker.io" && !path.includes("/") ? `docker.io/library/${path}` : `${reg}/${path}`);
  }
  if (!path.includes("/")) out.push(`docker.io/library/${path}`);
  return out;
}
