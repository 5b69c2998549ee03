import { test, expect } from "bun:test";
import { mkdtempSync, rmSync, statSync, writeFileSync, openSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as host from "./host.ts";

const isRoot = process.getuid?.() === 0;

test.if(isRoot)("mknodChar makes an overlay whiteout (char 0:0)", () => {
  const d = mkdtempSync(join(tmpdir(), "skiff-host-"));
  try {
    host.mknodChar(join(d, "wh"), 0, 0, 0);
    const st = statSync(join(d, "wh"));
    expect(st.isCharacterDevice()).toBe(true);
    expect(st.rdev).toBe(0);
  } finally { rmSync(d, { recursive: true }); }
});

test.if(isRoot)("lsetxattr/lgetxattr/llistxattr round-trip a trusted xattr", () => {
  const d = mkdtempSync(join(tmpdir(), "skiff-host-"));
  try {
    host.lsetxattr(d, "trusted.overlay.opaque", Buffer.from("y"));
    expect(host.lgetxattr(d, "trusted.overlay.opaque")?.toString()).toBe("y");
    expect(host.llistxattr(d)).toContain("trusted.overlay.opaque");
    expect(host.lgetxattr(d, "user.absent")).toBeUndefined();
  } finally { rmSync(d, { recursive: true }); }
});

test("errors name the call, the path and errno", () => {
  expect(() => host.umount("/nonexistent-skiff-path")).toThrow(/umount "\/nonexistent-skiff-path": (ENOENT|EPERM|EINVAL)/);
});

test.if(isRoot)("mount/umount a tmpfs", () => {
  const d = mkdtempSync(join(tmpdir(), "skiff-host-"));
  try {
    host.mount("tmpfs", d, "tmpfs", 0, "size=1m");
    writeFileSync(join(d, "x"), "1");
    host.umount(d);
    expect(() => statSync(join(d, "x"))).toThrow();
  } finally { rmSync(d, { recursive: true }); }
});

test("flock excludes a second holder and is released", async () => {
  const d = mkdtempSync(join(tmpdir(), "skiff-host-"));
  const a = openSync(join(d, "l"), "w");
  const b = openSync(join(d, "l"), "r");
  try {
    await host.flock(a, host.LOCK_EX);
    await expect(host.flock(b, host.LOCK_EX, 30)).rejects.toThrow(/timed out/);
    host.funlock(a);
    await host.flock(b, host.LOCK_EX, 100);
  } finally { closeSync(a); closeSync(b); rmSync(d, { recursive: true }); }
});

test("connectUnix connects to a unix socket and reports ENOENT for a missing one", async () => {
  const d = mkdtempSync(join(tmpdir(), "skiff-host-"));
  const path = join(d, "s");
  let got = "";
  const server = Bun.listen({ unix: path, socket: { data(_s, data) { got += data.toString(); } } });
  try {
    const fd = host.socket(host.AF_UNIX, 1 /* SOCK_STREAM */);
    host.connectUnix(fd, path);
    const { writeSync } = await import("node:fs");
    writeSync(fd, "hi");
    closeSync(fd);
    for (let i = 0; i < 100 && got !== "hi"; i++) await Bun.sleep(5);
    expect(got).toBe("hi");
    const fd2 = host.socket(host.AF_UNIX, host.SOCK_SEQPACKET);
    expect(() => host.connectUnix(fd2, join(d, "absent"))).toThrow(/connect .*ENOENT/);
    closeSync(fd2);
  } finally { server.stop(true); rmSync(d, { recursive: true }); }
});
