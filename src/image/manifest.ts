/**
 * Image manifests, indexes and configs: media types, parsing, validation.
 *
 * Accepted (OCI image-spec v1.0/1.1 and Docker's Image Manifest V2 Schema 2):
 *   OCI index, OCI manifest, Docker manifest list, Docker schema 2 manifest.
 * Refused: Docker schema 1 (signed or not) and any other type.
 *
 * Parsing never re-serialises: callers keep the bytes they received (the
 * digest is over those bytes) and use the parsed object only to read fields.
 */
import { SkiffError } from "../lib/errors.ts";
import type { Digest } from "./reference.ts";

export const MediaType = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayerTar: "application/vnd.oci.image.layer.v1.tar",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  ociLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  dockerForeignLayer: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
  dockerSchema1: "application/vnd.docker.distribution.manifest.v1+json",
  dockerSchema1Signed: "application/vnd.docker.distribution.manifest.v1+prettyjws",
} as const;

/** The Accept header for GET/HEAD of manifests: every type we can use, most specific first. */
export const MANIFEST_ACCEPT = [
  MediaType.ociIndex,
  MediaType.ociManifest,
  MediaType.dockerList,
  MediaType.dockerManifest,
].join(", ");

const LAYER_TYPES = new Set<string>([
  MediaType.ociLayerTar,
  MediaType.ociLayerGzip,
  MediaType.ociLayerZstd,
  MediaType.dockerLayerGzip,
  MediaType.dockerForeignLayer,
  "application/vnd.oci.image.layer.nondistributable.v1.tar",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
]);

export interface Platform {
  readonly architecture: string;
  readonly os: string;
  readonly variant?: string;
  readonly "os.version"?: string;
  readonly "os.features"?: string[];
}

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: Digest;
  /** Bytes. */
  readonly size: number;
  readonly platform?: Platform;
  readonly annotations?: Record<string, string>;
  readonly urls?: string[];
}

export interface ImageManifest {
  readonly kind: "manifest";
  readonly mediaType: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly annotations?: Record<string, string>;
}

export interface ImageIndex {
  readonly kind: "index";
  readonly mediaType: string;
  readonly manifests: readonly Descriptor[];
}

/** The OCI image config (Docker's v1 config is the same shape for these fields). */
export interface ImageConfig {
  readonly architecture: string;
  readonly os: string;
  readonly variant?: string;
  readonly created?: string;
  readonly author?: string;
  readonly config?: {
    readonly User?: string;
    readonly ExposedPorts?: Record<string, object>;
    readonly Env?: string[];
    readonly Entrypoint?: string[] | null;
    readonly Cmd?: string[] | null;
    readonly Volumes?: Record<string, object>;
    readonly WorkingDir?: string;
    readonly Labels?: Record<string, string> | null;
    readonly StopSignal?: string;
  };
  readonly rootfs: { readonly type: string; readonly diff_ids: Digest[] };
  readonly history?: {
    readonly created?: string;
    readonly created_by?: string;
    readonly author?: string;
    readonly comment?: string;
    readonly empty_layer?: boolean;
  }[];
}

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

function bad(msg: string): SkiffError {
  return new SkiffError("invalid-argument", msg);
}

