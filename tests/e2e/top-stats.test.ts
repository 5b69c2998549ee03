/**
 * `top`, `port` and `stats --no-stream` end to end: real containers under
 * conmon + crun, numbers checked against the container's own cgroup files
 * and /proc.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { testStore } from "../support/cli.ts";
import { settledLeftovers } from "../support/leaks.ts";

const BUSYBOX = "localhost:5000/busybox:latest";
const store = testStore("top-stats");

async function ok(args: string[]) {
  const r = await store.run(args);
  if (r.code !== 0) throw new Error(`skiff ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r;
}

const cells = (line: string) => line.trim().split(/\s{2,}/);
let busy = ""; // running: sh (init) + 2 × sleep, memory limit 64m, two published ports
let quiet = ""; // running: sleep, nothing published
let done = ""; // exited

beforeAll(async () => {
  Bun.spawnSync(["sh", "fixtures/host-prep.sh"]);
  await ok(["pull", "-q", BUSYBOX]);
  busy = (await ok(["run", "-d", "--name", "busy", "--memory", "64m", "-p", "8080:80", "-p", "127.0.0.1:9000-9001:90-91/udp",
    BUSYBOX, "sh", "-c", "sleep 600 & sleep 601 & wait"])).stdout.trim();
  quiet = (await ok(["run", "-d", "--name", "quiet", BUSYBOX, "sleep", "600"])).stdout.trim();
  done = (await ok(["run", "-d", "--name", "done", BUSYBOX, "true"])).stdout.trim();
  await ok(["wait", done]);
}, 120_000);

afterAll(async () => {
  await store.run(["rm", "-a", "-f"]);
  store.cleanup();
}, 60_000);

async function hostPid(ref: string): Promise<number> {
  return Number((await ok(["inspect", "--format", "{{.State.Pid}}", ref])).stdout.trim());
}

test("top lists the container's processes with Podman's default columns", async () => {
  const r = await ok(["top", "busy"]);
  const [head, ...rows] = r.stdout.trimEnd().split("\n");
  expect(cells(head!)).toEqual(["USER", "PID", "PPID", "%CPU", "ELAPSED", "TTY", "TIME", "COMMAND"]);
  const parsed = rows.map(cells);
  expect(parsed.map((c) => c.at(-1)).sort()).toEqual(["sh -c sleep 600 & sleep 601 & wait", "sleep 600", "sleep 601"]);
  const init = parsed.find((c) => c[1] === "1")!;
  expect(init.slice(0, 3)).toEqual(["root", "1", "0"]);
  expect(init[3]).toMatch(/^\d+\.\d{3}$/);
  expect(init[4]).toMatch(/^[\d.]+(ms|s)$|^\d+m[\d.]+s$/);
  expect(init[5]).toBe("?");
  expect(init[6]).toBe("0s");
  // The sleeps are init's children, numbered in the container's pid namespace.
  for (const c of parsed.filter((x) => x[1] !== "1")) expect(c[2]).toBe("1");
}, 30_000);

test("top takes psgo descriptors, AIX codes, and hands other arguments to ps(1)", async () => {
  const r = await ok(["top", "busy", "pid,comm", "hpid"]);
  const [head, ...rows] = r.stdout.trimEnd().split("\n");
  expect(cells(head!)).toEqual(["PID", "COMMAND", "HPID"]);
  const init = rows.map(cells).find((c) => c[0] === "1")!;
  expect(init[1]).toBe("sh");
  expect(Number(init[2])).toBe(await hostPid("busy"));
  const aix = await ok(["top", "quiet", "%p", "%u", "%c"]);
  expect(aix.stdout.trimEnd().split("\n").map(cells)).toEqual([["PID", "USER", "COMMAND"], ["1", "root", "sleep"]]);
  // busybox ps -o: its own header and lines, minus the ps process itself.
  const ps = await ok(["top", "quiet", "-o", "pid,comm"]);
  const lines = ps.stdout.trimEnd().split("\n").map((l) => l.trim().split(/\s+/));
  expect(lines[0]).toEqual(["PID", "COMMAND"]);
  expect(lines).toContainEqual(["1", "sleep"]);
}, 30_000);

test("top refuses a container that is not running", async () => {
  const r = await store.run(["top", "done"]);
  expect(r.code).toBe(125);
  expect(r.stderr).toBe("Error: top can only be used on running containers: container state improper\n");
  const m = await store.run(["top", "nosuch"]);
  expect(m.code).toBe(125);
  expect(m.stderr).toBe('Error: no container with name or ID "nosuch" found: no such container\n');
}, 30_000);

test("port prints the recorded mappings", async () => {
  expect((await ok(["port", "busy"])).stdout).toBe("80/tcp -> 0.0.0.0:8080\n90/udp -> 127.0.0.1:9000\n91/udp -> 127.0.0.1:9001\n");
  expect((await ok(["port", "busy", "80"])).stdout).toBe("0.0.0.0:8080\n");
  expect((await ok(["port", "busy", "91/udp"])).stdout).toBe("127.0.0.1:9001\n");
  expect((await ok(["port", "quiet"])).stdout).toBe("");
  expect((await ok(["port", "-a"])).stdout).toBe(`${busy}\n80/tcp -> 0.0.0.0:8080\n90/udp -> 127.0.0.1:9000\n91/udp -> 127.0.0.1:9001\n`);
  const miss = await store.run(["port", "busy", "81"]);
  expect(miss.code).toBe(125);
  expect(miss.stderr).toBe('Error: failed to find published port "81"\n');
  const none = await store.run(["port"]);
  expect(none.code).toBe(125);
  expect(none.stderr.split("\n")[0]).toBe("Error: you must supply a running container name or id");
}, 30_000);

/** The v1 (or v2) cgroup folder of a controller for a host pid, from /proc and mountinfo. */
function cgroupFile(pid: number, controller: string, file: string): string {
  const line = readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n").find((l) => l.split(":")[1]?.split(",").includes(controller));
  if (line) return `/sys/fs/cgroup/${controller}${line.split(":")[2]}/${file}`;
  const v2 = readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n").find((l) => l.startsWith("0::"))!;
  return `/sys/fs/cgroup${v2.slice(3)}/${file.replace("usage_in_bytes", "current")}`;
}

