/**
 * Layer records and their unpacked folders.
 *
 * A layer is identified by its chain ID (OCI image spec, config.md "Layer
 * ChainID"): the identity of the whole stack up to it, so the same diff on
 * two different parents is two layers. On disk:
 *
 *   <root>/layers/<chainhex>/diff    the overlay-ready tree (unpack.ts)
 *   <root>/layers/<chainhex>/link    the short link name, written before the folder appears
 *   <root>/layers/l/<link>           symlink → ../<chainhex>/diff (short lowerdirs, as containers-storage)
 *
 * Crash safety: a layer is unpacked into `<root>/tmp/unpack-<pid>-<start>-…`
 * and appears by one rename of its whole `<chainhex>` folder, then the link,
 * then the DB row. A row whose folder is missing (a crash during removal,
 * which renames the folder away before deleting the row) is re-unpacked by
 * the next ensureLayer. Temp folders of dead processes (pid and start time,
 * so a reused pid is not mistaken for the owner) are removed by the next
 * ensureLayer.
 *
 * Concurrency: unpacks hold the store's layers lock shared, garbage
 * collection exclusive (flock on `<runroot>/locks/layers.lock`), so a
 * collection never removes a layer a pull is writing. A pull that must keep
 * its layers until its image row exists holds `withLayersLock(store,
 * "shared", …)` around both (shared locks nest).
 */
import type { Database } from "bun:sqlite";
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, existsSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Digest } from "../image/reference.ts";
import { SkiffError, wrap } from "../lib/errors.ts";
import { writeTx } from "./db.ts";
import { removeUnreferencedBlobs } from "./blobs.ts";
import { layerDiffDir, layerDir, layerLinkDir, lockDir, tmpDir, type StoreLayout } from "./layout.ts";
import { decompress, unpackTar, type ByteStream } from "./unpack.ts";
import { setTopDir } from "./topdir.ts";

export type { Digest };

export interface LayerRecord {
  /** Identity of the stack up to this layer. */
  readonly chainId: Digest;
  /** sha256 of the uncompressed tar. */
  readonly diffId: Digest;
  /** Chain ID of the layer below; null for a base layer. */
  readonly parent: Digest | null;
  /** Name under <root>/layers/l/ (26 chars [A-Z0-9]). */
  readonly link: string;
  /** Bytes of the uncompressed tar (Podman's image size adds these up). */
  readonly uncompressedSize: number;
  /** Digest of the blob it was unpacked from, when known. */
  readonly compressedDigest: Digest | null;
  /** Bytes of that blob. */
  readonly compressedSize: number | null;
  /** Media type of that blob. */
  readonly mediaType: string | null;
  /** When the layer was stored, unix ms. */
  readonly created: number;
}

export interface EnsureLayerInput {
  /** Chain ID of the layer below (must be stored already); null for a base layer. */
  readonly parent: Digest | null;
  /** Expected DiffID: checked against the unpacked tar, and lets an already stored layer be reused without reading the blob. */
  readonly diffId?: Digest;
  readonly compressedDigest?: Digest;
  /** Bytes. */
  readonly compressedSize?: number;
  readonly mediaType?: string;
  /** Opens the blob (gzip, zstd or plain tar: detected by magic bytes); called at most once. */
  readonly open: () => ByteStream;
}

/**
 * ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln))
 * (OCI image spec, config.md).
 */
export function chainIdOf(parent: Digest | null, diffId: Digest): Digest {
  if (parent === null) return diffId;
  return `sha256:${createHash("sha256").update(`${parent} ${diffId}`).digest("hex")}`;
}

interface LayerRow {
  chain_id: string; diff_id: string; parent: string | null; link: string; uncompressed_size: number;
  compressed_digest: string | null; compressed_size: number | null; media_type: string | null; created: number;
}

function toRecord(r: LayerRow): LayerRecord {
  return {
    chainId: r.chain_id as Digest,
    diffId: r.diff_id as Digest,
    parent: r.parent as Digest | null,
    link: r.link,
    uncompressedSize: r.uncompressed_size,
    compressedDigest: r.compressed_digest as Digest | null,
    compressedSize: r.compressed_size,
    mediaType: r.media_type,
    created: r.created,
  };
}

/** The layer row, or undefined. Says nothing about its folder (see layerPresent). */
export function getLayer(db: Database, chainId: Digest): LayerRecord | undefined {
  const r = db.query("SELECT * FROM layers WHERE chain_id = ?").get(chainId) as LayerRow | null;
  return r ? toRecord(r) : undefined;
}

/** Whether the layer's unpacked folder is in place. */
export function layerPresent(store: StoreLayout, chainId: Digest): boolean {
  return existsSync(layerDiffDir(store, chainId));
}

