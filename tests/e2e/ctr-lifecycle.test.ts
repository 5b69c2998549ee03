/**
 * start, stop, kill, restart, rm, pause/unpause, rename, container exists,
 * container prune and wait end to end, with exit codes and messages
 * recorded from Podman 4.3 on this machine.
 */
import { expect, test } from "bun:test";
import { BUSYBOX, ctrSuite } from "../support/ctr.ts";

const t = ctrSuite("life");
const LOOP = "trap 'exit 0' TERM; while :; do sleep 0.1; done";
const missing = 'Error: no container with name or ID "nosuch" found: no such container\n';

test("start: several, already running (prints nothing), unknown name (nothing started)", async () => {
  await t.ok(["create", "--name", "s1", BUSYBOX, "sleep", "100"]);
  await t.ok(["create", "--name", "s2", BUSYBOX, "sleep", "100"]);
  expect(await t.ok(["start", "s1", "s2"])).toBe("s1\ns2\n");
  expect(await t.fmt("s2", "{{.State.Status}}")).toBe("running");
  expect(await t.ok(["start", "s1"])).toBe("");
  await t.ok(["create", "--name", "s3", BUSYBOX, "true"]);
  const r = await t.sk(["start", "s3", "nosuch"]);
  expect([r.code, r.stdout, r.stderr]).toEqual([125, "", missing]);
  expect(await t.fmt("s3", "{{.State.Status}}")).toBe("created");
  const multi = await t.sk(["start", "-a", "s1", "s2"]);
  expect([multi.code, multi.stderr]).toEqual([125, "Error: you cannot start and attach multiple containers at once\n"]);
  await t.clean();
}, 60_000);

test("stop: stop signal, then SIGKILL after -t; a stopped container; -a; --ignore; unknown", async () => {
  await t.ok(["run", "-d", "--name", "trapper", BUSYBOX, "sh", "-c", LOOP]);
  await t.ok(["run", "-d", "--name", "stubborn", BUSYBOX, "sh", "-c", "trap '' TERM; while :; do sleep 0.1; done"]);
  expect(await t.ok(["stop", "trapper"])).toBe("trapper\n");
  expect(await t.fmt("trapper", "{{.State.Status}} {{.State.ExitCode}}")).toBe("exited 0");
  const t0 = Date.now();
  expect(await t.ok(["stop", "--time", "1", "stubborn"])).toBe("stubborn\n");
  expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  expect(Date.now() - t0).toBeLessThan(6000);
  expect(await t.fmt("stubborn", "{{.State.ExitCode}}")).toBe("137");
  // A stopped container: its name, exit 0.
  expect(await t.ok(["stop", "trapper"])).toBe("trapper\n");
  const r = await t.sk(["stop", "trapper", "nosuch"]);
  expect([r.code, r.stdout, r.stderr]).toEqual([125, "", missing]);
  expect(await t.ok(["stop", "--ignore", "nosuch"])).toBe("");
  const run = (await t.ok(["run", "-d", "--name", "again", BUSYBOX, "sh", "-c", LOOP])).trim();
  // -a lists every container by full ID, stopped ones included.
  const all = (await t.ok(["stop", "-a", "-t", "0"])).split("\n").filter(Boolean);
  expect(all).toHaveLength(3);
  expect(all).toContain(run);
  expect(await t.fmt("again", "{{.State.Status}}")).toBe("exited");
  await t.clean();
}, 60_000);

test("kill: -s by name and number, default SIGKILL, -a, not running, unknown", async () => {
  const sigs = "trap 'exit 10' USR1; trap 'exit 12' USR2; while :; do sleep 0.1; done";
  await t.ok(["run", "-d", "--name", "k1", BUSYBOX, "sh", "-c", sigs]);
  await t.ok(["run", "-d", "--name", "k2", BUSYBOX, "sh", "-c", sigs]);
  await t.ok(["run", "-d", "--name", "k3", BUSYBOX, "sleep", "100"]);
  expect(await t.ok(["kill", "-s", "USR1", "k1"])).toBe("k1\n");
  expect(await t.ok(["wait", "k1"])).toBe("10\n");
  expect(await t.ok(["kill", "--signal", "12", "k2"])).toBe("k2\n");
  expect(await t.ok(["wait", "k2"])).toBe("12\n");
  expect(await t.ok(["kill", "k3"])).toBe("k3\n");
  expect(await t.ok(["wait", "k3"])).toBe("137\n");
  const id1 = await t.fmt("k1", "{{.Id}}");
  const dead = await t.sk(["kill", "k1"]);
  expect([dead.code, dead.stderr]).toEqual([125, `Error: can only kill running containers. ${id1} is in state exited: container state improper\n`]);
  const r = await t.sk(["kill", "k1", "nosuch"]);
  expect([r.code, r.stdout, r.stderr]).toEqual([125, "", missing]);
  const a = (await t.ok(["run", "-d", "--name", "k4", BUSYBOX, "sleep", "100"])).trim();
  expect(await t.ok(["kill", "-a"])).toBe(`${a}\n`);
  expect(await t.ok(["wait", "k4"])).toBe("137\n");
  await t.clean();
}, 60_000);

