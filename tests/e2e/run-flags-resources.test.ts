/**
 * Resource flags of `run`, end to end with conmon + crun on this cgroup v1
 * host: the container finds its own cgroup in /proc/self/cgroup and reads the
 * v1 controller files mounted at /sys/fs/cgroup/<controller>/ (crun binds
 * the container's own folder there). --memory, --memory-reservation,
 * --memory-swap, --cpus, --cpu-shares, --cpuset-cpus, --pids-limit,
 * --ulimit, --shm-size, --oom-score-adj.
 */
import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runFlagsSuite } from "../support/run-flags.ts";

const t = runFlagsSuite("resources");

/** Shell that prints the container's cgroup path for `ctrl`, then the file's content. */
const cg = (ctrl: string, file: string) =>
  `p=$(grep -E '^[0-9]+:([^:]*,)?${ctrl}(,[^:]*)?:' /proc/self/cgroup | cut -d: -f3); case "$p" in /skiff_parent/skiff-*) ;; *) echo "bad cgroup $p"; esac; cat /sys/fs/cgroup/${ctrl}/${file}`;

function hostHard(name: string): number {
  const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith(name))!;
  return Number(line.slice(26).trim().split(/\s+/)[1]);
}

test("--memory and --memory-reservation show in the memory cgroup", async () => {
  expect(await t.out(["--memory", "64m"], cg("memory", "memory.limit_in_bytes"))).toBe("67108864\n");
  expect(await t.out(["-m", "1g", "--memory-reservation", "512m"], `${cg("memory", "memory.limit_in_bytes")}; cat /sys/fs/cgroup/memory/memory.soft_limit_in_bytes`))
    .toBe("1073741824\n536870912\n");
  await t.clean();
}, 30_000);

test("--memory kills a process that goes over the limit; inspect reports OOMKilled", async () => {
  const r = await t.run(["run", "--name", "oomer", "--memory", "16m", "--memory-swap", "16m", "localhost:5000/busybox:latest", "sh", "-c", "head -c 64m /dev/zero | tail > /dev/null"]);
  // tail is OOM-killed (SIGKILL): the shell returns 137.
  expect(r.code).toBe(137);
  const st = await t.run(["inspect", "--format", "{{.State.OOMKilled}} {{.State.ExitCode}}", "oomer"]);
  expect(st.stdout).toBe("true 137\n");
  // conmon's "oom" marker is written in the bundle, never in the caller's folder.
  expect(existsSync(join(process.cwd(), "oom"))).toBe(false);
  expect((await t.run(["rm", "oomer"])).code).toBe(0);
  const ok = await t.run(["run", "--name", "fine", "--memory", "16m", "localhost:5000/busybox:latest", "true"]);
  expect(ok.code).toBe(0);
  expect((await t.run(["inspect", "--format", "{{.State.OOMKilled}}", "fine"])).stdout).toBe("false\n");
  expect((await t.run(["rm", "fine"])).code).toBe(0);
  await t.clean();
}, 30_000);

test("--memory-swap without memsw accounting is dropped with Podman's warning", async () => {
  const memsw = (() => { try { readFileSync("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"); return true; } catch { return false; } })();
  const r = await t.run(["run", "--rm", "--memory", "32m", "--memory-swap", "64m", "localhost:5000/busybox:latest", "true"]);
  expect(r.code).toBe(0);
  if (!memsw) expect(r.stderr).toMatch(/^WARNING: .*swap.*\n$/i);
  await t.clean();
}, 30_000);

test("--cpus, --cpu-shares and --cpuset-cpus show in the cpu and cpuset cgroups", async () => {
  expect(await t.out(["--cpus", "0.5"], `${cg("cpu", "cpu.cfs_quota_us")}; cat /sys/fs/cgroup/cpu/cpu.cfs_period_us`)).toBe("50000\n100000\n");
  expect(await t.out(["--cpu-shares", "512"], cg("cpu", "cpu.shares"))).toBe("512\n");
  expect(await t.out(["--cpuset-cpus", "0"], cg("cpuset", "cpuset.cpus"))).toBe("0\n");
  await t.clean();
}, 30_000);

test("--pids-limit shows in pids.max (default 2048) and stops forks past it", async () => {
  expect(await t.out([], cg("pids", "pids.max"))).toBe("2048\n");
  expect(await t.out(["--pids-limit", "-1"], cg("pids", "pids.max"))).toBe("max\n");
  // The 6th process cannot be forked: the inner shell reports "can't fork".
  expect(await t.out(["--pids-limit", "5"], `${cg("pids", "pids.max")}; sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 2 & done' 2>&1 | grep -c "can't fork"`))
    .toBe("5\n1\n");
  await t.clean();
}, 30_000);

test("--ulimit sets soft and hard limits; the default nofile stays within the host's hard limit", async () => {
  expect(await t.out(["--ulimit", "nofile=512:1024"], "ulimit -n; ulimit -H -n")).toBe("512\n1024\n");
  expect(await t.out(["--ulimit", "nofile=768", "--ulimit", "core=0"], "ulimit -n; ulimit -H -n; ulimit -c")).toBe("768\n768\n0\n");
  expect(await t.out(["--ulimit", "nproc=100:200"], "grep 'Max processes' /proc/self/limits")).toMatch(/^Max processes\s+100\s+200\s+processes\s*\n$/);
  const hard = hostHard("Max open files");
  expect(await t.out([], "ulimit -H -n")).toBe(`${Math.min(hard, 1048576)}\n`);
  await t.clean();
}, 30_000);

test("--ulimit above the hard limit is refused before anything is created", async () => {
  const hard = hostHard("Max open files");
  await t.refused(["run", "--rm", "--ulimit", `nofile=${hard + 1}:${hard + 1}`, "localhost:5000/busybox:latest", "true"], 125, /^Error: .*nofile.*\n$/i);
}, 30_000);

test("--shm-size sizes /dev/shm (default 64m)", async () => {
  expect(await t.out([], "df -k /dev/shm | tail -1 | awk '{print $2}'")).toBe("65536\n");
  expect(await t.out(["--shm-size", "32m"], "df -k /dev/shm | tail -1 | awk '{print $2}'")).toBe("32768\n");
  await t.clean();
}, 30_000);

test("--oom-score-adj shows in /proc/self/oom_score_adj", async () => {
  expect(await t.out(["--oom-score-adj", "500"], "cat /proc/self/oom_score_adj")).toBe("500\n");
  await t.clean();
}, 30_000);

test("resource flags are reported by inspect's HostConfig", async () => {
  const c = await t.run(["create", "--name", "rf-res", "--memory", "64m", "--pids-limit", "50", "--cpu-shares", "256", "--ulimit", "nofile=512:1024", "--shm-size", "8m", "localhost:5000/busybox:latest", "true"]);
  expect(c.code).toBe(0);
  const i = await t.run(["inspect", "--format", "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.CpuShares}} {{.HostConfig.ShmSize}} {{json .HostConfig.Ulimits}}", "rf-res"]);
  expect(i.stdout).toBe('67108864 50 256 8388608 [{"Name":"RLIMIT_NOFILE","Soft":512,"Hard":1024}]\n');
  expect((await t.run(["rm", "rf-res"])).code).toBe(0);
  await t.clean();
}, 30_000);