/**
 * The stack from `topChainId` down to its base layer, top first: the order
 * of overlay's `lowerdir=` (use `<root>/layers/l/<link>` for short options).
 * @throws SkiffError "not-found" `layer <id> not found` when a row is missing
 */
export function layerChain(db: Database, topChainId: Digest): LayerRecord[] {
  const out: LayerRecord[] = [];
  let id: Digest | null = topChainId;
  while (id !== null) {
    const r = getLayer(db, id);
    if (!r) throw new SkiffError("not-found", `layer ${id} not found`);
    out.push(r);
    id = r.parent;
    if (out.length > 10_000) throw new SkiffError("runtime", `layer ${topChainId}: parent chain too long`);
  }
  return out;
}

/** Short lowerdir path of a layer: `<root>/layers/l/<link>`. */
export function layerLinkPath(store: StoreLayout, layer: Pick<LayerRecord, "link">): string {
  return join(layerLinkDir(store), layer.link);
}

/**
 * Stores one layer on top of `parent` unless that chain is stored already
 * (row and folder), and returns its record.
 *
 * The blob is decompressed by its magic bytes (gzip 1f8b, zstd 28b52ffd,
 * else plain tar), not by `mediaType`, and unpacked by unpack.ts (hostile
 * entries refused). Two processes storing the same chain at once end with one
 * folder and one row: the loser of the final rename discards its copy.
 *
 * @throws SkiffError "invalid-argument" `layer <digest>: diffID mismatch: expected <a>, got <b>`
 *   or `layer <digest>: entry "../x": escapes the rootfs` (the store is left
 *   as it was); "not-found" `layer <parent> not found` for a missing parent;
 *   "runtime" for fs and decompression errors. `<digest>` names the blob
 *   (compressedDigest, else diffId).
 */