test("restart: running and exited containers, -t, RestartCount unchanged, -a prints IDs", async () => {
  await t.ok(["run", "-d", "--name", "r1", BUSYBOX, "sh", "-c", `echo start; ${LOOP}`]);
  const pid1 = await t.fmt("r1", "{{.State.Pid}}");
  expect(await t.ok(["restart", "-t", "2", "r1"])).toBe("r1\n");
  expect(await t.fmt("r1", "{{.State.Status}} {{.RestartCount}}")).toBe("running 0");
  expect(await t.fmt("r1", "{{.State.Pid}}")).not.toBe(pid1);
  await t.ok(["run", "--name", "r2", BUSYBOX, "sh", "-c", "echo ran"]);
  expect(await t.ok(["restart", "r2"])).toBe("r2\n");
  expect(await t.ok(["wait", "r2"])).toBe("0\n");
  expect(await t.ok(["logs", "r2"])).toBe("ran\nran\n");
  expect(await t.fmt("r2", "{{.RestartCount}}")).toBe("0");
  const r = await t.sk(["restart", "r1", "nosuch"]);
  expect([r.code, r.stdout, r.stderr]).toEqual([125, "", missing]);
  const ids = (await t.ok(["restart", "-a", "-t", "0"])).split("\n").filter(Boolean);
  expect(ids.every((i) => /^[0-9a-f]{64}$/.test(i))).toBe(true);
  expect(ids).toHaveLength(2);
  await t.clean();
}, 60_000);

test("rm: missing (1), running without -f (2), -f, -i, -a, -v, --time", async () => {
  const nos = await t.sk(["rm", "nosuch"]);
  expect([nos.code, nos.stdout, nos.stderr]).toEqual([1, "", missing]);
  expect(await t.ok(["rm", "-i", "nosuch"])).toBe("");
  expect(await t.ok(["rm", "-f", "nosuch"])).toBe("");
  const id = (await t.ok(["run", "-d", "--name", "busy", BUSYBOX, "sh", "-c", LOOP])).trim();
  const idle = (await t.ok(["create", "--name", "idle", BUSYBOX, "true"])).trim();
  const run = await t.sk(["rm", "busy"]);
  expect([run.code, run.stderr]).toEqual([2, `Error: cannot remove container ${id} as it is running - running or paused containers cannot be removed without force: container state improper\n`]);
  // An unknown name stops the call before anything is removed.
  const mixed = await t.sk(["rm", "idle", "nosuch"]);
  expect([mixed.code, mixed.stdout]).toEqual([1, ""]);
  expect((await t.sk(["container", "exists", "idle"])).code).toBe(0);
  // -f -t N: the stop signal first (the trap exits 0), not SIGKILL.
  expect(await t.ok(["rm", "-f", "-t", "5", "busy"])).toBe("busy\n");
  // -v takes the anonymous volume along; a named one stays.
  await t.ok(["run", "--name", "vols", "-v", "/anon", "-v", "ctrnamed:/named", BUSYBOX, "true"]);
  const anon = await t.fmt("vols", "{{range .Mounts}}{{if eq .Destination \"/anon\"}}{{.Name}}{{end}}{{end}}");
  expect(await t.ok(["rm", "-v", "vols"])).toBe("vols\n");
  expect((await t.sk(["volume", "exists", anon])).code).toBe(1);
  expect((await t.sk(["volume", "exists", "ctrnamed"])).code).toBe(0);
  await t.ok(["volume", "rm", "ctrnamed"]);
  const a1 = (await t.ok(["run", "-d", BUSYBOX, "sleep", "100"])).trim();
  const all = await t.sk(["rm", "-a"]);
  expect(all.code).toBe(2);
  expect(all.stdout.split("\n").filter(Boolean)).toEqual([idle]);
  expect(await t.ok(["rm", "-a", "-f"])).toBe(`${a1}\n`);
  await t.clean();
}, 60_000);

