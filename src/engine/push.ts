/**
 * `push`: a local image to a registry, as Podman 4.3 (containers/image copy):
 *
 * - the manifest keeps the image's format unless `--format` asks for the
 *   other one (`oci`, `v2s2`/`docker`); the config bytes never change, so
 *   the image ID is the same on the other side;
 * - a layer blob stored uncompressed (commit, build, import of a plain tar)
 *   is gzip-compressed on the way; a compressed one is sent as is unless
 *   `--compression-format` names another algorithm, then it is recompressed.
 *   Any change of a layer or of the format gives a new manifest (and digest),
 *   otherwise the stored manifest bytes are sent unchanged;
 * - each blob is first HEADed in the destination repository: one the
 *   registry has is not sent again (`Copying blob <12 hex> skipped: already exists`);
 * - auth as pull: `--creds`, else auth.json (`--authfile`), through the
 *   registry's challenge (Basic or Bearer with scope `pull,push`).
 */
import { rmSync } from "node:fs";
import { SkiffError } from "../lib/errors.ts";
import type { GlobalOptions } from "./options.ts";
import type { Digest } from "../image/reference.ts";
import type { ImageLayer } from "../storage/image-writer.ts";
import type { StoreLayout } from "../storage/layout.ts";

export interface PushOptions {
  /** @default true */
  readonly tlsVerify?: boolean;
  /** "user[:password]". */
  readonly creds?: string;
  readonly authfile?: string;
  /** "oci" | "v2s2" | "docker"; @default the image's own format */
  readonly format?: string;
  /** "gzip" | "zstd"; @default gzip for uncompressed layers, compressed ones kept */
  readonly compressionFormat?: string;
  /** Lines for the CLI (stderr). */
  readonly progress?: (line: string) => void;
}

export interface PushReport {
  /** Digest of the manifest as pushed. */
  readonly digest: Digest;
  /** Blobs sent / skipped because the registry had them. */
  readonly sent: number;
  readonly skipped: number;
}

type Compression = "gzip" | "zstd" | "none";

function compressionOf(mediaType: string): Compression {
  if (mediaType.endsWith("+zstd")) return "zstd";
  if (mediaType.endsWith("+gzip") || mediaType.endsWith(".tar.gzip")) return "gzip";
  return "none";
}

/** Strips `docker://`; refuses other transports skiff does not write. */
function destination(dest: string): string {
  if (dest.startsWith("docker://")) return dest.slice("docker://".length);
  const m = /^([a-z-]+):/.exec(dest);
  if (m && ["oci", "oci-archive", "docker-archive", "dir", "containers-storage"].includes(m[1]!)) {
    throw new SkiffError("invalid-argument", `pushing to transport "${m[1]}" is not supported`);
  }
  return dest;
}

/**
 * Pushes local image `source` to `dest` (default: the name given as `source`).
 * @throws SkiffError not-found for an unknown image; invalid-argument for bad
 *   options or destination; runtime for registry failures, in Podman's voice
 *   (`writing blob: …`, `writing manifest: …`)
 */
export async function pushImage(g: GlobalOptions, source: string, dest: string | undefined, opts: PushOptions = {}): Promise<PushReport> {
  const format = opts.format === undefined ? undefined : opts.format === "oci" ? "oci" : opts.format === "v2s2" || opts.format === "docker" ? "docker" : null;
  if (format === null) throw new SkiffError("invalid-argument", `unsupported manifest type "${opts.format}"`);
  const wanted = opts.compressionFormat;
  if (wanted !== undefined && wanted !== "gzip" && wanted !== "zstd") {
    throw new SkiffError("invalid-argument", `unsupported compression format "${wanted}"`);
  }
  const [{ openImageStore }, { resolveLocalImage }, { parseReference }, w, { readBlob }, { MediaType }, { withLayersLock }] = await Promise.all([
    import("./images.ts"),
    import("../storage/image-lookup.ts"),
    import("../image/reference.ts"),
    import("../storage/image-writer.ts"),
    import("../storage/blobs.ts"),
    import("../image/manifest.ts"),
    import("../storage/layers.ts"),
  ]);
  const store = openImageStore(g);
  const img = resolveLocalImage(store.db, source);
  const target = dest !== undefined ? destination(dest) : source;
  const ref = parseReference(target);
  const emit = opts.progress ?? (() => {});
  const srcFormat = img.manifestMediaType === MediaType.dockerManifest ? "docker" : "oci";
  const fmt = format ?? srcFormat;
  const client = await makePushClient(g, ref.registry, ref.repository, opts);
  const repo = ref.repository;

  return withLayersLock(store.layout, "shared", async () => {
    const layers = await w.layersOfImage(store.layout, store.db, img);
    const configDigest = `sha256:${img.id}` as Digest;
    const configBytes = readBlob(store.layout, configDigest);
    emit("Getting image source signatures");
    let sent = 0;
    let skipped = 0;
    const pushed: ImageLayer[] = [];
    const temps: string[] = [];
    try {
      for (const l of layers) {
        const have = compressionOf(l.mediaType);
        const want: Compression = wanted !== undefined ? (wanted as Compression) : have === "none" ? "gzip" : have;
        if (fmt === "docker" && want === "zstd") {
          throw new SkiffError("invalid-argument", "zstd compression is not supported with the docker (v2s2) manifest format");
        }
        let layer = l;
        let path = (await import("../storage/layout.ts")).blobPath(store.layout, l.blobDigest);
        if (want !== have) {
          const re = await recompress(store.layout, l.blobDigest, want);
          temps.push(re.path);
          path = re.path;
          layer = { ...l, blobDigest: re.digest, size: re.size, mediaType: re.mediaType };
        }
        const short = layer.blobDigest.slice(7, 19);
        if (await client.hasBlob(repo, layer.blobDigest)) {
          emit(`Copying blob ${short} skipped: already exists`);
          skipped++;
        } else {
          await client.putBlob(repo, layer.blobDigest, layer.size, Bun.file(path));
          emit(`Copying blob ${short} done`);
          sent++;
        }
        pushed.push(layer);
      }
      if (!(await client.hasBlob(repo, configDigest))) {
        await client.putBlob(repo, configDigest, configBytes.length, configBytes);
        sent++;
      } else skipped++;
      emit(`Copying config ${img.id.slice(0, 12)} done`);
      emit("Writing manifest to image destination");
      const unchanged = fmt === srcFormat && pushed.every((p, i) => p.blobDigest === layers[i]!.blobDigest);
      let manifest: Uint8Array;
      let mediaType: string;
      if (unchanged) {
        manifest = readBlob(store.layout, img.manifestDigest);
        mediaType = img.manifestMediaType;
      } else {
        const annotations = fmt === "oci" ? storedAnnotations(readBlob(store.layout, img.manifestDigest)) : undefined;
        manifest = w.manifestBytes(fmt, { digest: configDigest, size: configBytes.length }, pushed.map((p) => ({ digest: p.blobDigest, size: p.size, mediaType: p.mediaType })), annotations);
        mediaType = fmt === "oci" ? MediaType.ociManifest : MediaType.dockerManifest;
      }
      const { digestOf } = await import("../storage/blobs.ts");
      const digest = digestOf(manifest);
      await client.putManifest(repo, ref.digest ?? ref.tag ?? "latest", manifest, mediaType);
      return { digest, sent, skipped };
    } finally {
      for (const t of temps) rmSync(t, { force: true });
    }
  });
}

