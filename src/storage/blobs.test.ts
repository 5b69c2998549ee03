import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { blobStream, digestOf, hasBlob, putBlobBytes, putBlobStream, readBlob } from "./blobs.ts";
import { blobPath, tmpDir } from "./layout.ts";

const base = mkdtempSync("/tmp/skiff-blobs-");
const store = { root: join(base, "root"), runroot: join(base, "run") };
afterAll(() => rmSync(base, { recursive: true, force: true }));

function chunks(...parts: string[]): AsyncIterable<Uint8Array> {
  return (async function* () { for (const p of parts) yield new TextEncoder().encode(p); })();
}

test("putBlobStream stores verified bytes under their digest", async () => {
  const d = digestOf("hello world");
  const seen: number[] = [];
  const info = await putBlobStream(store, d, chunks("hello ", "world"), { size: 11, onProgress: (n) => seen.push(n) });
  expect(info).toEqual({ digest: d, size: 11 });
  expect(readBlob(store, d).toString()).toBe("hello world");
  expect(seen).toEqual([6, 11]);
  expect(await new Response(blobStream(store, d)).text()).toBe("hello world");
  expect(readdirSync(tmpDir(store))).toEqual([]);
});

test("putBlobStream refuses a digest mismatch and leaves no temp file", async () => {
  const d = digestOf("expected");
  await expect(putBlobStream(store, d, chunks("other"))).rejects.toThrow(
    `digest mismatch: expected ${d}, got ${digestOf("other")}`,
  );
  expect(existsSync(blobPath(store, d))).toBe(false);
  expect(readdirSync(tmpDir(store))).toEqual([]);
});

test("putBlobStream refuses a truncated stream", async () => {
  const d = digestOf("abcdef");
  await expect(putBlobStream(store, d, chunks("abc"), { size: 6 })).rejects.toThrow(`blob ${d} truncated: got 3 of 6 bytes`);
  expect(readdirSync(tmpDir(store))).toEqual([]);
});

test("putBlobStream removes the temp file when the stream fails", async () => {
  const d = digestOf("x");
  const failing = (async function* () { yield new Uint8Array([1]); throw new Error("read ECONNRESET"); })();
  await expect(putBlobStream(store, d, failing)).rejects.toThrow("ECONNRESET");
  expect(readdirSync(tmpDir(store))).toEqual([]);
});

test("putBlobBytes keeps the exact bytes", () => {
  const bytes = new TextEncoder().encode('{"b":1,  "a":2}');
  const { digest } = putBlobBytes(store, bytes);
  expect(readBlob(store, digest)).toEqual(Buffer.from(bytes));
  expect(() => putBlobBytes(store, bytes, digestOf("nope"))).toThrow("digest mismatch");
});

test("hasBlob verifies content and removes a corrupt blob", async () => {
  const { digest } = putBlobBytes(store, new TextEncoder().encode("corrupt me"));
  expect(await hasBlob(store, digest)).toBe(true);
  const other = digestOf("never stored");
  expect(await hasBlob(store, other)).toBe(false);
  // Simulate corruption written behind our back, as another process would see it.
  const d2 = digestOf("fresh");
  writeFileSync(blobPath(store, d2), "stale!");
  expect(await hasBlob(store, d2)).toBe(false);
  expect(existsSync(blobPath(store, d2))).toBe(false);
  expect(await hasBlob(store, digest, { size: 3 })).toBe(false);
});

test("readBlob of an absent blob is not-found", () => {
  expect(() => readBlob(store, digestOf("absent"))).toThrow(/blob sha256:[0-9a-f]+ not found/);
});

test("a temp blob left by a dead writer is swept", async () => {
  const s2 = { root: join(base, "root2"), runroot: join(base, "run2") };
  const { mkdirSync } = await import("node:fs");
  mkdirSync(tmpDir(s2), { recursive: true });
  // pid 2^22+1 cannot exist (pid_max ≤ 4194304).
  writeFileSync(join(tmpDir(s2), "blob-4194305-1-abc"), "partial");
  putBlobBytes(s2, new TextEncoder().encode("x"));
  expect(readdirSync(tmpDir(s2))).toEqual([]);
});

test("removeUnreferencedBlobs keeps what images and layers refer to and removes the rest", async () => {
  const { openDb } = await import("./db.ts");
  const { removeUnreferencedBlobs } = await import("./blobs.ts");
  const { putImage } = await import("./images.ts");
  const gcBase = mkdtempSync("/tmp/skiff-blobs-gc-");
  try {
    const s = { root: join(gcBase, "root"), runroot: join(gcBase, "run") };
    const db = openDb(s.root);
    const config = putBlobBytes(s, new TextEncoder().encode("config"));
    const manifest = putBlobBytes(s, new TextEncoder().encode("manifest"));
    const index = putBlobBytes(s, new TextEncoder().encode("index"));
    const layerBlob = putBlobBytes(s, new TextEncoder().encode("layer"));
    const orphan = putBlobBytes(s, new TextEncoder().encode("orphan"));
    putImage(db, { id: config.digest.slice(7), topLayer: null, manifestDigest: manifest.digest, manifestMediaType: "x", digests: [index.digest, manifest.digest], size: 1, created: 0 }, []);
    db.query("INSERT INTO layers (chain_id, diff_id, parent, link, uncompressed_size, compressed_digest, created) VALUES (?, ?, NULL, 'L', 0, ?, 0)")
      .run(`sha256:${"1".repeat(64)}`, `sha256:${"1".repeat(64)}`, layerBlob.digest);
    expect(removeUnreferencedBlobs(s, db)).toBe(1);
    for (const b of [config, manifest, index, layerBlob]) expect(existsSync(blobPath(s, b.digest))).toBe(true);
    expect(existsSync(blobPath(s, orphan.digest))).toBe(false);
  } finally {
    rmSync(gcBase, { recursive: true, force: true });
  }
});
