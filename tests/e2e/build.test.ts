/**
 * `skiff build` behaviour beyond the corpus: Podman's output lines, the
 * layer cache (a second build reuses every step; a changed COPY source
 * rebuilds from that step on), reproducible IDs with --timestamp, a failing
 * RUN (message, exit code, nothing left behind but the cache), stdin
 * Containerfiles, --target errors and the foreign-platform refusal.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { testStore, type TestStore } from "../support/cli.ts";
import { ensureFixtures, type FixtureInfo } from "../support/fixtures.ts";
import { settledLeftovers } from "../support/leaks.ts";

let fx: FixtureInfo;
let store: TestStore;
let ctx: string;
const run = (args: string[], input?: string) => store.run(args, { env: fx.env, ...(input !== undefined ? { input } : {}) });

beforeAll(async () => {
  fx = await ensureFixtures();
  store = testStore("build");
  ctx = mkdtempSync(join(store.root, "..", "ctx-"));
  writeFileSync(join(ctx, "a.txt"), "one\n");
  writeFileSync(join(ctx, "b.txt"), "two\n");
  writeFileSync(join(ctx, "Containerfile"), [
    `FROM ${fx.images.busybox}`,
    "RUN echo step-output && echo base > /base.txt",
    "COPY a.txt /a.txt",
    "RUN cat /a.txt > /from-a.txt",
    "COPY b.txt /b.txt",
    'CMD ["cat", "/from-a.txt"]',
    "",
  ].join("\n"));
  expect((await run(["pull", "-q", fx.images.busybox])).code).toBe(0);
}, 600_000);

afterAll(() => store?.cleanup());

const usingCache = (out: string) => out.split("\n").filter((l) => l.startsWith("--> Using cache ")).length;

test("build prints Podman's steps, the RUN output, COMMIT and the ID; a rebuild reuses every step", async () => {
  const first = await run(["build", "--network", "none", "-t", "cache-test", ctx]);
  expect(first.code).toBe(0);
  const lines = first.stdout.trimEnd().split("\n");
  expect(lines[0]).toBe(`STEP 1/6: FROM ${fx.images.busybox}`);
  expect(lines[1]).toBe("STEP 2/6: RUN echo step-output && echo base > /base.txt");
  expect(lines[2]).toBe("step-output");
  expect(lines[3]).toMatch(/^--> [0-9a-f]{11}$/);
  expect(lines).toContain("COMMIT cache-test");
  expect(lines).toContain("Successfully tagged localhost/cache-test:latest");
  const id = lines[lines.length - 1]!;
  expect(id).toMatch(/^[0-9a-f]{64}$/);
  expect(usingCache(first.stdout)).toBe(0);

  const second = await run(["build", "--network", "none", "-t", "cache-test", ctx]);
  expect(second.code).toBe(0);
  expect(usingCache(second.stdout)).toBe(5);
  expect(second.stdout.split("\n")).not.toContain("step-output");
  expect(second.stdout.trimEnd().split("\n").pop()).toBe(id);

  // --no-cache runs every step again.
  const third = await run(["build", "--no-cache", "--network", "none", "-q", ctx]);
  expect(third.code).toBe(0);
  expect(third.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
}, 120_000);

test("changing one COPY source rebuilds from that step on", async () => {
  writeFileSync(join(ctx, "a.txt"), "changed\n");
  try {
    const r = await run(["build", "--network", "none", "-t", "cache-test", ctx]);
    expect(r.code).toBe(0);
    // FROM, then step 2 (RUN) cached; COPY a.txt and everything after it rebuilt.
    expect(usingCache(r.stdout)).toBe(1);
    const out = await run(["run", "--rm", "--network", "none", "cache-test"]);
    expect(out.stdout).toBe("changed\n");
  } finally {
    writeFileSync(join(ctx, "a.txt"), "one\n");
  }
}, 120_000);

test("--timestamp 0 gives the same image ID twice, without the cache", async () => {
  const a = await run(["build", "--no-cache", "--timestamp", "0", "--network", "none", "-q", ctx]);
  const b = await run(["build", "--no-cache", "--timestamp", "0", "--network", "none", "-q", ctx]);
  expect(a.code).toBe(0);
  expect(b.stdout.trim()).toBe(a.stdout.trim());
  const c = await run(["image", "inspect", "--format", "{{.Created}}", a.stdout.trim()]);
  expect(c.stdout).toContain("1970-01-01");
}, 120_000);

test("a failing RUN: Podman's message, the RUN's exit status, nothing left but the cache", async () => {
  const dir = mkdtempSync(join(store.root, "..", "fail-"));
  writeFileSync(join(dir, "Containerfile"), `FROM ${fx.images.busybox}\nRUN echo ok > /ok\nRUN false\nRUN echo never\n`);
  const r = await run(["build", "--network", "none", "-t", "failing", dir]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('Error: building at STEP "RUN false": while running runtime: exit status 1');
  expect(await settledLeftovers(store)).toEqual([]);
  const tmp = join(store.root, "tmp");
  expect(existsSync(tmp) ? readdirSync(tmp) : []).toEqual([]);
  expect(readdirSync(store.root).filter((n) => n.startsWith("tmp-build-"))).toEqual([]);
  const names = await run(["images", "--format", "{{.Repository}}"]);
  expect(names.stdout).not.toContain("failing");
  // The step that succeeded is cached.
  const again = await run(["build", "--network", "none", "-t", "failing", dir]);
  expect(usingCache(again.stdout)).toBe(1);
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

test("a Containerfile on stdin, an unknown --target and a foreign --platform", async () => {
  const r = await run(["build", "-q", "--network", "none", "-f", "-", ctx], `FROM ${fx.images.busybox}\nLABEL from=stdin\n`);
  expect(r.code).toBe(0);
  const l = await run(["image", "inspect", "--format", "{{.Labels.from}}", r.stdout.trim()]);
  expect(l.stdout.trim()).toBe("stdin");
  const t = await run(["build", "--target", "nope", ctx]);
  expect(t.code).toBe(125);
  expect(t.stderr).toContain('target stage "nope"');
  const p = await run(["build", "--platform", "linux/s390x", ctx]);
  expect(p.code).toBe(125);
  expect(p.stderr).toContain("linux/s390x");
}, 60_000);

test("--squash keeps the base and folds the new layers into one (deletions kept); --squash-all leaves one layer; a tar context", async () => {
  const dir = mkdtempSync(join(store.root, "..", "sq-"));
  writeFileSync(join(dir, "Containerfile"), `FROM ${fx.images.busybox}\nRUN echo a > /a && echo x > /x\nRUN rm /x && echo b > /b\nRUN rm -rf /home\n`);
  const layersOf = async (img: string) => Number((await run(["image", "inspect", "--format", "{{len .RootFS.Layers}}", img])).stdout.trim());
  const base = await layersOf(fx.images.busybox);
  expect((await run(["build", "-q", "--network", "none", "--squash", "-t", "sq", dir])).code).toBe(0);
  expect(await layersOf("sq")).toBe(base + 1);
  const look = "cat /a /b; test -e /x || echo no-x; test -e /home || echo no-home";
  expect((await run(["run", "--rm", "--network", "none", "sq", "sh", "-c", look])).stdout).toBe("a\nb\nno-x\nno-home\n");
  expect((await run(["build", "-q", "--network", "none", "--squash-all", "-t", "sqa", dir])).code).toBe(0);
  expect(await layersOf("sqa")).toBe(1);
  expect((await run(["run", "--rm", "--network", "none", "sqa", "sh", "-c", look])).stdout).toBe("a\nb\nno-x\nno-home\n");
  const tar = join(dir, "..", "sq-context.tar");
  Bun.spawnSync(["tar", "-cf", tar, "-C", dir, "Containerfile"]);
  const fromTar = await run(["build", "-q", "--network", "none", tar]);
  expect(fromTar.code).toBe(0);
  expect(await settledLeftovers(store)).toEqual([]);
  rmSync(dir, { recursive: true, force: true });
  rmSync(tar, { force: true });
}, 120_000);

test("ADD --checksum, --label, --build-arg-file, --iidfile and SOURCE_DATE_EPOCH", async () => {
  const body = "payload\n";
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(body) });
  const dir = mkdtempSync(join(store.root, "..", "add-"));
  try {
    const sum = new Bun.CryptoHasher("sha256").update(body).digest("hex");
    const url = `http://127.0.0.1:${server.port}/p.txt`;
    writeFileSync(join(dir, "args"), "WHO=file\n# a comment\n");
    writeFileSync(join(dir, "Containerfile"), `FROM ${fx.images.busybox}\nARG WHO\nADD --checksum=sha256:${sum} ${url} /p.txt\nRUN echo $WHO > /who\n`);
    const iid = join(dir, "iid");
    const ok = await run(["build", "-q", "--network", "none", "--label", "team=x", "--build-arg-file", join(dir, "args"), "--iidfile", iid, dir]);
    expect(ok.code).toBe(0);
    const id = ok.stdout.trim();
    expect(await Bun.file(iid).text()).toBe(`sha256:${id}`);
    expect((await run(["image", "inspect", "--format", "{{.Labels.team}}", id])).stdout.trim()).toBe("x");
    expect((await run(["run", "--rm", "--network", "none", id, "cat", "/p.txt", "/who"])).stdout).toBe("payload\nfile\n");
    writeFileSync(join(dir, "Containerfile"), `FROM ${fx.images.busybox}\nADD --checksum=sha256:${"0".repeat(64)} ${url} /p.txt\n`);
    const bad = await run(["build", "-q", "--network", "none", dir]);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toContain("checksum mismatch");
    writeFileSync(join(dir, "Containerfile"), `FROM ${fx.images.busybox}\nRUN echo same > /same\n`);
    const sde = { SOURCE_DATE_EPOCH: "1700000000" };
    const a = await store.run(["build", "-q", "--no-cache", "--network", "none", dir], { env: { ...fx.env, ...sde } });
    const b = await store.run(["build", "-q", "--no-cache", "--network", "none", dir], { env: { ...fx.env, ...sde } });
    expect(a.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  } finally {
    server.stop(true);
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
