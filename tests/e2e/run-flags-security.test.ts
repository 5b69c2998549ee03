/**
 * Security flags of `run`, end to end with conmon + crun: --cap-add/--cap-drop
 * and --privileged (CapEff in /proc/self/status), --security-opt
 * no-new-privileges|seccomp|mask|unmask, --read-only (+ --read-only-tmpfs),
 * the default masked and read-only paths.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runFlagsSuite } from "../support/run-flags.ts";

const t = runFlagsSuite("security");
const tmp = mkdtempSync("/tmp/skiff-rf-security-");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** CapEff of the container's first process as a bigint. */
async function capEff(flags: string[], user?: string): Promise<bigint> {
  const out = await t.out([...flags, ...(user ? ["-u", user] : [])], "grep CapEff /proc/self/status");
  return BigInt(`0x${out.trim().split(/\s+/)[1]}`);
}
const bit = (n: number) => 1n << BigInt(n);
const CAP = { CHOWN: 0, DAC_OVERRIDE: 1, FOWNER: 3, FSETID: 4, KILL: 5, SETGID: 6, SETUID: 7, SETPCAP: 8, NET_BIND_SERVICE: 10, NET_ADMIN: 12, NET_RAW: 13, SYS_CHROOT: 18, SYS_ADMIN: 21, SYS_TIME: 25, SETFCAP: 31 };
const DEFAULT = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"]
  .reduce((m, c) => m | bit(CAP[c as keyof typeof CAP]), 0n);

/** The host's bounding set (what --privileged can give at most). */
function hostBounding(): bigint {
  const line = readFileSync("/proc/self/status", "utf8").split("\n").find((l) => l.startsWith("CapBnd:"))!;
  return BigInt(`0x${line.split(/\s+/)[1]}`);
}

test("default capabilities are Podman's eleven; --cap-drop and --cap-add change CapEff", async () => {
  expect(await capEff([])).toBe(DEFAULT);
  expect(await capEff(["--cap-drop", "CHOWN", "--cap-drop", "net_bind_service"])).toBe(DEFAULT & ~bit(CAP.CHOWN) & ~bit(CAP.NET_BIND_SERVICE));
  expect(await capEff(["--cap-add", "NET_ADMIN,SYS_TIME"])).toBe(DEFAULT | bit(CAP.NET_ADMIN) | bit(CAP.SYS_TIME));
  expect(await capEff(["--cap-drop", "ALL", "--cap-add", "CAP_KILL"])).toBe(bit(CAP.KILL));
  expect(await capEff(["--cap-drop", "ALL"])).toBe(0n);
  // A non-root user gets no effective capabilities (Podman clears them unless added).
  expect(await capEff([], "1000")).toBe(0n);
  await t.clean();
}, 60_000);

test("--cap-drop CHOWN refuses chown inside the container", async () => {
  const r = await t.run(["run", "--rm", "--cap-drop", "CHOWN", "localhost:5000/busybox:latest", "sh", "-c", "touch /f && chown 1:1 /f"]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("Operation not permitted");
  await t.clean();
}, 30_000);

test("--privileged gives the host's bounding set, all devices, and writable /sys", async () => {
  expect(await capEff(["--privileged"])).toBe(hostBounding());
  const out = await t.out(["--privileged"], "test -e /dev/loop-control && echo loop; grep ' /sys ' /proc/self/mounts | cut -d' ' -f4 | cut -d, -f1; grep -c . /proc/self/status >/dev/null; cat /proc/self/status | grep Seccomp:");
  expect(out).toBe("loop\nrw\nSeccomp:\t0\n");
  await t.clean();
}, 30_000);

test("default seccomp filters; seccomp=unconfined disables it; a custom profile is applied", async () => {
  expect(await t.out([], "grep Seccomp: /proc/self/status")).toBe("Seccomp:\t2\n");
  expect(await t.out(["--security-opt", "seccomp=unconfined"], "grep Seccomp: /proc/self/status")).toBe("Seccomp:\t0\n");
  const profile = join(tmp, "deny-mkdir.json");
  writeFileSync(profile, JSON.stringify({
    defaultAction: "SCMP_ACT_ALLOW",
    syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }],
  }));
  const r = await t.run(["run", "--rm", "--security-opt", `seccomp=${profile}`, "localhost:5000/busybox:latest", "mkdir", "/x"]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("Operation not permitted");
  await t.clean();
}, 40_000);

test("--security-opt no-new-privileges sets NoNewPrivs", async () => {
  expect(await t.out([], "grep NoNewPrivs /proc/self/status")).toBe("NoNewPrivs:\t0\n");
  expect(await t.out(["--security-opt", "no-new-privileges"], "grep NoNewPrivs /proc/self/status")).toBe("NoNewPrivs:\t1\n");
  await t.clean();
}, 30_000);

test("--read-only refuses writes to / but keeps tmpfs on /tmp, /run, /var/tmp; --read-only-tmpfs=false drops them", async () => {
  const out = await t.out(["--read-only"], "touch /f 2>&1; echo rc=$?; touch /tmp/a /run/b /var/tmp/c && echo tmp-ok");
  expect(out).toBe("touch: /f: Read-only file system\nrc=1\ntmp-ok\n");
  const out2 = await t.out(["--read-only", "--read-only-tmpfs=false"], "touch /tmp/a 2>&1; echo rc=$?");
  expect(out2).toBe("touch: /tmp/a: Read-only file system\nrc=1\n");
  await t.clean();
}, 30_000);

test("masked paths are hidden and --security-opt mask/unmask change them", async () => {
  // /proc/keys is masked by a bind of /dev/null, /sys/firmware by an empty read-only tmpfs.
  expect(await t.out([], "stat -c %F,%t,%T /proc/keys; ls /sys/firmware | wc -l")).toBe("character special file,1,3\n0\n");
  expect(await t.out(["--security-opt", "unmask=/proc/keys"], "stat -c %F /proc/keys")).toBe("regular empty file\n");
  expect(await t.out(["--security-opt", "mask=/etc/hostname"], "cat /etc/hostname | wc -c")).toBe("0\n");
  // Read-only paths: /proc/sys refuses writes.
  expect(await t.out([], "sh -c 'echo 1 > /proc/sys/kernel/ns_last_pid' 2>&1; echo rc=$?")).toBe("sh: can't create /proc/sys/kernel/ns_last_pid: Read-only file system\nrc=1\n");
  await t.clean();
}, 30_000);

test("--device adds a node with its permissions", async () => {
  expect(await t.out(["--device", "/dev/null:/dev/mynull"], "echo x > /dev/mynull && stat -c %t,%T /dev/mynull")).toBe("1,3\n");
  // /dev/loop-control is not in the default allow list: ":r" lets it be opened for reading only.
  expect(await t.out(["--device", "/dev/loop-control:/dev/lc:r"], "stat -c %t,%T /dev/lc; : < /dev/lc && echo read-ok")).toBe("a,ed\nread-ok\n");
  const r = await t.run(["run", "--rm", "--device", "/dev/loop-control:/dev/lc:r", "localhost:5000/busybox:latest", "sh", "-c", "echo x > /dev/lc"]);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain("Operation not permitted");
  await t.clean();
}, 30_000);
