import { afterAll, expect, test } from "bun:test";
import { RegistryClient } from "./registry-client.ts";

// Two fake servers on loopback: the registry and a "storage backend" it redirects to.
const seen: { path: string; auth: string | null }[] = [];
let flaky = 0;
const backend = Bun.serve({
  hostname: "127.0.0.1", port: 0,
  fetch(req) { seen.push({ path: new URL(req.url).pathname, auth: req.headers.get("authorization") }); return new Response("blob-bytes"); },
});
const registry = Bun.serve({
  hostname: "127.0.0.1", port: 0,
  fetch(req) {
    const u = new URL(req.url);
    const auth = req.headers.get("authorization");
    seen.push({ path: u.pathname, auth });
    if (u.pathname === "/v2/") return new Response("{}");
    if (auth !== "Bearer t0k") {
      return new Response("{}", { status: 401, headers: { "www-authenticate": `Bearer realm="http://x/token",scope="repository:r:pull"` } });
    }
    if (u.pathname === "/v2/r/tags/list") {
      const last = u.searchParams.get("last");
      if (!last) return Response.json({ tags: ["a", "b"] }, { headers: { link: `</v2/r/tags/list?n=2&last=b>; rel="next"` } });
      return Response.json({ tags: ["c"] });
    }
    if (u.pathname === "/v2/r/manifests/flaky") {
      if (flaky++ < 2) return new Response("busy", { status: 503 });
      return new Response("{}", { headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" } });
    }
    if (u.pathname.startsWith("/v2/r/blobs/")) return Response.redirect(`http://127.0.0.1:${backend.port}/store/x`, 307);
    return Response.json({ errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }] }, { status: 404 });
  },
});
afterAll(() => { registry.stop(true); backend.stop(true); });

let hookCalls = 0;
const client = new RegistryClient({
  registry: `127.0.0.1:${registry.port}`,
  insecure: true,
  retryDelayMs: 1,
  authorize: async (challenge, scope) => {
    hookCalls++;
    expect(challenge).toStartWith("Bearer ");
    expect(scope).toBe("repository:r:pull");
    return "Bearer t0k";
  },
});

test("listTags follows Link pagination, authorizing once per scope", async () => {
  expect(await client.listTags("r")).toEqual(["a", "b", "c"]);
  expect(hookCalls).toBe(1);
});

test("a 503 is retried, then the manifest is returned", async () => {
  const m = await client.getManifest("r", "flaky");
  expect(m.contentType).toBe("application/vnd.oci.image.manifest.v1+json");
  expect(flaky).toBe(3);
});

test("a blob redirect to another host drops Authorization", async () => {
  const res = await client.getBlob("r", `sha256:${"a".repeat(64)}`);
  expect(await res.text()).toBe("blob-bytes");
  const hit = seen.find((s) => s.path === "/store/x")!;
  expect(hit.auth).toBeNull();
});

test("a 404 names the manifest and the registry", async () => {
  await expect(client.getManifest("r", "nope")).rejects.toThrow(
    `reading manifest nope in 127.0.0.1:${registry.port}/r: manifest unknown: manifest unknown`,
  );
});
