/**
 * `skiff run` end to end with real conmon + crun, images from the fixture
 * registry (localhost:5000). Every scenario ends with the leak check.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { testStore, skiffCommand } from "../support/cli.ts";
import { leftovers, settledLeftovers } from "../support/leaks.ts";

const BUSYBOX = "localhost:5000/busybox:latest";
const DEBIAN = "localhost:5000/debian:bookworm";
const store = testStore("run");

beforeAll(async () => {
  Bun.spawnSync(["sh", "fixtures/host-prep.sh"]);
  for (const img of [BUSYBOX, DEBIAN]) {
    const r = await store.run(["pull", "-q", img]);
    if (r.code !== 0) throw new Error(`pull ${img}: ${r.stderr}`);
  }
}, 180_000);

afterAll(async () => {
  await store.run(["rm", "-a", "-f"]);
  store.cleanup();
}, 60_000);

test("run --rm prints /etc/os-release of debian (README demo) and leaves nothing", async () => {
  const r = await store.run(["run", "--rm", DEBIAN, "cat", "/etc/os-release"]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"');
  expect(await settledLeftovers(store)).toEqual([]);
}, 30_000);

test("run returns the container's exit code and separates stdout from stderr", async () => {
  const r = await store.run(["run", "--rm", BUSYBOX, "sh", "-c", "echo out; echo err >&2; exit 3"]);
  expect(r.code).toBe(3);
  expect(r.stdout).toBe("out\n");
  expect(r.stderr).toBe("err\n");
  expect(await settledLeftovers(store)).toEqual([]);
}, 30_000);

test("run of a missing command exits 127, a non-executable 126, a missing image 125", async () => {
  const a = await store.run(["run", "--rm", BUSYBOX, "nosuchcmd"]);
  expect(a.code).toBe(127);
  expect(a.stderr).toMatch(/^Error: crun: executable file `nosuchcmd` not found in \$PATH: No such file or directory: OCI runtime attempted to invoke a command that was not found\n$/);
  const b = await store.run(["run", "--rm", BUSYBOX, "/etc/passwd"]);
  expect(b.code).toBe(126);
  expect(b.stderr).toMatch(/^Error: .*OCI permission denied\n$/);
  const c = await store.run(["run", "--rm", "--pull", "never", "localhost:5000/absent:latest", "true"]);
  expect(c.code).toBe(125);
  expect(c.stderr).toBe("Error: localhost:5000/absent:latest: image not known\n");
  expect(await settledLeftovers(store)).toEqual([]);
  expect((await store.run(["ps", "-a", "-q"])).stdout).toBe("");
}, 30_000);

test("run -u with a uid absent from the image reaches / and writes as that uid", async () => {
  // The merged root takes the upper dir's mode: a 0700 upper locked every non-root user out of "/".
  const r = await store.run(["run", "--rm", "-u", "4242:4343", "--tmpfs", "/scratch:mode=1777", BUSYBOX, "sh", "-c", "id -u; id -g; echo $HOME; touch /scratch/f && stat -c %u:%g /scratch/f; stat -c %a /"]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toBe("4242\n4343\n/\n4242:4343\n755\n");
  expect(await settledLeftovers(store)).toEqual([]);
}, 30_000);

test("a reader that goes away (| head) ends run quietly with SIGPIPE's status, and the container is cleaned up", async () => {
  const argv = [...skiffCommand(), "--root", store.root, "--runroot", store.runroot, "run", "--rm", "--network", "none", BUSYBOX, "seq", "1", "200000"];
  const quoted = argv.map((a) => `'${a}'`).join(" ");
  const p = Bun.spawnSync(["bash", "-c", `${quoted} 2>/tmp/skiff-t-epipe.err | head -2; echo "rc=\${PIPESTATUS[0]}"`], { stdout: "pipe" });
  expect(p.stdout.toString()).toBe("1\n2\nrc=141\n");
  expect(readFileSync("/tmp/skiff-t-epipe.err", "utf8")).toBe("");
  expect(await settledLeftovers(store)).toEqual([]);
  expect((await store.run(["ps", "-a", "-q"])).stdout).toBe("");
}, 30_000);

test("run -i feeds stdin and ends it at EOF", async () => {
  const r = await store.run(["run", "--rm", "-i", BUSYBOX, "sh", "-c", "tr a-z A-Z; echo done"], { input: "hello\nworld\n" });
  expect(r.code).toBe(0);
  expect(r.stdout).toBe("HELLO\nWORLD\ndone\n");
  expect(await settledLeftovers(store)).toEqual([]);
}, 30_000);

test("run -d prints the full ID, leaves only conmon as monitor, cleanup records the exit", async () => {
  const r = await store.run(["run", "-d", BUSYBOX, "sh", "-c", "sleep 0.3; exit 5"]);
  expect(r.code).toBe(0);
  const id = r.stdout.trim();
  expect(id).toMatch(/^[0-9a-f]{64}$/);
  // No skiff process may outlive `run -d` (only conmon, and later its exit command).
  const skiffs = readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => {
    try { return readFileSync(`/proc/${p}/cmdline`, "utf8").includes(store.runroot) && !readFileSync(`/proc/${p}/cmdline`, "utf8").includes("conmon"); } catch { return false; }
  });
  expect(skiffs).toEqual([]);
  const w = await store.run(["wait", id]);
  expect(w.stdout).toBe("5\n");
  // conmon's exit command unmounts and records the exit: wait for the record.
  let status = "";
  for (let i = 0; i < 50 && !status.startsWith("Exited (5)"); i++) {
    status = (await store.run(["ps", "-a", "--format", "{{.Status}}"])).stdout;
    if (!status.startsWith("Exited (5)")) await Bun.sleep(100);
  }
  expect(status).toMatch(/^Exited \(5\) /);
  // `ps` may read the exit file before conmon's exit command has finished: give conmon time to go.
  const monitorLeft = () => leftovers(store).filter((l) => l.startsWith("mount") || l.startsWith("process"));
  for (let i = 0; i < 100 && monitorLeft().length > 0; i++) await Bun.sleep(100);
  expect(monitorLeft()).toEqual([]);
  expect((await store.run(["rm", id])).code).toBe(0);
  expect(await settledLeftovers(store)).toEqual([]);
}, 30_000);

test("run -it gives a working shell in a real terminal (tmux)", async () => {
  const session = `skiff-it-${process.pid}`;
  const cmd = [...skiffCommand(), "--root", store.root, "--runroot", store.runroot, "run", "--rm", "-it", DEBIAN, "bash"].join(" ");
  const done = `/tmp/${session}.rc`;
  // A private tmux server: another test's `tmux kill-server` cannot take this session down.
  const tmux = (...a: string[]) => Bun.spawnSync(["tmux", "-L", session, ...a]);
  tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "30", `${cmd}; echo $? > ${done}`);
  try {
    const capture = () => tmux("capture-pane", "-p", "-t", session).stdout.toString();
    // Polls the screen every 25 ms until `re` matches; the bound only limits a failing run.
    const until = async (re: RegExp, ms = 15_000) => {
      const end = Date.now() + ms;
      while (!re.test(capture()) && Date.now() < end) await Bun.sleep(25);
      return capture();
    };
    // capture-pane drops trailing blanks: the prompt shows as "root@<id>:/#" at a line end.
    expect(await until(/root@[0-9a-f]{12}:\/#$/m)).toMatch(/root@[0-9a-f]{12}:\/#$/m);
    // The command's echo line also holds "42": match the output line alone (it starts the line).
    tmux("send-keys", "-t", session, "echo $((6*7)) cols=$(stty size)", "Enter");
    expect(await until(/^42 cols=30 120$/m)).toMatch(/^42 cols=30 120$/m);
    tmux("send-keys", "-t", session, "exit 7", "Enter");
    const end = Date.now() + 15_000;
    while (Date.now() < end) { try { if (readFileSync(done, "utf8").endsWith("\n")) break; } catch {} await Bun.sleep(25); }
    expect(readFileSync(done, "utf8").trim()).toBe("7");
  } finally {
    tmux("kill-server");
    Bun.spawnSync(["rm", "-f", done]);
  }
  expect(await settledLeftovers(store)).toEqual([]);
}, 40_000);