export async function ensureLayer(store: StoreLayout, db: Database, input: EnsureLayerInput): Promise<LayerRecord> {
  return withLayersLock(store, "shared", async () => {
    cleanStaleTemps(store);
    let existing: LayerRecord | undefined;
    if (input.diffId !== undefined) {
      const chainId = chainIdOf(input.parent, input.diffId);
      existing = getLayer(db, chainId);
      if (existing && layerPresent(store, chainId)) return existing;
    }
    const parentChain = input.parent === null ? [] : layerChain(db, input.parent);
    for (const p of parentChain) {
      if (!layerPresent(store, p.chainId)) throw new SkiffError("not-found", `layer ${p.chainId}: folder missing, pull the image again`);
    }
    const what = `layer ${input.compressedDigest ?? input.diffId ?? "(unknown)"}`;
    const tmp = newTemp(store, "unpack");
    try {
      const diff = join(tmp, "diff");
      mkdirSync(diff, 0o755);
      // Spreads the layer's folders over ext4 block groups while it is written (topdir.ts).
      const spread = setTopDir(diff, true);
      let report;
      try {
        report = await unpackTar(decompress(input.open()), diff, {
          lowerDirs: parentChain.map((p) => layerDiffDir(store, p.chainId)),
        });
      } catch (e) {
        throw wrap(e, what);
      }
      if (spread) setTopDir(diff, false);
      if (input.diffId !== undefined && report.digest !== input.diffId) {
        throw new SkiffError("invalid-argument", `${what}: diffID mismatch: expected ${input.diffId}, got ${report.digest}`);
      }
      const chainId = chainIdOf(input.parent, report.digest);
      existing ??= getLayer(db, chainId);
      let link = existing?.link ?? randomLink();
      writeFileSync(join(tmp, "link"), link);
      mkdirSync(join(store.root, "layers"), { recursive: true });
      try {
        renameSync(tmp, layerDir(store, chainId));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== "EEXIST" && code !== "ENOTEMPTY") throw e;
        // Another process stored it first: use its folder (and its link name).
        link = readFileSync(join(layerDir(store, chainId), "link"), "utf8").trim();
      }
      mkdirSync(layerLinkDir(store), { recursive: true });
      try {
        symlinkSync(`../${chainId.slice(7)}/diff`, join(layerLinkDir(store), link));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      writeTx(db, () => {
        db.query(
          `INSERT INTO layers (chain_id, diff_id, parent, link, uncompressed_size, compressed_digest, compressed_size, media_type, created)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(chain_id) DO NOTHING`,
        ).run(chainId, report.digest, input.parent, link, report.size, input.compressedDigest ?? null,
          input.compressedSize ?? null, input.mediaType ?? null, Date.now());
      });
      return getLayer(db, chainId)!;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}

/**
 * Garbage collection after `rmi`: removes every layer that no image's
 * top_layer reaches through parent links, children before parents, then
 * the blobs nothing refers to any more (blobs.ts removeUnreferencedBlobs).
 * Folders go first (renamed away, then deleted), rows last, so a crash leaves
 * rows without folders, which ensureLayer re-unpacks.
 * @returns the removed chain IDs
 * @throws SkiffError "runtime" on fs errors or when the layers lock cannot be had within 10 minutes
 */
export async function removeUnreferencedLayers(store: StoreLayout, db: Database): Promise<Digest[]> {
  return withLayersLock(store, "exclusive", () => {
    const rows = db.query("SELECT chain_id, parent, link FROM layers").all() as { chain_id: Digest; parent: Digest | null; link: string }[];
    const tops = db.query("SELECT top_layer FROM images WHERE top_layer IS NOT NULL").all() as { top_layer: Digest }[];
    const byId = new Map(rows.map((r) => [r.chain_id, r]));
    const reachable = new Set<string>();
    for (const t of tops) {
      let id: Digest | null = t.top_layer;
      while (id !== null && !reachable.has(id)) {
        reachable.add(id);
        id = byId.get(id)?.parent ?? null;
      }
    }
    const depth = (id: Digest): number => {
      let d = 0;
      for (let p = byId.get(id)?.parent ?? null; p !== null && d < 10_000; p = byId.get(p)?.parent ?? null) d++;
      return d;
    };
    const doomed = rows.filter((r) => !reachable.has(r.chain_id)).map((r) => ({ ...r, depth: depth(r.chain_id) }));
    doomed.sort((a, b) => b.depth - a.depth);
    for (const r of doomed) {
      const gone = newTemp(store, "rm", false);
      try {
        renameSync(layerDir(store, r.chain_id), gone);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw wrap(e, `removing layer ${r.chain_id}`);
      }
      try { unlinkSync(join(layerLinkDir(store), r.link)); } catch {}
      rmSync(gone, { recursive: true, force: true });
    }
    const removed: Digest[] = [];
    writeTx(db, () => {
      const del = db.query(
        `DELETE FROM layers WHERE chain_id = ?1
           AND NOT EXISTS (SELECT 1 FROM images WHERE top_layer = ?1)
           AND NOT EXISTS (SELECT 1 FROM layers WHERE parent = ?1)`,
      );
      for (const r of doomed) if (del.run(r.chain_id).changes > 0) removed.push(r.chain_id);
    });
    // Blobs last: a layer row gone means its compressed blob is free too.
    removeUnreferencedBlobs(store, db);
    return removed;
  });
}

/**
 * Runs `fn` holding the store's layers lock: "shared" for writers of layers
 * (many at once), "exclusive" for garbage collection. Nested shared holds in
 * one process are fine; an exclusive inside a shared one waits forever.
 * @throws SkiffError "runtime" when the lock cannot be had within 10 minutes
 */
export async function withLayersLock<T>(store: StoreLayout, mode: "shared" | "exclusive", fn: () => T | Promise<T>): Promise<T> {
  const host = await import("../lib/host.ts");
  mkdirSync(lockDir(store), { recursive: true, mode: 0o700 });
  const fd = openSync(join(lockDir(store), "layers.lock"), "a", 0o600);
  try {
    await host.flock(fd, mode === "shared" ? host.LOCK_SH : host.LOCK_EX, 600_000);
    return await fn();
  } finally {
    closeSync(fd); // drops the lock
  }
}

const LINK_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** 26 random [A-Z0-9] chars, as containers-storage's overlay driver names its links. */
function randomLink(): string {
  const b = randomBytes(26);
  let s = "";
  for (const x of b) s += LINK_CHARS[x % 36];
  return s;
}

let selfStart: string | undefined;

/** Start time of a process (field 22 of /proc/PID/stat), or undefined if it is gone. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    // Field 2 (comm) may hold spaces and parentheses: count from the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** `<root>/tmp/unpack-<pid>-<start>-<kind>-<rand>`, created unless `create` is false. */
function newTemp(store: StoreLayout, kind: string, create = true): string {
  selfStart ??= startTimeOf(process.pid) ?? "0";
  mkdirSync(tmpDir(store), { recursive: true, mode: 0o700 });
  const p = join(tmpDir(store), `unpack-${process.pid}-${selfStart}-${kind}-${randomBytes(6).toString("hex")}`);
  if (create) mkdirSync(p, 0o700);
  return p;
}

const cleaned = new Set<string>();

/** Removes temp folders of this module whose process is gone (once per store per process). */
function cleanStaleTemps(store: StoreLayout): void {
  if (cleaned.has(store.root)) return;
  cleaned.add(store.root);
  let names: string[];
  try {
    names = readdirSync(tmpDir(store));
  } catch {
    return;
  }
  for (const n of names) {
    const m = /^unpack-(\d+)-(\d+)-/.exec(n);
    if (!m) continue;
    if (startTimeOf(Number(m[1])) === m[2]) continue;
    rmSync(join(tmpDir(store), n), { recursive: true, force: true });
  }
}