function parseJson(bytes: Uint8Array | string, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(typeof bytes === "string" ? bytes : new TextDecoder().decode(bytes));
  } catch (e) {
    throw bad(`parsing ${what}: ${(e as Error).message}`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw bad(`parsing ${what}: not a JSON object`);
  return v as Record<string, unknown>;
}

function descriptor(v: unknown, where: string): Descriptor {
  const d = v as Partial<Descriptor> | null;
  if (typeof d !== "object" || d === null) throw bad(`invalid descriptor in ${where}`);
  if (typeof d.digest !== "string" || !DIGEST_RE.test(d.digest)) {
    throw bad(`invalid descriptor in ${where}: unsupported digest ${JSON.stringify(d.digest ?? "")}`);
  }
  if (typeof d.size !== "number" || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw bad(`invalid descriptor in ${where}: invalid size ${JSON.stringify(d.size)}`);
  }
  if (typeof d.mediaType !== "string") throw bad(`invalid descriptor in ${where}: missing mediaType`);
  return d as Descriptor;
}

/**
 * Decides a manifest's media type from the Content-Type the registry sent and
 * the document's own `mediaType` field (OCI makes it optional; then the
 * structure decides: `manifests` → index, `config` → manifest).
 * @throws SkiffError invalid-argument for schema 1, unknown types, and a
 *   `mediaType` field contradicting the Content-Type
 */
export function manifestMediaType(bytes: Uint8Array | string, contentType?: string): string {
  const doc = parseJson(bytes, "manifest");
  const ct = contentType?.split(";")[0]?.trim() ?? "";
  const field = typeof doc.mediaType === "string" ? doc.mediaType : "";
  for (const t of [ct, field]) {
    if (t === MediaType.dockerSchema1 || t === MediaType.dockerSchema1Signed || (t === "" && doc.schemaVersion === 1)) {
      throw bad(`unsupported manifest type "${t || MediaType.dockerSchema1}": schema 1 images are not supported`);
    }
  }
  const known = [MediaType.ociIndex, MediaType.ociManifest, MediaType.dockerList, MediaType.dockerManifest] as string[];
  // A generic Content-Type ("application/json", "text/plain", none) leaves the decision to the document.
  const ctSpecific = ct !== "" && ct !== "application/json" && ct !== "text/plain" && ct !== "application/octet-stream";
  if (ctSpecific && !known.includes(ct)) throw bad(`unsupported manifest type "${ct}"`);
  if (field !== "" && !known.includes(field)) throw bad(`unsupported manifest type "${field}"`);
  if (ctSpecific && field !== "" && field !== ct) {
    throw bad(`manifest media type "${field}" does not match the Content-Type "${ct}"`);
  }
  if (field !== "") return field;
  if (ctSpecific) return ct;
  if (Array.isArray(doc.manifests)) return MediaType.ociIndex;
  if (typeof doc.config === "object" && doc.config !== null) return MediaType.ociManifest;
  throw bad("unsupported manifest type: cannot determine the manifest format");
}

/** True for an OCI index or a Docker manifest list. */
export function isIndexType(mediaType: string): boolean {
  return mediaType === MediaType.ociIndex || mediaType === MediaType.dockerList;
}

/**
 * Parses a manifest or index already typed by `manifestMediaType`.
 * Checks schemaVersion 2, descriptors (sha256 digests, sizes), that a
 * manifest's config has a config media type and its layers layer types.
 * @throws SkiffError invalid-argument naming the offending field
 */
export function parseManifest(bytes: Uint8Array | string, mediaType: string): ImageManifest | ImageIndex {
  const doc = parseJson(bytes, "manifest");
  if (doc.schemaVersion !== 2) throw bad(`unsupported manifest schemaVersion ${JSON.stringify(doc.schemaVersion)}`);
  if (isIndexType(mediaType)) {
    if (!Array.isArray(doc.manifests)) throw bad(`invalid manifest list: missing "manifests"`);
    const manifests = doc.manifests.map((m, i) => descriptor(m, `manifests[${i}]`));
    return { kind: "index", mediaType, manifests };
  }
  if (mediaType !== MediaType.ociManifest && mediaType !== MediaType.dockerManifest) {
    throw bad(`unsupported manifest type "${mediaType}"`);
  }
  const config = descriptor(doc.config, "config");
  const docker = mediaType === MediaType.dockerManifest;
  const configOk = docker ? config.mediaType === MediaType.dockerConfig : config.mediaType === MediaType.ociConfig;
  if (!configOk) throw bad(`unsupported config media type "${config.mediaType}" in ${mediaType} manifest`);
  if (!Array.isArray(doc.layers)) throw bad(`invalid manifest: missing "layers"`);
  const layers = doc.layers.map((l, i) => {
    const d = descriptor(l, `layers[${i}]`);
    if (!LAYER_TYPES.has(d.mediaType)) throw bad(`unsupported layer media type "${d.mediaType}"`);
    return d;
  });
  const out: ImageManifest = { kind: "manifest", mediaType, config, layers };
  if (doc.annotations && typeof doc.annotations === "object") {
    return { ...out, annotations: doc.annotations as Record<string, string> };
  }
  return out;
}

/**
 * Parses an image config, checking what a pull relies on: architecture, os,
 * rootfs.type "layers" and diff_ids (sha256 digests).
 * @throws SkiffError invalid-argument `invalid image config: …`
 */
export function parseImageConfig(bytes: Uint8Array | string): ImageConfig {
  const doc = parseJson(bytes, "image config");
  const rootfs = doc.rootfs as { type?: unknown; diff_ids?: unknown } | undefined;
  if (!rootfs || rootfs.type !== "layers" || !Array.isArray(rootfs.diff_ids)) {
    throw bad(`invalid image config: rootfs must be {"type":"layers","diff_ids":[…]}`);
  }
  for (const d of rootfs.diff_ids) {
    if (typeof d !== "string" || !DIGEST_RE.test(d)) throw bad(`invalid image config: invalid diff_id ${JSON.stringify(d)}`);
  }
  if (typeof doc.architecture !== "string" || typeof doc.os !== "string") {
    throw bad("invalid image config: missing architecture or os");
  }
  return doc as unknown as ImageConfig;
}

/** The config's creation time in unix ms (0 when absent or unparseable). */
export function createdMs(config: ImageConfig): number {
  const t = config.created ? Date.parse(config.created) : NaN;
  return Number.isFinite(t) ? t : 0;
}
