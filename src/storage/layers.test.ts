import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync, zstdCompressSync } from "node:zlib";
import { pack, type Headers } from "tar-stream";
import { openDb } from "./db.ts";
import { chainIdOf, ensureLayer, getLayer, layerChain, layerLinkPath, removeUnreferencedLayers, type Digest } from "./layers.ts";
import { layerDiffDir, layerDir, tmpDir } from "./layout.ts";

const isRoot = process.getuid?.() === 0;
const base = mkdtempSync(join(tmpdir(), "skiff-layers-test-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

let n = 0;
function newStore() {
  const s = { root: join(base, `root${n}`), runroot: join(base, `run${n}`) };
  n++;
  return { store: s, db: openDb(s.root) };
}

async function mkTar(entries: { name: string; body?: string; type?: Headers["type"]; linkname?: string }[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((res) => { p.on("data", (c: Buffer) => chunks.push(c)); p.on("end", res); });
  for (const { body, ...h } of entries) p.entry({ mode: 0o644, mtime: new Date(1_600_000_000_000), ...h }, body);
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

const sha = (b: Buffer | string): Digest => `sha256:${createHash("sha256").update(b).digest("hex")}`;
async function* once(b: Buffer): AsyncGenerator<Uint8Array> { yield b; }

test("chainIdOf follows the OCI formula (checked with sha256sum)", () => {
  const d1 = sha("layer1"), d2 = sha("layer2"), d3 = sha("layer3");
  const viaCli = (s: string) => `sha256:${Bun.spawnSync(["sha256sum"], { stdin: Buffer.from(s) }).stdout.toString().split(" ")[0]}`;
  const c1 = chainIdOf(null, d1);
  expect(c1).toBe(d1);
  const c2 = chainIdOf(c1, d2);
  expect(c2).toBe(viaCli(`${d1} ${d2}`) as Digest);
  expect(chainIdOf(c2, d3)).toBe(viaCli(`${c2} ${d3}`) as Digest);
});

describe.if(isRoot)("ensureLayer", () => {
  test("stores a three-layer chain with links, sizes and overlay order", async () => {
    const { store, db } = newStore();
    const t1 = await mkTar([{ name: "etc/", type: "directory" }, { name: "etc/os", body: "base" }, { name: "bin/sh", body: "sh" }]);
    const t2 = await mkTar([{ name: "etc/.wh.os", body: "" }, { name: "bin/sh2", type: "link", linkname: "bin/sh" }]);
    const t3 = await mkTar([{ name: "app", body: "app" }]);
    const l1 = await ensureLayer(store, db, { parent: null, diffId: sha(t1), open: () => once(gzipSync(t1)), compressedDigest: sha(gzipSync(t1)), compressedSize: gzipSync(t1).length, mediaType: "application/vnd.oci.image.layer.v1.tar+gzip" });
    const l2 = await ensureLayer(store, db, { parent: l1.chainId, diffId: sha(t2), open: () => once(zstdCompressSync(t2)) });
    const l3 = await ensureLayer(store, db, { parent: l2.chainId, open: () => once(t3) });
    expect(l1.chainId).toBe(sha(t1));
    expect(l2.chainId).toBe(sha(`${sha(t1)} ${sha(t2)}`));
    expect(l3.chainId).toBe(sha(`${l2.chainId} ${sha(t3)}`));
    expect(l3.diffId).toBe(sha(t3));
    expect([l1.uncompressedSize, l2.uncompressedSize]).toEqual([t1.length, t2.length]);
    expect(l1.compressedSize).toBe(gzipSync(t1).length);
    expect(l1.mediaType).toBe("application/vnd.oci.image.layer.v1.tar+gzip");
    expect(l1.link).toMatch(/^[A-Z0-9]{26}$/);
    expect(layerChain(db, l3.chainId).map((l) => l.chainId)).toEqual([l3.chainId, l2.chainId, l1.chainId]);
    for (const l of [l1, l2, l3]) {
      expect(realpathSync(layerLinkPath(store, l))).toBe(realpathSync(layerDiffDir(store, l.chainId)));
      expect(readlinkSync(layerLinkPath(store, l))).toBe(`../${l.chainId.slice(7)}/diff`);
    }
    // The hardlink into the base layer was copied up into layer 2.
    const d2 = layerDiffDir(store, l2.chainId);
    expect(statSync(join(d2, "bin/sh")).ino).toBe(statSync(join(d2, "bin/sh2")).ino);
    expect(statSync(join(d2, "etc/os")).isCharacterDevice()).toBe(true);
    expect(readdirSync(tmpDir(store))).toEqual([]);
    // The ext4 +T flag used while unpacking (topdir.ts) is not left on a layer.
    const attrs = Bun.spawnSync(["lsattr", "-d", d2], { stderr: "ignore" });
    if (attrs.exitCode === 0) expect(attrs.stdout.toString().split(" ")[0]).not.toContain("T");
    // The kernel's overlay reads the stack as one rootfs: the whiteout hides etc/os.
    const mnt = join(base, "mnt");
    mkdirSync(mnt, { recursive: true });
    const host = await import("../lib/host.ts");
    host.mount("overlay", mnt, "overlay", host.MS_RDONLY, `lowerdir=${layerChain(db, l3.chainId).map((l) => layerLinkPath(store, l)).join(":")}`);
    try {
      expect(readdirSync(mnt).sort()).toEqual(["app", "bin", "etc"]);
      expect(readdirSync(join(mnt, "etc"))).toEqual([]);
      expect(readFileSync(join(mnt, "bin/sh2"), "utf8")).toBe("sh");
    } finally {
      host.umount(mnt);
    }
  }, 30_000);

  test("reuses a stored layer without opening the blob, and re-unpacks one whose folder is gone", async () => {
    const { store, db } = newStore();
    const t = await mkTar([{ name: "f", body: "x" }]);
    const a = await ensureLayer(store, db, { parent: null, diffId: sha(t), open: () => once(t) });
    const b = await ensureLayer(store, db, { parent: null, diffId: sha(t), open: () => { throw new Error("opened"); } });
    expect(b).toEqual(a);
    rmSync(layerDir(store, a.chainId), { recursive: true });
    const c = await ensureLayer(store, db, { parent: null, diffId: sha(t), open: () => once(t) });
    expect(c.link).toBe(a.link);
    expect(readFileSync(join(layerLinkPath(store, c), "f"), "utf8")).toBe("x");
  });

  test("refuses a diffID mismatch and a hostile layer, leaving the store clean", async () => {
    const { store, db } = newStore();
    const t = await mkTar([{ name: "f", body: "x" }]);
    const wrong = sha("other");
    await expect(ensureLayer(store, db, { parent: null, diffId: wrong, compressedDigest: sha(gzipSync(t)), open: () => once(gzipSync(t)) }))
      .rejects.toMatchObject({ kind: "invalid-argument", message: `layer ${sha(gzipSync(t))}: diffID mismatch: expected ${wrong}, got ${sha(t)}` });
    const evil = await mkTar([{ name: "ok", body: "1" }, { name: "../../escape", body: "x" }]);
    await expect(ensureLayer(store, db, { parent: null, diffId: sha(evil), open: () => once(evil) }))
      .rejects.toThrow(`layer ${sha(evil)}: entry "../../escape": escapes the rootfs`);
    expect(readdirSync(tmpDir(store))).toEqual([]);
    expect(existsSync(join(store.root, "layers"))).toBe(false);
    expect(db.query("SELECT count(*) AS n FROM layers").get()).toEqual({ n: 0 });
    expect(existsSync(join(base, "escape"))).toBe(false);
  });

  test("two concurrent unpacks of one layer end with one folder and one row", async () => {
    const { store, db } = newStore();
    const t = await mkTar(Array.from({ length: 200 }, (_, i) => ({ name: `d/f${i}`, body: "z".repeat(i * 10) })));
    const [a, b] = await Promise.all([
      ensureLayer(store, db, { parent: null, diffId: sha(t), open: () => once(t) }),
      ensureLayer(store, db, { parent: null, diffId: sha(t), open: () => once(t) }),
    ]);
    expect(a).toEqual(b);
    expect(readdirSync(join(store.root, "layers")).sort()).toEqual([a.chainId.slice(7), "l"]);
    expect(readdirSync(join(store.root, "layers/l"))).toEqual([a.link]);
    expect(readdirSync(layerDiffDir(store, a.chainId) + "/d").length).toBe(200);
    expect(readdirSync(tmpDir(store))).toEqual([]);
  }, 30_000);

  test("removes temp folders left by dead processes", async () => {
    const { store, db } = newStore();
    const stale = join(tmpDir(store), "unpack-999999999-1-unpack-abc");
    mkdirSync(join(stale, "diff"), { recursive: true });
    const other = join(tmpDir(store), "12-blob");
    mkdirSync(other);
    const t = await mkTar([{ name: "f", body: "x" }]);
    await ensureLayer(store, db, { parent: null, open: () => once(t) });
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(other)).toBe(true); // not ours
  });

  test("a missing parent is not-found", async () => {
    const { store, db } = newStore();
    const t = await mkTar([{ name: "f", body: "x" }]);
    await expect(ensureLayer(store, db, { parent: sha("nope"), open: () => once(t) })).rejects.toMatchObject({ kind: "not-found" });
  });
});

describe.if(isRoot)("removeUnreferencedLayers", () => {
  test("removes layers no image reaches, children first, keeping shared bases", async () => {
    const { store, db } = newStore();
    const tars = await Promise.all(["a", "b", "c"].map((x) => mkTar([{ name: x, body: x }])));
    const base1 = await ensureLayer(store, db, { parent: null, open: () => once(tars[0]!) });
    const kept = await ensureLayer(store, db, { parent: base1.chainId, open: () => once(tars[1]!) });
    const gone = await ensureLayer(store, db, { parent: kept.chainId, open: () => once(tars[2]!) });
    db.query("INSERT INTO images (id, top_layer, manifest_digest, manifest_media_type, size, created, added) VALUES (?, ?, ?, ?, 0, 0, 0)")
      .run("img1", kept.chainId, sha("m"), "application/vnd.oci.image.manifest.v1+json");
    expect(await removeUnreferencedLayers(store, db)).toEqual([gone.chainId]);
    expect(existsSync(layerDir(store, gone.chainId))).toBe(false);
    expect(existsSync(layerLinkPath(store, gone))).toBe(false);
    expect(getLayer(db, gone.chainId)).toBeUndefined();
    expect(existsSync(layerDiffDir(store, kept.chainId))).toBe(true);
    db.query("DELETE FROM images").run();
    expect((await removeUnreferencedLayers(store, db)).sort()).toEqual([base1.chainId, kept.chainId].sort());
    expect(readdirSync(join(store.root, "layers"))).toEqual(["l"]);
    expect(readdirSync(join(store.root, "layers/l"))).toEqual([]);
    expect(readdirSync(tmpDir(store))).toEqual([]);
  });
});
