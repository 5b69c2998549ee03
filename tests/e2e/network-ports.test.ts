/**
 * Published host ports end to end: skiff binds them itself and hands the
 * sockets to conmon, which holds them for the container's life (as Podman
 * does), so `ss` names conmon as the holder while the container runs, the
 * port is free again once it exited, and a second `run -p` on a held port
 * (TCP or UDP, or one held by another program) is a one-line "address
 * already in use" error with exit 125 and nothing half set up. Loopback
 * only, ports 18100–18199.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { testStore, type RunResult } from "../support/cli.ts";
import { leftovers, networkLeftovers, settledLeftovers, storeMounts } from "../support/leaks.ts";

const BUSYBOX = "localhost:5000/busybox:latest";
const store = testStore("netports");

async function ok(args: string[]): Promise<RunResult> {
  const r = await store.run(args);
  if (r.code !== 0) throw new Error(`skiff ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r;
}

/** `ss` lines of listening (tcp) or bound (udp) sockets on 127.0.0.1:<port>, with their processes. */
function holders(port: number, proto: "tcp" | "udp" = "tcp"): string {
  const r = Bun.spawnSync(["ss", "-H", "-n", "-p", proto === "tcp" ? "-lt" : "-lu", `sport = :${port}`], { stdout: "pipe", stderr: "ignore" });
  return r.stdout.toString().trim();
}

async function conmonPid(name: string): Promise<string> {
  return (await ok(["inspect", "--format", "{{.State.ConmonPid}}", name])).stdout.trim();
}

/** What a refused start must not leave: a namespace, a mount, or an address lease for `id`. */
function halfSetUp(id: string): string[] {
  const netns = join(store.runroot, "netns");
  return [
    ...(existsSync(netns) ? readdirSync(netns).filter((n) => id.startsWith(n.replace(/^skiff-/, ""))).map((n) => `netns ${n}`) : []),
    ...storeMounts(store).filter((m) => m.includes(id)).map((m) => `mount ${m}`),
  ];
}

beforeAll(async () => {
  Bun.spawnSync(["sh", "fixtures/host-prep.sh"]);
  await ok(["pull", "-q", BUSYBOX]);
}, 120_000);

afterAll(async () => {
  await store.run(["rm", "-a", "-f", "-t", "0"]);
  store.cleanup();
}, 60_000);

test("conmon holds a published TCP port while the container runs; it is free once the container exited", async () => {
  await ok(["run", "-d", "--name", "holder", "-p", "127.0.0.1:18101:80", BUSYBOX, "sleep", "3"]);
  const held = holders(18101);
  expect(held).toContain("127.0.0.1:18101");
  expect(held).toContain(`"conmon",pid=${await conmonPid("holder")},`);
  expect((await ok(["wait", "holder"])).stdout.trim()).toBe("0");
  // conmon closes the sockets before it writes the exit file.
  expect(holders(18101)).toBe("");
  // The port is usable again.
  await ok(["run", "--rm", "-p", "127.0.0.1:18101:80", BUSYBOX, "true"]);
  await ok(["rm", "holder"]);
}, 60_000);

test("a second run -p on a held TCP port is a one-line error, exit 125, nothing half set up", async () => {
  await ok(["run", "-d", "--name", "first", "-p", "127.0.0.1:18102:80", BUSYBOX, "sleep", "60"]);
  const r = await store.run(["run", "-d", "--name", "second", "-p", "127.0.0.1:18102:80", BUSYBOX, "true"]);
  expect(r.code).toBe(125);
  expect(r.stderr).toBe("Error: cannot listen on the TCP port: listen tcp4 127.0.0.1:18102: bind: address already in use\n");
  const second = (await ok(["inspect", "--format", "{{.Id}} {{.State.Status}}", "second"])).stdout.trim().split(" ");
  expect(second[1]).not.toBe("running");
  expect(halfSetUp(second[0]!)).toEqual([]);
  expect((await ok(["inspect", "--format", "{{.NetworkSettings.IPAddress}}", "second"])).stdout.trim()).toBe("");
  // The first one still holds it and keeps running.
  expect(holders(18102)).toContain(`pid=${await conmonPid("first")},`);
  expect((await ok(["inspect", "--format", "{{.State.Status}}", "first"])).stdout.trim()).toBe("running");
  await ok(["rm", "-f", "-t", "0", "first", "second"]);
  expect(holders(18102)).toBe("");
}, 60_000);

test("a held UDP port is refused too", async () => {
  await ok(["run", "-d", "--name", "udp1", "-p", "127.0.0.1:18103:53/udp", BUSYBOX, "sleep", "60"]);
  expect(holders(18103, "udp")).toContain(`pid=${await conmonPid("udp1")},`);
  const r = await store.run(["run", "--rm", "-p", "127.0.0.1:18103:53/udp", BUSYBOX, "true"]);
  expect(r.code).toBe(125);
  expect(r.stderr).toBe("Error: cannot listen on the UDP port: listen udp4 127.0.0.1:18103: bind: address already in use\n");
  await ok(["rm", "-f", "-t", "0", "udp1"]);
}, 60_000);

test("a port held by another program is refused before anything is set up", async () => {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 18104, socket: { data() {} } });
  try {
    const r = await store.run(["run", "--rm", "-p", "127.0.0.1:18104:80", BUSYBOX, "true"]);
    expect(r.code).toBe(125);
    expect(r.stderr).toBe("Error: cannot listen on the TCP port: listen tcp4 127.0.0.1:18104: bind: address already in use\n");
    expect((await ok(["ps", "-a", "-q"])).stdout).toBe("");
  } finally {
    server.stop(true);
  }
}, 30_000);

test("nothing of the store remains", async () => {
  expect(await settledLeftovers(store)).toEqual([]);
  expect(leftovers(store)).toEqual([]);
  expect(networkLeftovers(store)).toEqual([]);
}, 30_000);