function storedAnnotations(bytes: Uint8Array): Record<string, string> | undefined {
  try {
    const a = (JSON.parse(new TextDecoder().decode(bytes)) as { annotations?: Record<string, string> }).annotations;
    return a && typeof a === "object" ? a : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Decompresses stored blob `digest` and compresses it as `to` into a temp
 * file in the store (hashed while written; the caller removes it).
 */
async function recompress(store: StoreLayout, digest: Digest, to: Compression): Promise<{ path: string; digest: Digest; size: number; mediaType: string }> {
  const [{ decompress }, { blobStream }, w, { layerMediaType }, zlib, { once }, { openSync, writeSync, closeSync }, { createHash }] = await Promise.all([
    import("../storage/unpack.ts"),
    import("../storage/blobs.ts"),
    import("../storage/image-writer.ts"),
    import("../storage/layer-diff.ts"),
    import("node:zlib"),
    import("node:events"),
    import("node:fs"),
    import("node:crypto"),
  ]);
  const path = w.blobTempPath(store);
  const hash = createHash("sha256");
  let size = 0;
  const fd = openSync(path, "w", 0o600);
  try {
    const z = to === "gzip" ? zlib.createGzip({ chunkSize: 256 << 10 }) : to === "zstd" ? zlib.createZstdCompress({ chunkSize: 256 << 10 }) : null;
    const sink = (c: Uint8Array) => {
      hash.update(c);
      size += c.length;
      let off = 0;
      while (off < c.length) off += writeSync(fd, c, off, c.length - off);
    };
    const src = decompress(blobStream(store, digest));
    if (z === null) {
      for await (const c of src) sink(c);
    } else {
      const feed = (async () => {
        try {
          for await (const c of src) if (!z.write(c)) await once(z, "drain");
          z.end();
        } catch (e) {
          z.destroy(e as Error);
          throw e;
        }
      })();
      feed.catch(() => {});
      for await (const c of z as AsyncIterable<Uint8Array>) sink(c);
      await feed;
    }
  } catch (e) {
    rmSync(path, { force: true });
    throw e;
  } finally {
    closeSync(fd);
  }
  return { path, digest: `sha256:${hash.digest("hex")}`, size, mediaType: layerMediaType(to) };
}

async function makePushClient(g: GlobalOptions, registry: string, repo: string, opts: PushOptions) {
  const [{ RegistryClient }, { authorizeHook }, rc, { parseReference }] = await Promise.all([
    import("../image/registry-client.ts"),
    import("./pull.ts"),
    import("../image/registries-conf.ts"),
    import("../image/reference.ts"),
  ]);
  const conf = await rc.loadRegistriesConf(g.registriesConf !== undefined ? { registriesConf: g.registriesConf } : {});
  const access = rc.registryFor(conf, parseReference(`${registry}/${repo}`));
  const insecure = access.location.insecure;
  const auth = await authorizeHook(registry, repo, {
    ...(opts.creds !== undefined ? { creds: opts.creds } : {}),
    ...(opts.authfile !== undefined ? { authfile: opts.authfile } : {}),
  }, insecure || opts.tlsVerify === false);
  return new RegistryClient({ registry, insecure, tlsVerify: opts.tlsVerify ?? true, authorize: auth });
}
