/**
 * Writing images into the store: a layer from an overlay-form folder
 * (commit, build steps), and an image (config blob, manifest blob, image
 * row) from a config and a list of stored layers.
 *
 * Callers that create layers and then the image that uses them hold
 * `withLayersLock(store, "shared", …)` (storage/layers.ts) around both, so
 * a concurrent `rmi`/`prune` cannot collect the fresh layers before the
 * image row points at them. Both functions here also take it themselves.
 *
 * Size of the image row: containers/storage's formula as in engine/pull.ts:
 * the layers' uncompressed sizes, the manifest twice (`manifest` and
 * `manifest-<digest>` big-data items) and the config.
 */
import type { Database } from "bun:sqlite";
import { mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { SkiffError } from "../lib/errors.ts";
import type { Digest } from "../image/reference.ts";
import type { StoreLayout } from "./layout.ts";
import type { LayerRecord } from "./layers.ts";
import type { ImageRecord } from "./images.ts";
import type { LayerCompression } from "./layer-diff.ts";
import { MediaType } from "../image/manifest.ts";

let selfStart: string | undefined;

/**
 * A fresh temp file name in the store's tmp folder (same filesystem as the
 * blobs: rename is atomic), named `blob-<pid>-<start time>-…` as blobs.ts
 * names its own, so its sweep removes it only once this process is gone.
 */
export function blobTempPath(store: StoreLayout): string {
  const dir = join(store.root, "tmp");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (selfStart === undefined) {
    const stat = readFileSync("/proc/self/stat", "latin1");
    selfStart = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? "0";
  }
  return join(dir, `blob-${process.pid}-${selfStart}-w${randomBytes(6).toString("hex")}`);
}

/**
 * Moves a complete temp file whose sha256 the caller computed while writing
 * it into the blob store as `digest` (no second read).
 */
export function installBlobFile(store: StoreLayout, tmp: string, digest: Digest): void {
  const dest = join(store.root, "blobs", "sha256", digest.slice(7));
  mkdirSync(dirname(dest), { recursive: true, mode: 0o700 });
  renameSync(tmp, dest);
}

/** A stored layer as an image lists it. */
export interface ImageLayer {
  /** Chain ID of the layer in the store. */
  readonly chainId: Digest;
  /** Digest of its (usually compressed) blob in the blob store. */
  readonly blobDigest: Digest;
  /** sha256 of the uncompressed tar. */
  readonly diffId: Digest;
  /** Bytes of the blob. */
  readonly size: number;
  /** OCI or Docker media type of the blob (converted to the manifest's format by writeImage). */
  readonly mediaType: string;
}

export interface CommitLayerOptions {
  /** Overlay-form folder: whiteouts as char 0:0, opaque folders by xattr. */
  readonly dir: string;
  /** Chain ID of the layer below (stored already); null for a base layer. */
  readonly parent: Digest | null;
  /** @default "gzip" */
  readonly compression?: LayerCompression;
  /** Unix seconds for every file's mtime (`--timestamp`); with `clampTimestamp`, only newer ones are lowered (SOURCE_DATE_EPOCH). */
  readonly timestamp?: number;
  readonly clampTimestamp?: boolean;
}

export type CommittedLayer = LayerRecord & ImageLayer;

/**
 * Makes a layer of `opts.dir` on top of `opts.parent`: the tar is written
 * once (DiffID and blob digest computed while streaming) into the blob store,
 * then unpacked from there into `<root>/layers/<chain>/diff` by ensureLayer
 * (measured: the unpack of the stored blob costs less than the tar; copying
 * the folder would skip the hostile-tar checks and the diffID verification).
 * The same content on the same parent gives the same chain ID, reused.
 * @returns the layer record plus the blob descriptor fields for writeImage
 * @throws SkiffError runtime on fs errors; not-found when the parent is not stored
 */
export async function commitLayerFromDir(store: StoreLayout, db: Database, opts: CommitLayerOptions): Promise<CommittedLayer> {
  const [{ writeLayerBlob }, { ensureLayer, withLayersLock }, { blobStream, blobSize }] = await Promise.all([
    import("./layer-diff.ts"),
    import("./layers.ts"),
    import("./blobs.ts"),
  ]);
  return withLayersLock(store, "shared", async () => {
    const tmp = blobTempPath(store);
    let blob;
    try {
      blob = await writeLayerBlob(opts.dir, tmp, {
        compression: opts.compression ?? "gzip",
        ...(opts.timestamp !== undefined ? { timestamp: opts.timestamp, clamp: opts.clampTimestamp ?? false } : {}),
      });
      installBlobFile(store, tmp, blob.blobDigest);
    } catch (e) {
      rmSync(tmp, { force: true });
      const { wrap } = await import("../lib/errors.ts");
      throw wrap(e, `writing layer of ${opts.dir}`);
    }
    const rec = await ensureLayer(store, db, {
      parent: opts.parent,
      diffId: blob.diffId,
      compressedDigest: blob.blobDigest,
      compressedSize: blob.blobSize,
      mediaType: blob.mediaType,
      open: () => blobStream(store, blob.blobDigest),
    });
    // The same diff on the same parent was stored before from another blob
    // (other compression, or a pull): garbage collection keeps only the blob
    // the layer row names, so list that one. Ours is left for the collector
    // (another layer with the same diff on another parent may name it).
    if (rec.compressedDigest !== null && rec.compressedDigest !== blob.blobDigest && blobSize(store, rec.compressedDigest) !== undefined) {
      return { ...rec, blobDigest: rec.compressedDigest, size: rec.compressedSize ?? blobSize(store, rec.compressedDigest)!, mediaType: rec.mediaType ?? blob.mediaType };
    }
    if (rec.compressedDigest === null) {
      db.query("UPDATE layers SET compressed_digest = ?, compressed_size = ?, media_type = ? WHERE chain_id = ? AND compressed_digest IS NULL")
        .run(blob.blobDigest, blob.blobSize, blob.mediaType, rec.chainId);
    }
    return { ...rec, blobDigest: blob.blobDigest, size: blob.blobSize, mediaType: blob.mediaType };
  });
}

/**
 * The layers of a stored image, base first, as descriptors from its manifest
 * joined with its layer chain (what a build or commit puts under its new layer).
 * @throws SkiffError runtime when manifest and layer chain disagree
 */
export async function layersOfImage(store: StoreLayout, db: Database, img: ImageRecord): Promise<ImageLayer[]> {
  const [{ readBlob }, { layerChain }] = await Promise.all([import("./blobs.ts"), import("./layers.ts")]);
  const m = JSON.parse(readBlob(store, img.manifestDigest).toString("utf8")) as { layers?: { digest: Digest; size: number; mediaType: string }[] };
  const chain = img.topLayer ? layerChain(db, img.topLayer).reverse() : [];
  const descs = m.layers ?? [];
  if (descs.length !== chain.length) {
    throw new SkiffError("runtime", `image ${img.id}: manifest lists ${descs.length} layers, the store has ${chain.length}`);
  }
  return chain.map((l, i) => ({ chainId: l.chainId, diffId: l.diffId, blobDigest: descs[i]!.digest, size: descs[i]!.size, mediaType: descs[i]!.mediaType }));
}

export type ImageFormat = "oci" | "docker";

export interface WriteImageOptions {
  /**
   * The image config (OCI image-spec config.md / Docker image v1), keys in
   * the order to serialise; `rootfs` is set from `layers` (in place when
   * present, else appended).
   */
  readonly config: Record<string, unknown>;
  /** Base first. */
  readonly layers: readonly ImageLayer[];
  readonly format: ImageFormat;
  /** Fully qualified names ("localhost/x:latest"); may be empty. */
  readonly names: readonly string[];
  /** OCI manifest annotations (dropped for the Docker format, which has none). */
  readonly annotations?: Record<string, string>;
  /** Creation time for the image row, unix ms. @default config.created */
  readonly created?: number;
  /** Leave the optional `mediaType` field out of an OCI manifest (containers/image's tarball source, behind `import`). @default false */
  readonly omitManifestMediaType?: boolean;
}

export interface WrittenImage {
  readonly image: ImageRecord;
  readonly configDigest: Digest;
  readonly manifestDigest: Digest;
  /** The exact manifest bytes stored. */
  readonly manifest: Uint8Array;
}

/** OCI media type of a layer blob ↔ the Docker schema 2 one. */
export function layerTypeFor(mediaType: string, format: ImageFormat): string {
  const gzip = mediaType === MediaType.ociLayerGzip || mediaType === MediaType.dockerLayerGzip;
  const plain = mediaType === MediaType.ociLayerTar || mediaType === "application/vnd.docker.image.rootfs.diff.tar";
  if (format === "docker") {
    if (gzip) return MediaType.dockerLayerGzip;
    if (plain) return "application/vnd.docker.image.rootfs.diff.tar";
    if (mediaType === MediaType.ociLayerZstd) {
      throw new SkiffError("invalid-argument", "zstd-compressed layers cannot be written in the docker format");
    }
    return mediaType;
  }
  if (gzip) return MediaType.ociLayerGzip;
  if (plain) return MediaType.ociLayerTar;
  return mediaType;
}

/**
 * Serialises an image manifest for `format`, keys in the order Go's structs
 * give (schemaVersion, mediaType, config, layers, annotations; descriptors
 * mediaType, digest, size for OCI and mediaType, size, digest for Docker).
 */
export function manifestBytes(
  format: ImageFormat,
  config: { digest: Digest; size: number },
  layers: readonly { digest: Digest; size: number; mediaType: string }[],
  annotations?: Record<string, string>,
  omitMediaType = false,
): Uint8Array {
  const doc =
    format === "oci"
      ? {
          schemaVersion: 2,
          ...(omitMediaType ? {} : { mediaType: MediaType.ociManifest }),
          config: { mediaType: MediaType.ociConfig, digest: config.digest, size: config.size },
          layers: layers.map((l) => ({ mediaType: layerTypeFor(l.mediaType, "oci"), digest: l.digest, size: l.size })),
          ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
        }
      : {
          schemaVersion: 2,
          mediaType: MediaType.dockerManifest,
          config: { mediaType: MediaType.dockerConfig, size: config.size, digest: config.digest },
          layers: layers.map((l) => ({ mediaType: layerTypeFor(l.mediaType, "docker"), size: l.size, digest: l.digest })),
        };
  return new TextEncoder().encode(JSON.stringify(doc));
}

/**
 * Stores an image: config blob (the exact bytes whose digest is the image
 * ID), manifest blob, and the image row with `names` (moved from other
 * images that had them).
 * @returns the record and what was written
 * @throws SkiffError not-found when a layer or its blob is not stored;
 *   invalid-argument for zstd layers in the docker format
 */
export async function writeImage(store: StoreLayout, db: Database, opts: WriteImageOptions): Promise<WrittenImage> {
  const [{ putBlobBytes, blobSize }, { getLayer, withLayersLock }, { putImage }] = await Promise.all([
    import("./blobs.ts"),
    import("./layers.ts"),
    import("./images.ts"),
  ]);
  const rootfs = { type: "layers", diff_ids: opts.layers.map((l) => l.diffId) };
  // Spreading keeps an existing key's position, so a caller's key order survives.
  const config: Record<string, unknown> = { ...opts.config, rootfs };
  const configBytes = new TextEncoder().encode(JSON.stringify(config));
  return withLayersLock(store, "shared", () => {
    let layersSize = 0;
    for (const l of opts.layers) {
      const rec = getLayer(db, l.chainId);
      if (!rec) throw new SkiffError("not-found", `layer ${l.chainId} not found`);
      if (rec.diffId !== l.diffId) throw new SkiffError("invalid-argument", `layer ${l.chainId}: diffID ${l.diffId} does not match the stored ${rec.diffId}`);
      if (blobSize(store, l.blobDigest) === undefined) throw new SkiffError("not-found", `blob ${l.blobDigest} of layer ${l.chainId} not found`);
      layersSize += rec.uncompressedSize;
    }
    for (let i = 1; i < opts.layers.length; i++) {
      if (getLayer(db, opts.layers[i]!.chainId)!.parent !== opts.layers[i - 1]!.chainId) {
        throw new SkiffError("invalid-argument", `layer ${opts.layers[i]!.chainId} does not sit on ${opts.layers[i - 1]!.chainId}`);
      }
    }
    const cfg = putBlobBytes(store, configBytes);
    const manifest = manifestBytes(
      opts.format,
      cfg,
      opts.layers.map((l) => ({ digest: l.blobDigest, size: l.size, mediaType: l.mediaType })),
      opts.annotations,
      opts.omitManifestMediaType ?? false,
    );
    const man = putBlobBytes(store, manifest);
    const createdStr = typeof config.created === "string" ? Date.parse(config.created) : NaN;
    const image = putImage(
      db,
      {
        id: cfg.digest.slice(7),
        topLayer: opts.layers.at(-1)?.chainId ?? null,
        manifestDigest: man.digest,
        manifestMediaType: opts.format === "oci" ? MediaType.ociManifest : MediaType.dockerManifest,
        digests: [man.digest],
        size: layersSize + 2 * manifest.byteLength + configBytes.byteLength,
        created: opts.created ?? (Number.isFinite(createdStr) ? createdStr : 0),
      },
      opts.names,
    );
    return { image, configDigest: cfg.digest, manifestDigest: man.digest, manifest };
  });
}
