/**
 * The state database: one SQLite file (`<root>/skiff.db`, bun:sqlite, WAL)
 * shared by every skiff process. Writes go through `writeTx` (BEGIN
 * IMMEDIATE), because Bun's default `transaction()` is DEFERRED and two
 * concurrent writers then fail with SQLITE_BUSY that busy_timeout cannot
 * resolve.
 *
 * Schema changes are appended to `migrations` (never edited): each module that
 * owns tables (images/layers here; containers, volumes, networks later) adds
 * its own entry, applied in order under PRAGMA user_version.
 */
import type { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";

const migrations: string[] = [
  // 1: image side
  `
  CREATE TABLE layers (
    chain_id TEXT PRIMARY KEY,                 -- "sha256:<hex>": identity of the layer stack up to here
    diff_id TEXT NOT NULL,                     -- "sha256:<hex>" of the uncompressed tar
    parent TEXT REFERENCES layers(chain_id),   -- chain ID of the layer below, NULL for the base
    link TEXT NOT NULL UNIQUE,                 -- short name under <root>/layers/l/ (overlay option length)
    uncompressed_size INTEGER NOT NULL,        -- bytes of the uncompressed tar
    compressed_digest TEXT,                    -- blob it was unpacked from ("sha256:<hex>")
    compressed_size INTEGER,                   -- bytes
    media_type TEXT,                           -- media type of that blob
    created INTEGER NOT NULL                   -- unix ms
  );
  CREATE TABLE images (
    id TEXT PRIMARY KEY,                       -- hex of the config digest (the image ID)
    top_layer TEXT REFERENCES layers(chain_id),-- NULL for an image with no layers
    manifest_digest TEXT NOT NULL,             -- "sha256:<hex>" of the image manifest (bytes in blobs/)
    manifest_media_type TEXT NOT NULL,
    digests TEXT NOT NULL DEFAULT '[]',        -- JSON array of every manifest digest this image is known by (incl. an index's)
    size INTEGER NOT NULL,                     -- bytes, as Podman reports it
    created INTEGER NOT NULL,                  -- image creation from config.created, unix ms
    added INTEGER NOT NULL,                    -- when stored, unix ms
    read_only INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE image_names (
    name TEXT PRIMARY KEY,                     -- fully qualified "host/repo:tag" (a name points at one image)
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    added INTEGER NOT NULL
  );
  CREATE INDEX image_names_by_image ON image_names(image_id);
  `,
];

/**
 * Registers a later schema step (module owners call this at import). A
 * module imported lazily, after this process opened a database, migrates
 * the open handles at once: callers may hold a handle from before.
 */
export function addMigration(sql: string, index: number): void {
  if (index !== migrations.length + 1) throw new Error(`migration ${index} registered out of order`);
  migrations.push(sql);
  for (const db of open.values()) migrate(db);
}

const open = new Map<string, Database>();

/**
 * Opens (once per process) and migrates `<root>/skiff.db`.
 * @throws the SQLite error if the file cannot be opened or migrated
 */
export function openDb(root: string): Database {
  const cached = open.get(root);
  if (cached) {
    // A module imported after the first open (lazily) may have registered a later step.
    if (migratedTo.get(cached) !== migrations.length) migrate(cached);
    return cached;
  }
  mkdirSync(root, { recursive: true, mode: 0o700 });
  // Lazy require keeps bun:sqlite off the path of commands that never touch state.
  const { Database: Db } = require("bun:sqlite") as typeof import("bun:sqlite");
  const db = new Db(`${root}/skiff.db`, { create: true, strict: true });
  db.exec("PRAGMA busy_timeout = 30000");
  db.exec("PRAGMA journal_mode = WAL");
  // NORMAL under WAL: a transaction survives the process being killed at any
  // point (the store stays consistent, as required); only an OS crash or
  // power loss may undo the last commits, never corrupt. FULL would fsync
  // every commit, and `run` makes several.
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  migrate(db);
  open.set(root, db);
  return db;
}

const migratedTo = new WeakMap<Database, number>();

function migrate(db: Database): void {
  const current = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  if (current < migrations.length) {
    writeTx(db, () => {
      // Re-read inside the write lock: another process may have migrated meanwhile.
      const v = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
      for (let i = v; i < migrations.length; i++) db.exec(migrations[i]!);
      if (v < migrations.length) db.exec(`PRAGMA user_version = ${migrations.length}`);
    });
  }
  migratedTo.set(db, migrations.length);
}

/** Runs `fn` in a BEGIN IMMEDIATE transaction; rolls back if it throws. */
export function writeTx<T>(db: Database, fn: () => T): T {
  return db.transaction(fn).immediate();
}
