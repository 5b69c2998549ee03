/**
 * Container lifecycle end to end (real conmon + crun): create/start/stop/rm,
 * kill, wait, logs, exec, ps, and concurrent CLI calls on one store.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { testStore } from "../support/cli.ts";
import { settledLeftovers } from "../support/leaks.ts";

const BUSYBOX = "localhost:5000/busybox:latest";
const store = testStore("lifecycle");

beforeAll(async () => {
  Bun.spawnSync(["sh", "fixtures/host-prep.sh"]);
  const r = await store.run(["pull", "-q", BUSYBOX]);
  if (r.code !== 0) throw new Error(`pull: ${r.stderr}`);
}, 120_000);

afterAll(async () => {
  await store.run(["rm", "-a", "-f"]);
  store.cleanup();
}, 60_000);

test("create, start, logs, exec, stop, rm", async () => {
  const c = await store.run(["create", "--name", "life", BUSYBOX, "sh", "-c", "echo started; trap 'echo bye; exit 0' TERM; while true; do sleep 0.1; done"]);
  expect(c.code).toBe(0);
  expect((await store.run(["ps", "-a", "--format", "{{.Names}} {{.Status}}"])).stdout).toBe("life Created\n");
  expect((await store.run(["start", "life"])).stdout).toBe("life\n");
  expect((await store.run(["ps", "--format", "{{.Names}} {{.State}}"])).stdout).toBe("life running\n");
  const e = await store.run(["exec", "-e", "X=1", "life", "sh", "-c", "echo x=$X; exit 4"]);
  expect(e.code).toBe(4);
  expect(e.stdout).toBe("x=1\n");
  expect((await store.run(["exec", "life", "nosuch"])).code).toBe(127);
  const s = await store.run(["stop", "life"]);
  expect(s.code).toBe(0);
  expect((await store.run(["logs", "life"])).stdout).toBe("started\nbye\n");
  expect((await store.run(["ps", "-a", "--format", "{{.Status}}"])).stdout).toMatch(/^Exited \(0\) /);
  const x = await store.run(["exec", "life", "true"]);
  expect(x.code).toBe(255); // Podman 4.3 fails an exec session that cannot begin with 255
  expect(x.stderr).toBe("Error: can only create exec sessions on running containers: container state improper\n");
  expect((await store.run(["rm", "life"])).code).toBe(0);
  expect(await settledLeftovers(store)).toEqual([]);
}, 60_000);

test("rm refuses a running container without -f; kill -s and wait report the code", async () => {
  const id = (await store.run(["run", "-d", BUSYBOX, "sleep", "100"])).stdout.trim();
  const r = await store.run(["rm", id]);
  expect(r.code).toBe(2); // Podman's rm: 2 for a container in the wrong state
  expect(r.stderr).toContain("running or paused containers cannot be removed without force: container state improper");
  const waiting = store.run(["wait", id]);
  expect((await store.run(["kill", "-s", "TERM", id])).code).toBe(0); // sleep as PID 1 ignores TERM
  expect((await store.run(["kill", "-s", "KILL", id])).code).toBe(0);
  expect((await waiting).stdout).toBe("137\n");
  expect((await store.run(["rm", "-f", id])).code).toBe(0);
  expect(await settledLeftovers(store)).toEqual([]);
}, 60_000);

test("10 parallel run -d plus rm -f leave consistent state", async () => {
  const runs = await Promise.all(Array.from({ length: 10 }, (_, i) => store.run(["run", "-d", "--name", `par${i}`, BUSYBOX, "sleep", "100"])));
  for (const r of runs) expect(r.code).toBe(0);
  const ids = runs.map((r) => r.stdout.trim());
  expect((await store.run(["ps", "-q", "--no-trunc"])).stdout.trim().split("\n").sort()).toEqual([...ids].sort());
  const rms = await Promise.all(ids.map((id) => store.run(["rm", "-f", id])));
  for (const r of rms) expect(r.code).toBe(0);
  expect((await store.run(["ps", "-a", "-q"])).stdout).toBe("");
  expect(await settledLeftovers(store)).toEqual([]);
}, 120_000);

test("ps and inspect --format: unknown fields are errors, per-item ranges work", async () => {
  const c = await store.run(["run", "--name", "fmt1", "-e", "FOO=bar", "-e", "EMPTY=", BUSYBOX, "sh", "-c", "exit 3"]);
  expect(c.code).toBe(3);
  const bad = await store.run(["ps", "-a", "--filter", "name=fmt1", "--format", "{{.NoSuchField}}"]);
  expect(bad.code).toBe(125);
  expect(bad.stderr).toBe('Error: template: ps:1:13: executing "ps" at <.NoSuchField>: can\'t evaluate field NoSuchField in type ps.psReporter\n');
  const env = await store.run(["inspect", "--format", "{{range .Config.Env}}{{println .}}{{end}}", "fmt1"]);
  expect(env.code).toBe(0);
  expect(env.stdout.split("\n")).toContain("FOO=bar");
  expect(env.stdout.split("\n")).toContain("EMPTY=");
  const code = await store.run(["inspect", "--format", "{{.State.ExitCode}} {{.State.Status}}", "fmt1"]);
  expect(code.stdout).toBe("3 exited\n");
  expect((await store.run(["rm", "fmt1"])).code).toBe(0);
  expect(await settledLeftovers(store)).toEqual([]);
}, 30_000);
