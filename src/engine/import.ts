/**
 * `import`: a root filesystem tarball (file, http(s) URL, or `-` for stdin)
 * as a one-layer image, as Podman 4.3 does it through containers/image's
 * tarball source: the bytes are kept as given as the layer blob (plain,
 * gzip or zstd, by magic bytes), the OCI manifest has no `mediaType` field,
 * the config is `{created, architecture, os, config, rootfs, history}` with
 * one history entry `/bin/sh -c #(nop) ADD file:<diffID hex> in /` carrying
 * `-m` as its comment; `-c` changes as for commit.
 */
import { closeSync, openSync, rmSync, writeSync } from "node:fs";
import { createHash } from "node:crypto";
import { SkiffError, messageOf } from "../lib/errors.ts";
import type { GlobalOptions } from "./options.ts";
import type { Digest } from "../image/reference.ts";

export interface ImportOptions {
  /** A file path, an http(s) URL, or "-" for `stdin`. */
  readonly source: string;
  readonly stdin?: NodeJS.ReadableStream | ReadableStream<Uint8Array>;
  /** Name as typed; none → untagged. */
  readonly name?: string;
  readonly changes?: readonly string[];
  readonly message?: string;
  readonly progress?: (line: string) => void;
}

export interface ImportReport {
  /** Image ID (64 hex). */
  readonly id: string;
  readonly names: string[];
}

async function openSource(opts: ImportOptions): Promise<AsyncIterable<Uint8Array>> {
  const s = opts.source;
  if (s === "-") return (opts.stdin ?? process.stdin) as AsyncIterable<Uint8Array>;
  if (/^https?:\/\//i.test(s)) {
    let res: Response;
    try {
      res = await fetch(s);
    } catch (e) {
      throw new SkiffError("runtime", `Get "${s}": ${messageOf(e)}`, { cause: e });
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => {});
      throw new SkiffError("runtime", `Get "${s}": invalid status code ${res.status}`);
    }
    return res.body as unknown as AsyncIterable<Uint8Array>;
  }
  const f = Bun.file(s);
  if (!(await f.exists())) throw new SkiffError("not-found", `open ${s}: no such file or directory`);
  return f.stream() as unknown as AsyncIterable<Uint8Array>;
}

/**
 * Imports a tarball as a new image.
 * @throws SkiffError not-found for a missing file; runtime for a failed
 *   download; invalid-argument for a bad change, name or tar
 */
export async function importImage(g: GlobalOptions, opts: ImportOptions): Promise<ImportReport> {
  const [{ openImageStore, normalizeTagName }, w, { ensureLayer, withLayersLock }, { blobStream }, { applyChanges, goTimestamp }, { hostArch }, { MediaType }] =
    await Promise.all([
      import("./images.ts"),
      import("../storage/image-writer.ts"),
      import("../storage/layers.ts"),
      import("../storage/blobs.ts"),
      import("./commit.ts"),
      import("../image/archive.ts"),
      import("../image/manifest.ts"),
    ]);
  const store = openImageStore(g);
  const names = opts.name !== undefined ? [normalizeTagName(opts.name)] : [];
  let run;
  try {
    run = applyChanges({}, opts.changes ?? []);
  } catch (e) {
    throw new SkiffError("invalid-argument", `applying changes: ${(e as Error).message}`, { cause: e });
  }
  const emit = opts.progress ?? (() => {});
  const src = await openSource(opts);

  return withLayersLock(store.layout, "shared", async () => {
    const tmp = w.blobTempPath(store.layout);
    const hash = createHash("sha256");
    let size = 0;
    let head = new Uint8Array(0);
    const fd = openSync(tmp, "w", 0o600);
    try {
      for await (const c of src) {
        const chunk = typeof c === "string" ? Buffer.from(c) : c;
        hash.update(chunk);
        if (head.length < 4) head = Buffer.concat([head, chunk.subarray(0, 4)]);
        size += chunk.length;
        let off = 0;
        while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
      }
    } catch (e) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      throw e;
    }
    closeSync(fd);
    const digest: Digest = `sha256:${hash.digest("hex")}`;
    w.installBlobFile(store.layout, tmp, digest);
    const mediaType = head[0] === 0x1f && head[1] === 0x8b ? MediaType.ociLayerGzip
      : head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd ? MediaType.ociLayerZstd
      : MediaType.ociLayerTar;
    emit("Getting image source signatures");
    emit(`Copying blob ${digest}`);
    const rec = await ensureLayer(store.layout, store.db, {
      parent: null, compressedDigest: digest, compressedSize: size, mediaType,
      open: () => blobStream(store.layout, digest),
    });
    const now = Date.now();
    const created = goTimestamp(now);
    const config = {
      created,
      architecture: hostArch(),
      os: "linux",
      config: run,
      rootfs: { type: "layers", diff_ids: [rec.diffId] },
      history: [{
        created,
        created_by: `/bin/sh -c #(nop) ADD file:${rec.diffId.slice(7)} in /`,
        ...(opts.message ? { comment: opts.message } : {}),
      }],
    };
    const written = await w.writeImage(store.layout, store.db, {
      config, format: "oci", names, omitManifestMediaType: true, created: now,
      layers: [{ chainId: rec.chainId, diffId: rec.diffId, blobDigest: digest, size, mediaType }],
    });
    emit(`Copying config ${written.configDigest}`);
    emit("Writing manifest to image destination");
    emit("Storing signatures");
    return { id: written.image.id, names };
  });
}