test("pause/unpause: state in ps and inspect, the process frozen, -a, wrong states", async () => {
  await t.ok(["run", "-d", "--name", "p1", BUSYBOX, "sh", "-c", "i=0; while :; do i=$((i+1)); echo $i > /tick; sleep 0.05; done"]);
  await Bun.sleep(300);
  expect(await t.ok(["pause", "p1"])).toBe("p1\n");
  expect(await t.ok(["ps", "--format", "{{.Names}} {{.Status}} {{.State}}"])).toBe("p1 Paused paused\n");
  expect(await t.fmt("p1", "{{.State.Status}} {{.State.Paused}} {{.State.Running}}")).toBe("paused true false");
  const id = await t.fmt("p1", "{{.Id}}");
  // The counter is read through the rootfs mount: no exec into a frozen container.
  const merged = await t.fmt("p1", "{{.GraphDriver.Data.MergedDir}}");
  const before = await Bun.file(`${merged}/tick`).text();
  await Bun.sleep(400);
  expect(await Bun.file(`${merged}/tick`).text()).toBe(before);
  const again = await t.sk(["pause", "p1"]);
  expect([again.code, again.stderr]).toEqual([125, `Error: "${id}" is already paused: container state improper\n`]);
  expect(await t.ok(["unpause", "p1"])).toBe("p1\n");
  await Bun.sleep(400);
  expect(Number(await Bun.file(`${merged}/tick`).text())).toBeGreaterThan(Number(before));
  const un = await t.sk(["unpause", "p1"]);
  expect([un.code, un.stderr]).toEqual([125, `Error: "${id}" is not paused, can't unpause: container state improper\n`]);
  await t.ok(["create", "--name", "p2", BUSYBOX, "true"]);
  const notRunning = await t.sk(["pause", "p2"]);
  expect([notRunning.code, notRunning.stderr]).toEqual([125, `Error: "created" is not running, can't pause: container state improper\n`]);
  expect(await t.ok(["pause", "-a"])).toBe(`${id}\n`);
  expect(await t.ok(["unpause", "-a"])).toBe(`${id}\n`);
  // A paused container stops (and rm -f removes) as a running one.
  await t.ok(["pause", "p1"]);
  expect(await t.ok(["stop", "-t", "0", "p1"])).toBe("p1\n");
  await t.clean();
}, 60_000);

test("rename, container exists, container prune, wait", async () => {
  await t.ok(["create", "--name", "n1", BUSYBOX, "true"]);
  const n2 = (await t.ok(["create", "--name", "n2", BUSYBOX, "true"])).trim();
  const clash = await t.sk(["rename", "n2", "n1"]);
  expect([clash.code, clash.stderr]).toEqual([125, `Error: renaming container ${n2}: name n1 already in use, cannot rename container ${n2}: container already exists\n`]);
  expect(await t.ok(["rename", "n2", "n3"])).toBe("");
  expect((await t.sk(["container", "exists", "n3"])).code).toBe(0);
  expect((await t.sk(["container", "exists", "n2"])).code).toBe(1);
  expect((await t.sk(["container", "exists", n2.slice(0, 12)])).code).toBe(0);
  const bad = await t.sk(["rename", "n3", "bad name"]);
  expect([bad.code, bad.stderr]).toEqual([125, "Error: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument\n"]);
  const gone = await t.sk(["rename", "nosuch", "y"]);
  expect([gone.code, gone.stderr]).toEqual([125, missing]);
  // wait: several containers, each code on its own line; conditions.
  await t.ok(["run", "-d", "--name", "w1", BUSYBOX, "sh", "-c", "sleep 0.3; exit 4"]);
  await t.ok(["run", "-d", "--name", "w2", BUSYBOX, "sh", "-c", "sleep 0.5; exit 6"]);
  expect(await t.ok(["wait", "w1", "w2"])).toBe("4\n6\n");
  const live = (await t.ok(["run", "-d", "--name", "w3", BUSYBOX, "sleep", "100"])).trim();
  expect(await t.ok(["wait", "--condition", "running", "w3"])).toBe("-1\n");
  const stopping = t.sk(["wait", "--condition", "exited", "w3"]);
  await t.ok(["kill", "w3"]);
  expect((await stopping).stdout).toBe("137\n");
  const badc = await t.sk(["wait", "--condition", "bogus", "w1"]);
  expect([badc.code, badc.stderr]).toEqual([125, "Error: unknown container state: bogus: invalid argument\n"]);
  const nw = await t.sk(["wait", "nosuch"]);
  expect([nw.code, nw.stderr]).toEqual([125, missing]);
  // prune: stopped ones only, their full IDs.
  const keep = (await t.ok(["run", "-d", "--name", "keep", BUSYBOX, "sleep", "100"])).trim();
  const expected = [n2, live, ...await Promise.all(["n1", "w1", "w2"].map((n) => t.fmt(n, "{{.Id}}")))].sort();
  const pruned = (await t.ok(["container", "prune", "-f"])).split("\n").filter(Boolean).sort();
  expect(pruned).toEqual(expected);
  expect(await t.ok(["ps", "-a", "--format", "{{.ID}}", "--no-trunc"])).toBe(`${keep}\n`);
  await t.clean();
}, 60_000);

