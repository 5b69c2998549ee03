/**
 * import: a busybox rootfs tarball (from busybox-static) as a one-layer image,
 * from a file, from stdin and from a URL served on 127.0.0.1; -c and -m;
 * the config as Podman 4.3 writes it.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { skiffCommand, testStore } from "../support/cli.ts";

const store = testStore("import");
const tmp = mkdtempSync("/tmp/skiff-t-import-");
const tarPath = join(tmp, "rootfs.tar");
let server: ReturnType<typeof Bun.serve> | undefined;

beforeAll(() => {
  mkdirSync(join(tmp, "rootfs/bin"), { recursive: true });
  copyFileSync("/bin/busybox", join(tmp, "rootfs/bin/busybox"));
  symlinkSync("busybox", join(tmp, "rootfs/bin/sh"));
  symlinkSync("busybox", join(tmp, "rootfs/bin/cat"));
  const t = Bun.spawnSync(["tar", "-C", join(tmp, "rootfs"), "-cf", tarPath, "."]);
  expect(t.exitCode).toBe(0);
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req) => (new URL(req.url).pathname === "/rootfs.tar.gz" ? new Response(gzipSync(readFileSync(tarPath))) : new Response("no", { status: 404 })),
  });
});

afterAll(async () => {
  server?.stop(true);
  await store.run(["rm", "-af"]);
  store.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

test("import of a tarball file makes a runnable one-layer image with -c and -m", async () => {
  const r = await store.run(["import", "-c", 'CMD ["/bin/sh", "-c", "echo imported"]', "-c", "ENV X=1", "-m", "hello", tarPath, "imp1"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
  expect(r.stderr).toContain("Getting image source signatures");
  expect(r.stderr).toContain("Storing signatures");
  const id = r.stdout.trim().slice(7);
  const img = (JSON.parse((await store.run(["image", "inspect", "imp1"])).stdout) as Record<string, unknown>[])[0]!;
  expect(img.Id).toBe(id);
  expect(img.RepoTags).toEqual(["localhost/imp1:latest"]);
  expect(img.Config).toEqual({ Env: ["X=1"], Cmd: ["/bin/sh", "-c", "echo imported"] });
  // The layer is the tarball itself: its digest is the file's.
  const fileDigest = `sha256:${new Bun.CryptoHasher("sha256").update(readFileSync(tarPath)).digest("hex")}`;
  expect((img.RootFS as { Layers: string[] }).Layers).toEqual([fileDigest]);
  // Podman's size: layer + config + the manifest twice.
  expect(img.Size as number).toBeGreaterThan(readFileSync(tarPath).length);
  const hist = await store.run(["history", "--no-trunc", "--format", "{{.CreatedBy}}|{{.Comment}}", "imp1"]);
  expect(hist.stdout).toBe(`/bin/sh -c #(nop) ADD file:${fileDigest.slice(7)} in /|hello\n`);
  const run = await store.run(["run", "--rm", "--network", "none", "imp1"]);
  expect(run).toMatchObject({ code: 0, stdout: "imported\n" });
}, 60_000);

test("import - reads the tarball from stdin", async () => {
  const p = Bun.spawn([...skiffCommand(), "--root", store.root, "--runroot", store.runroot, "import", "-q", "-", "imp2"], {
    stdin: Bun.file(tarPath), stdout: "pipe", stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  expect({ code, err }).toEqual({ code: 0, err: "" });
  expect(out).toMatch(/^sha256:[0-9a-f]{64}\n$/);
  const run = await store.run(["run", "--rm", "--network", "none", "imp2", "cat", "/bin/sh"]);
  expect(run.code).toBe(0);
}, 60_000);

test("import of an http URL fetches it (a gzip tarball keeps its compression)", async () => {
  const url = `http://127.0.0.1:${server!.port}/rootfs.tar.gz`;
  const r = await store.run(["import", "-q", url, "imp3"]);
  expect(r.code).toBe(0);
  const run = await store.run(["run", "--rm", "--network", "none", "imp3", "/bin/sh", "-c", "echo via-url"]);
  expect(run).toMatchObject({ code: 0, stdout: "via-url\n" });
  const missing = await store.run(["import", `http://127.0.0.1:${server!.port}/nothing`]);
  expect(missing.code).toBe(125);
  expect(missing.stderr).toContain("404");
}, 60_000);

test("import of a missing file fails in one line", async () => {
  const r = await store.run(["import", join(tmp, "nope.tar")]);
  expect(r.code).toBe(125);
  expect(r.stderr).toBe(`Error: open ${join(tmp, "nope.tar")}: no such file or directory\n`);
}, 30_000);
