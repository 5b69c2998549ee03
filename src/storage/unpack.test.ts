import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import {
  existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync,
} from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync, zstdCompressSync } from "node:zlib";
import { pack, type Headers } from "tar-stream";
import { decompress, digestStream, unpackTar } from "./unpack.ts";
import * as host from "../lib/host.ts";

const isRoot = process.getuid?.() === 0;
const base = mkdtempSync(join(tmpdir(), "skiff-unpack-test-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

type Entry = Partial<Headers> & { name: string; body?: string | Buffer; pax?: Record<string, string> };

/** Builds a tar with tar-stream's packer. */
async function mkTar(entries: Entry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((res, rej) => {
    p.on("data", (c: Buffer) => chunks.push(c));
    p.on("end", () => res());
    p.on("error", rej);
  });
  for (const { body, ...h } of entries) {
    const header = { mode: h.type === "directory" ? 0o755 : 0o644, mtime: new Date(1_600_000_000_000), uid: 0, gid: 0, ...h };
    if (body !== undefined) p.entry(header as Headers, body);
    else p.entry(header as Headers);
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

async function* chunksOf(buf: Buffer, size = 1000): AsyncGenerator<Uint8Array> {
  // Small odd chunks: headers and data straddle chunk boundaries.
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

let n = 0;
/** A sandbox with a sentinel tree beside the destination: nothing may appear outside dest. */
function sandbox() {
  const box = join(base, `box${n++}`);
  const dest = join(box, "dest");
  mkdirSync(join(box, "sentinel"), { recursive: true });
  writeFileSync(join(box, "sentinel", "file"), "original");
  mkdirSync(dest);
  const outside = () => listTree(box).filter((p) => !p.startsWith("dest/") && p !== "dest");
  return { box, dest, outside, before: ["sentinel", "sentinel/file"] };
}

function listTree(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix + e.name;
    out.push(rel);
    if (e.isDirectory()) out.push(...listTree(join(dir, e.name), rel + "/"));
  }
  return out.sort();
}

const sha256 = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

describe.if(isRoot)("unpackTar", () => {
  let sb: ReturnType<typeof sandbox>;
  beforeEach(() => { sb = sandbox(); });

  test("writes files with their mode, owner and mtime, keeping setuid after chown", async () => {
    const tar = await mkTar([
      { name: "usr/", type: "directory", mode: 0o755 },
      { name: "usr/bin/", type: "directory", mode: 0o751, uid: 7, gid: 8, mtime: new Date(1_500_000_000_000) },
      { name: "usr/bin/su", body: "#!binary", mode: 0o4755, uid: 1000, gid: 1001 },
      { name: "usr/bin/plain", body: "x".repeat(5000), mode: 0o640, mtime: new Date(1_234_567_890_000) },
      { name: "empty", body: "", mode: 0o600 },
    ]);
    const r = await unpackTar(chunksOf(tar), sb.dest);
    expect(r).toEqual({ size: tar.length, digest: sha256(tar) as `sha256:${string}` });
    const su = statSync(join(sb.dest, "usr/bin/su"));
    expect(su.mode & 0o7777).toBe(0o4755);
    expect([su.uid, su.gid]).toEqual([1000, 1001]);
    expect(readFileSync(join(sb.dest, "usr/bin/su"), "utf8")).toBe("#!binary");
    const plain = statSync(join(sb.dest, "usr/bin/plain"));
    expect(plain.mode & 0o7777).toBe(0o640);
    expect(plain.size).toBe(5000);
    expect(plain.mtimeMs).toBe(1_234_567_890_000);
    // Folder times survive the children written after the folder entry.
    const bin = statSync(join(sb.dest, "usr/bin"));
    expect(bin.mtimeMs).toBe(1_500_000_000_000);
    expect(bin.mode & 0o7777).toBe(0o751);
    expect([bin.uid, bin.gid]).toEqual([7, 8]);
    expect(statSync(join(sb.dest, "empty")).size).toBe(0);
  });

  test("creates symlinks verbatim without following them, relative and absolute", async () => {
    const tar = await mkTar([
      { name: "bin", type: "symlink", linkname: "usr/bin", uid: 3, gid: 4, mtime: new Date(1_400_000_000_000) },
      { name: "abs", type: "symlink", linkname: join(sb.box, "sentinel") },
      { name: "dangling", type: "symlink", linkname: "/nonexistent/x" },
    ]);
    await unpackTar(chunksOf(tar), sb.dest);
    expect(readlinkSync(join(sb.dest, "bin"))).toBe("usr/bin");
    expect(readlinkSync(join(sb.dest, "abs"))).toBe(join(sb.box, "sentinel"));
    expect(readlinkSync(join(sb.dest, "dangling"))).toBe("/nonexistent/x");
    const st = lstatSync(join(sb.dest, "bin"));
    expect([st.uid, st.gid, st.mtimeMs]).toEqual([3, 4, 1_400_000_000_000]);
    expect(sb.outside()).toEqual(sb.before);
  });

  test("links hardlinks inside the layer", async () => {
    const tar = await mkTar([
      { name: "a", body: "data", mode: 0o755 },
      { name: "dir/b", type: "link", linkname: "a" },
      { name: "c", type: "link", linkname: "./dir/../a" },
    ]);
    await unpackTar(chunksOf(tar), sb.dest);
    const ino = statSync(join(sb.dest, "a")).ino;
    expect(statSync(join(sb.dest, "dir/b")).ino).toBe(ino);
    expect(statSync(join(sb.dest, "c")).ino).toBe(ino);
    expect(statSync(join(sb.dest, "a")).nlink).toBe(3);
  });

  test("copies a hardlink's target up from a lower layer, with the lower folders' metadata", async () => {
    const lower = join(sb.box, "lower");
    mkdirSync(join(lower, "usr/bin"), { recursive: true });
    const { chmodSync, chownSync } = await import("node:fs");
    chmodSync(join(lower, "usr/bin"), 0o750);
    chownSync(join(lower, "usr/bin"), 0, 9);
    writeFileSync(join(lower, "usr/bin/tool"), "lower data", { mode: 0o711 });
    const tar = await mkTar([{ name: "usr/bin/alias", type: "link", linkname: "/usr/bin/tool" }]);
    await unpackTar(chunksOf(tar), sb.dest, { lowerDirs: [lower] });
    const up = statSync(join(sb.dest, "usr/bin/tool"));
    expect(statSync(join(sb.dest, "usr/bin/alias")).ino).toBe(up.ino);
    expect(readFileSync(join(sb.dest, "usr/bin/alias"), "utf8")).toBe("lower data");
    expect(up.mode & 0o7777).toBe(0o711);
    expect(statSync(join(lower, "usr/bin/tool")).nlink).toBe(1); // the lower layer is untouched
    const dir = statSync(join(sb.dest, "usr/bin"));
    expect([dir.mode & 0o7777, dir.gid]).toEqual([0o750, 9]);
  });

  test("a hardlink to a path whited out in a lower layer is refused", async () => {
    const lower1 = join(sb.box, "l1");
    const lower2 = join(sb.box, "l2");
    mkdirSync(lower1);
    mkdirSync(lower2);
    writeFileSync(join(lower2, "f"), "base");
    host.mknodChar(join(lower1, "f"), 0, 0, 0);
    const tar = await mkTar([{ name: "g", type: "link", linkname: "f" }]);
    await expect(unpackTar(chunksOf(tar), sb.dest, { lowerDirs: [lower1, lower2] })).rejects.toThrow(/entry "g": hardlink target "f" not found/);
  });

  test("turns OCI whiteouts into overlay's: char 0:0 and trusted.overlay.opaque", async () => {
    const lower = join(sb.box, "lower");
    mkdirSync(join(lower, "var/cache"), { recursive: true, mode: 0o700 });
    const { chmodSync } = await import("node:fs");
    chmodSync(join(lower, "var/cache"), 0o710);
    const tar = await mkTar([
      { name: "etc/", type: "directory" },
      { name: "etc/.wh.motd", body: "" },
      { name: "opt/", type: "directory", mode: 0o701 },
      { name: "opt/.wh..wh..opq", body: "" },
      { name: "var/cache/.wh..wh..opq", body: "" },
      { name: ".wh..wh.plnk", type: "directory" },
    ]);
    await unpackTar(chunksOf(tar), sb.dest, { lowerDirs: [lower] });
    const wh = lstatSync(join(sb.dest, "etc/motd"));
    expect(wh.isCharacterDevice()).toBe(true);
    expect(wh.rdev).toBe(0);
    expect(existsSync(join(sb.dest, "etc/.wh.motd"))).toBe(false);
    expect(host.lgetxattr(join(sb.dest, "opt"), "trusted.overlay.opaque")?.toString()).toBe("y");
    expect(statSync(join(sb.dest, "opt")).mode & 0o7777).toBe(0o701);
    // An opaque folder the tar does not list takes the lower folder's mode.
    expect(host.lgetxattr(join(sb.dest, "var/cache"), "trusted.overlay.opaque")?.toString()).toBe("y");
    expect(statSync(join(sb.dest, "var/cache")).mode & 0o7777).toBe(0o710);
    expect(readdirSync(sb.dest).sort()).toEqual(["etc", "opt", "var"]);
  });

  test("sets PAX SCHILY.xattr attributes and drops overlay's own", async () => {
    const tar = await mkTar([
      { name: "f", body: "x", pax: { "SCHILY.xattr.user.x": "hello", "SCHILY.xattr.trusted.overlay.redirect": "/etc" } },
      { name: "d/", type: "directory", pax: { "SCHILY.xattr.user.dir": "1" } },
    ]);
    await unpackTar(chunksOf(tar), sb.dest);
    expect(host.lgetxattr(join(sb.dest, "f"), "user.x")?.toString()).toBe("hello");
    expect(host.lgetxattr(join(sb.dest, "f"), "trusted.overlay.redirect")).toBeUndefined();
    expect(host.lgetxattr(join(sb.dest, "d"), "user.dir")?.toString()).toBe("1");
  });

  const hasSetcap = existsSync("/usr/sbin/setcap") || existsSync("/sbin/setcap");
  test.if(hasSetcap)("keeps a binary security.capability from a GNU tar --xattrs archive", async () => {
    const src = join(sb.box, "src");
    mkdirSync(src);
    writeFileSync(join(src, "ping"), "elf", { mode: 0o755 });
    Bun.spawnSync(["setcap", "cap_net_raw+ep", join(src, "ping")]);
    const want = host.lgetxattr(join(src, "ping"), "security.capability")!;
    expect(want.length).toBeGreaterThan(0);
    const tarPath = join(sb.box, "caps.tar");
    const r = Bun.spawnSync(["tar", "--xattrs", "--xattrs-include=*", "-C", src, "-cf", tarPath, "ping"]);
    expect(r.exitCode).toBe(0);
    await unpackTar(chunksOf(readFileSync(tarPath)), sb.dest);
    expect(host.lgetxattr(join(sb.dest, "ping"), "security.capability")).toEqual(want);
  });

  test("creates char, block and fifo nodes", async () => {
    const tar = await mkTar([
      { name: "dev/null", type: "character-device", devmajor: 1, devminor: 3, mode: 0o666 },
      { name: "dev/loop0", type: "block-device", devmajor: 7, devminor: 0, mode: 0o660, gid: 6 },
      { name: "run/fifo", type: "fifo", mode: 0o620 },
    ]);
    await unpackTar(chunksOf(tar), sb.dest);
    const nul = lstatSync(join(sb.dest, "dev/null"));
    expect(nul.isCharacterDevice()).toBe(true);
    expect(nul.rdev).toBe(statSync("/dev/null").rdev);
    expect(nul.mode & 0o7777).toBe(0o666);
    const loop = lstatSync(join(sb.dest, "dev/loop0"));
    expect(loop.isBlockDevice()).toBe(true);
    expect([loop.rdev >> 8, loop.rdev & 0xff, loop.gid]).toEqual([7, 0, 6]);
    const fifo = lstatSync(join(sb.dest, "run/fifo"));
    expect(fifo.isFIFO()).toBe(true);
    expect(fifo.mode & 0o7777).toBe(0o620);
  });

  test("later entries replace earlier ones of another type", async () => {
    const tar = await mkTar([
      { name: "x/", type: "directory" },
      { name: "x/child", body: "c" },
      { name: "x", body: "now a file" },
      { name: "y", body: "file" },
      { name: "y/", type: "directory" },
      { name: "y/z", body: "z" },
    ]);
    await unpackTar(chunksOf(tar), sb.dest);
    expect(readFileSync(join(sb.dest, "x"), "utf8")).toBe("now a file");
    expect(readFileSync(join(sb.dest, "y/z"), "utf8")).toBe("z");
  });

  test("decompress detects gzip, zstd and plain tar by magic bytes", async () => {
    const tar = await mkTar([{ name: "f", body: "payload".repeat(1000) }]);
    for (const blob of [tar, gzipSync(tar), zstdCompressSync(tar)]) {
      const r = await digestStream(decompress(chunksOf(blob, 7)));
      expect(r).toEqual({ size: tar.length, digest: sha256(tar) as `sha256:${string}` });
    }
  });

  test("refuses a truncated tar", async () => {
    const tar = await mkTar([{ name: "f", body: "y".repeat(2000) }]);
    await expect(unpackTar(chunksOf(tar.subarray(0, 1024)), sb.dest)).rejects.toThrow(/unexpected end of data/);
    await expect(unpackTar(chunksOf(Buffer.alloc(0)), sb.dest)).rejects.toThrow(/no tar header/);
  });
});

describe.if(isRoot)("unpackTar with hostile layers", () => {
  let sb: ReturnType<typeof sandbox>;
  beforeEach(() => { sb = sandbox(); });

  test("refuses ../ escapes", async () => {
    const tar = await mkTar([{ name: "../escape", body: "x" }]);
    await expect(unpackTar(chunksOf(tar), sb.dest)).rejects.toMatchObject({
      kind: "invalid-argument", message: 'entry "../escape": escapes the rootfs',
    });
    const tar2 = await mkTar([{ name: "a/../../sentinel/file", body: "pwned" }]);
    await expect(unpackTar(chunksOf(tar2), sb.dest)).rejects.toThrow(/escapes the rootfs/);
    expect(sb.outside()).toEqual(sb.before);
    expect(readFileSync(join(sb.box, "sentinel/file"), "utf8")).toBe("original");
  });

  test("makes absolute names relative", async () => {
    const tar = await mkTar([{ name: "/abs/file", body: "in" }, { name: "//x/../y", body: "y" }]);
    await unpackTar(chunksOf(tar), sb.dest);
    expect(readFileSync(join(sb.dest, "abs/file"), "utf8")).toBe("in");
    expect(readFileSync(join(sb.dest, "y"), "utf8")).toBe("y");
  });

  test("a file written through an absolute symlink stays in the rootfs", async () => {
    const tar = await mkTar([
      { name: "evil", type: "symlink", linkname: join(sb.box, "sentinel") },
      { name: "evil/file", body: "pwned" },
      { name: "root", type: "symlink", linkname: "/" },
      { name: "root/rootfile", body: "r" },
      { name: "up", type: "symlink", linkname: "../../.." },
      { name: "up/upfile", body: "u" },
    ]);
    await unpackTar(chunksOf(tar), sb.dest);
    expect(readFileSync(join(sb.box, "sentinel/file"), "utf8")).toBe("original");
    expect(readFileSync(join(sb.dest, sb.box, "sentinel/file"), "utf8")).toBe("pwned");
    expect(readFileSync(join(sb.dest, "rootfile"), "utf8")).toBe("r");
    expect(readFileSync(join(sb.dest, "upfile"), "utf8")).toBe("u");
    expect(sb.outside()).toEqual(sb.before);
  });

  test("a file replacing a symlink does not write through it", async () => {
    const tar = await mkTar([
      { name: "f", type: "symlink", linkname: join(sb.box, "sentinel/file") },
      { name: "f", body: "pwned" },
    ]);
    await unpackTar(chunksOf(tar), sb.dest);
    expect(readFileSync(join(sb.box, "sentinel/file"), "utf8")).toBe("original");
    expect(lstatSync(join(sb.dest, "f")).isFile()).toBe(true);
  });

  test("refuses hardlinks out of the rootfs, also through symlinks", async () => {
    const passwdLinks = statSync("/etc/passwd").nlink;
    const tar = await mkTar([{ name: "p", type: "link", linkname: "../../etc/passwd" }]);
    await expect(unpackTar(chunksOf(tar), sb.dest)).rejects.toThrow('entry "p": hardlink target "../../etc/passwd" escapes the rootfs');
    const tar2 = await mkTar([
      { name: "etcl", type: "symlink", linkname: "/etc" },
      { name: "p", type: "link", linkname: "etcl/passwd" },
    ]);
    await expect(unpackTar(chunksOf(tar2), sb.dest)).rejects.toThrow('entry "p": hardlink target "etcl/passwd" not found');
    const tar3 = await mkTar([
      { name: "s", type: "symlink", linkname: join(sb.box, "sentinel/file") },
      { name: "h", type: "link", linkname: "s" },
    ]);
    await unpackTar(chunksOf(tar3), sb.dest);
    // The hardlink shares the symlink's inode, not the host file's.
    expect(lstatSync(join(sb.dest, "h")).isSymbolicLink()).toBe(true);
    expect(statSync("/etc/passwd").nlink).toBe(passwdLinks);
    expect(statSync(join(sb.box, "sentinel/file")).nlink).toBe(1);
    expect(sb.outside()).toEqual(sb.before);
  });

  test("refuses dir/../../x behind a symlinked folder", async () => {
    const tar = await mkTar([
      { name: "dir", type: "symlink", linkname: join(sb.box, "sentinel") },
      { name: "dir/../../x", body: "pwned" },
    ]);
    await expect(unpackTar(chunksOf(tar), sb.dest)).rejects.toThrow(/escapes the rootfs/);
    expect(sb.outside()).toEqual(sb.before);
  });

  test("refuses hostile names written by python's tarfile", async () => {
    const tarPath = join(sb.box, "hostile.tar");
    const py = `
import tarfile, io, sys
with tarfile.open(sys.argv[1], "w", format=tarfile.GNU_FORMAT) as t:
    ti = tarfile.TarInfo("ok/" + "d" * 150 + "/../../../" + "../escape")  # GNU long name
    ti.size = 1
    t.addfile(ti, io.BytesIO(b"x"))
`;
    expect(Bun.spawnSync(["python3", "-c", py, tarPath]).exitCode).toBe(0);
    await expect(unpackTar(chunksOf(readFileSync(tarPath)), sb.dest)).rejects.toThrow(/escapes the rootfs/);
    expect(sb.outside()).toEqual([...sb.before, "hostile.tar"].sort());
  }, 20_000);

  test("a symlink loop is refused, not followed forever", async () => {
    const tar = await mkTar([
      { name: "a", type: "symlink", linkname: "b" },
      { name: "b", type: "symlink", linkname: "a" },
      { name: "a/x", body: "x" },
    ]);
    await expect(unpackTar(chunksOf(tar), sb.dest)).rejects.toThrow(/too many levels of symbolic links/);
  });
});

// Replacements, links through fresh paths, and the owner/mode/lstat calls unpack.ts skips when they would change nothing.
describe.if(isRoot)("unpackTar ordering and skipped calls", () => {
  let sb: ReturnType<typeof sandbox>;
  beforeEach(() => { sb = sandbox(); });

  test("a later entry of the same name wins, whatever type it is", async () => {
    const tar = await mkTar([
      { name: "f", body: "first" },
      { name: "f", body: "second", mode: 0o600 },
      { name: "s", type: "symlink", linkname: "one" },
      { name: "s", body: "file now" },
      { name: "t", body: "a file" },
      { name: "t", type: "symlink", linkname: "two" },
      { name: "u", body: "a file" },
      { name: "u/", type: "directory", mode: 0o711 },
    ]);
    await unpackTar(chunksOf(tar, 4096), sb.dest);
    expect(readFileSync(join(sb.dest, "f"), "utf8")).toBe("second");
    expect(statSync(join(sb.dest, "f")).mode & 0o7777).toBe(0o600);
    expect(readFileSync(join(sb.dest, "s"), "utf8")).toBe("file now");
    expect(readlinkSync(join(sb.dest, "t"))).toBe("two");
    expect(statSync(join(sb.dest, "u")).mode & 0o7777).toBe(0o711);
  });

  test("a path resolved through a symlink just created lands inside its target", async () => {
    const tar = await mkTar([
      { name: "real/", type: "directory" },
      { name: "link", type: "symlink", linkname: "real" },
      { name: "abs", type: "symlink", linkname: "/real" },
      { name: "link/a", body: "a" },
      { name: "abs/b", body: "b" },
      { name: "notdir", body: "file" },
      { name: "via", type: "symlink", linkname: "notdir" },
    ]);
    await unpackTar(chunksOf(tar, 4096), sb.dest);
    expect(readFileSync(join(sb.dest, "real/a"), "utf8")).toBe("a");
    expect(readFileSync(join(sb.dest, "real/b"), "utf8")).toBe("b");
    expect(lstatSync(join(sb.dest, "link")).isSymbolicLink()).toBe(true);
    // A file created a moment ago is still not a folder to write through.
    const bad = await mkTar([{ name: "notdir", body: "file" }, { name: "via", type: "symlink", linkname: "notdir" }, { name: "via/x", body: "x" }]);
    const sb2 = sandbox();
    await expect(unpackTar(chunksOf(bad, 4096), sb2.dest)).rejects.toThrow(/"notdir" is not a directory/);
    expect(sb2.outside()).toEqual(sb2.before);
  });

  test("hardlinks to files still being written, and a folder removed while its files are written", async () => {
    const tar = await mkTar([
      ...Array.from({ length: 40 }, (_, i) => ({ name: `d/f${i}`, body: `content ${i}`.repeat(50) })),
      { name: "h", type: "link", linkname: "d/f39" },
      { name: "d", body: "the folder became a file" },
      { name: "h2", type: "link", linkname: "h" },
    ]);
    await unpackTar(chunksOf(tar, 65536), sb.dest);
    expect(readFileSync(join(sb.dest, "h"), "utf8")).toBe("content 39".repeat(50));
    expect(statSync(join(sb.dest, "h")).ino).toBe(statSync(join(sb.dest, "h2")).ino);
    expect(readFileSync(join(sb.dest, "d"), "utf8")).toBe("the folder became a file");
  });

  test("whiteouts and opaque folders wait for the files they hide", async () => {
    const tar = await mkTar([
      { name: "w/a", body: "a" },
      { name: "w/.wh.a", body: "" },
      { name: "o/old", body: "old" },
      { name: "o/.wh..wh..opq", body: "" },
    ]);
    await unpackTar(chunksOf(tar, 4096), sb.dest);
    const wh = lstatSync(join(sb.dest, "w/a"));
    expect(wh.isCharacterDevice() && wh.rdev === 0).toBe(true);
    expect(host.lgetxattr(join(sb.dest, "o"), "trusted.overlay.opaque")?.toString()).toBe("y");
  });

  test("many files at once, a large streamed file among them, keep their bytes, modes, owners and times", async () => {
    const big = Buffer.alloc((4 << 20) + 12345);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    const entries: Entry[] = [];
    for (let i = 0; i < 300; i++) {
      entries.push({ name: `many/${i % 7}/f${i}`, body: `#${i}:`.repeat(i), mode: [0o644, 0o755, 0o666, 0o4750, 0o600][i % 5]!, uid: i % 3, gid: i % 4, mtime: new Date(1_000_000_000_000 + i * 1000) });
      if (i === 150) entries.push({ name: "many/big", body: big, mode: 0o640, uid: 5, gid: 6 });
    }
    const tar = await mkTar(entries);
    await unpackTar(chunksOf(tar, 65536), sb.dest);
    for (let i = 0; i < 300; i++) {
      const p = join(sb.dest, `many/${i % 7}/f${i}`);
      const st = statSync(p);
      expect(readFileSync(p, "utf8")).toBe(`#${i}:`.repeat(i));
      expect([st.mode & 0o7777, st.uid, st.gid, st.mtimeMs]).toEqual([[0o644, 0o755, 0o666, 0o4750, 0o600][i % 5]!, i % 3, i % 4, 1_000_000_000_000 + i * 1000]);
    }
    expect(readFileSync(join(sb.dest, "many/big")).equals(big)).toBe(true);
    const st = statSync(join(sb.dest, "many/big"));
    expect([st.mode & 0o7777, st.uid, st.gid]).toEqual([0o640, 5, 6]);
  }, 20_000);

  test("a root-owned file in a setgid folder of another group still gets the tar's group", async () => {
    const tar = await mkTar([
      { name: "sg/", type: "directory", mode: 0o2775, uid: 0, gid: 50 },
      { name: "sg/f", body: "x", uid: 0, gid: 0 },
      { name: "sg/l", type: "symlink", linkname: "f", uid: 0, gid: 0 },
      { name: "sg/sub/", type: "directory", mode: 0o755, uid: 0, gid: 0 },
    ]);
    await unpackTar(chunksOf(tar), sb.dest);
    expect(statSync(join(sb.dest, "sg")).gid).toBe(50);
    expect(statSync(join(sb.dest, "sg/f")).gid).toBe(0);
    expect(lstatSync(join(sb.dest, "sg/l")).gid).toBe(0);
    expect(statSync(join(sb.dest, "sg/sub")).gid).toBe(0);
    expect(statSync(join(sb.dest, "sg/sub")).mode & 0o7777).toBe(0o755);
  });

  test("a failed entry fails the unpack and nothing appears afterwards", async () => {
    const tar = await mkTar([
      ...Array.from({ length: 30 }, (_, i) => ({ name: `x/f${i}`, body: "y".repeat(100) })),
      { name: "plain", body: "file" },
      { name: "plain/under", body: "refused" },
    ]);
    await expect(unpackTar(chunksOf(tar, 4096), sb.dest)).rejects.toThrow(/"plain" is not a directory/);
    const right = listTree(sb.dest);
    expect(right).toContain("x/f29");
    await Bun.sleep(100);
    expect(listTree(sb.dest)).toEqual(right);
  });
});
