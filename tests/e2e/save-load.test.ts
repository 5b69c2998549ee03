/**
 * save/load round trips with Podman and skopeo as the peers: what Podman
 * saves, skiff loads with the same image ID; what skiff saves, skopeo reads
 * and Podman loads with the same image ID.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, mkdirSync, copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { testStore } from "../support/cli.ts";

const store = testStore("save-load");
const tmp = mkdtempSync("/tmp/skiff-t-saveload-pm-");
const pm = ["podman", "--root", join(tmp, "root"), "--runroot", join(tmp, "run")];
let id = "";

function sh(argv: string[]): { code: number; out: string } {
  const p = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  return { code: p.exitCode ?? -1, out: p.stdout.toString() + p.stderr.toString() };
}

beforeAll(() => {
  // A one-layer busybox image made by Podman itself, saved as docker-archive and oci-archive.
  mkdirSync(join(tmp, "rootfs/bin"), { recursive: true });
  copyFileSync("/bin/busybox", join(tmp, "rootfs/bin/busybox"));
  expect(sh(["tar", "-C", join(tmp, "rootfs"), "-cf", join(tmp, "rootfs.tar"), "."]).code).toBe(0);
  const imp = sh([...pm, "import", "--change", 'CMD ["sh"]', join(tmp, "rootfs.tar"), "localhost/bb:latest"]);
  expect(imp.code).toBe(0);
  id = sh([...pm, "images", "-q", "--no-trunc", "localhost/bb"]).out.trim().replace(/^sha256:/, "");
  expect(sh([...pm, "save", "-o", join(tmp, "pm-docker.tar"), "localhost/bb"]).code).toBe(0);
  expect(sh([...pm, "save", "--format", "oci-archive", "-o", join(tmp, "pm-oci.tar"), "localhost/bb"]).code).toBe(0);
}, 60_000);

afterAll(() => {
  sh([...pm, "system", "reset", "-f"]);
  rmSync(tmp, { recursive: true, force: true });
  store.cleanup();
});

test("load reads Podman's docker-archive and keeps the image ID", async () => {
  const r = await store.run(["load", "-i", join(tmp, "pm-docker.tar")]);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe("Loaded image: localhost/bb:latest\n");
  const ex = await store.run(["image", "exists", id]);
  expect(ex.code).toBe(0);
}, 30_000);

test("load reads Podman's oci-archive from stdin", async () => {
  const data = await Bun.file(join(tmp, "pm-oci.tar")).arrayBuffer();
  const p = Bun.spawn([process.execPath, join(import.meta.dir, "../../src/bin/skiff.ts"), "--root", store.root, "--runroot", store.runroot, "load"], { stdin: new Uint8Array(data), stdout: "pipe", stderr: "pipe" });
  expect(await p.exited).toBe(0);
  expect(await new Response(p.stdout).text()).toBe("Loaded image: localhost/bb:latest\n");
}, 30_000);

test("skiff's docker-archive is read by skopeo and loaded by Podman with the same ID", async () => {
  const out = join(tmp, "skiff-docker.tar");
  expect((await store.run(["save", "-o", out, "localhost/bb"])).code).toBe(0);
  const sk = sh(["skopeo", "inspect", `docker-archive:${out}`]);
  expect(sk.code).toBe(0);
  expect(JSON.parse(sk.out.slice(sk.out.indexOf("{"))).Layers.length).toBe(1);
  const pm2 = ["podman", "--root", join(tmp, "root2"), "--runroot", join(tmp, "run2")];
  const l = sh([...pm2, "load", "-q", "-i", out]);
  expect(l.code).toBe(0);
  expect(sh([...pm2, "images", "-q", "--no-trunc"]).out.trim()).toBe(`sha256:${id}`);
  sh([...pm2, "system", "reset", "-f"]);
}, 60_000);

test("skiff's oci-archive is read by skopeo with the config digest as image", async () => {
  const out = join(tmp, "skiff-oci.tar");
  expect((await store.run(["save", "--format", "oci-archive", "-o", out, "localhost/bb"])).code).toBe(0);
  const sk = sh(["skopeo", "inspect", "--config", `oci-archive:${out}`]);
  expect(sk.code).toBe(0);
}, 30_000);

test("save of an unknown image fails with Podman's message", async () => {
  const r = await store.run(["save", "-o", join(tmp, "x.tar"), "nothere"]);
  expect(r.code).toBe(125);
  expect(r.stderr).toBe("Error: nothere: image not known\n");
}, 30_000);

test("a malformed archive is one error line and leaves no image", async () => {
  const bad = join(tmp, "bad.tar");
  await Bun.write(bad, "garbage\n");
  const r = await store.run(["load", "-i", bad]);
  expect(r.code).toBe(125);
  expect(r.stderr.trim().split("\n").length).toBe(1);
  expect(r.stderr).toStartWith("Error: payload does not match any of the supported image formats");
}, 30_000);

test("a docker-archive whose manifest points outside the archive is refused and reads no host file", async () => {
  // A secret on the host, and archives whose manifest.json names it through ".." or an absolute path.
  const secretDir = mkdtempSync("/tmp/skiff-t-saveload-secret-");
  writeFileSync(join(secretDir, "secret.txt"), "TOP SECRET host data\n");
  expect(sh(["tar", "-C", secretDir, "-cf", join(secretDir, "secret.tar"), "secret.txt"]).code).toBe(0);
  const cfg = JSON.stringify({ architecture: "amd64", os: "linux", config: {}, rootfs: { type: "layers", diff_ids: [] } });
  const cases = [
    { Config: "cfg.json", RepoTags: ["localhost/evil:1"], Layers: [`../../../../../../../..${secretDir}/secret.tar`] },
    { Config: "cfg.json", RepoTags: ["localhost/evil:2"], Layers: [`${secretDir}/secret.tar`] },
    { Config: "../../../../../../../../etc/hostname", RepoTags: ["localhost/evil:3"], Layers: [] },
  ];
  try {
    for (const [i, m] of cases.entries()) {
      const dir = join(secretDir, `a${i}`);
      mkdirSync(dir);
      writeFileSync(join(dir, "manifest.json"), JSON.stringify([m]));
      writeFileSync(join(dir, "cfg.json"), cfg);
      expect(sh(["tar", "-C", dir, "-cf", join(secretDir, `evil${i}.tar`), "manifest.json", "cfg.json"]).code).toBe(0);
      const r = await store.run(["load", "-i", join(secretDir, `evil${i}.tar`)]);
      expect(r.code).toBe(125);
      expect(r.stderr).toMatch(/^Error: [^\n]*path is outside the archive[^\n]*\n$/);
      expect(r.stderr).not.toContain(require("node:os").hostname());
      expect((await store.run(["image", "exists", `localhost/evil:${i + 1}`])).code).toBe(1);
    }
  } finally {
    rmSync(secretDir, { recursive: true, force: true });
  }
}, 30_000);

test("tag, untag, rmi and image exists on a loaded image", async () => {
  expect((await store.run(["tag", "localhost/bb", "foo:1", "quay.io/x/y:2"])).code).toBe(0);
  expect((await store.run(["image", "exists", "localhost/foo:1"])).code).toBe(0);
  expect((await store.run(["image", "exists", "quay.io/x/y:2"])).code).toBe(0);
  expect((await store.run(["untag", "localhost/bb", "quay.io/x/y:2"])).code).toBe(0);
  expect((await store.run(["image", "exists", "quay.io/x/y:2"])).code).toBe(1);
  const r1 = await store.run(["rmi", "foo:1"]);
  expect(r1).toMatchObject({ code: 0, stdout: "Untagged: localhost/foo:1\n" });
  const r2 = await store.run(["rmi", "nothere"]);
  expect(r2).toMatchObject({ code: 1, stderr: "Error: nothere: image not known\n" });
  const r3 = await store.run(["rmi", "localhost/bb"]);
  expect(r3).toMatchObject({ code: 0, stdout: `Untagged: localhost/bb:latest\nDeleted: ${id}\n` });
  expect((await store.run(["image", "exists", id])).code).toBe(1);
}, 30_000);
