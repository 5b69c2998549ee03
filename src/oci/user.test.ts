import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveInRoot, resolveUser } from "./user.ts";

let dir: string;
let root: string;
let evil: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "skiff-user-"));
  root = join(dir, "rootfs");
  mkdirSync(join(root, "etc"), { recursive: true });
  writeFileSync(join(root, "etc/passwd"), [
    "root:x:0:0:root:/root:/bin/sh",
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
    "app:x:1000:1000:App:/home/app:/bin/sh",
    "# a comment",
    "broken line",
  ].join("\n") + "\n");
  writeFileSync(join(root, "etc/group"), ["root:x:0:", "wheel:x:10:app,daemon", "audio:x:29:app", "app:x:1000:", "staff:x:50:"].join("\n") + "\n");
  // A second rootfs whose /etc/passwd escapes through absolute and relative links.
  evil = join(dir, "evil");
  mkdirSync(join(evil, "etc"), { recursive: true });
  symlinkSync("/../../../../../outside/passwd", join(evil, "etc/passwd"));
  symlinkSync("../../../../../../outside/group", join(evil, "etc/group"));
  mkdirSync(join(evil, "outside"));
  writeFileSync(join(evil, "outside/passwd"), "inner:x:4242:4242::/inner:/bin/sh\n");
  writeFileSync(join(evil, "outside/group"), "ingroup:x:4343:\n");
  // The host side of the escape: a real file beside the rootfs that must never be read.
  mkdirSync(join(dir, "outside"));
  writeFileSync(join(dir, "outside/passwd"), "host:x:7:7::/host:/bin/sh\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("no user means root with passwd's home", () => {
  expect(resolveUser(root, "")).toEqual({ uid: 0, gid: 0, additionalGids: [], home: "/root" });
});

test("a name resolves uid, gid, home and supplementary groups (primary gid first)", () => {
  expect(resolveUser(root, "app")).toEqual({ uid: 1000, gid: 1000, additionalGids: [1000, 10, 29], home: "/home/app" });
});

test("a numeric uid with an entry resolves like its name", () => {
  expect(resolveUser(root, "1000")).toMatchObject({ uid: 1000, gid: 1000, home: "/home/app" });
});

test("a numeric uid without an entry is accepted with gid 0 and home /", () => {
  expect(resolveUser(root, "4000")).toEqual({ uid: 4000, gid: 0, additionalGids: [0], home: "/" });
});

test("user:group takes the group by name or number, without passwd's memberships", () => {
  expect(resolveUser(root, "app:staff")).toMatchObject({ uid: 1000, gid: 50, additionalGids: [50] });
  expect(resolveUser(root, "1000:77")).toMatchObject({ uid: 1000, gid: 77 });
});

test("--group-add adds names and numbers", () => {
  expect(resolveUser(root, "", ["wheel", "99"]).additionalGids).toEqual([10, 99]);
});

test("unknown names fail with Podman's wording", () => {
  expect(() => resolveUser(root, "nobodyx")).toThrow("unable to find user nobodyx: no matching entries in passwd file");
  expect(() => resolveUser(root, "0:nogrp")).toThrow("unable to find group nogrp: no matching entries in group file");
  expect(() => resolveUser(root, "", ["nogrp"])).toThrow("Unable to find group nogrp: no matching entries in group file");
});

test("symlinks resolve inside the rootfs, never to the host", () => {
  expect(resolveInRoot(evil, "/etc/passwd")).toBe(join(evil, "outside/passwd"));
  expect(resolveUser(evil, "inner")).toMatchObject({ uid: 4242, home: "/inner" });
  expect(resolveUser(evil, "0:ingroup")).toMatchObject({ gid: 4343 });
  expect(() => resolveUser(evil, "host")).toThrow("unable to find user host");
});

test("resolveInRoot clamps .. at the root and re-checks components after a missing one", () => {
  expect(resolveInRoot(root, "/../../etc/./passwd")).toBe(join(root, "etc/passwd"));
  symlinkSync("/", join(root, "up"));
  expect(resolveInRoot(root, "/nope/../up/etc/passwd")).toBe(join(root, "etc/passwd"));
  symlinkSync("loop", join(root, "loop"));
  expect(() => resolveInRoot(root, "/loop")).toThrow("too many levels of symbolic links");
});
