/**
 * Networking end to end with real netavark and aardvark-dns: user networks
 * with DNS (names and aliases), a published port answering from the host,
 * an internal network (routing table only), connect/disconnect on a running
 * container, `--network container:X`, macvlan created and inspected only,
 * bad input as one-line 125 errors; after all, no bridge, veth, namespace,
 * rule naming the store's subnets, or aardvark-dns of this store remains.
 * Traffic goes only to loopback and the test's own bridge addresses.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { testStore, type RunResult } from "../support/cli.ts";
import { networkLeftovers, settledLeftovers } from "../support/leaks.ts";

const BUSYBOX = "localhost:5000/busybox:latest";
const store = testStore("network");
const net = `skt${process.pid}`;

async function ok(args: string[]): Promise<RunResult> {
  const r = await store.run(args);
  if (r.code !== 0) throw new Error(`skiff ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r;
}

/** A one-line engine error: exit 125, "Error: <msg>" and nothing else on stderr. */
async function fails(args: string[], msg: RegExp): Promise<void> {
  const r = await store.run(args);
  expect(r.code).toBe(125);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(msg);
}

beforeAll(async () => {
  Bun.spawnSync(["sh", "fixtures/host-prep.sh"]);
  await ok(["pull", "-q", BUSYBOX]);
  await ok(["network", "create", net]);
}, 120_000);

afterAll(async () => {
  await store.run(["rm", "-a", "-f"]);
  await store.run(["network", "prune", "-f"]);
  store.cleanup();
}, 60_000);

