/**
 * Container rows in the state database (migration 2). The immutable config
 * and the mutable state are separate JSON columns; the columns `ps` filters
 * and sorts on (name, image, status, exit code, created) sit beside them.
 * Callers that change state hold the container's flock (core/lock.ts) and
 * reload before acting: these functions only read and write rows.
 *
 * `container_exit_codes` keeps the exit code of removed containers for a
 * while (as Podman does), so a foreground `run --rm` or `wait` can report
 * the code even when `container cleanup` removed the container first.
 */
import type { Database } from "bun:sqlite";
import { openDb, writeTx } from "../storage/db.ts";
import { SkiffError } from "../lib/errors.ts";
import type { ContainerConfig, ContainerRecord, ContainerState } from "./types.ts";


/** Opens the store's database with the container tables. */
export function containerDb(root: string): Database {
  return openDb(root);
}

interface Row { config: string; state: string }

function toRecord(r: Row): ContainerRecord {
  return { config: JSON.parse(r.config) as ContainerConfig, state: JSON.parse(r.state) as ContainerState };
}

/**
 * Inserts a new container.
 * @throws SkiffError conflict `the container name "x" is already in use by <id>. You have to remove that container to be able to reuse that name: that name is already in use`
 */
export function insertContainer(db: Database, config: ContainerConfig, state: ContainerState): void {
  writeTx(db, () => {
    const clash = db.query("SELECT id FROM containers WHERE name = ?").get(config.name) as { id: string } | null;
    if (clash) {
      throw new SkiffError("conflict", `creating container storage: the container name "${config.name}" is already in use by ${clash.id}. You have to remove that container to be able to reuse that name: that name is already in use`);
    }
    db.query(
      "INSERT INTO containers (id, name, image_id, image_name, created, config, status, exit_code, pid, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ).run(config.id, config.name, config.imageId, config.imageName, config.created, JSON.stringify(config), state.status, state.exitCode ?? null, state.pid ?? null, JSON.stringify(state));
  });
}

/** Replaces a container's state; false when the row is gone. */
export function saveState(db: Database, id: string, state: ContainerState): boolean {
  const r = db.query("UPDATE containers SET status = ?, exit_code = ?, pid = ?, state = ? WHERE id = ?")
    .run(state.status, state.exitCode ?? null, state.pid ?? null, JSON.stringify(state), id);
  return r.changes > 0;
}

/** Deletes the row, keeping its exit code (if any) in container_exit_codes. */
export function deleteContainer(db: Database, id: string, exitCode?: number): void {
  writeTx(db, () => {
    db.query("DELETE FROM containers WHERE id = ?").run(id);
    const now = Date.now();
    db.query("DELETE FROM container_exit_codes WHERE recorded < ?").run(now - 5 * 60_000);
    if (exitCode !== undefined) {
      db.query("INSERT OR REPLACE INTO container_exit_codes (id, exit_code, recorded) VALUES (?, ?, ?)").run(id, exitCode, now);
    }
  });
}

/** Exit code of a recently removed container. */
export function removedExitCode(db: Database, id: string): number | undefined {
  const r = db.query("SELECT exit_code FROM container_exit_codes WHERE id = ?").get(id) as { exit_code: number } | null;
  return r?.exit_code;
}

export function getContainer(db: Database, id: string): ContainerRecord | undefined {
  const r = db.query("SELECT config, state FROM containers WHERE id = ?").get(id) as Row | null;
  return r ? toRecord(r) : undefined;
}

/** All containers, newest first. */
export function listContainers(db: Database): ContainerRecord[] {
  return (db.query("SELECT config, state FROM containers ORDER BY created DESC, rowid DESC").all() as Row[]).map(toRecord);
}

/**
 * Finds a container by full ID, exact name, or unique ID prefix, in
 * Podman's order.
 * @throws SkiffError not-found `no container with name or ID "x" found: no such container`; invalid-argument when a prefix is ambiguous
 */
export function resolveContainerId(db: Database, ref: string): string {
  const id = findContainerId(db, ref);
  if (!id) throw new SkiffError("not-found", `no container with name or ID "${ref}" found: no such container`);
  return id;
}

/** As resolveContainerId, undefined when nothing matches. */
export function findContainerId(db: Database, ref: string): string | undefined {
  const exact = db.query("SELECT id FROM containers WHERE id = ? OR name = ? ORDER BY (id = ?) DESC LIMIT 1").get(ref, ref, ref) as { id: string } | null;
  if (exact) return exact.id;
  if (!/^[0-9a-f]{1,63}$/.test(ref)) return undefined;
  const rows = db.query("SELECT id FROM containers WHERE id >= ? AND id < ? LIMIT 2").all(ref, ref + "g") as { id: string }[];
  if (rows.length > 1) throw new SkiffError("invalid-argument", `more than one result for container "${ref}": container already exists`);
  return rows[0]?.id;
}

/** IDs of all containers using an image. */
export function containersOfImage(db: Database, imageId: string): string[] {
  return (db.query("SELECT id FROM containers WHERE image_id = ?").all(imageId) as { id: string }[]).map((r) => r.id);
}

/** Renames under the database's write lock. @throws conflict when the name is taken */
export function renameContainer(db: Database, id: string, name: string): void {
  writeTx(db, () => {
    const clash = db.query("SELECT id FROM containers WHERE name = ? AND id != ?").get(name, id) as { id: string } | null;
    if (clash) throw new SkiffError("conflict", `the container name "${name}" is already in use by ${clash.id}. You have to remove that container to be able to reuse that name: that name is already in use`);
    const row = db.query("SELECT config FROM containers WHERE id = ?").get(id) as { config: string } | null;
    if (!row) throw new SkiffError("not-found", `no container with name or ID "${id}" found: no such container`);
    const config = { ...(JSON.parse(row.config) as ContainerConfig), name };
    db.query("UPDATE containers SET name = ?, config = ? WHERE id = ?").run(name, JSON.stringify(config), id);
  });
}
