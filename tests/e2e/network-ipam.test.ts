/**
 * IPAM under concurrency: 20 `run -d` started at the same time on one user
 * network each get their own address (leases are taken under BEGIN
 * IMMEDIATE in the state database), shown by inspect and inside the
 * container; removing them all at once leaves no veth, namespace, lease,
 * rule or process of the store behind.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { testStore, type RunResult } from "../support/cli.ts";
import { networkLeftovers, settledLeftovers } from "../support/leaks.ts";

const BUSYBOX = "localhost:5000/busybox:latest";
const store = testStore("netipam");
const net = `ipam${process.pid}`;
const N = 20;
/** The network's /24, e.g. "10.89.3." (picked free by `network create`, so no clash with other stores). */
let prefix = "";

async function ok(args: string[]): Promise<RunResult> {
  const r = await store.run(args);
  if (r.code !== 0) throw new Error(`skiff ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r;
}

beforeAll(async () => {
  Bun.spawnSync(["sh", "fixtures/host-prep.sh"]);
  await ok(["pull", "-q", BUSYBOX]);
  await ok(["network", "create", net]);
  const subnet = (JSON.parse((await ok(["network", "inspect", net])).stdout) as { subnets: { subnet: string }[] }[])[0]!.subnets[0]!.subnet;
  expect(subnet).toMatch(/^\d+\.\d+\.\d+\.0\/24$/);
  prefix = subnet.replace(/0\/24$/, "");
}, 120_000);

afterAll(async () => {
  await store.run(["rm", "-a", "-f", "-t", "0"]);
  await store.run(["network", "rm", "-f", net]);
  store.cleanup();
}, 120_000);

test(`${N} containers started in parallel on one network get distinct addresses`, async () => {
  const started = await Promise.all(Array.from({ length: N }, (_, i) =>
    store.run(["run", "-d", "--name", `c${i}`, "--network", net, BUSYBOX, "sleep", "120"])));
  for (const r of started) expect(`${r.code} ${r.stderr}`).toBe("0 ");
  const ips = await Promise.all(Array.from({ length: N }, async (_, i) =>
    (await ok(["inspect", "--format", `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, `c${i}`])).stdout.trim()));
  for (const ip of ips) expect(ip.startsWith(prefix) && /^\d+$/.test(ip.slice(prefix.length))).toBe(true);
  expect(new Set(ips).size).toBe(N);
  expect(ips).not.toContain(`${prefix}1`); // the gateway
  // The address inspect reports is the one the container has.
  for (const i of [0, N - 1]) {
    const inside = (await ok(["exec", `c${i}`, "ip", "-o", "-4", "addr", "show", "eth0"])).stdout;
    expect(inside).toContain(`inet ${ips[i]}/24`);
  }
}, 240_000);

test("all of them removed at once leave nothing behind", async () => {
  const removed = await Promise.all(Array.from({ length: N }, (_, i) => store.run(["rm", "-f", "-t", "0", `c${i}`])));
  for (const r of removed) expect(`${r.code} ${r.stderr}`).toBe("0 ");
  expect((await ok(["ps", "-a", "-q"])).stdout).toBe("");
  expect(await settledLeftovers(store)).toEqual([]);
  // Before `network rm`: the check finds the network's bridge and subnet through its config.
  expect(networkLeftovers(store)).toEqual([]);
  await ok(["network", "rm", net]);
}, 240_000);