test("two containers on a user network reach each other by name and by alias", async () => {
  await ok(["run", "-d", "--name", "srv", "--network", net, "--network-alias", "web", BUSYBOX,
    "sh", "-c", "mkdir -p /www && echo from-srv > /www/index.html && exec httpd -f -p 8080 -h /www"]);
  const fetch = async (host: string) => {
    for (let i = 0; i < 30; i++) {
      const r = await store.run(["run", "--rm", "--network", net, BUSYBOX, "timeout", "5", "wget", "-qO-", `http://${host}:8080/`]);
      if (r.code === 0) return r.stdout;
      await Bun.sleep(200);
    }
    return "";
  };
  expect(await fetch("srv")).toBe("from-srv\n");
  expect(await fetch("web")).toBe("from-srv\n");
  const ip = (await ok(["inspect", "--format", `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, "srv"])).stdout.trim();
  expect(ip).toMatch(/^10\.\d+\.\d+\.\d+$/);
  expect((await ok(["run", "--rm", "--network", net, BUSYBOX, "nslookup", "srv"])).stdout).toContain(ip);
  const aliases = (await ok(["inspect", "--format", `{{json (index .NetworkSettings.Networks "${net}").Aliases}}`, "srv"])).stdout;
  expect(aliases).toContain("web");
  await ok(["rm", "-f", "srv"]);
}, 60_000);

test("a busybox httpd published on 127.0.0.1:18080 answers from the host; the port in use is a clear error", async () => {
  await ok(["run", "-d", "--name", "web", "-p", "127.0.0.1:18080:80", BUSYBOX,
    "sh", "-c", "mkdir -p /www && echo hello-skiff > /www/index.html && exec httpd -f -p 80 -h /www"]);
  let body = "";
  for (let i = 0; i < 50 && !body; i++) {
    const r = Bun.spawnSync(["curl", "-s", "--max-time", "2", "http://127.0.0.1:18080/"]);
    body = r.stdout.toString();
    if (!body) await Bun.sleep(100);
  }
  expect(body).toBe("hello-skiff\n");
  expect((await ok(["port", "web"])).stdout).toBe("80/tcp -> 127.0.0.1:18080\n");
  await fails(["run", "-d", "--name", "web2", "-p", "127.0.0.1:18080:80", BUSYBOX, "true"], /address already in use/);
  expect((await store.run(["inspect", "--format", "{{.State.Status}}", "web2"])).stdout.trim()).not.toBe("running");
  await store.run(["rm", "-f", "web2"]);
  await ok(["rm", "-f", "web"]);
}, 60_000);

test("an --internal network has no default route", async () => {
  await ok(["network", "create", "--internal", `${net}-int`]);
  const r = await ok(["run", "--rm", "--network", `${net}-int`, BUSYBOX, "ip", "route"]);
  expect(r.stdout).not.toContain("default");
  expect(r.stdout).toMatch(/dev eth0/);
  await ok(["network", "rm", `${net}-int`]);
}, 60_000);

test("connect and disconnect change a running container's interfaces", async () => {
  await ok(["network", "create", `${net}-b`]);
  await ok(["run", "-d", "--name", "cd", "--network", net, BUSYBOX, "sleep", "60"]);
  await ok(["network", "connect", `${net}-b`, "cd"]);
  expect((await ok(["exec", "cd", "ip", "-o", "link"])).stdout).toContain("eth1");
  const ip = (await ok(["inspect", "--format", `{{(index .NetworkSettings.Networks "${net}-b").IPAddress}}`, "cd"])).stdout.trim();
  expect(ip).toMatch(/^10\./);
  await ok(["network", "disconnect", `${net}-b`, "cd"]);
  expect((await ok(["exec", "cd", "ip", "-o", "link"])).stdout).not.toContain("eth1");
  await ok(["rm", "-f", "cd"]);
  await ok(["network", "rm", `${net}-b`]);
}, 60_000);

test("--network container:X shares X's namespace", async () => {
  await ok(["run", "-d", "--name", "owner", "--network", net, BUSYBOX, "sleep", "60"]);
  const a = (await ok(["exec", "owner", "ip", "-o", "-4", "addr", "show", "eth0"])).stdout;
  const b = (await ok(["run", "--rm", "--network", "container:owner", BUSYBOX, "ip", "-o", "-4", "addr", "show", "eth0"])).stdout;
  expect(b.split(/\s+/)[3]).toBe(a.split(/\s+/)[3]!);
  await ok(["rm", "-f", "owner"]);
}, 60_000);

test("a macvlan network is created and inspected (never used)", async () => {
  await ok(["network", "create", "-d", "macvlan", "-o", "parent=eth0", "--subnet", "192.168.250.0/24", `${net}-mv`].filter((x) => x !== "-o" && x !== "parent=eth0"));
  const info = JSON.parse((await ok(["network", "inspect", `${net}-mv`])).stdout) as { driver: string; subnets: { subnet: string }[] }[];
  expect(info[0]!.driver).toBe("macvlan");
  expect(info[0]!.subnets[0]!.subnet).toBe("192.168.250.0/24");
  await ok(["network", "rm", `${net}-mv`]);
}, 30_000);

test("bad input is a one-line error with exit 125 and leaves nothing behind", async () => {
  const sub = JSON.parse((await ok(["network", "inspect", net])).stdout)[0].subnets[0].subnet as string;
  await fails(["network", "create", "--subnet", sub, `${net}-dup`], /subnet .* is already used on the host or by another config/);
  await fails(["network", "create", net], /network name .* already used: network already exists/);
  await fails(["network", "create", "-d", "ipvlan", `${net}-ipv`], /unsupported driver ipvlan/);
  await fails(["run", "--rm", "--network", "nosuchnet", BUSYBOX, "true"], /unable to find network with name or ID nosuchnet: network not found/);
  await fails(["run", "--rm", "-p", "80000:80", BUSYBOX, "true"], /port numbers must be between 1 and 65535/);
  expect((await ok(["ps", "-a", "-q"])).stdout).toBe("");
  expect((await ok(["network", "ls", "-q"])).stdout.split("\n").filter(Boolean).sort()).toEqual([net, "skiff"].sort());
}, 30_000);

test("the default network is used without --network and is reachable as bridge", async () => {
  const r = await ok(["run", "--rm", BUSYBOX, "ip", "-o", "-4", "addr", "show", "eth0"]);
  expect(r.stdout).toMatch(/inet 10\./);
  const hosts = (await ok(["run", "--rm", "--network", "bridge", "--add-host", "db:10.1.2.3", BUSYBOX, "cat", "/etc/hosts"])).stdout;
  expect(hosts).toContain("10.1.2.3\tdb");
  expect(hosts).toContain("host.containers.internal");
}, 30_000);

test("nothing of the store's networking remains", async () => {
  expect(await settledLeftovers(store)).toEqual([]);
  expect(networkLeftovers(store)).toEqual([]);
}, 30_000);
