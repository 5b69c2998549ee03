/**
 * Namespace and file flags of `run`, end to end with conmon + crun:
 * --hostname, --add-host, --dns*, --no-hosts, --pid/--ipc/--uts host,
 * --network none|host, --init, --tmpfs, -v/--mount binds (./ and ../
 * relative, missing sources), --sysctl.
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { BUSYBOX, runFlagsSuite } from "../support/run-flags.ts";

const t = runFlagsSuite("namespaces");
const tmp = mkdtempSync("/tmp/skiff-rf-ns-");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test("--hostname, --add-host, --dns, --dns-search, --dns-option write /etc/hostname, /etc/hosts, /etc/resolv.conf", async () => {
  const out = await t.out(["--hostname", "box.example", "--add-host", "db:10.1.2.3", "--add-host", "v6:fd00::1", "--dns", "10.9.9.9",
    "--dns-search", "corp.example", "--dns-option", "ndots:2"], "hostname; cat /etc/hostname; cat /etc/hosts; cat /etc/resolv.conf; echo $HOSTNAME");
  const lines = out.split("\n");
  expect(lines.slice(0, 2)).toEqual(["box.example", "box.example"]);
  expect(out).toMatch(/^10\.1\.2\.3\s+db$/m);
  expect(out).toMatch(/^fd00::1\s+v6$/m);
  expect(out).toMatch(/^127\.0\.0\.1\s+.*localhost/m);
  expect(out).toMatch(/\sbox\.example(\s|$)/m);
  expect(out).toMatch(/^nameserver 10\.9\.9\.9$/m);
  expect(out).toMatch(/^search corp\.example$/m);
  expect(out).toMatch(/^options ndots:2$/m);
  expect(lines.at(-2)).toBe("box.example");
  await t.clean();
}, 30_000);

test("--no-hosts keeps the image's /etc/hosts (busybox has none)", async () => {
  const out = await t.out(["--no-hosts"], "test -e /etc/hosts && echo present || echo absent; grep -c ' /etc/hosts ' /proc/self/mounts || true");
  expect(out).toBe("absent\n0\n");
  await t.clean();
}, 30_000);

test("--uts host, --pid host, --ipc host share the host's namespaces", async () => {
  const ns = (n: string) => readlinkSync(`/proc/self/ns/${n}`);
  expect(await t.out(["--uts", "host"], "hostname; cat /etc/hostname")).toBe(`${hostname()}\n${hostname()}\n`);
  expect(await t.out(["--pid", "host"], "readlink /proc/self/ns/pid")).toBe(`${ns("pid")}\n`);
  expect(await t.out(["--ipc", "host"], "readlink /proc/self/ns/ipc")).toBe(`${ns("ipc")}\n`);
  expect(await t.out([], "for n in pid ipc uts; do readlink /proc/self/ns/$n; done")).not.toContain(ns("pid"));
  expect(await t.out([], "echo $$")).toBe("1\n");
  await t.clean();
}, 40_000);

test("--network none has only loopback; --network host sees the host's interfaces", async () => {
  expect(await t.out(["--network", "none"], "ls /sys/class/net")).toBe("lo\n");
  const hostIfs = Bun.spawnSync(["ls", "/sys/class/net"]).stdout.toString();
  expect(await t.out(["--network", "host"], "ls /sys/class/net")).toBe(hostIfs);
  // Podman: with the host's network the hostname defaults to the host's, in /etc/hostname and /etc/hosts too.
  const out = await t.out(["--network", "host"], "hostname; cat /etc/hostname; cat /etc/hosts");
  expect(out.startsWith(`${hostname()}\n${hostname()}\n`)).toBe(true);
  expect(out).toMatch(new RegExp(`\\s${hostname()}(\\s|$)`, "m"));
  await t.clean();
}, 30_000);

test("--init runs catatonit as PID 1, passes the exit code and reaps orphans", async () => {
  // catatonit is bound at /run/podman-init, Podman's path, hence its comm.
  expect(await t.out(["--init"], "cat /proc/1/comm; echo $$; readlink /proc/1/exe")).toMatch(/^podman-init\n([2-9]|\d\d+)\n\/run\/podman-init\n$/);
  const r = await t.run(["run", "--rm", "--init", BUSYBOX, "sh", "-c", "exit 7"]);
  expect(r.code).toBe(7);
  expect(await t.out(["--init"], "sh -c 'sleep 0.1 & exit 0'; sleep 0.5; grep -l zombie /proc/[0-9]*/status 2>/dev/null | wc -l")).toBe("0\n");
  await t.clean();
}, 30_000);

