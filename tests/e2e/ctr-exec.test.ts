/**
 * exec end to end: stdin, a real terminal (tmux), detached sessions,
 * environment, users, working directory, --privileged, exit codes, -l, and
 * the errors, with exit codes and messages recorded from Podman 4.3 on this
 * machine (`podman exec` against the same busybox image).
 */
import { expect, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { skiffCommand } from "../support/cli.ts";
import { BUSYBOX, ctrSuite } from "../support/ctr.ts";

const t = ctrSuite("exec");
const LOOP = "trap 'exit 0' TERM; while :; do sleep 0.1; done";

/** `exec` and its result as [code, stdout, stderr]. */
async function ex(args: readonly string[], input?: string): Promise<[number, string, string]> {
  const r = await t.sk(["exec", ...args], input !== undefined ? { input } : {});
  return [r.code, r.stdout, r.stderr];
}

test("exec: exit code propagated; 127 not found, 126 not executable, 127 missing -w; 255 bad user, empty command, stopped container; 125 unknown", async () => {
  await t.ok(["run", "-d", "--network", "none", "--name", "e1", BUSYBOX, "sh", "-c", LOOP]);
  expect(await ex(["e1", "sh", "-c", "echo out; echo err >&2; exit 7"])).toEqual([7, "out\n", "err\n"]);
  expect(await ex(["e1", "nosuchcmd"])).toEqual([127, "", "Error: crun: executable file `nosuchcmd` not found in $PATH: No such file or directory: OCI runtime attempted to invoke a command that was not found\n"]);
  expect(await ex(["e1", "/etc/passwd"])).toEqual([126, "", "Error: crun: open executable: Permission denied: OCI permission denied\n"]);
  expect(await ex(["-w", "/nonexistent", "e1", "pwd"])).toEqual([127, "", "Error: crun: chdir `/nonexistent`: No such file or directory: OCI runtime attempted to invoke a command that was not found\n"]);
  expect(await ex(["-u", "nosuch", "e1", "id"])).toEqual([255, "", "Error: unable to find user nosuch: no matching entries in passwd file\n"]);
  expect(await ex(["e1"])).toEqual([255, "", "Error: must provide a non-empty command to start an exec session: invalid argument\n"]);
  expect(await ex(["--preserve-fds", "1", "e1", "true"])).toEqual([125, "", "Error: --preserve-fds is not supported yet\n"]);
  expect(await ex([])).toEqual([125, "", "Error: exec requires the name or ID of a container or the --latest flag\n"]);
  expect(await ex(["nosuch", "true"])).toEqual([125, "", 'Error: no container with name or ID "nosuch" found: no such container\n']);
  await t.ok(["run", "--network", "none", "--name", "e2", BUSYBOX, "true"]);
  expect(await ex(["e2", "true"])).toEqual([255, "", "Error: can only create exec sessions on running containers: container state improper\n"]);
  await t.clean();
}, 60_000);

test("exec -e, --env-file over the container's environment; -w; -u name, uid:gid, and the container's user by default", async () => {
  await t.ok(["run", "-d", "--network", "none", "--name", "e3", "-e", "KEEP=c", "-e", "OVER=c", BUSYBOX, "sh", "-c", LOOP]);
  const envFile = `${t.store.root}/../exec.env`;
  writeFileSync(envFile, "# comment\nFROMFILE=f\nOVER=file\n");
  try {
    const [code, out] = await ex(["--env-file", envFile, "-e", "OVER=flag", "-e", "NEW=n", "e3", "env"]);
    expect(code).toBe(0);
    const env = out.trim().split("\n").sort();
    for (const line of ["KEEP=c", "OVER=flag", "FROMFILE=f", "NEW=n", "container=podman", "HOME=/root", "TERM=xterm"]) expect(env).toContain(line);
    expect(env).not.toContain("OVER=c");
  } finally {
    rmSync(envFile, { force: true });
  }
  expect(await ex(["-w", "/etc", "e3", "pwd"])).toEqual([0, "/etc\n", ""]);
  expect(await ex(["e3", "id", "-u"])).toEqual([0, "0\n", ""]);
  expect((await ex(["-u", "nobody", "e3", "id", "-u"]))[1]).toBe("65534\n");
  expect(await ex(["-u", "0:10", "e3", "id"])).toEqual([0, "uid=0(root) gid=10\n", ""]);
  expect(await ex(["-u", "1234:5678", "e3", "sh", "-c", "echo $(id -u):$(id -g)"])).toEqual([0, "1234:5678\n", ""]);
  // A container made with -u: exec runs as that user unless -u says otherwise (Podman's default).
  await t.ok(["run", "-d", "--network", "none", "--name", "e4", "-u", "1000:1000", BUSYBOX, "sh", "-c", LOOP]);
  expect(await ex(["e4", "sh", "-c", "echo $(id -u):$(id -g)"])).toEqual([0, "1000:1000\n", ""]);
  expect(await ex(["-u", "root", "e4", "id", "-u"])).toEqual([0, "0\n", ""]);
  await t.clean();
}, 60_000);

test("exec -i feeds stdin (EOF ends it); without -i the process gets no stdin", async () => {
  await t.ok(["run", "-d", "--network", "none", "--name", "e5", BUSYBOX, "sh", "-c", LOOP]);
  expect(await ex(["-i", "e5", "sh", "-c", "tr a-z A-Z; echo rc=$?"], "hello\nworld\n")).toEqual([0, "HELLO\nWORLD\nrc=0\n", ""]);
  expect(await ex(["e5", "cat"], "ignored\n")).toEqual([0, "", ""]);
  await t.clean();
}, 60_000);

test("exec --privileged: CapEff is the host's bounding set; without it the container's default set", async () => {
  await t.ok(["run", "-d", "--network", "none", "--name", "e6", BUSYBOX, "sh", "-c", LOOP]);
  const hostBnd = /CapBnd:\s*([0-9a-f]+)/.exec(readFileSync("/proc/self/status", "utf8"))![1]!;
  expect(await ex(["--privileged", "e6", "sh", "-c", "grep CapEff /proc/self/status"])).toEqual([0, `CapEff:\t${hostBnd}\n`, ""]);
  // Podman's 11 default capabilities (CHOWN … SYS_CHROOT) are bits 0-8 but 9, and 10 and 31.
  expect(await ex(["e6", "sh", "-c", "grep CapEff /proc/self/status"])).toEqual([0, "CapEff:\t00000000800405fb\n", ""]);
  await t.clean();
}, 60_000);

test("exec -d returns while the process runs on (125 when it cannot start); -l picks the newest container", async () => {
  await t.ok(["run", "-d", "--network", "none", "--name", "e7", BUSYBOX, "sh", "-c", LOOP]);
  // The call returns once the process started: the file appears only later.
  expect(await ex(["-d", "e7", "sh", "-c", "sleep 2; echo late > /tmp/d"])).toEqual([0, "", ""]);
  expect((await ex(["e7", "cat", "/tmp/d"]))[0]).toBe(1);
  const notFound = "Error: crun: executable file `nosuchcmd` not found in $PATH: No such file or directory: OCI runtime attempted to invoke a command that was not found\n";
  expect(await ex(["-d", "e7", "nosuchcmd"])).toEqual([125, "", notFound]);
  let seen = "";
  for (const end = Date.now() + 10_000; Date.now() < end && seen !== "late\n"; await Bun.sleep(100)) seen = (await ex(["e7", "cat", "/tmp/d"]))[1];
  expect(seen).toBe("late\n");
  await t.ok(["run", "-d", "--network", "none", "--name", "e8", "--hostname", "newest", BUSYBOX, "sh", "-c", LOOP]);
  expect(await ex(["-l", "hostname"])).toEqual([0, "newest\n", ""]);
  expect(await ex(["-l", "sh", "-c", "exit 4"])).toEqual([4, "", ""]);
  await t.clean();
}, 60_000);

test("exec -it gives a shell in a real terminal (tmux): prompt, output, window size, exit code", async () => {
  await t.ok(["run", "-d", "--network", "none", "--name", "e9", BUSYBOX, "sh", "-c", LOOP]);
  const session = `skiff-exec-${process.pid}`;
  const done = `/tmp/${session}.rc`;
  const cmd = [...skiffCommand(), "--root", t.store.root, "--runroot", t.store.runroot, "exec", "-it", "e9", "sh"].join(" ");
  // A private tmux server: another test's `tmux kill-server` cannot take this session down.
  const tmux = (...a: string[]) => Bun.spawnSync(["tmux", "-L", session, ...a]);
  tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "20", `${cmd}; echo $? > ${done}`);
  try {
    const capture = () => tmux("capture-pane", "-p", "-t", session).stdout.toString();
    // Polls the screen until `re` matches; the bound only limits a failing run.
    const until = async (re: RegExp, ms = 15_000) => {
      const end = Date.now() + ms;
      while (!re.test(capture()) && Date.now() < end) await Bun.sleep(25);
      return capture();
    };
    // busybox sh's prompt is "/ # "; capture-pane drops the trailing blank.
    expect(await until(/^\/ #$/m)).toMatch(/^\/ #$/m);
    tmux("send-keys", "-t", session, "echo $((6*7)) size=$(stty size) tty=$(tty)", "Enter");
    expect(await until(/^42 size=20 100 tty=\/dev\/pts\/\d+$/m)).toMatch(/^42 size=20 100 tty=\/dev\/pts\/\d+$/m);
    tmux("send-keys", "-t", session, "exit 5", "Enter");
    const end = Date.now() + 15_000;
    while (Date.now() < end) { try { if (readFileSync(done, "utf8").endsWith("\n")) break; } catch {} await Bun.sleep(25); }
    expect(readFileSync(done, "utf8").trim()).toBe("5");
  } finally {
    tmux("kill-server");
    rmSync(done, { force: true });
  }
  await t.clean();
}, 60_000);
