import { describe, expect, test } from "bun:test";
import { parseWwwAuthenticate } from "./registry-auth.ts";

describe("parseWwwAuthenticate", () => {
  test("a distribution bearer challenge", () => {
    expect(parseWwwAuthenticate(`Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull,push"`))
      .toEqual([{ scheme: "bearer", params: { realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:library/busybox:pull,push" } }]);
  });

  test("basic, unquoted values, case-insensitive names, escapes", () => {
    expect(parseWwwAuthenticate(`Basic realm="Registry Realm"`)).toEqual([{ scheme: "basic", params: { realm: "Registry Realm" } }]);
    expect(parseWwwAuthenticate(`BEARER Realm=http://x/t, Service=svc , error="a \\"b\\""`))
      .toEqual([{ scheme: "bearer", params: { realm: "http://x/t", service: "svc", error: `a "b"` } }]);
  });

  test("several challenges in one header", () => {
    const c = parseWwwAuthenticate(`Basic realm="r1", Bearer realm="http://t/token",service="s"`);
    expect(c.map((x) => x.scheme)).toEqual(["basic", "bearer"]);
    expect(c[1]!.params).toEqual({ realm: "http://t/token", service: "s" });
  });

  test("garbage yields no crash", () => {
    expect(parseWwwAuthenticate("")).toEqual([]);
    expect(() => parseWwwAuthenticate(`="x",,,`)).not.toThrow();
    expect(parseWwwAuthenticate(`Bearer realm="unterminated`)[0]!.params.realm).toBe("unterminated");
  });
});
