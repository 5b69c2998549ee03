/**
 * `cp` end to end (real conmon + crun, kernel overlay): Docker's path table
 * in both directions, tar streams on stdin/stdout, stopped containers, and
 * attempts to escape the rootfs through container symlinks or tar names.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, utimesSync, writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { skiffCommand, testStore } from "../support/cli.ts";
import { settledLeftovers, storeMounts } from "../support/leaks.ts";

const BUSYBOX = "localhost:5000/busybox:latest";
const store = testStore("cp");
const host = mkdtempSync("/tmp/skiff-cp-host-");
const C = "cpctr";

/** Runs skiff with binary stdin/stdout (tar streams). */
async function runBinary(args: string[], input?: Uint8Array): Promise<{ code: number; stdout: Uint8Array; stderr: string }> {
  const p = Bun.spawn([...skiffCommand(), "--root", store.root, "--runroot", store.runroot, ...args], {
    stdin: input ?? "ignore", stdout: "pipe", stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).bytes(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

async function ok(args: string[]): Promise<string> {
  const r = await store.run(args);
  if (r.code !== 0) throw new Error(`skiff ${args.join(" ")}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

const sh = (script: string) => ok(["exec", C, "sh", "-c", script]);

function tarOf(cwd: string, ...names: string[]): Uint8Array {
  const r = Bun.spawnSync(["tar", "-cf", "-", ...names], { cwd });
  if (r.exitCode !== 0) throw new Error(r.stderr.toString());
  return r.stdout;
}

beforeAll(async () => {
  Bun.spawnSync(["sh", "fixtures/host-prep.sh"]);
  const { ensureFixtures } = await import("../support/fixtures.ts");
  await ensureFixtures();
  await ok(["pull", "-q", BUSYBOX]);
  await ok(["run", "-d", "--name", C, BUSYBOX, "sleep", "600"]);
  await sh("mkdir -p /src/dir/sub /dst && echo a > /src/dir/a.txt && echo b > /src/dir/sub/b.txt && echo f > /src/file && ln -s a.txt /src/dir/link && echo old > /dst/existing-file");
}, 120_000);

afterAll(async () => {
  await store.run(["rm", "-a", "-f"]);
  store.cleanup();
  rmSync(host, { recursive: true, force: true });
}, 60_000);

test("container to host: Docker's path table", async () => {
  const h = join(host, "out");
  mkdirSync(join(h, "exists"), { recursive: true });
  mkdirSync(join(h, "exists2"));
  mkdirSync(join(h, "exists3"));
  writeFileSync(join(h, "afile"), "old\n");
  await ok(["cp", `${C}:/src/dir`, join(h, "new")]);
  expect(readFileSync(join(h, "new/a.txt"), "utf8")).toBe("a\n");
  expect(readFileSync(join(h, "new/sub/b.txt"), "utf8")).toBe("b\n");
  expect(readlinkSync(join(h, "new/link"))).toBe("a.txt"); // symlinks inside a copied folder stay links
  await ok(["cp", `${C}:/src/dir`, join(h, "exists")]);
  expect(readFileSync(join(h, "exists/dir/a.txt"), "utf8")).toBe("a\n");
  await ok(["cp", `${C}:/src/dir/.`, join(h, "exists2")]);
  expect(readFileSync(join(h, "exists2/a.txt"), "utf8")).toBe("a\n");
  expect(existsSync(join(h, "exists2/dir"))).toBe(false);
  await ok(["cp", `${C}:/src/dir/`, join(h, "exists3")]);
  expect(readFileSync(join(h, "exists3/dir/sub/b.txt"), "utf8")).toBe("b\n");
  await ok(["cp", `${C}:/src/file`, join(h, "file-copy")]);
  expect(readFileSync(join(h, "file-copy"), "utf8")).toBe("f\n");
  await ok(["cp", `${C}:/src/file`, join(h, "exists")]);
  expect(readFileSync(join(h, "exists/file"), "utf8")).toBe("f\n");
  await ok(["cp", `${C}:/src/file`, join(h, "afile")]);
  expect(readFileSync(join(h, "afile"), "utf8")).toBe("f\n");
  // A symlink SRC is copied as a link unless -L.
  await ok(["cp", `${C}:/src/dir/link`, join(h, "l1")]);
  expect(lstatSync(join(h, "l1")).isSymbolicLink()).toBe(true);
  await ok(["cp", "-L", `${C}:/src/dir/link`, join(h, "l2")]);
  expect(readFileSync(join(h, "l2"), "utf8")).toBe("a\n");

  const slash = await store.run(["cp", `${C}:/src/file`, join(h, "nodir") + "/"]);
  expect(slash.code).toBe(125);
  expect(slash.stderr).toBe(`Error: "${join(h, "nodir")}" could not be found on the host: no such file or directory\n`);
  const noParent = await store.run(["cp", `${C}:/src/file`, join(h, "no/such/x")]);
  expect(noParent.code).toBe(125);
  const missing = await store.run(["cp", `${C}:/no/such/path`, join(h, "x")]);
  expect(missing.code).toBe(125);
  expect(missing.stderr).toBe(`Error: "/no/such/path" could not be found on container ${C}: no such file or directory\n`);
  const dirOverFile = await store.run(["cp", `${C}:/src/dir`, join(h, "afile")]);
  expect(dirOverFile.code).toBe(125);
  expect(readFileSync(join(h, "afile"), "utf8")).toBe("f\n");
}, 60_000);

test("host to container: Docker's path table, modes and times kept, owner per --archive", async () => {
  const h = join(host, "in");
  mkdirSync(join(h, "hostdir/inner"), { recursive: true });
  writeFileSync(join(h, "hostdir/h.txt"), "h\n");
  writeFileSync(join(h, "hostdir/inner/i.txt"), "i\n");
  writeFileSync(join(h, "plain"), "p\n");
  chmodSync(join(h, "plain"), 0o640);
  utimesSync(join(h, "plain"), 1_000_000_000, 1_000_000_000);
  Bun.spawnSync(["chown", "1234:4321", join(h, "plain")]);
  await sh("mkdir -p /in1 /in2 /in3");
  await ok(["cp", join(h, "hostdir"), `${C}:/in1`]);
  await ok(["cp", join(h, "hostdir") + "/.", `${C}:/in2`]);
  await ok(["cp", join(h, "hostdir") + "/", `${C}:/in3`]);
  await ok(["cp", join(h, "hostdir"), `${C}:/in-new`]);
  await ok(["cp", join(h, "plain"), `${C}:/in1`]);
  await ok(["cp", join(h, "plain"), `${C}:/plain-copy`]);
  await ok(["cp", "-a=false", join(h, "plain"), `${C}:/plain-keep`]);
  await ok(["cp", join(h, "plain"), `${C}:/dst/existing-file`]);
  expect(await sh("cat /in1/hostdir/h.txt /in1/hostdir/inner/i.txt /in2/h.txt /in2/inner/i.txt /in3/hostdir/h.txt /in-new/inner/i.txt /in1/plain /dst/existing-file; test -e /in2/hostdir || echo no-nest"))
    .toBe("h\ni\nh\ni\nh\ni\np\np\nno-nest\n");
  expect(await sh("stat -c '%a %u:%g %Y' /plain-copy /plain-keep")).toBe("640 0:0 1000000000\n640 1234:4321 1000000000\n");

  const slash = await store.run(["cp", join(h, "plain"), `${C}:/nosuchdir/`]);
  expect(slash.code).toBe(125);
  expect(slash.stderr).toBe(`Error: "/nosuchdir/" could not be found on container ${C}: no such file or directory\n`);
  const noSrc = await store.run(["cp", join(h, "nope"), `${C}:/`]);
  expect(noSrc.code).toBe(125);
  expect(noSrc.stderr).toBe(`Error: "${join(h, "nope")}" could not be found on the host: no such file or directory\n`);
  const dirOverFile = await store.run(["cp", join(h, "hostdir"), `${C}:/plain-copy`]);
  expect(dirOverFile.code).toBe(125);
  const noCtr = await store.run(["cp", join(h, "plain"), join(h, "plain2")]);
  expect(noCtr.code).toBe(125);
  expect((await store.run(["cp", join(h, "plain"), "nosuchctr:/"])).code).toBe(125);
}, 60_000);

test("- streams a tar to stdout and extracts one from stdin", async () => {
  const out = await runBinary(["cp", `${C}:/src/dir`, "-"]);
  expect(out.code).toBe(0);
  const list = Bun.spawnSync(["tar", "-tf", "-"], { stdin: out.stdout });
  expect(list.exitCode).toBe(0);
  expect(list.stdout.toString().split("\n").filter(Boolean).sort()).toEqual(["dir/", "dir/a.txt", "dir/link", "dir/sub/", "dir/sub/b.txt"]);

  const h = join(host, "stream");
  mkdirSync(join(h, "t/sub"), { recursive: true });
  writeFileSync(join(h, "t/sub/s.txt"), "s\n");
  await sh("mkdir -p /from-stdin");
  const r = await runBinary(["cp", "-", `${C}:/from-stdin`], tarOf(h, "t"));
  expect(r.code).toBe(0);
  expect(await sh("cat /from-stdin/t/sub/s.txt")).toBe("s\n");
  const notDir = await runBinary(["cp", "-", `${C}:/src/file`], tarOf(h, "t"));
  expect(notDir.code).toBe(125);
  const missingDest = await runBinary(["cp", "-", `${C}:/nowhere`], tarOf(h, "t"));
  expect(missingDest.code).toBe(125);
}, 60_000);

test("container symlinks and tar names never reach the host", async () => {
  const tag = `skiff-cp-escape-${process.pid}`;
  const h = join(host, "escape");
  mkdirSync(h, { recursive: true });
  writeFileSync(join(h, tag), "x\n");
  mkdirSync(`/tmp/${tag}-dir`);
  try {
    await sh(`ln -s / /evil && ln -s ../../../../../../tmp/${tag}-dir /evil-rel && ln -s /etc/passwd /evil-file && mkdir -p /tmp/${tag}-dir`);
    await ok(["cp", join(h, tag), `${C}:/evil/tmp/`]);
    await ok(["cp", join(h, tag), `${C}:/evil-rel`]);
    expect(existsSync(`/tmp/${tag}`)).toBe(false);
    expect(existsSync(`/tmp/${tag}-dir/${tag}`)).toBe(false);
    expect(await sh(`cat /tmp/${tag} /tmp/${tag}-dir/${tag}`)).toBe("x\nx\n");
    // A DEST symlink to a file is followed inside the rootfs: the container's /etc/passwd is replaced, not the host's.
    const hostPasswd = readFileSync("/etc/passwd", "utf8");
    await ok(["cp", join(h, tag), `${C}:/evil-file`]);
    expect(readFileSync("/etc/passwd", "utf8")).toBe(hostPasswd);
    expect(await sh("cat /etc/passwd")).toBe("x\n");
    // Reading through a container symlink stays inside the rootfs too.
    await ok(["cp", "-L", `${C}:/evil/tmp/${tag}`, join(h, "back")]);
    expect(readFileSync(join(h, "back"), "utf8")).toBe("x\n");

    // A tar whose names climb out with ../ is refused; a tar that plants a symlink and then writes through it stays inside.
    const evilTar = Bun.spawnSync(["tar", "-cf", "-", "-P", "--transform", `s|^.*${tag}$|../../../../tmp/${tag}-tar|`, join(h, tag)]).stdout;
    const refused = await runBinary(["cp", "-", `${C}:/tmp`], evilTar);
    expect(refused.code).toBe(125);
    expect(refused.stderr).toContain("escapes the rootfs");
    expect(existsSync(`/tmp/${tag}-tar`)).toBe(false);
    const planted = join(h, "planted");
    mkdirSync(planted);
    Bun.spawnSync(["ln", "-s", "/tmp", join(planted, "up")]);
    const t1 = tarOf(planted, "up");
    mkdirSync(join(planted, "x"));
    writeFileSync(join(planted, "x", `${tag}-via`), "v\n");
    const t2 = Bun.spawnSync(["tar", "-cf", "-", "--transform", "s|^x|up|", "x"], { cwd: planted }).stdout;
    expect((await runBinary(["cp", "-", `${C}:/tmp`], t1)).code).toBe(0);
    expect((await runBinary(["cp", "-", `${C}:/tmp`], t2)).code).toBe(0);
    expect(existsSync(`/tmp/${tag}-via`)).toBe(false);
  } finally {
    rmSync(`/tmp/${tag}-dir`, { recursive: true, force: true });
    rmSync(`/tmp/${tag}`, { force: true });
    rmSync(`/tmp/${tag}-via`, { force: true });
    rmSync(`/tmp/${tag}-tar`, { force: true });
  }
}, 60_000);

test("a stopped container is mounted for the copy and unmounted after", async () => {
  await ok(["create", "--name", "cpstopped", BUSYBOX, "true"]);
  const h = join(host, "stopped");
  mkdirSync(h, { recursive: true });
  writeFileSync(join(h, "in.txt"), "in\n");
  await ok(["cp", join(h, "in.txt"), "cpstopped:/in.txt"]);
  await ok(["cp", "cpstopped:/in.txt", join(h, "back.txt")]);
  expect(readFileSync(join(h, "back.txt"), "utf8")).toBe("in\n");
  await ok(["cp", "cpstopped:/etc/group", join(h, "group")]);
  expect(statSync(join(h, "group")).size).toBeGreaterThan(0);
  const running = (await ok(["ps", "-q", "--no-trunc"])).trim();
  // The running container's own mounts (rootfs; netns, named by the ID's first 16 chars) stay.
  expect(storeMounts(store).filter((m) => !m.includes(running.slice(0, 16)))).toEqual([]);
  await ok(["rm", "cpstopped"]);
  const live = (await ok(["ps", "-q", "--no-trunc"])).trim().split("\n").filter(Boolean);
  expect(await settledLeftovers(store, live)).toEqual([]);
}, 60_000);
