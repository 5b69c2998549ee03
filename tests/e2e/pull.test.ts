/**
 * `skiff pull` end to end against the fixture registries (fixtures/setup.sh:
 * :5000 plain, :5001 basic auth, :5002 token auth) and, for lying
 * registries, a fake registry served from this process on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Database } from "bun:sqlite";
import { testStore, skiffCommand, type TestStore } from "../support/cli.ts";

const repo = resolve(import.meta.dir, "../..");
process.env.CONTAINERS_REGISTRIES_CONF = join(repo, "fixtures/registries.conf");

const store: TestStore = testStore("pull");
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  // Idempotent and quick when the registries are up.
  const p = Bun.spawn(["bash", join(repo, "fixtures/setup.sh")], { stdout: "ignore", stderr: "pipe" });
  const [code, err] = await Promise.all([p.exited, new Response(p.stderr).text()]);
  if (code !== 0) throw new Error(`fixtures/setup.sh failed: ${err}`);
}, 900_000);

afterAll(() => {
  for (const c of cleanups.reverse()) { try { c(); } catch {} }
  store.cleanup();
}, 120_000);

function sh(cmd: string[]): string {
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

function db(s: TestStore): Database {
  return new Database(join(s.root, "skiff.db"), { readonly: true });
}

interface Row { id: string; top_layer: string | null; manifest_digest: string; digests: string; size: number }

function imageRow(s: TestStore, name: string): Row | undefined {
  const d = db(s);
  try {
    return (d.query("SELECT i.* FROM images i JOIN image_names n ON n.image_id = i.id WHERE n.name = ?").get(name) as Row | null) ?? undefined;
  } finally { d.close(); }
}

/** Diff folders of an image's layers, bottom first. */
function layerDirs(s: TestStore, top: string): string[] {
  const d = db(s);
  try {
    const out: string[] = [];
    let cur: string | null = top;
    while (cur) {
      out.unshift(join(s.root, "layers", cur.slice(7), "diff"));
      cur = (d.query("SELECT parent FROM layers WHERE chain_id = ?").get(cur) as { parent: string | null }).parent;
    }
    return out;
  } finally { d.close(); }
}

function blob(s: TestStore, digest: string): string {
  return readFileSync(join(s.root, "blobs/sha256", digest.slice(7)), "utf8");
}

/** The store holds nothing half-done: no temp files, no layer folder without a row. */
function expectClean(s: TestStore): void {
  const tmp = join(s.root, "tmp");
  expect(existsSync(tmp) ? readdirSync(tmp) : []).toEqual([]);
  if (!existsSync(join(s.root, "skiff.db"))) return;
  const d = db(s);
  try {
    const rows = new Set((d.query("SELECT chain_id FROM layers").all() as { chain_id: string }[]).map((r) => r.chain_id.slice(7)));
    const dirs = existsSync(join(s.root, "layers")) ? readdirSync(join(s.root, "layers")).filter((n) => n !== "l") : [];
    for (const dir of dirs) expect(rows.has(dir)).toBe(true);
  } finally { d.close(); }
}

