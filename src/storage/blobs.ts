/**
 * Content-addressed blobs: `<root>/blobs/sha256/<hex>` holds the exact bytes
 * whose sha256 is `<hex>` (manifests, indexes and configs as received, never
 * re-serialised; compressed layers as downloaded).
 *
 * Writers stream into `<root>/tmp/blob-<pid>-<start>-<rand>` while hashing, check the
 * digest (and the expected size), fsync and rename into place, so a reader
 * sees a complete, verified blob or none, and two concurrent writers of the
 * same blob end with one identical file.
 *
 * Existing blobs are verified, not trusted (DESIGN.md): `hasBlob` re-hashes a
 * blob the first time a process meets it and removes it if it is corrupt, so a
 * damaged store heals on the next pull. The check is cached per process.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Database } from "bun:sqlite";
import { SkiffError } from "../lib/errors.ts";
import type { Digest } from "../image/reference.ts";
import { blobPath, tmpDir, type StoreLayout } from "./layout.ts";

export type { Digest };

export interface BlobInfo {
  readonly digest: Digest;
  /** Bytes. */
  readonly size: number;
}

/** Bytes to hash and write per chunk. */
export type ByteSource = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

const verified = new Set<string>();

function checkDigest(d: string): Digest {
  if (!/^sha256:[a-f0-9]{64}$/.test(d)) throw new SkiffError("invalid-argument", `invalid digest "${d}"`);
  return d as Digest;
}

/** sha256 digest of bytes, "sha256:<hex>". */
export function digestOf(data: Uint8Array | string): Digest {
  const h = new Bun.CryptoHasher("sha256");
  h.update(data);
  return `sha256:${h.digest("hex")}`;
}

/** Field 22 of /proc/PID/stat (start time in clock ticks): with the pid, a process identity. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

let selfStart: string | undefined;
const swept = new Set<string>();

/**
 * Removes temp blobs left by writers that died (kill -9 mid-download): named
 * `blob-<pid>-<start time>-…`, stale when that process no longer exists.
 * Once per store per process.
 */
function sweepStaleTemps(dir: string): void {
  if (swept.has(dir)) return;
  swept.add(dir);
  let names: string[];
  try { names = readdirSync(dir); } catch { return; }
  for (const n of names) {
    const m = /^blob-(\d+)-(\d+)-/.exec(n);
    if (!m || startTimeOf(Number(m[1])) === m[2]) continue;
    try { unlinkSync(join(dir, n)); } catch {}
  }
}

function tmpName(store: StoreLayout): string {
  const dir = tmpDir(store);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  sweepStaleTemps(dir);
  selfStart ??= startTimeOf(process.pid) ?? "0";
  return join(dir, `blob-${process.pid}-${selfStart}-${Math.random().toString(36).slice(2, 10)}`);
}

function mismatch(expected: string, got: string): SkiffError {
  return new SkiffError("invalid-argument", `digest mismatch: expected ${expected}, got ${got}`);
}

function install(store: StoreLayout, tmp: string, digest: Digest): string {
  const dest = blobPath(store, digest);
  mkdirSync(dirname(dest), { recursive: true, mode: 0o700 });
  renameSync(tmp, dest);
  verified.add(digest);
  return dest;
}

/**
 * Streams `source` into the store as blob `expected`.
 * `opts.size`: expected length in bytes (from the descriptor); a shorter or
 * longer stream is an error before the digest is even compared.
 * `opts.onProgress(bytesSoFar)` is called after each chunk.
 * @returns the digest and size written
 * @throws SkiffError invalid-argument `digest mismatch: expected …, got …`;
 *   `blob sha256:… truncated: got N of M bytes`; the stream's own error (network).
 *   The temp file is removed in every failure case.
 */
export async function putBlobStream(
  store: StoreLayout,
  expected: Digest,
  source: ByteSource,
  opts: { size?: number; onProgress?: (bytes: number) => void } = {},
): Promise<BlobInfo> {
  checkDigest(expected);
  const tmp = tmpName(store);
  const fh = await open(tmp, "w", 0o600);
  const hasher = new Bun.CryptoHasher("sha256");
  let size = 0;
  let ok = false;
  try {
    for await (const chunk of source as AsyncIterable<Uint8Array>) {
      hasher.update(chunk);
      size += chunk.byteLength;
      if (opts.size !== undefined && size > opts.size) {
        throw new SkiffError("invalid-argument", `blob ${expected} too long: more than the ${opts.size} bytes announced`);
      }
      // A Uint8Array write may be partial; loop until the chunk is out.
      let off = 0;
      while (off < chunk.byteLength) {
        const { bytesWritten } = await fh.write(chunk, off, chunk.byteLength - off);
        off += bytesWritten;
      }
      opts.onProgress?.(size);
    }
    if (opts.size !== undefined && size < opts.size) {
      throw new SkiffError("invalid-argument", `blob ${expected} truncated: got ${size} of ${opts.size} bytes`);
    }
    const got = `sha256:${hasher.digest("hex")}`;
    if (got !== expected) throw mismatch(expected, got);
    await fh.sync();
    ok = true;
  } finally {
    await fh.close();
    if (!ok) try { unlinkSync(tmp); } catch {}
  }
  install(store, tmp, expected);
  return { digest: expected, size };
}

