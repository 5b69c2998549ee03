/**
 * The state database: one SQLite file (`<root>/skiff.db`, bun:sqlite, WAL)
 * shared by every skiff process. Writes go through `writeTx` (BEGIN
 * IMMEDIATE), because Bun's default `transaction()` is DEFERRED and two
 * concurrent writers then fail with SQLITE_BUSY that busy_timeout cannot
 * resolve.
 *
 * The schema is schema.ts's list of steps, applied in order under PRAGMA
 * user_version when a process first opens the file.
 */
import type { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { migrations } from "./schema.ts";



const open = new Map<string, Database>();

/**
 * Opens (once per process) and migrates `<root>/skiff.db`.
 * @throws the SQLite error if the file cannot be opened or migrated
 */
export function openDb(root: string): Database {
  const cached = open.get(root);
  if (cached) return cached;
  mkdirSync(root, { recursive: true, mode: 0o700 });
  // Lazy require keeps bun:sqlite off the path of commands that never touch state.
  const { Database: Db } = require("bun:sqlite") as typeof import("bun:sqlite");
  const db = new Db(`${root}/skiff.db`, { create: true, strict: true });
  db.exec("PRAGMA busy_timeout = 30000");
  // Two processes creating a store at once race on the switch to WAL, which
  // SQLite answers with SQLITE_BUSY without waiting: retry it.
  retryBusy(() => db.exec("PRAGMA journal_mode = WAL"));
  // NORMAL under WAL: a transaction survives the process being killed at any
  // point (the store stays consistent, as required); only an OS crash or
  // power loss may undo the last commits, never corrupt. FULL would fsync
  // every commit, and `run` makes several.
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  retryBusy(() => migrate(db));
  open.set(root, db);
  return db;
}

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
}

/**
 * Runs `fn` in a BEGIN IMMEDIATE transaction; rolls back if it throws.
 * `fn` may run again when SQLite refuses the transaction outright
 * (SQLITE_BUSY without its busy handler, e.g. during WAL recovery by a
 * process that has just opened the file); it must only touch the database.
 */
export function writeTx<T>(db: Database, fn: () => T): T {
  return retryBusy(() => db.transaction(fn).immediate());
}

/**
 * Runs `fn`, again after a short sleep while it throws SQLITE_BUSY, for at
 * most ~2 s: the cases busy_timeout does not cover (see writeTx) are brief.
 */
function retryBusy<T>(fn: () => T): T {
  for (let attempt = 0; ; attempt++) {
    try {
      return fn();
    } catch (e) {
      const code = (e as { code?: string }).code ?? "";
      if (!code.startsWith("SQLITE_BUSY") || attempt >= 40) throw e;
      Bun.sleepSync(5 + attempt * 2);
    }
  }
}