describe("pull from the plain registry", () => {
  test("busybox (docker v2s2): Podman's output, the image ID on stdout, exact bytes stored", async () => {
    const r = await store.run(["pull", "localhost:5000/busybox:latest"]);
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(/^[a-f0-9]{64}$/);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe("Trying to pull localhost:5000/busybox:latest...");
    expect(lines[1]).toBe("Getting image source signatures");
    expect(lines).toContain(`Copying config sha256:${id}`);
    expect(lines.some((l) => /^Copying blob sha256:[a-f0-9]{64}$/.test(l))).toBe(true);
    expect(lines.slice(-2)).toEqual(["Writing manifest to image destination", "Storing signatures"]);

    const raw = sh(["skopeo", "inspect", "--tls-verify=false", "--raw", "docker://localhost:5000/busybox:latest"]);
    const config = sh(["skopeo", "inspect", "--tls-verify=false", "--config", "--raw", "docker://localhost:5000/busybox:latest"]);
    const row = imageRow(store, "localhost:5000/busybox:latest")!;
    expect(row.id).toBe(id);
    expect(blob(store, row.manifest_digest)).toBe(raw);
    expect(blob(store, `sha256:${id}`)).toBe(config);
    expect(new Bun.CryptoHasher("sha256").update(config).digest("hex")).toBe(id);
    // Podman's size: layers' uncompressed bytes + manifest twice + config.
    const layers = db(store).query("SELECT SUM(uncompressed_size) AS s FROM layers").get() as { s: number };
    expect(row.size).toBe(layers.s + 2 * Buffer.byteLength(raw) + Buffer.byteLength(config));
    expectClean(store);
  }, 60_000);

  test("-q prints only the ID; a second pull reuses blobs and layers", async () => {
    const r = await store.run(["pull", "-q", "localhost:5000/busybox:latest"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^[a-f0-9]{64}\n$/);
    const again = await store.run(["image", "pull", "localhost:5000/busybox:latest"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(r.stdout);
  }, 60_000);

  test("busybox:oci keeps the OCI manifest bytes", async () => {
    const r = await store.run(["pull", "-q", "localhost:5000/busybox:oci"]);
    expect(r.code).toBe(0);
    const row = imageRow(store, "localhost:5000/busybox:oci")!;
    const raw = sh(["skopeo", "inspect", "--tls-verify=false", "--raw", "docker://localhost:5000/busybox:oci"]);
    expect(blob(store, row.manifest_digest)).toBe(raw);
    expect(JSON.parse(raw).mediaType ?? "application/vnd.oci.image.manifest.v1+json").toBe("application/vnd.oci.image.manifest.v1+json");
  }, 60_000);

  test("a short name resolves through registries.conf", async () => {
    // "busybox" may be an alias in the host's shortnames.conf; "notlatest" is not.
    const r = await store.run(["pull", "notlatest:v1"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("Trying to pull localhost:5000/notlatest:v1...");
  }, 60_000);

  for (const tag of ["latest", "v2list"]) {
    test(`multiarch:${tag} picks the host's amd64, --arch/--platform pick arm64`, async () => {
      const s = testStore(`pull-multi-${tag}`);
      cleanups.push(() => s.cleanup());
      const name = `localhost:5000/multiarch:${tag}`;
      const archOf = () => {
        const row = imageRow(s, name)!;
        const dirs = layerDirs(s, row.top_layer!);
        return readFileSync(join(dirs.at(-1)!, "arch"), "utf8").trim();
      };
      expect((await s.run(["pull", "-q", name])).code).toBe(0);
      expect(archOf()).toBe("amd64");
      const row = imageRow(s, name)!;
      // The list's digest is remembered beside the instance's.
      expect(JSON.parse(row.digests)).toHaveLength(2);
      expect((await s.run(["pull", "-q", "--arch", "arm64", name])).code).toBe(0);
      expect(archOf()).toBe("arm64");
      expect((await s.run(["pull", "-q", "--platform", "linux/amd64", name])).code).toBe(0);
      expect(archOf()).toBe("amd64");
      expect((await s.run(["pull", "-q", "--platform", "linux/arm64", name])).code).toBe(0);
      expect(archOf()).toBe("arm64");
      const bad = await s.run(["pull", "--arch", "s390x", name]);
      expect(bad.code).toBe(125);
      expect(bad.stderr).toContain(
        `Error: choosing an image from manifest list docker://${name}: no image found in manifest list for architecture s390x, variant "", OS linux`,
      );
    }, 60_000);
  }

  test("layered: whiteouts, opaque folder, xattrs, setuid, owners, hardlinks, zstd", async () => {
    const r = await store.run(["pull", "-q", "localhost:5000/layered:latest"]);
    expect(r.code).toBe(0);
    const dirs = layerDirs(store, imageRow(store, "localhost:5000/layered:latest")!.top_layer!);
    const [l1, l2, l3] = dirs.slice(-3) as [string, string, string];
    expect(statSync(join(l1, "data/hard1")).ino).toBe(statSync(join(l1, "data/hard2")).ino);
    expect(statSync(join(l1, "data/setuid")).mode & 0o7777).toBe(0o4755);
    const owned = statSync(join(l1, "data/owned-1000"));
    expect([owned.uid, owned.gid, owned.mode & 0o777]).toEqual([1000, 1000, 0o600]);
    expect(statSync(join(l1, "data/owned-33")).uid).toBe(33);
    expect(lstatSync(join(l1, "data/abs-link")).isSymbolicLink()).toBe(true);
    expect(sh(["getfattr", "--only-values", "-n", "user.skiff", join(l1, "data/xattr-file")])).toBe("hello");
    const wh = lstatSync(join(l2, "etc/b"));
    expect(wh.isCharacterDevice()).toBe(true);
    expect(wh.rdev).toBe(0);
    expect(sh(["getfattr", "--only-values", "-n", "trusted.overlay.opaque", join(l2, "dir")])).toBe("y");
    expect(readFileSync(join(l3, "zstd-file"), "utf8")).toBe("zstd\n");
  }, 60_000);

  test("zstd:latest unpacks a zstd busybox", async () => {
    const r = await store.run(["pull", "-q", "localhost:5000/zstd:latest"]);
    expect(r.code).toBe(0);
    const dirs = layerDirs(store, imageRow(store, "localhost:5000/zstd:latest")!.top_layer!);
    expect(existsSync(join(dirs[0]!, "bin/busybox")) || existsSync(join(dirs[0]!, "bin/sh"))).toBe(true);
  }, 60_000);

  test("hostile layers are refused and nothing lands outside the store", async () => {
    const s = testStore("pull-hostile");
    cleanups.push(() => s.cleanup());
    const sentinels = ["/etc/skiff-pwned", "/skiff-absolute-name", "/tmp/skiff-written-through-symlink", "/tmp/skiff-written-through-rel-symlink"];
    for (const tag of ["latest", "dotdot", "hardlink"]) {
      const r = await s.run(["pull", "-q", `localhost:5000/hostile:${tag}`]);
      expect(r.code).toBe(125);
      expect(r.stderr).toMatch(/^Error: .*escapes/);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(imageRow(s, `localhost:5000/hostile:${tag}`)).toBeUndefined();
    }
    // Symlinks are neutralised: followed inside the layer only.
    const sym = await s.run(["pull", "-q", "localhost:5000/hostile:symlink"]);
    if (sym.code === 0) {
      const dirs = layerDirs(s, imageRow(s, "localhost:5000/hostile:symlink")!.top_layer!);
      expect(existsSync(join(dirs[0]!, "tmp/skiff-written-through-symlink"))).toBe(true);
    } else {
      expect(sym.code).toBe(125);
    }
    for (const p of sentinels) expect(existsSync(p)).toBe(false);
    expect(existsSync(join(s.root, "..", "escape-skiff-dotdot"))).toBe(false);
    expectClean(s);
  }, 60_000);
});

describe("pull from registries with auth", () => {
  test("basic auth: refused without credentials, works with --creds and --authfile", async () => {
    const s = testStore("pull-auth");
    cleanups.push(() => s.cleanup());
    const emptyAuth = join(s.root, "..", "empty-auth.json");
    writeFileSync(emptyAuth, "{}");
    const no = await s.run(["pull", "-q", "--authfile", emptyAuth, "localhost:5001/busybox:latest"]);
    expect(no.code).toBe(125);
    expect(no.stderr).toMatch(/^Error: initializing source docker:\/\/localhost:5001\/busybox:latest: reading manifest latest in localhost:5001\/busybox: .*unauthorized/);
    const wrong = await s.run(["pull", "-q", "--creds", "testuser:nope", "localhost:5001/busybox:latest"]);
    expect(wrong.code).toBe(125);
    const ok = await s.run(["pull", "-q", "--creds", "testuser:testpassword", "localhost:5001/busybox:latest"]);
    expect(ok.code).toBe(0);
    const auth = join(s.root, "..", "auth.json");
    writeFileSync(auth, JSON.stringify({ auths: { "localhost:5001": { auth: Buffer.from("testuser:testpassword").toString("base64") } } }));
    const viaFile = await s.run(["pull", "-q", "--authfile", auth, "localhost:5001/busybox:latest"]);
    expect(viaFile.code).toBe(0);
    expect(viaFile.stdout).toBe(ok.stdout);
  }, 60_000);

  test("token auth: bearer token fetched with credentials from the auth file", async () => {
    const s = testStore("pull-token");
    cleanups.push(() => s.cleanup());
    const auth = join(s.root, "..", "auth.json");
    writeFileSync(auth, JSON.stringify({ auths: { "localhost:5002": { auth: Buffer.from("testuser:testpassword").toString("base64") } } }));
    const r = await s.run(["pull", "-q", "--authfile", auth, "localhost:5002/busybox:latest"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const c = await s.run(["pull", "-q", "--creds", "testuser:testpassword", "localhost:5002/busybox:latest"]);
    expect(c.code).toBe(0);
  }, 60_000);
});

/** A registry that lies, for the error paths real registries will not produce. */
function fakeRegistry(routes: Record<string, () => Response>): { host: string; stop: () => void } {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === "/v2/") return new Response("{}", { headers: { "content-type": "application/json" } });
      const route = routes[path];
      if (route) return route();
      return Response.json({ errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }] }, { status: 404 });
    },
  });
  return { host: `127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}

const sha = (b: string | Uint8Array) => `sha256:${new Bun.CryptoHasher("sha256").update(b).digest("hex")}`;

function fakeImage(layer: Uint8Array, opts: { layerDigest?: string; layerSize?: number; configMediaType?: string } = {}) {
  const config = JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [sha(layer)] } });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: opts.configMediaType ?? "application/vnd.oci.image.config.v1+json", digest: sha(config), size: config.length },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: opts.layerDigest ?? sha(layer), size: opts.layerSize ?? layer.length }],
  });
  return { config, manifest };
}

describe("malformed input: one line, exit 125, clean store", () => {
  const cases: [string, () => { args: string[]; expect: RegExp; stop?: () => void }][] = [
    ["bad reference", () => ({ args: ["pull", "Bad//Ref"], expect: /^Error: .*(invalid reference|repository name must be lowercase)/ })],
    ["closed port", () => ({
      args: ["pull", "127.0.0.1:1/busybox:latest"],
      expect: /^Error: initializing source docker:\/\/127\.0\.0\.1:1\/busybox:latest: pinging container registry 127\.0\.0\.1:1: Get "https:\/\/127\.0\.0\.1:1\/v2\/": dial tcp 127\.0\.0\.1:1: connect: connection refused$/,
    })],
    ["unknown manifest", () => ({
      args: ["pull", "localhost:5000/skiff-no-such-repo:latest"],
      expect: /^Error: initializing source docker:\/\/localhost:5000\/skiff-no-such-repo:latest: reading manifest latest in localhost:5000\/skiff-no-such-repo: (manifest|name) unknown/,
    })],
  ];
  for (const [name, make] of cases) {
    test(name, async () => {
      const s = testStore("pull-bad");
      cleanups.push(() => s.cleanup());
      const c = make();
      const r = await s.run(c.args);
      expect(r.code).toBe(125);
      const lines = r.stderr.trim().split("\n");
      expect(lines.filter((l) => !l.startsWith("Trying to pull "))).toHaveLength(1);
      expect(lines.at(-1)!).toMatch(c.expect);
      expect(r.stdout).toBe("");
      expectClean(s);
    }, 30_000);
  }

  const tarOf = (name: string, content: string): Uint8Array => {
    const dir = mkdtempSync("/tmp/skiff-t-pulltar-");
    try {
      writeFileSync(join(dir, name), content);
      return new Uint8Array(Bun.spawnSync(["tar", "-C", dir, "-cf", "-", name]).stdout);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  };

  const fakeCases: [string, (layer: Uint8Array) => Record<string, () => Response>, RegExp][] = [
    ["schema 1 manifest", () => ({
      "/v2/x/manifests/latest": () => new Response(JSON.stringify({ schemaVersion: 1, name: "x" }), {
        headers: { "content-type": "application/vnd.docker.distribution.manifest.v1+prettyjws" },
      }),
    }), /unsupported manifest type "application\/vnd\.docker\.distribution\.manifest\.v1\+prettyjws": schema 1 images are not supported$/],
    ["unknown media type", () => ({
      "/v2/x/manifests/latest": () => new Response("{}", { headers: { "content-type": "application/vnd.example.thing+json" } }),
    }), /unsupported manifest type "application\/vnd\.example\.thing\+json"$/],
    ["manifest whose field contradicts its Content-Type", (layer) => ({
      "/v2/x/manifests/latest": () => new Response(fakeImage(layer).manifest, {
        headers: { "content-type": "application/vnd.docker.distribution.manifest.v2+json" },
      }),
    }), /does not match the Content-Type/],
    ["layer digest mismatch", (layer) => {
      const wrong = sha("something else");
      const img = fakeImage(layer, { layerDigest: wrong });
      return {
        "/v2/x/manifests/latest": () => new Response(img.manifest, { headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" } }),
        [`/v2/x/blobs/${sha(img.config)}`]: () => new Response(img.config),
        [`/v2/x/blobs/${wrong}`]: () => new Response(layer),
      };
    }, /digest mismatch: expected sha256:[a-f0-9]{64}, got sha256:[a-f0-9]{64}$/],
    ["truncated layer", (layer) => {
      const img = fakeImage(layer, { layerSize: layer.length + 100 });
      return {
        "/v2/x/manifests/latest": () => new Response(img.manifest, { headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" } }),
        [`/v2/x/blobs/${sha(img.config)}`]: () => new Response(img.config),
        [`/v2/x/blobs/${sha(layer)}`]: () => new Response(layer),
      };
    }, /truncated: got \d+ of \d+ bytes$/],
  ];
  for (const [name, routes, want] of fakeCases) {
    test(name, async () => {
      const layer = tarOf("hello", "hello\n");
      const fake = fakeRegistry(routes(layer));
      const s = testStore("pull-fake");
      cleanups.push(() => s.cleanup());
      try {
        const r = await s.run(["pull", "--retry", "0", `${fake.host}/x:latest`]);
        expect(r.code).toBe(125);
        const lines = r.stderr.trim().split("\n");
        expect(lines.at(-1)!).toMatch(/^Error: /);
        expect(lines.at(-1)!).toMatch(want);
        expect(lines.filter((l) => l.startsWith("Error"))).toHaveLength(1);
        expect(imageRow(s, `${fake.host}/x:latest`)).toBeUndefined();
        expectClean(s);
      } finally {
        fake.stop();
      }
    }, 30_000);
  }
});

describe("interrupted and concurrent pulls", () => {
  test("kill -9 during a pull of debian, then a pull completes and lists one image", async () => {
    const s = testStore("pull-kill");
    cleanups.push(() => s.cleanup());
    const p = Bun.spawn([...skiffCommand(), "--root", s.root, "--runroot", s.runroot, "pull", "-q", "localhost:5000/debian:bookworm"], {
      stdout: "ignore", stderr: "ignore", env: process.env,
    });
    // Wait until the unpack or download is under way, then kill.
    const t0 = Date.now();
    while (Date.now() - t0 < 20_000) {
      const tmp = join(s.root, "tmp");
      if (existsSync(tmp) && readdirSync(tmp).length > 0) break;
      await Bun.sleep(20);
    }
    await Bun.sleep(300);
    p.kill(9);
    await p.exited;
    if (existsSync(join(s.root, "skiff.db"))) expect(imageRow(s, "localhost:5000/debian:bookworm")).toBeUndefined();
    const r = await s.run(["pull", "-q", "localhost:5000/debian:bookworm"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const row = imageRow(s, "localhost:5000/debian:bookworm")!;
    expect(row.id).toBe(r.stdout.trim());
    expect(existsSync(join(layerDirs(s, row.top_layer!)[0]!, "etc/debian_version"))).toBe(true);
    const d = db(s);
    expect((d.query("SELECT COUNT(*) AS n FROM images").get() as { n: number }).n).toBe(1);
    d.close();
    expectClean(s);
  }, 180_000);

  test("two concurrent pulls of one image end with one consistent copy", async () => {
    const s = testStore("pull-race");
    cleanups.push(() => s.cleanup());
    const [a, b] = await Promise.all([
      s.run(["pull", "-q", "localhost:5000/layered:latest"]),
      s.run(["pull", "-q", "localhost:5000/layered:latest"]),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(a.stdout).toBe(b.stdout);
    const d = db(s);
    expect((d.query("SELECT COUNT(*) AS n FROM images").get() as { n: number }).n).toBe(1);
    const layers = (d.query("SELECT COUNT(*) AS n FROM layers").get() as { n: number }).n;
    d.close();
    expect(layerDirs(s, imageRow(s, "localhost:5000/layered:latest")!.top_layer!)).toHaveLength(layers);
    expectClean(s);
  }, 120_000);
});
