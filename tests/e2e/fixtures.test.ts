/**
 * Checks the offline test world itself, with skopeo, tar and plain HTTP (never
 * skiff): each fixture image is served with the media types the pull tests
 * rely on, the basic-auth registry wants credentials, and the token registry
 * runs the Docker bearer-token flow.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ensureFixtures, type FixtureInfo } from "../support/fixtures.ts";

const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
const OCI_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
const OCI_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
const DOCKER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
}
interface RawManifest {
  schemaVersion: number;
  mediaType: string;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
}

let fx: FixtureInfo;
let tmp: string;

async function sh(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

async function rawManifest(ref: string, creds?: string): Promise<RawManifest> {
  const r = await sh(["skopeo", "inspect", "--raw", "--tls-verify=false", ...(creds ? ["--creds", creds] : []), `docker://${ref}`]);
  if (r.code !== 0) throw new Error(`skopeo inspect ${ref}: ${r.stderr}`);
  return JSON.parse(r.stdout) as RawManifest;
}

/** Lists a layer's entries (`tar -tv`) after skopeo copied the image to a dir. */
async function layerListings(ref: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmp, "img-"));
  const r = await sh(["skopeo", "--insecure-policy", "copy", "-q", "--src-tls-verify=false", `docker://${ref}`, `dir:${dir}`]);
  if (r.code !== 0) throw new Error(`skopeo copy ${ref}: ${r.stderr}`);
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as RawManifest;
  const out: string[] = [];
  for (const layer of manifest.layers ?? []) {
    const file = join(dir, layer.digest.slice("sha256:".length));
    const decompress = layer.mediaType.endsWith("zstd") ? "--zstd" : "-z";
    // -P: list names as stored; GNU tar would otherwise hide the "../" and "/".
    const t = await sh(["tar", decompress, "-P", "-tvf", file]);
    if (t.code !== 0) throw new Error(`tar -tv ${layer.digest}: ${t.stderr}`);
    out.push(t.stdout);
  }
  return out;
}

