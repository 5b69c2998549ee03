/**
 * `save`: local images to a docker-archive (default), oci-archive, OCI
 * layout folder (oci-dir) or dir: folder (docker-dir). Config bytes are
 * written unchanged, so `load` on the other side gives the same image ID.
 */
import { createReadStream, existsSync, mkdirSync } from "node:fs";
import type { Writable } from "node:stream";
import { SkiffError } from "../lib/errors.ts";
import type { GlobalOptions } from "./options.ts";
import { openImageStore, type ImageStore } from "./images.ts";
import { blobPath } from "../storage/layout.ts";
import { readBlob } from "../storage/blobs.ts";
import { resolveLocalImage } from "../storage/image-lookup.ts";
import { layerChain } from "../storage/layers.ts";
import type { Digest, ImageRecord } from "../storage/images.ts";
import { parseImageConfig } from "../image/manifest.ts";
import { parseReference, fullName } from "../image/reference.ts";
import {
  ARCHIVE_FORMATS, writeDockerArchive, writeDockerDir, writeOciLayout, type ArchiveFormat, type SaveImage,
} from "../image/archive.ts";

export interface SaveOptions {
  /** @default "docker-archive" */
  readonly format?: string;
  /** One archive entry per image (docker-archive only); without it all references must name one image. */
  readonly multiImage?: boolean;
  /** Destination file (archives) or folder (oci-dir, docker-dir); undefined writes an archive to `stdout`. */
  readonly output?: string;
  readonly stdout?: Writable;
}

function saveImageOf(store: ImageStore, img: ImageRecord, names: string[]): SaveImage {
  const config = readBlob(store.layout, `sha256:${img.id}` as Digest);
  const manifestBytes = readBlob(store.layout, img.manifestDigest);
  const m = JSON.parse(manifestBytes.toString("utf8")) as { layers?: { digest: Digest; size: number; mediaType: string }[] };
  const chain = img.topLayer ? layerChain(store.db, img.topLayer).reverse() : [];
  const descs = m.layers ?? [];
  const diffIds = parseImageConfig(config).rootfs.diff_ids;
  if (descs.length !== chain.length || diffIds.length !== chain.length) {
    throw new SkiffError("runtime", `image ${img.id}: manifest, config and layers disagree on the layer count`);
  }
  return {
    configDigest: `sha256:${img.id}`,
    config,
    manifest: { bytes: manifestBytes, mediaType: img.manifestMediaType, digest: img.manifestDigest },
    names,
    layers: chain.map((l, i) => {
      const d = descs[i]!;
      if (!existsSync(blobPath(store.layout, d.digest))) throw new SkiffError("not-found", `image ${img.id}: blob ${d.digest} of layer ${l.diffId} is not stored`);
      return {
        diffId: l.diffId, blobDigest: d.digest, blobSize: d.size, mediaType: d.mediaType,
        uncompressedSize: l.uncompressedSize,
        open: () => createReadStream(blobPath(store.layout, d.digest)),
      };
    }),
  };
}

/** The stored name a reference given by name stands for (undefined when given by ID). */
function nameFor(img: ImageRecord, ref: string): string | undefined {
  if (img.id.startsWith(ref.replace(/^sha256:/, ""))) return undefined;
  try {
    const full = fullName(parseReference(ref));
    if (img.names.includes(full)) return full;
  } catch { /* not a name */ }
  return img.names.find((n) => n === ref || n.endsWith(`/${ref}`) || n.endsWith(`/${ref}:latest`)) ?? img.names[0];
}

/**
 * Saves images.
 * @throws SkiffError not-found `<ref>: image not known`; invalid-argument for an unknown format,
 *   `-m` with a format other than docker-archive, or several images without `-m`
 */
export async function saveImages(g: GlobalOptions, refs: readonly string[], opts: SaveOptions): Promise<void> {
  const format = (opts.format ?? "docker-archive") as ArchiveFormat;
  if (!ARCHIVE_FORMATS.includes(format)) throw new SkiffError("invalid-argument", `unsupported format "${opts.format}"`);
  const store = openImageStore(g);
  const found = refs.map((r) => ({ ref: r, img: resolveLocalImage(store.db, r) }));
  const byId = new Map<string, { img: ImageRecord; names: string[] }>();
  for (const { ref, img } of found) {
    const e = byId.get(img.id) ?? { img, names: [] };
    const n = nameFor(img, ref);
    if (n && !e.names.includes(n)) e.names.push(n);
    byId.set(img.id, e);
  }
  if (byId.size > 1 && format !== "docker-archive") {
    throw new SkiffError("invalid-argument", `unsupported format "${format}" for saving multiple images (only docker-archive)`);
  }
  const images = [...byId.values()].map((e) => saveImageOf(store, e.img, e.names));
  if (format === "oci-dir" || format === "docker-dir") {
    if (!opts.output) throw new SkiffError("invalid-argument", `--output is required for format "${format}"`);
    mkdirSync(opts.output, { recursive: true });
    if (format === "oci-dir") await writeOciLayout(images, { dir: opts.output });
    else await writeDockerDir(images[0]!, opts.output);
    return;
  }
  let out: Writable;
  if (opts.output) {
    const { createWriteStream } = await import("node:fs");
    out = createWriteStream(opts.output);
  } else out = opts.stdout ?? process.stdout;
  if (format === "docker-archive") await writeDockerArchive(images, out);
  else await writeOciLayout(images, { out });
}
