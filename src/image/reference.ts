/**
 * Image references as Podman reads them (containers/image's docker
 * reference, i.e. distribution's reference grammar plus Docker's
 * "familiar" normalisation):
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [ domain "/" ] path            (name at most 255 chars)
 *   domain     := host [ ":" port ]              host: DNS name, IPv4 or [IPv6]
 *   path       := component ( "/" component )*
 *   component  := [a-z0-9]+ ( ( [._] | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag        := [\w][\w.-]{0,127}
 *   digest     := "sha256:" [a-f0-9]{64}
 *
 * The first path element is a registry only if it contains "." or ":" or is
 * "localhost" (else `docker.io` is assumed and a one-element path gets
 * `library/`). `index.docker.io` is spelled `docker.io`.
 */
import { SkiffError } from "../lib/errors.ts";

/** A content digest; only sha256 is accepted, as Podman does for images. */
export type Digest = `sha256:${string}`;

export const DEFAULT_REGISTRY = "docker.io";
export const DEFAULT_TAG = "latest";

/** A parsed, normalised image reference. Plain data plus `toString()` (= fullName). */
export interface ImageReference {
  /** Registry host with optional port, e.g. "docker.io", "localhost:5000", "[::1]:5000". */
  readonly registry: string;
  /** Path inside the registry, e.g. "library/busybox". */
  readonly repository: string;
  /** Tag; "latest" when the input had neither tag nor digest. */
  readonly tag?: string;
  readonly digest?: Digest;
  /** True if the input had no registry part (subject to short-name resolution). */
  readonly shortName: boolean;
  /** Same as `fullName(this)`. */
  toString(): string;
}