test("stats --no-stream reads CPU, memory and PIDs from the container's cgroup", async () => {
  const r = await ok(["stats", "--no-stream"]);
  const [head, ...rows] = r.stdout.trimEnd().split("\n");
  expect(cells(head!)).toEqual(["ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET IO", "BLOCK IO", "PIDS", "CPU TIME", "AVG CPU %"]);
  expect(rows.map((l) => cells(l)[1]).sort()).toEqual(["busy", "quiet"]); // running ones only
  const row = cells(rows.find((l) => cells(l)[1] === "busy")!);
  expect(row[0]).toBe(busy.slice(0, 12));
  expect(row[3]).toMatch(/^[\d.]+[kMG]?B \/ 67\.11MB$/); // 64 MiB limit, go-units decimal
  expect(row[4]).toMatch(/^\d+\.\d\d%$/);
  expect(row[5]).toBe("-- / --");
  expect(row[7]).toBe("3");
  expect(row[8]).toMatch(/^[\d.]+(µs|ms|s)$/);

  const pid = await hostPid("busy");
  const pids = Number(readFileSync(cgroupFile(pid, "pids", "pids.current"), "utf8"));
  const j = await ok(["stats", "--no-stream", "--no-trunc", "--format", "{{.ID}} {{.PIDs}} {{.MemUsage}} {{.MemLimit}} {{.CPUNano}}", "busy"]);
  const [id, p, , , , limit, cpuNano] = j.stdout.trim().split(" ");
  expect(id).toBe(busy);
  expect(Number(p)).toBe(pids);
  expect(Number(limit)).toBe(64 * 1024 * 1024);
  const cpuNow = Number(readFileSync(cgroupFile(pid, "cpuacct", "cpuacct.usage"), "utf8"));
  expect(Number(cpuNano)).toBeGreaterThan(0);
  expect(Number(cpuNano)).toBeLessThanOrEqual(cpuNow);
}, 30_000);

test("stats --format json, -a and errors", async () => {
  const j = JSON.parse((await ok(["stats", "--no-stream", "--format", "json", "quiet"])).stdout) as Record<string, string>[];
  expect(j).toHaveLength(1);
  expect(Object.keys(j[0]!)).toEqual(["id", "name", "cpu_time", "cpu_percent", "avg_cpu", "mem_usage", "mem_percent", "net_io", "block_io", "pids"]);
  expect(j[0]!.id).toBe(quiet.slice(0, 12));
  expect(j[0]!.name).toBe("quiet");
  expect(j[0]!.pids).toBe("1");
  const all = await ok(["stats", "--no-stream", "-a", "--format", "{{.Name}} {{.PIDS}} {{.MemUsage}} {{.CPUPerc}}"]);
  expect(all.stdout.split("\n").filter(Boolean).sort()).toContain("done -- -- / -- --");
  expect(all.stdout.split("\n").filter(Boolean)).toHaveLength(3);
  const m = await store.run(["stats", "--no-stream", "nosuch"]);
  expect(m.code).toBe(125);
  expect(m.stderr).toBe('Error: no container with name or ID "nosuch" found: no such container\n');
}, 30_000);

test("nothing is left behind", async () => {
  expect((await ok(["rm", "-a", "-f"])).code).toBe(0);
  expect((await ok(["ps", "-a", "-q"])).stdout).toBe("");
  expect(await settledLeftovers(store)).toEqual([]);
}, 60_000);
