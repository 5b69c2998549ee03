/**
 * Lifecycle flags of `run`/`create`, end to end with conmon + crun:
 * --restart (on-failure:N counted in RestartCount, always, unless-stopped),
 * --rm, --stop-signal, --stop-timeout, --sig-proxy, start -a/-i, --pull,
 * --runtime runc, --log-driver, --log-opt max-size, --health-cmd.
 */
import { expect, test } from "bun:test";
import { skiffCommand } from "../support/cli.ts";
import { BUSYBOX, runFlagsSuite } from "../support/run-flags.ts";

const t = runFlagsSuite("lifecycle");

async function inspect(ref: string, format: string): Promise<string> {
  const r = await t.run(["inspect", "--format", format, ref]);
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

/** Polls inspect until `format` renders `want` (conmon's exit command restarts containers in the background). */
async function until(ref: string, format: string, want: (v: string) => boolean, ms = 20_000): Promise<string> {
  const end = Date.now() + ms;
  let v = "";
  while (Date.now() < end) {
    v = await inspect(ref, format);
    if (want(v)) return v;
    await Bun.sleep(200);
  }
  return v;
}

test("--restart on-failure:2 restarts a failing container twice, counted in RestartCount", async () => {
  const r = await t.run(["run", "-d", "--name", "rf-onfail", "--restart", "on-failure:2", BUSYBOX, "sh", "-c", "exit 3"]);
  expect(r.code).toBe(0);
  const v = await until("rf-onfail", "{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}", (s) => s === "exited 2 3");
  expect(v).toBe("exited 2 3");
  await Bun.sleep(1000);
  expect(await inspect("rf-onfail", "{{.RestartCount}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}")).toBe("2 on-failure 2");
  expect((await t.run(["rm", "-f", "rf-onfail"])).code).toBe(0);
  await t.clean();
}, 40_000);

test("--restart on-failure does not restart a container that exits 0", async () => {
  await t.run(["run", "-d", "--name", "rf-onfail0", "--restart", "on-failure", BUSYBOX, "true"]);
  await until("rf-onfail0", "{{.State.Status}}", (s) => s === "exited");
  await Bun.sleep(1000);
  expect(await inspect("rf-onfail0", "{{.State.Status}} {{.RestartCount}}")).toBe("exited 0");
  expect((await t.run(["rm", "-f", "rf-onfail0"])).code).toBe(0);
  await t.clean();
}, 30_000);

test("--restart always restarts after exit 0; stop ends it; unless-stopped likewise", async () => {
  for (const policy of ["always", "unless-stopped"]) {
    const name = `rf-${policy}`;
    expect((await t.run(["run", "-d", "--name", name, "--restart", policy, BUSYBOX, "sh", "-c", "sleep 0.2"])).code).toBe(0);
    const n = await until(name, "{{.RestartCount}}", (s) => Number(s) >= 2);
    expect(Number(n)).toBeGreaterThanOrEqual(2);
    expect((await t.run(["stop", "-t", "0", name])).code).toBe(0);
    await Bun.sleep(1000);
    const after = await inspect(name, "{{.State.Status}} {{.RestartCount}}");
    expect(after.startsWith("exited ")).toBe(true);
    await Bun.sleep(800);
    expect(await inspect(name, "{{.State.Status}} {{.RestartCount}}")).toBe(after);
    expect((await t.run(["rm", "-f", name])).code).toBe(0);
  }
  await t.clean();
}, 60_000);

test("--rm removes the container after a foreground and a detached run", async () => {
  expect((await t.run(["run", "--rm", "--name", "rf-rm", BUSYBOX, "true"])).code).toBe(0);
  expect((await t.run(["container", "exists", "rf-rm"])).code).toBe(1);
  expect((await t.run(["run", "-d", "--rm", "--name", "rf-rmd", BUSYBOX, "true"])).code).toBe(0);
  for (let i = 0; i < 50 && (await t.run(["container", "exists", "rf-rmd"])).code === 0; i++) await Bun.sleep(100);
  expect((await t.run(["container", "exists", "rf-rmd"])).code).toBe(1);
  await t.clean();
}, 30_000);

test("--stop-signal is what stop sends; --stop-timeout bounds the wait before SIGKILL", async () => {
  // The trap records the signal in the exit code: USR1 → 10.
  await t.run(["run", "-d", "--name", "rf-sig", "--stop-signal", "SIGUSR1", BUSYBOX, "sh", "-c", "trap 'exit 10' USR1; while :; do sleep 0.1; done"]);
  // Podman 4 shows Config.StopSignal as the number.
  expect(await inspect("rf-sig", "{{.Config.StopSignal}}")).toBe("10");
  expect((await t.run(["stop", "rf-sig"])).code).toBe(0);
  expect(await inspect("rf-sig", "{{.State.ExitCode}}")).toBe("10");
  // A process ignoring SIGTERM is killed after --stop-timeout seconds.
  await t.run(["run", "-d", "--name", "rf-timeout", "--stop-timeout", "1", BUSYBOX, "sh", "-c", "trap '' TERM; while :; do sleep 0.1; done"]);
  expect(await inspect("rf-timeout", "{{.Config.StopTimeout}}")).toBe("1");
  const t0 = Date.now();
  expect((await t.run(["stop", "rf-timeout"])).code).toBe(0);
  const took = Date.now() - t0;
  expect(took).toBeGreaterThanOrEqual(900);
  expect(took).toBeLessThan(6000);
  expect(await inspect("rf-timeout", "{{.State.ExitCode}}")).toBe("137");
  expect((await t.run(["rm", "-f", "rf-sig", "rf-timeout"])).code).toBe(0);
  await t.clean();
}, 40_000);

/** Starts a foreground `skiff run`, waits for "ready" on its stdout, sends `signal`, returns its exit code and output. */
async function signalForeground(flags: string[], signal: NodeJS.Signals): Promise<{ code: number; stdout: string }> {
  const script = "trap 'echo got-TERM; exit 42' TERM; trap 'echo got-INT; exit 43' INT; echo ready; while :; do sleep 0.1; done";
  const proc = Bun.spawn([...skiffCommand(), "--root", t.store.root, "--runroot", t.store.runroot, "run", "--rm", ...flags, BUSYBOX, "sh", "-c", script],
    { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const reader = proc.stdout.getReader();
  let stdout = "";
  const dec = new TextDecoder();
  while (!stdout.includes("ready")) {
    const { value, done } = await reader.read();
    if (done) break;
    stdout += dec.decode(value);
  }
  proc.kill(signal);
  const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    stdout += dec.decode(value);
  }
  const code = await proc.exited;
  clearTimeout(timer);
  return { code, stdout };
}

test("--sig-proxy forwards SIGTERM and SIGINT to the container's trap; the run exits with its code", async () => {
  expect(await signalForeground([], "SIGTERM")).toEqual({ code: 42, stdout: "ready\ngot-TERM\n" });
  expect(await signalForeground(["--sig-proxy=true"], "SIGINT")).toEqual({ code: 43, stdout: "ready\ngot-INT\n" });
  await t.clean();
}, 40_000);

test("start -a relays output and exit code; start -a -i feeds stdin", async () => {
  const c = await t.run(["create", "--name", "rf-start", BUSYBOX, "sh", "-c", "echo started; exit 4"]);
  expect(c.code).toBe(0);
  const s = await t.run(["start", "-a", "rf-start"]);
  expect([s.code, s.stdout]).toEqual([4, "started\n"]);
  const ci = await t.run(["create", "-i", "--name", "rf-starti", BUSYBOX, "tr", "a-z", "A-Z"]);
  expect(ci.code).toBe(0);
  const si = await t.run(["start", "-a", "-i", "rf-starti"], { input: "hello\n" });
  expect([si.code, si.stdout]).toEqual([0, "HELLO\n"]);
  expect((await t.run(["rm", "rf-start", "rf-starti"])).code).toBe(0);
  await t.clean();
}, 30_000);

test("--pull never|missing|always|newer", async () => {
  const never = await t.run(["run", "--rm", "--pull", "never", "localhost:5000/busybox:1.36", "true"]);
  expect([never.code, never.stderr]).toEqual([125, "Error: localhost:5000/busybox:1.36: image not known\n"]);
  const missing = await t.run(["run", "--rm", "--pull", "missing", "localhost:5000/busybox:1.36", "echo", "pulled"]);
  expect([missing.code, missing.stdout]).toEqual([0, "pulled\n"]);
  const always = await t.run(["run", "--rm", "--pull", "always", BUSYBOX, "echo", "again"]);
  expect([always.code, always.stdout]).toEqual([0, "again\n"]);
  // A local image whose registry does not answer: "always" must go there and fail, "missing" and "never" use it.
  expect((await t.run(["tag", BUSYBOX, "localhost:5999/rf/local:x"])).code).toBe(0);
  const unreachable = await t.run(["run", "--rm", "--pull", "always", "localhost:5999/rf/local:x", "true"]);
  expect(unreachable.code).toBe(125);
  expect(unreachable.stderr).toMatch(/^Error: .*localhost:5999.*\n$/);
  expect((await t.run(["run", "--rm", "--pull", "missing", "localhost:5999/rf/local:x", "true"])).code).toBe(0);
  expect((await t.run(["run", "--rm", "--pull", "never", "localhost:5999/rf/local:x", "true"])).code).toBe(0);
  const newer = await t.run(["run", "--rm", "--pull", "newer", BUSYBOX, "echo", "newer"]);
  expect([newer.code, newer.stdout]).toEqual([0, "newer\n"]);
  const bad = await t.run(["run", "--rm", "--pull", "sometimes", BUSYBOX, "true"]);
  expect([bad.code, bad.stderr]).toEqual([125, 'Error: unsupported pull policy "sometimes"\n']);
  await t.clean();
}, 120_000);

test("--runtime runc runs the container with runc", async () => {
  const r = await t.run(["run", "--name", "rf-runc", "--runtime", "runc", BUSYBOX, "sh", "-c", "echo via-runc"]);
  expect([r.code, r.stdout]).toEqual([0, "via-runc\n"]);
  expect(await inspect("rf-runc", "{{.OCIRuntime}}")).toBe("runc");
  expect((await t.run(["rm", "rf-runc"])).code).toBe(0);
  await t.clean();
}, 30_000);

test("--log-driver k8s-file keeps logs, none keeps none, passthrough writes straight through", async () => {
  await t.run(["run", "--name", "rf-k8s", "--log-driver", "k8s-file", BUSYBOX, "echo", "logged"]);
  expect((await t.run(["logs", "rf-k8s"])).stdout).toBe("logged\n");
  expect(await inspect("rf-k8s", "{{.HostConfig.LogConfig.Type}}")).toBe("k8s-file");
  const none = await t.run(["run", "--name", "rf-none", "--log-driver", "none", BUSYBOX, "echo", "shown"]);
  expect([none.code, none.stdout]).toEqual([0, "shown\n"]);
  expect(await inspect("rf-none", "{{.HostConfig.LogConfig.Type}}")).toBe("none");
  expect((await t.run(["rm", "rf-k8s", "rf-none"])).code).toBe(0);
  await t.clean();
}, 30_000);

test("--log-driver passthrough hands the caller's stdio to the container: no log, no attach", async () => {
  const pt = await t.run(["run", "--rm", "--log-driver", "passthrough", BUSYBOX, "sh", "-c", "echo through; echo err >&2; exit 4"]);
  expect(pt).toEqual({ code: 4, stdout: "through\n", stderr: "err\n" });
  const pi = await t.run(["run", "--rm", "-i", "--log-driver", "passthrough", BUSYBOX, "tr", "a-z", "A-Z"], { input: "hello\n" });
  expect(pi).toEqual({ code: 0, stdout: "HELLO\n", stderr: "" });
  await t.clean();
}, 30_000);

test("--log-opt max-size caps the k8s-file log", async () => {
  await t.run(["run", "--name", "rf-max", "--log-opt", "max-size=10k", BUSYBOX, "sh", "-c", "i=0; while [ $i -lt 2000 ]; do echo line-$i; i=$((i+1)); done"]);
  expect(await inspect("rf-max", "{{.HostConfig.LogConfig.Size}}")).toBe("10.24kB");
  const path = await inspect("rf-max", "{{.HostConfig.LogConfig.Path}}");
  expect(Bun.file(path).size).toBeLessThanOrEqual(12 * 1024);
  expect((await t.run(["rm", "rf-max"])).code).toBe(0);
  await t.clean();
}, 30_000);

test("--health-cmd and friends are stored in inspect's Config.Healthcheck", async () => {
  const c = await t.run(["create", "--name", "rf-health", "--health-cmd", "test -e /tmp", "--health-interval", "30s", "--health-retries", "4",
    "--health-timeout", "5s", "--health-start-period", "1m", BUSYBOX, "sleep", "1"]);
  expect(c.code).toBe(0);
  expect(await inspect("rf-health", "{{json .Config.Healthcheck}}"))
    .toBe('{"Test":["CMD-SHELL","test -e /tmp"],"StartPeriod":60000000000,"Interval":30000000000,"Timeout":5000000000,"Retries":4}');
  expect((await t.run(["rm", "rf-health"])).code).toBe(0);
  await t.clean();
}, 30_000);
