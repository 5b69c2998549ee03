import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { openDb } from "./db.ts";
import { migrations } from "./schema.ts";

const base = mkdtempSync("/tmp/skiff-db-");
afterAll(() => rmSync(base, { recursive: true, force: true }));

function tables(db: ReturnType<typeof openDb>): string[] {
  return (db.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
}

test("a fresh store gets every table of the schema, whatever module opens it first", () => {
  const db = openDb(join(base, "fresh"));
  expect((db.query("PRAGMA user_version").get() as { user_version: number }).user_version).toBe(migrations.length);
  expect(tables(db)).toEqual(expect.arrayContaining(["images", "image_names", "layers", "containers", "volumes", "container_networks", "network_leases"]));
  expect((db.query("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode).toBe("wal");
});

test("a store left at an older schema step is brought forward in order", () => {
  const root = join(base, "old");
  const { Database } = require("bun:sqlite") as typeof import("bun:sqlite");
  const old = new Database(join((require("node:fs").mkdirSync(root, { recursive: true }), root), "skiff.db"), { create: true });
  old.exec(migrations[0]!);
  old.exec("PRAGMA user_version = 1");
  old.close();
  const db = openDb(root);
  expect((db.query("PRAGMA user_version").get() as { user_version: number }).user_version).toBe(migrations.length);
  expect(tables(db)).toContain("volumes");
});