test("--tmpfs and --mount type=tmpfs mount a tmpfs with the given options", async () => {
  const out = await t.out(["--tmpfs", "/scratch:size=1m,mode=1777", "--mount", "type=tmpfs,target=/t2,tmpfs-size=2m"],
    "grep -E ' /(scratch|t2) ' /proc/self/mounts | cut -d' ' -f1-3 | sort; stat -c %a /scratch; df -k /t2 | tail -1 | awk '{print $2}'");
  expect(out).toBe("tmpfs /scratch tmpfs\ntmpfs /t2 tmpfs\n1777\n2048\n");
  await t.clean();
}, 30_000);

test("-v binds absolute, ./ and ../ paths (relative to the caller's folder), :ro is read-only", async () => {
  const dir = join(tmp, "host");
  mkdirSync(join(dir, "sub"), { recursive: true });
  writeFileSync(join(dir, "sub/f"), "relative-bind\n");
  const cwd = join(dir, "sub");
  const run = (args: string[]) => {
    const p = Bun.spawnSync([...(process.env.SKIFF_BIN ? [process.env.SKIFF_BIN] : [process.execPath, join(import.meta.dir, "../../src/bin/skiff.ts")]),
      "--root", t.store.root, "--runroot", t.store.runroot, ...args], { cwd });
    return { code: p.exitCode, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
  };
  expect(run(["run", "--rm", "-v", "./:/a", "-v", "../sub:/b:ro", "-v", `${dir}:/c`, BUSYBOX, "sh", "-c", "cat /a/f /b/f /c/sub/f; touch /b/x 2>&1; echo w > /a/w"]))
    .toEqual({ code: 0, stdout: "relative-bind\nrelative-bind\nrelative-bind\ntouch: /b/x: Read-only file system\n", stderr: "" });
  expect(readFileSync(join(cwd, "w"), "utf8")).toBe("w\n");
  expect(run(["run", "--rm", "--mount", "type=bind,src=.,dst=/m,ro", BUSYBOX, "cat", "/m/f"]).stdout).toBe("relative-bind\n");
  await t.clean();
}, 30_000);

test("-v with a missing host folder creates it; --mount type=bind with a missing source is refused and creates nothing", async () => {
  const made = join(tmp, "made/by/v");
  expect(await t.out(["-v", `${made}:/x`], "touch /x/inside && echo ok")).toBe("ok\n");
  expect(existsSync(join(made, "inside"))).toBe(true);
  const missing = join(tmp, "does-not-exist");
  await t.refused(["run", "--rm", "--mount", `type=bind,source=${missing},target=/x`, BUSYBOX, "true"], 125, `statfs ${missing}: no such file or directory`);
  expect(existsSync(missing)).toBe(false);
  await t.refused(["create", "--mount", `type=bind,source=${missing},target=/x`, BUSYBOX, "true"], 125, `statfs ${missing}: no such file or directory`);
  expect(existsSync(missing)).toBe(false);
}, 30_000);

test("-v rel/sub (neither a path nor a volume name) is refused with Docker's message and creates nothing", async () => {
  await t.refused(["run", "--rm", "-v", "rel/sub:/data", BUSYBOX, "true"], 125,
    `"rel/sub" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
  expect(existsSync(join(t.store.root, "volumes"))).toBe(false);
}, 30_000);

test("--sysctl sets namespaced kernel parameters", async () => {
  expect(await t.out(["--sysctl", "net.ipv4.ip_forward=1", "--sysctl", "kernel.msgmax=4096", "--network", "none"],
    "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax")).toBe("1\n4096\n");
  await t.clean();
}, 30_000);
