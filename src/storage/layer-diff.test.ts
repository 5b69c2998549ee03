import { afterAll, expect, test } from "bun:test";
import {
  linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync,
  chmodSync, chownSync, createReadStream,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { extract } from "tar-stream";
import { Readable } from "node:stream";
import { decompress, unpackTar } from "./unpack.ts";
import { layerTar, writeLayerBlob } from "./layer-diff.ts";
import * as host from "../lib/host.ts";

const isRoot = process.getuid?.() === 0;
const base = mkdtempSync(join(tmpdir(), "skiff-layerdiff-test-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const fresh = () => {
  const d = join(base, `d${n++}`);
  mkdirSync(d);
  return d;
};

/** A description of a tree: type, mode, owner, size/content digest, link target, xattrs (overlay's opaque included), device numbers. */
function describe(dir: string, rel = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    const p = join(dir, r);
    const st = lstatSync(p);
    let what = `${r} mode=${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
    // Whiteouts carry no meaningful time: unpack does not keep it.
    if (!st.isSymbolicLink() && !(st.isCharacterDevice() && st.rdev === 0)) what += ` mtime=${Math.floor(st.mtimeMs / 1000)}`;
    if (st.isFile()) what += ` file nlink=${st.nlink} ${readFileSync(p).toString("base64")}`;
    else if (st.isSymbolicLink()) what += ` -> ${readlinkSync(p)}`;
    else if (st.isCharacterDevice()) what += ` char rdev=${st.rdev}`;
    else if (st.isFIFO()) what += " fifo";
    if (!st.isSymbolicLink()) {
      for (const x of host.llistxattr(p).sort()) what += ` ${x}=${host.lgetxattr(p, x)?.toString("hex")}`;
    }
    out.push(what);
    if (st.isDirectory()) out.push(...describe(dir, r));
  }
  return out;
}

/** An upper dir with every kind of change a container makes. */
function makeUpper(): string {
  const d = fresh();
  mkdirSync(join(d, "etc/sub"), { recursive: true });
  writeFileSync(join(d, "etc/hosts"), "127.0.0.1 x\n");
  chmodSync(join(d, "etc/hosts"), 0o640);
  writeFileSync(join(d, "big"), Buffer.alloc(3 << 20, 7));
  writeFileSync(join(d, "etc/sub/suid"), "#!/bin/sh\n");
  chownSync(join(d, "etc/sub/suid"), 12, 34);
  chmodSync(join(d, "etc/sub/suid"), 0o4755);
  linkSync(join(d, "etc/hosts"), join(d, "etc/hosts.hard"));
  symlinkSync("../etc/hosts", join(d, "etc/sub/link"));
  const long = "x".repeat(120);
  mkdirSync(join(d, long));
  writeFileSync(join(d, long, "f"), "long name");
  writeFileSync(join(d, "é-ünicode"), "u");
  host.mknodChar(join(d, "etc/removed"), 0, 0, 0); // whiteout
  mkdirSync(join(d, "opaque"));
  host.lsetxattr(join(d, "opaque"), "trusted.overlay.opaque", Buffer.from("y"));
  writeFileSync(join(d, "opaque/kept"), "k");
  host.lsetxattr(join(d, "big"), "user.test", Buffer.from([0, 1, 2, 255]));
  host.mknod(join(d, "fifo"), 0o010644, 0, 0);
  host.mknod(join(d, "null"), 0o020666, 1, 3);
  for (const p of ["etc/hosts", "big", "etc", "opaque", "opaque/kept", "fifo", "null", long, `${long}/f`, "é-ünicode", "etc/sub", "etc/sub/suid", "etc/removed"]) {
    utimesSync(join(d, p), 1_600_000_000, 1_600_000_000);
  }
  return d;
}

test.skipIf(!isRoot)("an upper dir round-trips through the layer tar and unpack", async () => {
  const upper = makeUpper();
  const blob = join(base, "blob.gz");
  const rep = await writeLayerBlob(upper, blob, { compression: "gzip" });
  const out = fresh();
  const un = await unpackTar(decompress(Readable.toWeb(createReadStream(blob)) as ReadableStream<Uint8Array>), out);
  expect(un.digest).toBe(rep.diffId);
  expect(un.size).toBe(rep.diffSize);
  expect(describe(out)).toEqual(describe(upper));
});

test.skipIf(!isRoot)("whiteouts and opaque folders are written in OCI form", async () => {
  const upper = makeUpper();
  const names: { name: string; type: string; mode: number; size: number }[] = [];
  const ex = extract();
  ex.on("entry", (h, s, next) => {
    names.push({ name: h.name, type: h.type ?? "", mode: h.mode ?? 0, size: h.size ?? 0, });
    s.on("end", next);
    s.resume();
  });
  const done = new Promise((r) => ex.on("finish", r));
  for await (const c of layerTar(upper)) ex.write(c);
  ex.end();
  await done;
  const wh = names.find((e) => e.name === "etc/.wh.removed")!;
  expect(wh).toMatchObject({ type: "file", mode: 0, size: 0 });
  expect(names.some((e) => e.name === "opaque/.wh..wh..opq")).toBe(true);
  expect(names.findIndex((e) => e.name === "opaque/.wh..wh..opq")).toBe(names.findIndex((e) => e.name === "opaque/") + 1);
  expect(names.find((e) => e.name === "etc/hosts.hard")?.type).toBe("link");
  // Parent before child, children sorted.
  expect(names.findIndex((e) => e.name === "etc/")).toBeLessThan(names.findIndex((e) => e.name === "etc/hosts"));
  // No overlay bookkeeping in the tar.
  expect(JSON.stringify(names)).not.toContain("trusted.overlay");
});

test.skipIf(!isRoot)("the same tree gives the same diffID, compressed or not; --timestamp changes it predictably", async () => {
  const upper = makeUpper();
  const a = await writeLayerBlob(upper, join(base, "a"), { compression: "none" });
  const b = await writeLayerBlob(upper, join(base, "b"), { compression: "gzip" });
  const c = await writeLayerBlob(upper, join(base, "c"), { compression: "zstd" });
  expect(b.diffId).toBe(a.diffId);
  expect(c.diffId).toBe(a.diffId);
  expect(a.blobDigest).toBe(a.diffId);
  expect(b.blobDigest).not.toBe(a.diffId);
  expect(c.mediaType).toBe("application/vnd.oci.image.layer.v1.tar+zstd");
  // A copy of the tree made at another time, with the timestamp forced, gives the same layer.
  const t1 = await writeLayerBlob(upper, join(base, "t1"), { compression: "none", timestamp: 0 });
  utimesSync(join(upper, "big"), 1_700_000_000, 1_700_000_000);
  const t2 = await writeLayerBlob(upper, join(base, "t2"), { compression: "none", timestamp: 0 });
  expect(t2.diffId).toBe(t1.diffId);
  expect(t1.diffId).not.toBe(a.diffId);
});

test("an empty folder is the well-known empty layer", async () => {
  const r = await writeLayerBlob(fresh(), join(base, "empty"), { compression: "none" });
  expect(r.diffId).toBe("sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef");
  expect(r.diffSize).toBe(1024);
});