const NAME_MAX = 255;
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const PATH_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])`;
const DOMAIN_RE = new RegExp(`^${HOST}(?::[0-9]+)?$`);
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
const HEX64_RE = /^[a-f0-9]{64}$/;

function invalid(detail?: string): SkiffError {
  return new SkiffError("invalid-argument", detail ? `invalid reference format: ${detail}` : "invalid reference format");
}

/**
 * Checks a digest string.
 * @throws SkiffError invalid-argument "invalid checksum digest format" / "unsupported digest algorithm" / "invalid checksum digest length"
 */
export function parseDigest(s: string): Digest {
  if (DIGEST_RE.test(s)) return s as Digest;
  const m = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/.exec(s);
  if (!m) throw new SkiffError("invalid-argument", "invalid checksum digest format");
  if (m[1] !== "sha256") throw new SkiffError("invalid-argument", "unsupported digest algorithm");
  throw new SkiffError("invalid-argument", "invalid checksum digest length");
}

/** Splits off the domain, Docker's way; returns [domain | undefined, remainder]. */
function splitDomain(name: string): [string | undefined, string] {
  const i = name.indexOf("/");
  if (i === -1) return [undefined, name];
  const first = name.slice(0, i);
  // An uppercase first element is also taken as a domain (Docker does the
  // same), so that "Foo/bar" fails as a bad domain rather than as "docker.io/Foo".
  if (!/[.:]/.test(first) && first !== "localhost" && first.toLowerCase() === first) return [undefined, name];
  return [first, name.slice(i + 1)];
}

class Ref implements ImageReference {
  readonly tag?: string;
  readonly digest?: Digest;
  constructor(
    readonly registry: string,
    readonly repository: string,
    tag: string | undefined,
    digest: Digest | undefined,
    readonly shortName: boolean,
  ) {
    if (tag !== undefined) this.tag = tag;
    if (digest !== undefined) this.digest = digest;
  }
  toString(): string { return fullName(this); }
}

/** Builds a reference from parts (no validation beyond what the types say). */
export function makeReference(parts: {
  registry: string; repository: string; tag?: string | undefined; digest?: Digest | undefined; shortName?: boolean;
}): ImageReference {
  return new Ref(parts.registry, parts.repository, parts.tag, parts.digest, parts.shortName ?? false);
}

/**
 * Parses and normalises an image reference as Podman does:
 * `busybox` → docker.io/library/busybox:latest (shortName true),
 * `docker.io/busybox` → docker.io/library/busybox:latest (shortName false),
 * `localhost:5000/a/b@sha256:…` keeps the digest and sets no tag,
 * `name:tag@digest` keeps both.
 * Short names keep registry "docker.io" here; search-registry resolution is
 * `resolveShortName` in registries-conf.ts.
 * @throws SkiffError invalid-argument with Podman's wording:
 *   "invalid reference format", "invalid reference format: repository name must be lowercase",
 *   "repository name must have at least one component", "repository name must not be more than 255 characters",
 *   "invalid repository name (x), cannot specify 64-byte hexadecimal strings", digest errors of `parseDigest`
 */
export function parseReference(input: string): ImageReference {
  if (input === "") throw invalid();
  if (HEX64_RE.test(input)) {
    throw new SkiffError("invalid-argument", `invalid repository name (${input}), cannot specify 64-byte hexadecimal strings`);
  }
  let rest = input;
  let digest: Digest | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    const d = rest.slice(at + 1);
    rest = rest.slice(0, at);
    // distribution's grammar wants 32+ hex digits before the digest is even parsed.
    if (!/^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/.test(d)) throw invalid();
    digest = parseDigest(d);
  }
  // A tag's colon comes after the last slash; a colon before it is a port.
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) throw invalid();
  }
  if (rest === "") throw invalid();
  const [domain, remainder] = splitDomain(rest);
  if (domain !== undefined && !DOMAIN_RE.test(domain)) throw invalid();
  if (!PATH_RE.test(remainder)) {
    if (PATH_RE.test(remainder.toLowerCase())) throw invalid("repository name must be lowercase");
    throw invalid();
  }
  if (rest.length > NAME_MAX) {
    throw new SkiffError("invalid-argument", `repository name must not be more than ${NAME_MAX} characters`);
  }
  let registry = domain ?? DEFAULT_REGISTRY;
  if (registry === "index.docker.io") registry = DEFAULT_REGISTRY;
  let repository = remainder;
  if (registry === DEFAULT_REGISTRY && !repository.includes("/")) repository = `library/${repository}`;
  if (tag === undefined && digest === undefined) tag = DEFAULT_TAG;
  return new Ref(registry, repository, tag, digest, domain === undefined);
}

/** `registry/repository` without tag or digest, e.g. "docker.io/library/busybox". */
export function repoName(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** Fully qualified form: "docker.io/library/busybox:latest", "h/r:t@sha256:…", "h/r@sha256:…". */
export function fullName(ref: ImageReference): string {
  let s = repoName(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/** Docker's short form: drops "docker.io/" and "library/" ("busybox:latest", "user/app:1"). */
export function familiarName(ref: ImageReference): string {
  let name = repoName(ref);
  if (ref.registry === DEFAULT_REGISTRY) {
    name = ref.repository.startsWith("library/") && ref.repository.split("/").length === 2
      ? ref.repository.slice("library/".length)
      : ref.repository;
  }
  if (ref.tag !== undefined) name += `:${ref.tag}`;
  if (ref.digest !== undefined) name += `@${ref.digest}`;
  return name;
}

/** The same reference with another registry (short-name candidates, mirrors); shortName becomes false. */
export function withRegistry(ref: ImageReference, registry: string, repository = ref.repository): ImageReference {
  return new Ref(registry, repository, ref.tag, ref.digest, false);
}

/** The same repository with `tag` and no digest. @throws SkiffError invalid-argument for a bad tag */
export function withTag(ref: ImageReference, tag: string): ImageReference {
  if (!TAG_RE.test(tag)) throw invalid();
  return new Ref(ref.registry, ref.repository, tag, undefined, ref.shortName);
}

/** The same repository pinned to `digest` (tag dropped, as Podman records pulled-by-digest names). */
export function withDigest(ref: ImageReference, digest: Digest): ImageReference {
  return new Ref(ref.registry, ref.repository, undefined, digest, ref.shortName);
}

/**
 * If `s` may name a local image by ID — 1 to 64 lowercase hex characters,
 * optionally prefixed with "sha256:" — returns the hex part, else undefined.
 * Podman tries such strings as an ID (or unique ID prefix) in local storage
 * before treating them as names; callers must still fall back to names
 * (e.g. "abc" may be an image called docker.io/library/abc).
 */
export function imageIdPrefix(s: string): string | undefined {
  const hex = s.startsWith("sha256:") ? s.slice(7) : s;
  return /^[a-f0-9]{1,64}$/.test(hex) ? hex : undefined;
}

/** True if `s` could be an image ID or ID prefix (see `imageIdPrefix`). */
export function isImageIdLike(s: string): boolean {
  return imageIdPrefix(s) !== undefined;
}

/** True if `s` is a full 64-hex image ID (optionally "sha256:"-prefixed). */
export function isFullImageId(s: string): boolean {
  const hex = imageIdPrefix(s);
  return hex !== undefined && hex.length === 64;
}
