import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTopDir } from "./topdir.ts";

const base = mkdtempSync(join(tmpdir(), "skiff-topdir-test-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** The flag letters lsattr(1) prints for a folder, or null where the filesystem has none. */
function lsattr(dir: string): string | null {
  const r = Bun.spawnSync(["lsattr", "-d", dir], { stderr: "ignore" });
  return r.exitCode === 0 ? r.stdout.toString().split(" ")[0]! : null;
}

test("sets and clears chattr +T where the filesystem has it, and reports false elsewhere", () => {
  const dir = join(base, "d");
  mkdirSync(dir);
  expect(setTopDir(join(base, "missing"), true)).toBe(false);
  if (lsattr(dir) === null) {
    expect(setTopDir(dir, true)).toBe(false);
    return;
  }
  expect(setTopDir(dir, true)).toBe(true);
  expect(lsattr(dir)).toContain("T");
  expect(setTopDir(dir, true)).toBe(true); // already set
  expect(setTopDir(dir, false)).toBe(true);
  expect(lsattr(dir)).not.toContain("T");
});

test("tmpfs has no such flag: false, nothing thrown", () => {
  expect(setTopDir("/dev/shm", true)).toBe(false);
});
