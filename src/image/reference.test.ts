import { describe, expect, test } from "bun:test";
import {
  familiarName, fullName, imageIdPrefix, isFullImageId, isImageIdLike, parseReference, repoName, withDigest, withRegistry, withTag,
} from "./reference.ts";

const D = `sha256:${"a".repeat(64)}` as const;

describe("parseReference", () => {
  test("normalises a short name to docker.io/library with tag latest", () => {
    const r = parseReference("busybox");
    expect(r).toMatchObject({ registry: "docker.io", repository: "library/busybox", tag: "latest", shortName: true });
    expect(r.digest).toBeUndefined();
    expect(fullName(r)).toBe("docker.io/library/busybox:latest");
    expect(String(r)).toBe("docker.io/library/busybox:latest");
    expect(familiarName(r)).toBe("busybox:latest");
  });

  test("docker.io/busybox gets library/ and is not a short name", () => {
    const r = parseReference("docker.io/busybox");
    expect(r).toMatchObject({ registry: "docker.io", repository: "library/busybox", tag: "latest", shortName: false });
  });

  test("index.docker.io is spelled docker.io", () => {
    expect(fullName(parseReference("index.docker.io/library/alpine:3"))).toBe("docker.io/library/alpine:3");
  });

  test("user/repo without a registry stays two elements on docker.io", () => {
    const r = parseReference("user/app:1.0");
    expect(r).toMatchObject({ registry: "docker.io", repository: "user/app", tag: "1.0", shortName: true });
    expect(familiarName(r)).toBe("user/app:1.0");
  });

  test("a first element with a dot, a colon or localhost is a registry", () => {
    expect(parseReference("quay.io/a/b")).toMatchObject({ registry: "quay.io", repository: "a/b", shortName: false });
    expect(parseReference("localhost:5000/a:t")).toMatchObject({ registry: "localhost:5000", repository: "a", tag: "t" });
    expect(parseReference("localhost/a")).toMatchObject({ registry: "localhost", repository: "a" });
    expect(parseReference("myhost:80/x")).toMatchObject({ registry: "myhost:80", repository: "x" });
    expect(parseReference("127.0.0.1:5000/x/y")).toMatchObject({ registry: "127.0.0.1:5000", repository: "x/y" });
    expect(parseReference("[::1]:5000/x")).toMatchObject({ registry: "[::1]:5000", repository: "x" });
    expect(parseReference("myhost/x")).toMatchObject({ registry: "docker.io", repository: "myhost/x" });
  });

  test("localhost:5000 alone is the image localhost with tag 5000", () => {
    expect(fullName(parseReference("localhost:5000"))).toBe("docker.io/library/localhost:5000");
  });

  test("a digest alone sets no tag; tag@digest keeps both", () => {
    const a = parseReference(`alpine@${D}`);
    expect(a.tag).toBeUndefined();
    expect(a.digest).toBe(D);
    expect(fullName(a)).toBe(`docker.io/library/alpine@${D}`);
    const b = parseReference(`localhost:5000/alpine:3@${D}`);
    expect(b).toMatchObject({ tag: "3", digest: D });
    expect(fullName(b)).toBe(`localhost:5000/alpine:3@${D}`);
  });

  test("separators inside components follow the grammar", () => {
    for (const ok of ["a.b", "a_b", "a__b", "a-b", "a---b", "a/b.c/d__e", "x:Tag_1.2-3", "a:" + "t".repeat(128)]) {
      expect(() => parseReference(ok)).not.toThrow();
    }
  });

  test("rejects bad references with Podman's wording", () => {
    const bad = ["", "a::b", "-x", "a-", "a..b", "a___b", "a:", ":t", "a:.t", "a:" + "t".repeat(129), "a//b", "/a", "a/", "a@sha256:xyz", "a b", "bad_host.io:/x"];
    for (const s of bad) {
      expect(() => parseReference(s)).toThrow("invalid reference format");
    }
    expect(() => parseReference("Busybox")).toThrow("invalid reference format: repository name must be lowercase");
    expect(() => parseReference("quay.io/Foo/bar")).toThrow("invalid reference format: repository name must be lowercase");
    try { parseReference("a::b"); } catch (e) { expect(e).toMatchObject({ kind: "invalid-argument", message: "invalid reference format" }); }
  });

  test("rejects names longer than 255 characters", () => {
    expect(() => parseReference("a".repeat(256))).toThrow("repository name must not be more than 255 characters");
    expect(() => parseReference("a".repeat(255))).not.toThrow();
  });

  test("rejects a 64-hex name and a short digest", () => {
    expect(() => parseReference("f".repeat(64))).toThrow("cannot specify 64-byte hexadecimal strings");
    expect(() => parseReference(`a@sha256:${"a".repeat(40)}`)).toThrow("invalid checksum digest length");
    expect(() => parseReference(`a@sha512:${"a".repeat(128)}`)).toThrow("unsupported digest algorithm");
  });
});

describe("reference helpers", () => {
  test("repoName, withTag, withDigest, withRegistry", () => {
    const r = parseReference("busybox");
    expect(repoName(r)).toBe("docker.io/library/busybox");
    expect(fullName(withTag(r, "1.36"))).toBe("docker.io/library/busybox:1.36");
    expect(fullName(withDigest(r, D))).toBe(`docker.io/library/busybox@${D}`);
    const q = withRegistry(parseReference("alpine"), "quay.io", "alpine");
    expect(q).toMatchObject({ registry: "quay.io", repository: "alpine", shortName: false });
    expect(() => withTag(r, ".bad")).toThrow("invalid reference format");
  });

  test("familiarName keeps non-docker.io registries and nested library paths", () => {
    expect(familiarName(parseReference("quay.io/a/b:1"))).toBe("quay.io/a/b:1");
    expect(familiarName(parseReference("docker.io/library/a/b"))).toBe("library/a/b:latest");
  });

  test("image ID likeness: hex prefixes, full IDs, sha256: prefix", () => {
    expect(isImageIdLike("abc123")).toBe(true);
    expect(isImageIdLike("busybox")).toBe(false);
    expect(isImageIdLike("ABC")).toBe(false);
    expect(imageIdPrefix(`sha256:${"b".repeat(12)}`)).toBe("b".repeat(12));
    expect(isFullImageId("c".repeat(64))).toBe(true);
    expect(isFullImageId("c".repeat(63))).toBe(false);
    expect(isImageIdLike("c".repeat(65))).toBe(false);
  });
});
