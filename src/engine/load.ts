/**
 * `load`: images from a docker-archive, oci-archive, OCI layout folder or
 * dir: folder (detected) into the store. Config bytes are kept, so the image
 * ID is the source's. A docker-archive has no manifest: as Podman, one is
 * generated (Docker schema 2, layers `application/vnd.docker.image.rootfs.diff.tar`
 * referencing the uncompressed tars, which are stored as blobs).
 */
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { SkiffError, wrap } from "../lib/errors.ts";
import type { GlobalOptions } from "./options.ts";
import { openImageStore } from "./images.ts";
import { tmpDir } from "../storage/layout.ts";
import { putBlobBytes, putBlobStream } from "../storage/blobs.ts";
import { ensureLayer, removeUnreferencedLayers, withLayersLock } from "../storage/layers.ts";
import { putImage, type Digest } from "../storage/images.ts";
import { openArchive, DOCKER_LAYER_TAR, type ArchiveImage } from "../image/archive.ts";
import { MediaType, createdMs, parseImageConfig } from "../image/manifest.ts";
import { parseReference, fullName } from "../image/reference.ts";

export interface LoadOptions {
  /** Archive file or layout folder; undefined reads the archive from `stdin`. */
  readonly input?: string;
  readonly stdin?: NodeJS.ReadableStream;
}

export interface LoadReport {
  /** Per image: its names, or `sha256:<id>` for an image without names (Podman's "Loaded image:" lines). */
  readonly loaded: string[];
}

/**
 * Loads every image of the archive.
 * @throws SkiffError invalid-argument `payload does not match any of the supported image formats: …`;
 *   not-found for a missing input. On failure no image row is left and unused layers are collected.
 */
export async function loadImages(g: GlobalOptions, opts: LoadOptions): Promise<LoadReport> {
  const store = openImageStore(g);
  mkdirSync(tmpDir(store.layout), { recursive: true, mode: 0o700 });
  const scratch = mkdtempSync(join(tmpDir(store.layout), "load-"));
  try {
    let input = opts.input;
    if (input === undefined) {
      input = join(scratch, "stdin.tar");
      await pipeline(opts.stdin ?? process.stdin, createWriteStream(input));
    }
    const archive = await openArchive(input, join(scratch, "x"));
    const loaded: string[] = [];
    try {
      // Shared layers lock until the image rows exist: see pull.ts.
      for (const img of archive.images) loaded.push(...(await withLayersLock(store.layout, "shared", () => storeImage(store, img))));
    } catch (e) {
      await removeUnreferencedLayers(store.layout, store.db);
      throw e;
    }
    return { loaded };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function normalizeName(n: string): string | undefined {
  try { return fullName(parseReference(n)); } catch { return undefined; }
}

async function storeImage(store: ReturnType<typeof openImageStore>, img: ArchiveImage): Promise<string[]> {
  const config = parseImageConfig(img.config);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== img.layers.length) {
    throw new SkiffError("invalid-argument", `image config lists ${diffIds.length} layers, the archive has ${img.layers.length}`);
  }
  let parent: Digest | null = null;
  let uncompressed = 0;
  for (const [i, l] of img.layers.entries()) {
    try {
      const rec = await ensureLayer(store.layout, store.db, {
        parent, diffId: diffIds[i]!, compressedDigest: l.digest, compressedSize: l.size, mediaType: l.mediaType,
        open: () => Readable.toWeb(createReadStream(l.path)) as ReadableStream<Uint8Array>,
      });
      parent = rec.chainId;
      uncompressed += rec.uncompressedSize;
      await putBlobStream(store.layout, l.digest, Readable.toWeb(createReadStream(l.path)) as ReadableStream<Uint8Array>, { size: l.size });
    } catch (e) {
      throw wrap(e, `layer ${l.digest}`);
    }
  }
  putBlobBytes(store.layout, img.config, img.configDigest);
  let manifest = img.manifest;
  if (!manifest) {
    const doc = {
      schemaVersion: 2,
      mediaType: MediaType.dockerManifest,
      config: { mediaType: MediaType.dockerConfig, size: img.config.length, digest: img.configDigest },
      layers: img.layers.map((l) => ({ mediaType: DOCKER_LAYER_TAR, size: l.size, digest: l.digest })),
    };
    const bytes = Buffer.from(JSON.stringify(doc));
    manifest = { bytes, mediaType: MediaType.dockerManifest, digest: putBlobBytes(store.layout, bytes).digest };
  } else {
    putBlobBytes(store.layout, manifest.bytes, manifest.digest);
  }
  const names = img.names.map(normalizeName).filter((n): n is string => n !== undefined);
  const id = img.configDigest.slice(7);
  putImage(store.db, {
    id, topLayer: parent, manifestDigest: manifest.digest, manifestMediaType: manifest.mediaType,
    digests: [manifest.digest],
    // Podman's size: the layers' uncompressed bytes plus the stored config and manifest.
    size: uncompressed + img.config.length + manifest.bytes.length,
    created: createdMs(config),
  }, names);
  return names.length ? names : [`sha256:${id}`];
}
