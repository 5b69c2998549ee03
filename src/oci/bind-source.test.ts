import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { prepareBindSources } from "./bind-source.ts";

const dir = mkdtempSync("/tmp/skiff-bindsrc-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("prepareBindSources creates a missing -v source folder with its parents, mode 0755", () => {
  const src = join(dir, "a/b/c");
  prepareBindSources([{ type: "bind", source: src, destination: "/x", createHostPath: true }]);
  expect(statSync(src).isDirectory()).toBe(true);
  expect(statSync(src).mode & 0o777).toBe(0o755);
});

test("prepareBindSources refuses a missing --mount source, naming it, and creates nothing", () => {
  const src = join(dir, "missing");
  expect(() => prepareBindSources([{ type: "bind", source: src, destination: "/x" }])).toThrow(`statfs ${src}: no such file or directory`);
  expect(existsSync(src)).toBe(false);
});

test("prepareBindSources accepts existing files and ignores volumes and tmpfs", () => {
  prepareBindSources([
    { type: "bind", source: "/etc/hostname", destination: "/x" },
    { type: "volume", name: "v", destination: "/v" },
    { type: "tmpfs", destination: "/t" },
  ]);
});
