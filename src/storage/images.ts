/**
 * Image records: what is stored about each image (manifest digest, size,
 * names) in the `images` and `image_names` tables of the state database.
 * Manifest and config bytes live in the blob store (blobs.ts); layers in
 * layers.ts. The row is written last by a pull or load, so a half-pulled
 * image is never listed.
 *
 * Names are fully qualified references ("localhost:5000/busybox:latest",
 * "docker.io/library/debian:bookworm"); a name points at one image at a time,
 * as in containers/storage: tagging moves it.
 */
import type { Database } from "bun:sqlite";
import { SkiffError } from "../lib/errors.ts";
import { writeTx } from "./db.ts";
import type { Digest } from "../image/reference.ts";

export type { Digest };

export interface ImageRecord {
  /** Hex of the config digest (64 chars): the image ID. */
  readonly id: string;
  /** Chain ID of the top layer; null for an image without layers. */
  readonly topLayer: Digest | null;
  /** Digest of the image manifest (bytes in the blob store). */
  readonly manifestDigest: Digest;
  readonly manifestMediaType: string;
  /** Every manifest digest the image is known by: its manifest's and, when pulled through an index, the index's. */
  readonly digests: Digest[];
  /** Bytes, as Podman reports it (see engine/pull.ts for the formula). */
  readonly size: number;
  /** Creation time from the config, unix ms (0 when absent). */
  readonly created: number;
  /** When the image was stored, unix ms. */
  readonly added: number;
  /** Fully qualified names, oldest first. */
  readonly names: string[];
  readonly readOnly: boolean;
}

export interface PutImageInput {
  readonly id: string;
  readonly topLayer: Digest | null;
  readonly manifestDigest: Digest;
  readonly manifestMediaType: string;
  readonly digests: readonly Digest[];
  readonly size: number;
  readonly created: number;
}

interface ImageRow {
  id: string; top_layer: string | null; manifest_digest: string; manifest_media_type: string;
  digests: string; size: number; created: number; added: number; read_only: number;
}

function namesOf(db: Database, id: string): string[] {
  return (db.query("SELECT name FROM image_names WHERE image_id = ? ORDER BY added, rowid").all(id) as { name: string }[]).map((r) => r.name);
}

function toRecord(db: Database, r: ImageRow, names?: string[]): ImageRecord {
  return {
    id: r.id,
    topLayer: r.top_layer as Digest | null,
    manifestDigest: r.manifest_digest as Digest,
    manifestMediaType: r.manifest_media_type,
    digests: JSON.parse(r.digests) as Digest[],
    size: r.size,
    created: r.created,
    added: r.added,
    names: names ?? namesOf(db, r.id),
    readOnly: r.read_only !== 0,
  };
}

/**
 * Inserts or updates an image (by ID) and gives it `names`, taking each name
 * away from any other image that had it. Digests are merged with the known
 * ones; an existing image keeps its first `added` time.
 */
export function putImage(db: Database, input: PutImageInput, names: readonly string[]): ImageRecord {
  return writeTx(db, () => {
    const now = Date.now();
    const old = db.query("SELECT digests FROM images WHERE id = ?").get(input.id) as { digests: string } | null;
    const digests = [...new Set([...(old ? (JSON.parse(old.digests) as Digest[]) : []), ...input.digests])];
    if (old) {
      db.query("UPDATE images SET top_layer = ?, manifest_digest = ?, manifest_media_type = ?, digests = ?, size = ?, created = ? WHERE id = ?")
        .run(input.topLayer, input.manifestDigest, input.manifestMediaType, JSON.stringify(digests), input.size, input.created, input.id);
    } else {
      db.query("INSERT INTO images (id, top_layer, manifest_digest, manifest_media_type, digests, size, created, added) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .run(input.id, input.topLayer, input.manifestDigest, input.manifestMediaType, JSON.stringify(digests), input.size, input.created, now);
    }
    setNames(db, input.id, names, now);
    return getImage(db, input.id)!;
  });
}

function setNames(db: Database, id: string, names: readonly string[], now: number): void {
  const upsert = db.query(
    "INSERT INTO image_names (name, image_id, added) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id, added = excluded.added WHERE image_id != excluded.image_id",
  );
  for (const n of names) upsert.run(n, id, now);
}

/** Adds names to an existing image (moving them from other images). @throws not-found */
export function addNames(db: Database, id: string, names: readonly string[]): void {
  writeTx(db, () => {
    if (!db.query("SELECT 1 FROM images WHERE id = ?").get(id)) throw new SkiffError("not-found", `${id}: image not known`);
    setNames(db, id, names, Date.now());
  });
}

/** Removes one name; returns false if no image had it. */
export function removeName(db: Database, name: string): boolean {
  return writeTx(db, () => db.query("DELETE FROM image_names WHERE name = ?").run(name).changes > 0);
}

/** The image with this exact ID (64 hex), if stored. */
export function getImage(db: Database, id: string): ImageRecord | undefined {
  const r = db.query("SELECT * FROM images WHERE id = ?").get(id) as ImageRow | null;
  return r ? toRecord(db, r) : undefined;
}

/** Every image, newest first, with names (one query for rows, one for names). */
export function listImages(db: Database): ImageRecord[] {
  const rows = db.query("SELECT * FROM images ORDER BY created DESC, added DESC").all() as ImageRow[];
  const names = new Map<string, string[]>();
  for (const n of db.query("SELECT name, image_id FROM image_names ORDER BY added, rowid").all() as { name: string; image_id: string }[]) {
    const l = names.get(n.image_id);
    if (l) l.push(n.name); else names.set(n.image_id, [n.name]);
  }
  return rows.map((r) => toRecord(db, r, names.get(r.id) ?? []));
}

/** The image holding this fully qualified name, if any. */
export function imageByName(db: Database, name: string): ImageRecord | undefined {
  const r = db.query("SELECT i.* FROM images i JOIN image_names n ON n.image_id = i.id WHERE n.name = ?").get(name) as ImageRow | null;
  return r ? toRecord(db, r) : undefined;
}

/** Images whose ID starts with `prefix` (lowercase hex). */
export function imagesByIdPrefix(db: Database, prefix: string): ImageRecord[] {
  if (!/^[0-9a-f]{1,64}$/.test(prefix)) return [];
  return (db.query("SELECT * FROM images WHERE id >= ? AND id < ? ORDER BY id").all(prefix, prefix + "g") as ImageRow[]).map((r) => toRecord(db, r));
}

/** Deletes an image row and its names (layers are collected separately by layers.ts). */
export function deleteImage(db: Database, id: string): void {
  writeTx(db, () => {
    db.query("DELETE FROM image_names WHERE image_id = ?").run(id);
    db.query("DELETE FROM images WHERE id = ?").run(id);
  });
}

/** IDs of containers using an image (any state). */
export function imageUsers(db: Database, id: string): string[] {
  return (db.query("SELECT id FROM containers WHERE image_id = ?").all(id) as { id: string }[]).map((r) => r.id);
}
