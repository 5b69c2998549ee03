/**
 * `run` flags of the container process, end to end with conmon + crun: -e,
 * --env-file, --unsetenv, -w, -u, --group-add, --entrypoint, -i, -a, --name,
 * --cidfile, --label, --annotation, --umask; each checked inside the container.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUSYBOX, DEBIAN, runFlagsSuite } from "../support/run-flags.ts";

const t = runFlagsSuite("process");
const tmp = mkdtempSync("/tmp/skiff-rf-process-");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test("-e NAME=V, -e NAME from the caller (omitted when unset), --env-file, --unsetenv", async () => {
  const envFile = join(tmp, "env");
  writeFileSync(envFile, "# comment\nFROM_FILE=f v\nOVER=file\n");
  const out = await t.run(["run", "--rm", "-e", "A=1=2", "-e", "PASS", "-e", "NOPE", "-e", "EMPTY=", "--env-file", envFile, "-e", "OVER=flag",
    "--unsetenv", "TERM", BUSYBOX, "env"], { env: { PASS: "from caller" } });
  expect(out.code).toBe(0);
  const lines = out.stdout.split("\n");
  expect(lines).toEqual(expect.arrayContaining(["A=1=2", "PASS=from caller", "EMPTY=", "FROM_FILE=f v", "OVER=flag", "container=podman"]));
  expect(lines.some((l) => l.startsWith("NOPE"))).toBe(false);
  expect(lines.some((l) => l.startsWith("TERM="))).toBe(false);
  expect(lines.some((l) => /^HOSTNAME=[0-9a-f]{12}$/.test(l))).toBe(true);
  await t.clean();
}, 30_000);

test("-w sets the working folder; --workdir of the image is created when missing", async () => {
  expect(await t.out(["-w", "/etc"], "pwd")).toBe("/etc\n");
  expect(await t.out(["--workdir", "/"], "pwd")).toBe("/\n");
  await t.clean();
}, 30_000);

test("-u name, uid, uid:gid, name:group and --group-add show in id", async () => {
  expect(await t.out(["-u", "daemon"], "id", DEBIAN)).toBe("uid=1(daemon) gid=1(daemon) groups=1(daemon)\n");
  expect(await t.out(["-u", "daemon:bin"], "id -u; id -g", DEBIAN)).toBe("1\n2\n");
  expect(await t.out(["-u", "4242"], "id -u; id -g; echo $HOME")).toBe("4242\n0\n/\n");
  expect(await t.out(["-u", "1000:1000", "--group-add", "10", "--group-add", "audio"], "id -G", DEBIAN)).toBe("1000 10 29\n");
  await t.clean();
}, 40_000);

test("--entrypoint replaces the image's, '' clears it, a JSON array is split", async () => {
  const a = await t.run(["run", "--rm", "--entrypoint", "/bin/echo", BUSYBOX, "x", "y"]);
  expect([a.code, a.stdout]).toEqual([0, "x y\n"]);
  const b = await t.run(["run", "--rm", "--entrypoint", "", BUSYBOX, "echo", "cleared"]);
  expect([b.code, b.stdout]).toEqual([0, "cleared\n"]);
  const c = await t.run(["run", "--rm", "--entrypoint", '["/bin/sh","-c","echo $0-$1"]', BUSYBOX, "a", "b"]);
  expect([c.code, c.stdout]).toEqual([0, "a-b\n"]);
  await t.clean();
}, 30_000);

test("-i feeds stdin; without -i the container sees EOF at once", async () => {
  const a = await t.run(["run", "--rm", "-i", BUSYBOX, "wc", "-l"], { input: "1\n2\n3\n" });
  expect([a.code, a.stdout.trim()]).toEqual([0, "3"]);
  const b = await t.run(["run", "--rm", BUSYBOX, "wc", "-l"], { input: "1\n2\n3\n" });
  expect([b.code, b.stdout.trim()]).toEqual([0, "0"]);
  await t.clean();
}, 30_000);

test("-a stdout shows only stdout, -a stderr only stderr", async () => {
  const a = await t.run(["run", "--rm", "-a", "stdout", BUSYBOX, "sh", "-c", "echo out; echo err >&2"]);
  expect([a.code, a.stdout, a.stderr]).toEqual([0, "out\n", ""]);
  const b = await t.run(["run", "--rm", "-a", "stderr", BUSYBOX, "sh", "-c", "echo out; echo err >&2"]);
  expect([b.code, b.stdout, b.stderr]).toEqual([0, "", "err\n"]);
  await t.clean();
}, 30_000);

test("--name, --cidfile, --label, --annotation are recorded; labels filter ps", async () => {
  const cid = join(tmp, "cid");
  const r = await t.run(["create", "--name", "rf-named", "--cidfile", cid, "-l", "tier=web", "--annotation", "org.x=y", BUSYBOX, "true"]);
  expect(r.code).toBe(0);
  const id = r.stdout.trim();
  expect(readFileSync(cid, "utf8")).toBe(id);
  const i = await t.run(["inspect", "--format", "{{.Name}} {{.Config.Labels.tier}} {{index .Config.Annotations \"org.x\"}}", "rf-named"]);
  expect([i.code, i.stdout]).toEqual([0, "rf-named web y\n"]);
  expect((await t.run(["ps", "-a", "-q", "--no-trunc", "--filter", "label=tier=web"])).stdout).toBe(`${id}\n`);
  // An existing cidfile is refused before anything is created (Podman's check).
  const again = await t.run(["create", "--cidfile", cid, BUSYBOX, "true"]);
  expect(again.code).toBe(125);
  expect(again.stderr).toBe(`Error: container id file exists. Ensure another container is not using it or delete ${cid}\n`);
  expect((await t.run(["rm", "rf-named"])).code).toBe(0);
  await t.clean();
}, 30_000);

test("--umask sets the process umask", async () => {
  expect(await t.out(["--umask", "0077"], "umask")).toBe("0077\n");
  await t.clean();
}, 30_000);

test("--env-host passes the caller's environment", async () => {
  const r = await t.run(["run", "--rm", "--env-host", BUSYBOX, "sh", "-c", "echo $RF_HOST_VAR"], { env: { RF_HOST_VAR: "hostval" } });
  expect([r.code, r.stdout]).toEqual([0, "hostval\n"]);
  await t.clean();
}, 30_000);