beforeAll(async () => {
  fx = await ensureFixtures();
  tmp = mkdtempSync("/tmp/skiff-t-fixtures-");
}, 900_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("plain registry :5000", () => {
  test("busybox tags are Docker schema2 except :oci", async () => {
    const latest = await rawManifest(fx.images.busybox);
    expect(latest.mediaType).toBe(DOCKER_MANIFEST);
    expect(latest.layers?.map((l) => l.mediaType)).toEqual([DOCKER_GZIP]);
    expect((await rawManifest(fx.images.busybox136)).config?.digest).toBe(latest.config?.digest ?? "none");
    const oci = await rawManifest(fx.images.busyboxOci);
    expect(oci.mediaType).toBe(OCI_MANIFEST);
    expect(oci.layers?.map((l) => l.mediaType)).toEqual([OCI_GZIP]);
    // Same config bytes, so the same image ID whichever format is pulled.
    expect(oci.config?.digest).toBe(latest.config?.digest ?? "none");
    const tags = await sh(["skopeo", "list-tags", "--tls-verify=false", `docker://${fx.registry}/busybox`]);
    expect((JSON.parse(tags.stdout) as { Tags: string[] }).Tags.sort()).toEqual(["1.36", "latest", "oci"]);
  }, 30_000);

  test("busybox config has Cmd sh and PATH", async () => {
    const r = await sh(["skopeo", "inspect", "--config", "--tls-verify=false", `docker://${fx.images.busybox}`]);
    const config = JSON.parse(r.stdout) as { config: { Cmd: string[]; Env: string[] }; architecture: string };
    expect(config.config.Cmd).toEqual(fx.expected.busybox.cmd);
    expect(config.config.Env).toEqual(fx.expected.busybox.env);
    expect(config.architecture).toBe("amd64");
  }, 30_000);

  test("debian:bookworm is a one-layer schema2 image with Cmd bash", async () => {
    const m = await rawManifest(fx.images.debian);
    expect(m.mediaType).toBe(DOCKER_MANIFEST);
    expect(m.layers?.length).toBe(1);
    const r = await sh(["skopeo", "inspect", "--config", "--tls-verify=false", `docker://${fx.images.debian}`]);
    expect((JSON.parse(r.stdout) as { config: { Cmd: string[] } }).config.Cmd).toEqual(["bash"]);
  }, 30_000);

  test("notlatest has only v1", async () => {
    const tags = await sh(["skopeo", "list-tags", "--tls-verify=false", `docker://${fx.registry}/notlatest`]);
    expect((JSON.parse(tags.stdout) as { Tags: string[] }).Tags).toEqual(["v1"]);
  }, 30_000);

  test("multiarch:latest is an OCI index and :v2list a Docker manifest list", async () => {
    const want = fx.expected.multiarch.platforms.map(({ arch: _arch, ...p }) => p);
    const index = await rawManifest(fx.images.multiarch);
    expect(index.mediaType).toBe(OCI_INDEX);
    expect(index.manifests?.map((d) => d.mediaType)).toEqual([OCI_MANIFEST, OCI_MANIFEST]);
    expect(index.manifests?.map((d) => d.platform)).toEqual(want);
    const list = await rawManifest(fx.images.multiarchV2List);
    expect(list.mediaType).toBe(DOCKER_LIST);
    expect(list.manifests?.map((d) => d.mediaType)).toEqual([DOCKER_MANIFEST, DOCKER_MANIFEST]);
    expect(list.manifests?.map((d) => d.platform)).toEqual(want);
  }, 30_000);

  test("layered:latest has the expected layers, whiteouts and zstd last layer", async () => {
    const m = await rawManifest(fx.images.layered);
    expect(m.mediaType).toBe(OCI_MANIFEST);
    expect(m.layers?.map((l) => l.mediaType)).toEqual(fx.expected.layered.layerMediaTypes);
    const [, l2, l3, l4] = await layerListings(fx.images.layered);
    expect(l2).toMatch(/^-rwsr-xr-x 0\/0 .* data\/setuid$/m);
    expect(l2).toMatch(/^-rw------- 1000\/1000 .* data\/owned-1000$/m);
    expect(l2).toMatch(/^hrw-r--r-- 0\/0 .* data\/hard2 link to data\/hard1$/m);
    expect(l2).toMatch(/ data\/rel-link -> keep$/m);
    expect(l3).toMatch(/ etc\/\.wh\.b$/m);
    expect(l3).toMatch(/ dir\/\.wh\.\.wh\.\.opq$/m);
    expect(l4).toMatch(/ zstd-file$/m);
  }, 60_000);

  test("zstd:latest has a single zstd layer", async () => {
    const m = await rawManifest(fx.images.zstd);
    expect(m.mediaType).toBe(OCI_MANIFEST);
    expect(m.layers?.map((l) => l.mediaType)).toEqual([OCI_ZSTD]);
  }, 30_000);

  test("hostile images really carry the attacks", async () => {
    const [dotdot] = await layerListings(fx.expected.hostile.images.dotdot);
    expect(dotdot).toContain("../escape-skiff-dotdot");
    expect(dotdot).toContain("../../etc/skiff-pwned");
    const [symlink] = await layerListings(fx.expected.hostile.images.symlink);
    expect(symlink).toMatch(/ evil -> \/tmp$/m);
    expect(symlink).toMatch(/ evil\/skiff-written-through-symlink$/m);
    const [hardlink] = await layerListings(fx.expected.hostile.images.hardlink);
    expect(hardlink).toMatch(/ hardlink-out link to \.\.\/\.\.\/etc\/passwd$/m);
    expect(dotdot).toMatch(/ \/skiff-absolute-name$/m);
    const all = await rawManifest(fx.images.hostile);
    expect(all.layers?.length).toBe(3);
  }, 60_000);

  test("state.json digests match what the registry serves", async () => {
    const served = await fetch(`http://127.0.0.1:5000/v2/busybox/manifests/latest`, {
      method: "HEAD",
      headers: { accept: DOCKER_MANIFEST },
    });
    expect(served.headers.get("docker-content-digest")).toBe(fx.digests["5000/busybox:latest"] ?? "none");
  });
});

describe("basic-auth registry :5001", () => {
  test("rejects anonymous requests", async () => {
    const res = await fetch("http://127.0.0.1:5001/v2/busybox/manifests/latest", { headers: { accept: DOCKER_MANIFEST } });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate") ?? "").toMatch(/^Basic realm=/);
    const r = await sh(["skopeo", "inspect", "--raw", "--tls-verify=false", "--no-creds", `docker://${fx.authRegistry}/busybox:latest`]);
    expect(r.code).not.toBe(0);
  }, 30_000);

  test("rejects a wrong password and accepts the test user", async () => {
    const bad = await fetch("http://127.0.0.1:5001/v2/", { headers: { authorization: `Basic ${btoa(`${fx.user}:wrong`)}` } });
    expect(bad.status).toBe(401);
    const m = await rawManifest(`${fx.authRegistry}/busybox:latest`, `${fx.user}:${fx.password}`);
    expect(m.mediaType).toBe(DOCKER_MANIFEST);
  }, 30_000);
});

describe("token registry :5002", () => {
  test("runs the bearer-token flow", async () => {
    const url = "http://127.0.0.1:5002/v2/busybox/manifests/latest";
    const first = await fetch(url, { headers: { accept: DOCKER_MANIFEST } });
    expect(first.status).toBe(401);
    const challenge = first.headers.get("www-authenticate") ?? "";
    expect(challenge).toStartWith("Bearer ");
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    expect(params).toEqual({
      realm: `${fx.tokenServer}/token`,
      service: fx.tokenService,
      scope: "repository:busybox:pull",
    });

    const tokenUrl = `${params.realm}?service=${params.service}&scope=${params.scope}`;
    expect((await fetch(tokenUrl)).status).toBe(401);
    expect((await fetch(tokenUrl, { headers: { authorization: `Basic ${btoa(`${fx.user}:nope`)}` } })).status).toBe(401);
    const granted = await fetch(tokenUrl, { headers: { authorization: `Basic ${btoa(`${fx.user}:${fx.password}`)}` } });
    expect(granted.status).toBe(200);
    const body = (await granted.json()) as { token: string; access_token: string; expires_in: number };
    expect(body.access_token).toBe(body.token);
    const claims = JSON.parse(Buffer.from(body.token.split(".")[1] ?? "", "base64url").toString()) as Record<string, unknown>;
    expect(claims.aud).toBe(fx.tokenService);
    expect(claims.access).toEqual([{ type: "repository", name: "busybox", actions: ["pull"] }]);

    const ok = await fetch(url, { headers: { accept: DOCKER_MANIFEST, authorization: `Bearer ${body.token}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("docker-content-digest")).toBe(fx.digests["5002/busybox:latest"] ?? "none");
    await ok.arrayBuffer();

    // A token for another repository does not open this one.
    const other = await fetch(`${params.realm}?service=${params.service}&scope=repository:other:pull`, {
      headers: { authorization: `Basic ${btoa(`${fx.user}:${fx.password}`)}` },
    });
    const otherToken = ((await other.json()) as { token: string }).token;
    const denied = await fetch(url, { headers: { accept: DOCKER_MANIFEST, authorization: `Bearer ${otherToken}` } });
    expect(denied.status).toBe(401);
  }, 30_000);

  test("skopeo pulls with credentials and not without", async () => {
    const anon = await sh(["skopeo", "inspect", "--raw", "--tls-verify=false", "--no-creds", `docker://${fx.tokenRegistry}/busybox:latest`]);
    expect(anon.code).not.toBe(0);
    const m = await rawManifest(`${fx.tokenRegistry}/busybox:latest`, `${fx.user}:${fx.password}`);
    expect(m.mediaType).toBe(DOCKER_MANIFEST);
  }, 30_000);
});

describe("setup.sh", () => {
  test("a second run keeps the same processes and is quick", async () => {
    const runDir = join(process.env.SKIFF_FIXTURES_CACHE ?? "/var/cache/skiff-fixtures", "run");
    const pids = () => readdirSync(runDir).filter((f) => f.endsWith(".pid")).sort().map((f) => readFileSync(join(runDir, f), "utf8").trim());
    const before = pids();
    const started = performance.now();
    const r = await sh(["bash", join(import.meta.dir, "../../fixtures/setup.sh")]);
    expect(r.stderr).toContain("ready:");
    expect(r.code).toBe(0);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(r.stderr).not.toContain("starting");
    expect(r.stderr).not.toContain("pushing");
    expect(pids()).toEqual(before);
  }, 30_000);
});