/**
 * Stores `data` as blob `expected` (manifests, configs: the exact bytes).
 * `expected` undefined → the digest of `data` is used.
 * @throws SkiffError invalid-argument `digest mismatch: …`
 */
export function putBlobBytes(store: StoreLayout, data: Uint8Array, expected?: Digest): BlobInfo {
  const got = digestOf(data);
  if (expected !== undefined && checkDigest(expected) !== got) throw mismatch(expected, got);
  const tmp = tmpName(store);
  const fd = openSync(tmp, "w", 0o600);
  try {
    let off = 0;
    while (off < data.byteLength) off += writeSync(fd, data, off);
    fsyncSync(fd);
  } catch (e) {
    try { unlinkSync(tmp); } catch {}
    throw e;
  } finally {
    closeSync(fd);
  }
  install(store, tmp, got);
  return { digest: got, size: data.byteLength };
}

/**
 * Whether a complete, correct copy of `digest` is in the store.
 * The first call per process per digest re-hashes the file (about 1 s per GB)
 * and deletes it if its content no longer matches; later calls only stat.
 * `opts.size`: the expected size; a different size means absent (and removed).
 */
export async function hasBlob(store: StoreLayout, digest: Digest, opts: { size?: number } = {}): Promise<boolean> {
  const p = blobPath(store, checkDigest(digest));
  let st;
  try { st = statSync(p); } catch { return false; }
  if (opts.size !== undefined && st.size !== opts.size) {
    try { unlinkSync(p); } catch {}
    verified.delete(digest);
    return false;
  }
  if (verified.has(digest)) return true;
  const h = new Bun.CryptoHasher("sha256");
  for await (const chunk of Bun.file(p).stream()) h.update(chunk);
  if (`sha256:${h.digest("hex")}` !== digest) {
    try { unlinkSync(p); } catch {}
    return false;
  }
  verified.add(digest);
  return true;
}

/**
 * The bytes of a stored blob.
 * @throws SkiffError not-found `blob sha256:… not found`
 */
export function readBlob(store: StoreLayout, digest: Digest): Buffer {
  try {
    return readFileSync(blobPath(store, checkDigest(digest)));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new SkiffError("not-found", `blob ${digest} not found`);
    throw e;
  }
}

/**
 * A stream of a stored blob (for unpacking a layer from the store).
 * @throws SkiffError not-found if absent
 */
export function blobStream(store: StoreLayout, digest: Digest): ReadableStream<Uint8Array> {
  const p = blobPath(store, checkDigest(digest));
  try { statSync(p); } catch { throw new SkiffError("not-found", `blob ${digest} not found`); }
  return Bun.file(p).stream();
}

/** Size in bytes of a stored blob, or undefined if absent. */
export function blobSize(store: StoreLayout, digest: Digest): number | undefined {
  try { return statSync(blobPath(store, checkDigest(digest))).size; } catch { return undefined; }
}

/**
 * Removes blobs no image or layer refers to any more (after `rmi`/`prune`):
 * an image keeps its config (`sha256:<id>`), its manifest and every index
 * digest it is known by; a layer keeps the compressed blob it came from.
 * The caller holds the layers lock exclusively (layers.ts), so no pull is
 * between writing its blobs and writing its image row.
 * @returns the number of blobs removed
 */
export function removeUnreferencedBlobs(store: StoreLayout, db: Database): number {
  const keep = new Set<string>();
  for (const r of db.query("SELECT id, manifest_digest, digests FROM images").all() as { id: string; manifest_digest: string; digests: string }[]) {
    keep.add(r.id);
    keep.add(r.manifest_digest.slice(7));
    for (const d of JSON.parse(r.digests) as string[]) keep.add(d.slice(7));
  }
  for (const r of db.query("SELECT compressed_digest FROM layers WHERE compressed_digest IS NOT NULL").all() as { compressed_digest: string }[]) {
    keep.add(r.compressed_digest.slice(7));
  }
  const dir = dirname(blobPath(store, "sha256:0"));
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const n of names) {
    if (keep.has(n)) continue;
    try { unlinkSync(join(dir, n)); removed++; } catch {}
  }
  return removed;
}
