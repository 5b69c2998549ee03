import { afterAll, describe, expect, test } from "bun:test";
import { authorizerFor, checkCredentials, fetchBearerToken, parseWwwAuthenticate, pingRegistry } from "./registry-auth.ts";

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

// A real HTTP server on a loopback port standing in for a registry + token realm.
const seen: URL[] = [];
let realm = "";
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(req): Response {
    const url = new URL(req.url);
    seen.push(url);
    const auth = req.headers.get("authorization") ?? "";
    const good = `Basic ${Buffer.from("u:p").toString("base64")}`;
    if (url.pathname === "/token") {
      if (auth && auth !== good) return new Response("no", { status: 401 });
      return Response.json(auth ? { token: "T-user", expires_in: 300 } : { access_token: "T-anon" });
    }
    if (url.pathname === "/v2/" && url.searchParams.get("mode") === null) {
      if (auth === "Bearer T-user") return new Response("{}");
      return new Response("{}", { status: 401, headers: { "www-authenticate": `Bearer realm="${realm}",service="svc"` } });
    }
    return new Response("nope", { status: 404 });
  },
});
afterAll(() => server.stop(true));
const host = `127.0.0.1:${server.port}`;
realm = `http://${host}/token`;

describe("registry HTTP auth against a local server", () => {
  test("pingRegistry falls back to plain HTTP for insecure hosts and reports the challenge", async () => {
    const p = await pingRegistry(host, { insecure: true });
    expect(p.endpoint.baseUrl).toBe(`http://${host}`);
    expect(p.status).toBe(401);
    expect(p.challenges[0]).toMatchObject({ scheme: "bearer", params: { service: "svc" } });
    await expect(pingRegistry(host, { insecure: true, tlsVerify: true })).rejects.toThrow(`pinging container registry ${host}: Get "https://${host}/v2/"`);
  });

  test("fetchBearerToken sends service, scopes, account and basic auth", async () => {
    const ch = { scheme: "bearer", params: { realm: `http://${host}/token`, service: "svc" } };
    seen.length = 0;
    expect(await fetchBearerToken(ch, { username: "u", password: "p" }, ["repository:a/b:pull", "repository:c:pull"])).toEqual({ token: "T-user", expiresIn: 300 });
    const q = seen.at(-1)!.searchParams;
    expect(q.get("service")).toBe("svc");
    expect(q.getAll("scope")).toEqual(["repository:a/b:pull", "repository:c:pull"]);
    expect(q.get("account")).toBe("u");
    expect(await fetchBearerToken(ch, undefined, [])).toEqual({ token: "T-anon", expiresIn: 60 });
    await expect(fetchBearerToken(ch, { username: "u", password: "bad" }, [])).rejects.toThrow("invalid username/password");
  });

  test("checkCredentials and authorizerFor answer a bearer challenge", async () => {
    expect((await checkCredentials(host, { username: "u", password: "p" }, { insecure: true })).baseUrl).toBe(`http://${host}`);
    await expect(checkCredentials(host, { username: "u", password: "x" }, { insecure: true })).rejects.toThrow("invalid username/password");
    const hook = authorizerFor({ username: "u", password: "p" });
    expect(await hook(`Bearer realm="http://${host}/token",service="svc"`, "repository:x:pull")).toBe("Bearer T-user");
    expect(await authorizerFor(undefined)(`Basic realm="r"`, "repository:x:pull")).toBeUndefined();
  });
});
