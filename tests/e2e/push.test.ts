/**
 * push against the fixture registries, with Podman and skopeo as peers:
 * what skiff pushes, podman pulls and runs and skopeo copies with the same
 * digests; what podman pushes, skiff pulls with the same image ID; a second
 * push sends no blob again; basic (:5001) and token (:5002) auth.
 * Repositories live under skiff-test-push/ with a per-run suffix, never over a fixture tag.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureFixtures, type FixtureInfo } from "../support/fixtures.ts";
import { testStore } from "../support/cli.ts";

const store = testStore("push");
const tmp = mkdtempSync("/tmp/skiff-t-push-pm-");
const pm = ["podman", "--root", join(tmp, "root"), "--runroot", join(tmp, "run")];
const run = `${process.pid}-${Date.now().toString(36)}`;
const repo = (name: string, port = 5000) => `localhost:${port}/skiff-test-push/${name}-${run}`;
let fx: FixtureInfo;
let env: Record<string, string>;
let pmEnv: Record<string, string>;
let imgId = "";

function sh(argv: string[], e: Record<string, string> = pmEnv): { code: number; out: string; err: string } {
  const p = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe", env: { ...process.env, ...e } });
  return { code: p.exitCode ?? -1, out: p.stdout.toString(), err: p.stderr.toString() };
}

beforeAll(async () => {
  fx = await ensureFixtures();
  env = { ...fx.env };
  writeFileSync(join(tmp, "containers.conf"), '[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n');
  pmEnv = { ...fx.env, CONTAINERS_CONF: join(tmp, "containers.conf") };
  expect((await store.run(["pull", "-q", fx.images.busybox], { env })).code).toBe(0);
  expect((await store.run(["run", "--name", "src", "--network", "none", fx.images.busybox, "sh", "-c", "echo pushed > /msg; rm /bin/ls"], { env })).code).toBe(0);
  const c = await store.run(["commit", "-q", "-c", 'CMD ["cat", "/msg"]', "src", "localhost/pushme"], { env });
  expect(c.code).toBe(0);
  imgId = c.stdout.trim();
}, 600_000);

afterAll(async () => {
  await store.run(["rm", "-af"], { env });
  sh([...pm, "system", "reset", "-f"]);
  rmSync(tmp, { recursive: true, force: true });
  store.cleanup();
});

test("what skiff pushes, podman pulls and runs, skopeo copies with the same digests; a second push sends nothing", async () => {
  const dest = repo("commit");
  const digestFile = join(tmp, "digest");
  const p = await store.run(["push", "--digestfile", digestFile, "localhost/pushme", dest], { env });
  expect(p.code).toBe(0);
  expect(p.stderr).toContain("Getting image source signatures");
  expect(p.stderr).toMatch(/Copying blob [0-9a-f]{12} done/);
  expect(p.stderr).toContain("Writing manifest to image destination");
  const digest = readFileSync(digestFile, "utf8");
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);

  // The registry serves exactly the manifest we reported.
  const raw = sh(["skopeo", "inspect", "--tls-verify=false", "--raw", `docker://${dest}`]);
  expect(raw.code).toBe(0);
  expect(`sha256:${new Bun.CryptoHasher("sha256").update(raw.out).digest("hex")}`).toBe(digest);
  const man = JSON.parse(raw.out) as { config: { digest: string }; layers: { mediaType: string }[] };
  expect(man.config.digest).toBe(`sha256:${imgId}`);
  expect(man.layers.every((l) => l.mediaType.endsWith("+gzip"))).toBe(true);

  // skopeo copies it into an OCI layout with the same manifest digest.
  const layout = join(tmp, "oci");
  expect(sh(["skopeo", "copy", "-q", "--src-tls-verify=false", `docker://${dest}`, `oci:${layout}:x`]).code).toBe(0);
  const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as { manifests: { digest: string }[] };
  expect(index.manifests[0]!.digest).toBe(digest);

  // podman pulls it (same image ID) and runs it.
  expect(sh([...pm, "pull", "-q", "--tls-verify=false", dest]).code).toBe(0);
  expect(sh([...pm, "image", "inspect", "--format", "{{.ID}}", dest]).out.trim()).toBe(imgId);
  const r = sh([...pm, "run", "--rm", "--network", "none", dest]);
  expect(r).toMatchObject({ code: 0, out: "pushed\n" });

  // Second push: every blob is already there.
  const again = await store.run(["push", "localhost/pushme", dest], { env });
  expect(again.code).toBe(0);
  expect(again.stderr).not.toMatch(/Copying blob [0-9a-f]{12} done/);
  expect(again.stderr.match(/skipped: already exists/g)?.length).toBe(man.layers.length);
}, 120_000);

test("--compression-format zstd recompresses: other layer digests, other manifest digest, same image ID", async () => {
  const dest = repo("zstd");
  const gz = repo("gz");
  expect((await store.run(["push", "-q", "--digestfile", join(tmp, "d1"), "localhost/pushme", gz], { env })).code).toBe(0);
  const z = await store.run(["push", "-q", "--compression-format", "zstd", "--digestfile", join(tmp, "d2"), "localhost/pushme", dest], { env });
  expect(z.code).toBe(0);
  expect(z.stderr).toBe("");
  expect(readFileSync(join(tmp, "d2"), "utf8")).not.toBe(readFileSync(join(tmp, "d1"), "utf8"));
  const man = JSON.parse(sh(["skopeo", "inspect", "--tls-verify=false", "--raw", `docker://${dest}`]).out) as { config: { digest: string }; layers: { mediaType: string }[] };
  expect(man.layers.every((l) => l.mediaType === "application/vnd.oci.image.layer.v1.tar+zstd")).toBe(true);
  expect(man.config.digest).toBe(`sha256:${imgId}`);
  // skiff pulls its own zstd push back and runs it.
  const other = testStore("push-zstd");
  try {
    expect((await other.run(["pull", "-q", dest], { env })).stdout.trim()).toBe(imgId);
    expect(await other.run(["run", "--rm", "--network", "none", dest], { env })).toMatchObject({ code: 0, stdout: "pushed\n" });
    await other.run(["rm", "-af"], { env });
  } finally {
    other.cleanup();
  }
}, 120_000);

test("--format v2s2 pushes a Docker schema 2 manifest that skopeo reads", async () => {
  const dest = repo("v2s2");
  expect((await store.run(["push", "-q", "--format", "v2s2", "localhost/pushme", dest], { env })).code).toBe(0);
  const man = JSON.parse(sh(["skopeo", "inspect", "--tls-verify=false", "--raw", `docker://${dest}`]).out) as { mediaType: string; config: { digest: string; mediaType: string } };
  expect(man.mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
  expect(man.config).toMatchObject({ digest: `sha256:${imgId}`, mediaType: "application/vnd.docker.container.image.v1+json" });
}, 60_000);

test("what podman pushes, skiff pulls with the same image ID", async () => {
  const dest = repo("frompodman");
  expect(sh([...pm, "pull", "-q", "--tls-verify=false", fx.images.busybox]).code).toBe(0);
  expect(sh([...pm, "run", "--name", "pmc", "--network", "none", fx.images.busybox, "sh", "-c", "echo from-podman > /p"]).code).toBe(0);
  expect(sh([...pm, "commit", "-q", "pmc", "localhost/pmimg"]).code).toBe(0);
  const id = sh([...pm, "image", "inspect", "--format", "{{.ID}}", "localhost/pmimg"]).out.trim();
  expect(sh([...pm, "push", "--tls-verify=false", "localhost/pmimg", dest]).code).toBe(0);
  const pulled = await store.run(["pull", "-q", dest], { env });
  expect(pulled.code).toBe(0);
  expect(pulled.stdout.trim()).toBe(id);
  expect(await store.run(["run", "--rm", "--network", "none", dest, "cat", "/p"], { env })).toMatchObject({ code: 0, stdout: "from-podman\n" });
}, 120_000);

test("push to the basic-auth and token registries with --creds; without them it is refused", async () => {
  for (const port of [5001, 5002]) {
    const dest = repo("auth", port);
    const denied = await store.run(["push", "-q", "localhost/pushme", dest], { env: { ...env, REGISTRY_AUTH_FILE: join(tmp, "none.json") } });
    expect(denied.code).toBe(125);
    expect(denied.stderr).toMatch(/unauthorized|401/i);
    const ok = await store.run(["push", "-q", "--creds", `${fx.user}:${fx.password}`, "localhost/pushme", dest], { env });
    expect(ok.code).toBe(0);
    const raw = sh(["skopeo", "inspect", "--tls-verify=false", "--creds", `${fx.user}:${fx.password}`, "--raw", `docker://${dest}`]);
    expect(raw.code).toBe(0);
    expect((JSON.parse(raw.out) as { config: { digest: string } }).config.digest).toBe(`sha256:${imgId}`);
  }
}, 120_000);

test("an image pulled back after its push (layers already unpacked locally) can be saved and pushed again", async () => {
  const dest = repo("roundtrip");
  expect((await store.run(["push", "-q", "localhost/pushme", dest], { env })).code).toBe(0);
  const pulled = await store.run(["pull", "-q", dest], { env });
  expect(pulled.code).toBe(0);
  expect(pulled.stdout.trim()).toBe(imgId);
  const saved = await store.run(["save", "-o", join(tmp, "roundtrip.tar"), dest], { env });
  expect(saved.stderr).toBe("");
  expect(saved.code).toBe(0);
  expect(sh(["skopeo", "inspect", `docker-archive:${join(tmp, "roundtrip.tar")}`]).code).toBe(0);
  expect((await store.run(["push", "-q", dest, repo("roundtrip-again")], { env })).code).toBe(0);
}, 120_000);

test("pushing an unknown image fails in Podman's words", async () => {
  const r = await store.run(["push", "localhost/nosuch", repo("x")], { env });
  expect(r.code).toBe(125);
  expect(r.stderr).toContain("nosuch");
}, 30_000);
