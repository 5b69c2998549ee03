/**
 * `logs` end to end (real conmon k8s-file logs): stdout and stderr apart,
 * partial lines joined, --tail, -t, --since/--until with RFC3339 times and
 * durations, -f until the container exits, several containers, a missing one.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { testStore } from "../support/cli.ts";
import { settledLeftovers } from "../support/leaks.ts";

const BUSYBOX = "localhost:5000/busybox:latest";
const store = testStore("logs");

async function ok(args: string[]) {
  const r = await store.run(args);
  if (r.code !== 0) throw new Error(`skiff ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r;
}

/** Runs a container to completion (detached, then wait) and returns its ID. */
async function ran(name: string, script: string): Promise<string> {
  const id = (await ok(["run", "-d", "--name", name, BUSYBOX, "sh", "-c", script])).stdout.trim();
  expect((await ok(["wait", id])).stdout).toBe("0\n");
  return id;
}

beforeAll(async () => {
  Bun.spawnSync(["sh", "fixtures/host-prep.sh"]);
  await ok(["pull", "-q", BUSYBOX]);
}, 120_000);

afterAll(async () => {
  await store.run(["rm", "-a", "-f"]);
  store.cleanup();
}, 60_000);

test("logs keeps stdout and stderr apart and joins partial lines", async () => {
  await ran("streams", "echo out1; echo err1 >&2; printf 'par'; sleep 0.1; echo tial; echo out3");
  const r = await ok(["logs", "streams"]);
  expect(r.stdout).toBe("out1\npartial\nout3\n");
  expect(r.stderr).toBe("err1\n");
}, 30_000);

test("logs --tail counts lines from the end", async () => {
  await ran("tail", "for i in 1 2 3 4 5; do echo line$i; done");
  expect((await ok(["logs", "--tail", "2", "tail"])).stdout).toBe("line4\nline5\n");
  expect((await ok(["logs", "--tail", "0", "tail"])).stdout).toBe("");
  expect((await ok(["logs", "--tail", "9", "tail"])).stdout).toBe("line1\nline2\nline3\nline4\nline5\n");
  // -n is --tail, as in Docker.
  expect((await ok(["logs", "-n", "1", "tail"])).stdout).toBe("line5\n");
}, 30_000);

test("logs -t prefixes RFC3339Nano timestamps", async () => {
  await ran("stamps", "echo a; echo b");
  const lines = (await ok(["logs", "-t", "stamps"])).stdout.split("\n").filter(Boolean);
  expect(lines).toHaveLength(2);
  for (const [i, l] of lines.entries()) {
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d*[1-9])?(?:Z|[+-]\d\d:\d\d)) (a|b)$/.exec(l);
    expect(m).not.toBeNull();
    expect(m![2]).toBe(i === 0 ? "a" : "b");
    expect(Math.abs(Date.parse(m![1]!) - Date.now())).toBeLessThan(60_000);
  }
}, 30_000);

test("logs --since/--until take RFC3339 times and durations", async () => {
  await ran("times", "echo early; sleep 1.5; echo late");
  const stamped = (await ok(["logs", "-t", "times"])).stdout.split("\n").filter(Boolean);
  const [t0, t1] = stamped.map((l) => Date.parse(l.split(" ")[0]!));
  expect(t1! - t0!).toBeGreaterThan(1000);
  const mid = new Date((t0! + t1!) / 2).toISOString();
  expect((await ok(["logs", "--since", mid, "times"])).stdout).toBe("late\n");
  expect((await ok(["logs", "--until", mid, "times"])).stdout).toBe("early\n");
  expect((await ok(["logs", "--since", mid, "--until", new Date(t1! + 1000).toISOString(), "times"])).stdout).toBe("late\n");
  // A duration counts back from now for --since and forward for --until (Podman's ParseInputTime).
  expect((await ok(["logs", "--since", "10m", "times"])).stdout).toBe("early\nlate\n");
  expect((await ok(["logs", "--until", "10m", "times"])).stdout).toBe("early\nlate\n");
  await Bun.sleep(Math.max(0, t1! + 700 - Date.now()));
  expect((await ok(["logs", "--since", "500ms", "times"])).stdout).toBe("");
  const bad = await store.run(["logs", "--since", "yesterday", "times"]);
  expect(bad.code).toBe(125);
  expect(bad.stderr).toBe("Error: unable to interpret time value\n");
}, 30_000);

test("logs -f follows the output until the container exits", async () => {
  const id = (await ok(["run", "-d", "--name", "follow", BUSYBOX, "sh", "-c", "echo first; sleep 1; echo second >&2; sleep 0.5; echo third"])).stdout.trim();
  const t0 = Date.now();
  const r = await ok(["logs", "-f", id]);
  // It returned only after the last line, when the container ended.
  expect(Date.now() - t0).toBeGreaterThan(1000);
  expect(r.stdout).toBe("first\nthird\n");
  expect(r.stderr).toBe("second\n");
  const st = await ok(["ps", "-a", "--filter", `id=${id}`, "--format", "{{.State}}"]);
  expect(st.stdout).toBe("exited\n");
}, 30_000);

test("logs of two containers prefixes each line with its container", async () => {
  const a = await ran("twoa", "echo from-a");
  const b = await ran("twob", "echo from-b; echo more-b");
  const r = await ok(["logs", "twoa", "twob"]);
  expect(r.stdout.split("\n").filter(Boolean).sort()).toEqual(
    [`${a.slice(0, 12)} from-a`, `${b.slice(0, 12)} from-b`, `${b.slice(0, 12)} more-b`].sort(),
  );
  // Lines of one container keep their order.
  expect(r.stdout.indexOf("from-b")).toBeLessThan(r.stdout.indexOf("more-b"));
  const named = await ok(["logs", "--names", "twoa", "twob"]);
  expect(named.stdout.split("\n").filter(Boolean).sort()).toEqual(["twoa from-a", "twob from-b", "twob more-b"]);
}, 30_000);

test("logs of a missing container is a one-line error with exit 125", async () => {
  const r = await store.run(["logs", "nosuch"]);
  expect(r.code).toBe(125);
  expect(r.stdout).toBe("");
  expect(r.stderr).toBe('Error: no container with name or ID "nosuch" found: no such container\n');
  const mixed = await store.run(["logs", "twoa", "nosuch"]);
  expect(mixed.code).toBe(125);
  expect(mixed.stdout).toBe("");
  expect(mixed.stderr).toBe('Error: no container with name or ID "nosuch" found: no such container\n');
}, 30_000);

test("nothing is left behind", async () => {
  expect((await ok(["rm", "-a", "-f"])).code).toBe(0);
  expect((await ok(["ps", "-a", "-q"])).stdout).toBe("");
  expect(await settledLeftovers(store)).toEqual([]);
}, 60_000);
