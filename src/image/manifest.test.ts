import { expect, test } from "bun:test";
import { MediaType, manifestMediaType, parseImageConfig, parseManifest } from "./manifest.ts";

const D = (c: string): `sha256:${string}` => `sha256:${c.repeat(64)}`;
const ociManifest = JSON.stringify({
  schemaVersion: 2,
  mediaType: MediaType.ociManifest,
  config: { mediaType: MediaType.ociConfig, digest: D("a"), size: 10 },
  layers: [{ mediaType: MediaType.ociLayerZstd, digest: D("b"), size: 20 }],
});

test("manifestMediaType trusts a matching Content-Type and field", () => {
  expect(manifestMediaType(ociManifest, MediaType.ociManifest)).toBe(MediaType.ociManifest);
  expect(manifestMediaType(ociManifest, "application/json")).toBe(MediaType.ociManifest);
});

test("manifestMediaType infers an untyped OCI document from its structure", () => {
  expect(manifestMediaType(JSON.stringify({ schemaVersion: 2, manifests: [] }))).toBe(MediaType.ociIndex);
  expect(manifestMediaType(JSON.stringify({ schemaVersion: 2, config: {}, layers: [] }))).toBe(MediaType.ociManifest);
});

test("manifestMediaType refuses schema 1, unknown and contradictory types", () => {
  expect(() => manifestMediaType(JSON.stringify({ schemaVersion: 1 }), MediaType.dockerSchema1Signed)).toThrow(
    `unsupported manifest type "${MediaType.dockerSchema1Signed}": schema 1 images are not supported`,
  );
  expect(() => manifestMediaType("{}", "application/vnd.example+json")).toThrow('unsupported manifest type "application/vnd.example+json"');
  expect(() => manifestMediaType(ociManifest, MediaType.dockerManifest)).toThrow("does not match the Content-Type");
  expect(() => manifestMediaType("not json", MediaType.ociManifest)).toThrow(/^parsing manifest: /);
});

test("parseManifest reads config and layers and checks their media types", () => {
  const m = parseManifest(ociManifest, MediaType.ociManifest);
  expect(m.kind).toBe("manifest");
  if (m.kind === "manifest") expect(m.layers[0]!.digest).toBe(D("b"));
  const wrongConfig = ociManifest.replace(MediaType.ociConfig, MediaType.dockerConfig);
  expect(() => parseManifest(wrongConfig, MediaType.ociManifest)).toThrow('unsupported config media type "application/vnd.docker.container.image.v1+json"');
  const badDigest = ociManifest.replace(D("b"), "md5:abc");
  expect(() => parseManifest(badDigest, MediaType.ociManifest)).toThrow('invalid descriptor in layers[0]: unsupported digest "md5:abc"');
});

test("parseImageConfig requires rootfs diff_ids", () => {
  const c = parseImageConfig(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [D("c")] } }));
  expect(c.rootfs.diff_ids).toEqual([D("c")]);
  expect(() => parseImageConfig(JSON.stringify({ architecture: "amd64", os: "linux" }))).toThrow(/^invalid image config/);
});
