import { test, expect, beforeEach, afterAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDb } from "./db.ts";
import { putImage, getImage, listImages, addNames, removeName, deleteImage, imageUsers, type PutImageInput } from "./images.ts";
import { resolveLocalImage, findLocalImage } from "./image-lookup.ts";

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function freshDb() {
  const d = mkdtempSync(join(tmpdir(), "skiff-images-"));
  dirs.push(d);
  return openDb(d);
}

const hex = (c: string) => c.repeat(64);
const input = (id: string, extra: Partial<PutImageInput> = {}): PutImageInput => ({
  id, topLayer: null, manifestDigest: `sha256:${hex("9")}`, manifestMediaType: "application/vnd.oci.image.manifest.v1+json",
  digests: [`sha256:${hex("9")}`], size: 100, created: 1000, ...extra,
});

let db: ReturnType<typeof openDb>;
beforeEach(() => { db = freshDb(); });

test("putImage stores a record and its names; a name moves to the newest holder", () => {
  putImage(db, input(hex("a")), ["localhost:5000/busybox:latest"]);
  putImage(db, input(hex("b"), { created: 2000 }), ["localhost:5000/busybox:latest", "localhost:5000/busybox:1.36"]);
  expect(getImage(db, hex("a"))!.names).toEqual([]);
  expect(getImage(db, hex("b"))!.names).toEqual(["localhost:5000/busybox:latest", "localhost:5000/busybox:1.36"]);
  expect(listImages(db).map((i) => i.id)).toEqual([hex("b"), hex("a")]);
});

test("putImage merges digests of an image pulled again through an index", () => {
  putImage(db, input(hex("a")), ["x/y:1"]);
  putImage(db, input(hex("a"), { digests: [`sha256:${hex("8")}`] }), ["x/y:2"]);
  const img = getImage(db, hex("a"))!;
  expect(img.digests).toEqual([`sha256:${hex("9")}`, `sha256:${hex("8")}`]);
  expect(img.names).toEqual(["x/y:1", "x/y:2"]);
});

test("addNames refuses an unknown image; removeName reports whether a name existed", () => {
  expect(() => addNames(db, hex("c"), ["a/b:c"])).toThrow(/image not known/);
  putImage(db, input(hex("a")), []);
  addNames(db, hex("a"), ["localhost/tagged:v1"]);
  expect(removeName(db, "localhost/tagged:v1")).toBe(true);
  expect(removeName(db, "localhost/tagged:v1")).toBe(false);
});

test("deleteImage removes the row and its names; imageUsers is empty without containers", () => {
  putImage(db, input(hex("a")), ["a.io/b:c"]);
  expect(imageUsers(db, hex("a"))).toEqual([]);
  deleteImage(db, hex("a"));
  expect(getImage(db, hex("a"))).toBeUndefined();
  expect(findLocalImage(db, "a.io/b:c")).toBeUndefined();
});

test("resolveLocalImage follows Podman's lookup order", () => {
  putImage(db, input(hex("a"), { digests: [`sha256:${hex("7")}`] }), ["localhost:5000/busybox:latest"]);
  putImage(db, input("ab" + hex("0").slice(2)), ["localhost/mine:v1"]);
  putImage(db, input(hex("d")), ["docker.io/library/debian:bookworm"]);
  expect(resolveLocalImage(db, hex("a")).id).toBe(hex("a"));
  expect(resolveLocalImage(db, `sha256:${hex("a")}`).id).toBe(hex("a"));
  expect(resolveLocalImage(db, "localhost:5000/busybox:latest").id).toBe(hex("a"));
  expect(resolveLocalImage(db, "localhost:5000/busybox").id).toBe(hex("a"));
  expect(resolveLocalImage(db, "busybox").id).toBe(hex("a")); // suffix match of a short name
  expect(resolveLocalImage(db, "mine:v1").id.startsWith("ab")).toBe(true); // localhost/ first
  expect(resolveLocalImage(db, "debian:bookworm").id).toBe(hex("d")); // docker.io/library/
  expect(resolveLocalImage(db, "dd").id).toBe(hex("d")); // ID prefix
  expect(() => resolveLocalImage(db, "a")).toThrow(/ambiguous/);
  expect(resolveLocalImage(db, `localhost:5000/busybox@sha256:${hex("7")}`).id).toBe(hex("a"));
  expect(() => resolveLocalImage(db, "busybox:nope")).toThrow("busybox:nope: image not known");
  expect(() => resolveLocalImage(db, "Bad//Ref")).toThrow(/invalid reference format/);
});
