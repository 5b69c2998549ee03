/**
 * A `run -d -p` killed (SIGKILL) at any point of its start leaves a
 * container that `rm -f` removes with everything it had set up: namespace,
 * veth, address lease, DNAT rules; afterwards the same host port works for
 * a new container. Loopback only (port 18110).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { skiffCommand, testStore } from "../support/cli.ts";
import { networkLeftovers, settledLeftovers } from "../support/leaks.ts";

const BUSYBOX = "localhost:5000/busybox:latest";
const store = testStore("netkill");

beforeAll(async () => {
  const r = await store.run(["pull", "-q", BUSYBOX]);
  if (r.code !== 0) throw new Error(r.stderr);
}, 120_000);

afterAll(async () => {
  await store.run(["rm", "-a", "-f"]);
  store.cleanup();
}, 60_000);

test("run -d -p killed midway: rm -f undoes every part of the network set-up", async () => {
  // Kill after increasing delays, so that some kills land inside the network set-up.
  for (const delay of [20, 40, 60, 80, 100, 140, 200]) {
    const p = Bun.spawn([...skiffCommand(), "--root", store.root, "--runroot", store.runroot, "run", "-d", "--name", "k9", "-p", "127.0.0.1:18110:80", BUSYBOX, "sleep", "100"],
      { stdout: "ignore", stderr: "ignore" });
    await Bun.sleep(delay);
    p.kill("SIGKILL");
    await p.exited;
    const rm = await store.run(["rm", "-f", "-t", "0", "--ignore", "k9"]);
    expect(rm.stderr).toBe("");
    expect(rm.code).toBe(0);
    expect(networkLeftovers(store)).toEqual([]);
    expect(await settledLeftovers(store)).toEqual([]);
  }
  // The port is usable again: a web server answers on it.
  const web = await store.run(["run", "-d", "--name", "web", "-p", "127.0.0.1:18110:80", BUSYBOX, "httpd", "-f", "-p", "80", "-h", "/etc"]);
  expect(web.code).toBe(0);
  let body = "";
  for (let i = 0; i < 50 && !body.includes("root:"); i++) {
    try { body = await (await fetch("http://127.0.0.1:18110/passwd")).text(); } catch { await Bun.sleep(100); }
  }
  expect(body).toContain("root:");
  expect((await store.run(["rm", "-f", "-t", "0", "web"])).code).toBe(0);
  expect(networkLeftovers(store)).toEqual([]);
  expect(await settledLeftovers(store)).toEqual([]);
}, 120_000);
