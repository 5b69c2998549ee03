/**
 * The generated config.json runs under the real crun: a busybox rootfs built
 * here from busybox-static, live host facts, and the observable effect of
 * each option checked from inside the container. Needs root and crun; on a
 * cgroup v1 hybrid host fixtures/host-prep.sh (idempotent) makes crun usable.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { Flags, parseArgv } from "../cli/argv.ts";
import { RUN_FLAGS, runArgsToSpec } from "../cli/run-flags.ts";
import { validateSpec } from "../spec/container-spec.ts";
import { generateRuntimeSpec } from "./spec-generate.ts";
import { LiveHostFacts } from "./resources.ts";

const canRun = process.getuid?.() === 0 && existsSync("/bin/busybox") && spawnSync("crun", ["--version"]).status === 0;
const host = new LiveHostFacts();
let dir: string;
let rootfs: string;
let userdata: string;

beforeAll(() => {
  if (!canRun) return;
  const prep = join(import.meta.dir, "../../fixtures/host-prep.sh");
  if (existsSync(prep)) spawnSync("sh", [prep], { stdio: "inherit" });
  dir = mkdtempSync(join(tmpdir(), "skiff-crun-"));
  rootfs = join(dir, "rootfs");
  for (const d of ["bin", "etc", "proc", "sys", "dev", "run", "tmp", "var/tmp"]) mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync("/bin/busybox", join(rootfs, "bin/busybox"));
  for (const c of ["sh", "id", "cat", "grep", "touch", "echo", "hostname", "head", "ls"]) symlinkSync("busybox", join(rootfs, "bin", c));
  writeFileSync(join(rootfs, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n");
  writeFileSync(join(rootfs, "etc/group"), "root:x:0:\napp:x:1000:\nextra:x:2000:app\n");
  userdata = join(dir, "userdata");
  mkdirSync(userdata);
  writeFileSync(join(userdata, "hosts"), "127.0.0.1 localhost\n");
  writeFileSync(join(userdata, "resolv.conf"), "nameserver 127.0.0.1\n");
  writeFileSync(join(userdata, "hostname"), "box\n");
  writeFileSync(join(userdata, ".containerenv"), "engine=\"skiff\"\n");
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Generates the spec for `run <argv> busybox <cmd>` and runs it with crun; returns stdout, stderr and status. */
function crunRun(argv: string[], script: string) {
  const p = parseArgv([...argv, "busybox", "sh", "-c", script], RUN_FLAGS, false);
  const spec = runArgsToSpec(new Flags(p), p.args, { env: {} });
  validateSpec(spec);
  const id = randomBytes(32).toString("hex");
  const { ociSpec, warnings } = generateRuntimeSpec({ spec, imageConfig: {}, rootfs, containerId: id, userdataDir: userdata, host });
  const bundle = join(dir, `bundle-${id.slice(0, 8)}`);
  mkdirSync(bundle);
  writeFileSync(join(bundle, "config.json"), JSON.stringify(ociSpec));
  const name = `skiff-test-${id.slice(0, 12)}`;
  try {
    const r = spawnSync("crun", ["run", "-b", bundle, name], { encoding: "utf8", timeout: 10_000 });
    return { out: r.stdout, err: r.stderr, status: r.status, warnings };
  } finally {
    spawnSync("crun", ["delete", "-f", name]);
    rmSync(bundle, { recursive: true, force: true });
  }
}

const capEff = (out: string) => /CapEff:\s*([0-9a-f]+)/.exec(out)?.[1];

describe.skipIf(!canRun)("crun runs generated specs", () => {
  test("default: root, Podman's 11 capabilities, seccomp filter, bounded nofile, hostname, files bound", () => {
    const r = crunRun([], "id; grep -E '^(CapEff|Seccomp):' /proc/self/status; ulimit -n; hostname; cat /etc/hosts; echo $container; cat /proc/1/cmdline");
    expect(r.status).toBe(0);
    expect(r.out).toContain("uid=0(root) gid=0(root)");
    expect(capEff(r.out)).toBe("00000000800405fb"); // CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE SYS_CHROOT SETFCAP
    expect(r.out).toMatch(/Seccomp:\s*2/);
    const hardNofile = host.rlimitHard.nofile ?? -1;
    expect(r.out).toContain(`\n${hardNofile === -1 || host.canRaiseRlimits ? 1048576 : Math.min(1048576, hardNofile)}\n`);
    expect(r.out).toContain("127.0.0.1 localhost");
    expect(r.out).toContain("\npodman\n");
  }, 15_000);

  test("-u app --cap-drop ALL --read-only: uid, groups, no capabilities, read-only root, writable /tmp", () => {
    const r = crunRun(["-u", "app", "--cap-drop", "ALL", "--read-only"], "id; grep CapEff /proc/self/status; touch /x 2>&1; touch /tmp/ok && echo tmp-ok; echo $HOME");
    expect(r.status).toBe(0);
    expect(r.out).toContain("uid=1000(app) gid=1000(app) groups=1000(app),2000(extra)");
    expect(capEff(r.out)).toBe("0000000000000000");
    expect(r.out).toContain("Read-only file system");
    expect(r.out).toContain("tmp-ok");
    expect(r.out).toContain("/home/app");
  }, 15_000);

  test("--memory and --pids-limit show in the container's cgroup", () => {
    const v1 = host.cgroupVersion === 1;
    const script = v1 ? "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max" : "cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max";
    const r = crunRun(["--memory", "64m", "--pids-limit", "77"], script);
    expect(r.status).toBe(0);
    expect(r.out.split("\n").slice(0, 2)).toEqual(["67108864", "77"]);
  }, 15_000);

  test("--privileged gets the host's bounding set and no seccomp", () => {
    const r = crunRun(["--privileged"], "grep -E '^(CapEff|Seccomp):' /proc/self/status; ls /dev/null");
    expect(r.status).toBe(0);
    const hostBnd = /CapBnd:\s*([0-9a-f]+)/.exec(require("node:fs").readFileSync("/proc/self/status", "utf8"))![1];
    expect(capEff(r.out)).toBe(hostBnd);
    expect(r.out).toMatch(/Seccomp:\s*0/);
  }, 15_000);

  test.skipIf(!host.initPath)("--init runs catatonit as PID 1", () => {
    const r = crunRun(["--init"], "cat /proc/1/cmdline | head -c 16");
    expect(r.status).toBe(0);
    expect(r.out).toStartWith("/run/podman-init");
  }, 15_000);

  test("--cap-add sys_admin lets the seccomp profile allow sethostname", () => {
    expect(crunRun([], "hostname other 2>&1; echo rc=$?").out).toContain("rc=1");
    const r = crunRun(["--cap-add", "sys_admin"], "hostname other && hostname");
    expect(r.status).toBe(0);
    expect(r.out).toContain("other");
  }, 15_000);
});
