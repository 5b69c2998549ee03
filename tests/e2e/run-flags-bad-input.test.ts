/**
 * Bad input to `run`/`create`: Podman's exit code, one `Error:` line, and
 * nothing left behind (no container, mount, process, runtime file).
 */
import { expect, test } from "bun:test";
import { BUSYBOX, runFlagsSuite } from "../support/run-flags.ts";

const t = runFlagsSuite("bad-input");

test("an unknown flag exits 125 naming the flag", async () => {
  await t.refused(["run", "--definitely-not-a-flag", BUSYBOX, "true"], 125, "unknown flag: --definitely-not-a-flag\nSee 'skiff run --help'");
}, 30_000);

test("a bad memory unit, a bad --cpus and a flag without its value exit 125", async () => {
  await t.refused(["run", "--rm", "--memory", "12x", BUSYBOX, "true"], 125, "invalid value for memory: invalid size: '12x'");
  await t.refused(["run", "--rm", "--cpus", "abc", BUSYBOX, "true"], 125, `invalid argument "abc" for "--cpus" flag: strconv.ParseFloat: parsing "abc": invalid syntax\nSee 'skiff run --help'`);
  await t.refused(["run", "--memory"], 125, "flag needs an argument: --memory\nSee 'skiff run --help'");
}, 30_000);

test("a container name outside [a-zA-Z0-9][a-zA-Z0-9_.-]* is refused before anything is created", async () => {
  for (const bad of ["bad name!", "../../x", "-dash", "new\nline"]) {
    await t.refused(["run", "--rm", "--name", bad, BUSYBOX, "true"], 125, `${JSON.stringify(bad)}: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument`);
    await t.refused(["create", "--name", bad, BUSYBOX, "true"], 125, `${JSON.stringify(bad)}: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument`);
  }
}, 30_000);

test("a runtime that does not exist is refused at create, leaving no container", async () => {
  await t.refused(["run", "--rm", "--runtime", "/nonexistent/crun", BUSYBOX, "true"], 125, 'cannot find OCI runtime "/nonexistent/crun": no such file or directory');
  await t.refused(["--runtime", "/nonexistent/crun", "create", BUSYBOX, "true"], 125, 'cannot find OCI runtime "/nonexistent/crun": no such file or directory');
}, 30_000);

test("a missing image exits 125 and creates nothing", async () => {
  await t.refused(["run", "--rm", "localhost:5000/absent:latest", "true"], 125, /^Error: .*absent.*\n$/);
  await t.refused(["create", "--pull", "never", "localhost:5000/absent:latest"], 125, "localhost:5000/absent:latest: image not known");
}, 30_000);

test("a nonexistent -w exits 125 (Podman's message) and leaves nothing", async () => {
  await t.refused(["run", "--rm", "-w", "/no/such/dir", BUSYBOX, "true"], 125, /^Error: workdir "\/no\/such\/dir" does not exist on container [0-9a-f]{64}\n$/);
}, 30_000);

test("a name clash exits 125 and keeps the first container", async () => {
  const a = await t.run(["create", "--name", "rf-clash", BUSYBOX, "true"]);
  expect(a.code).toBe(0);
  const b = await t.run(["run", "--rm", "--name", "rf-clash", BUSYBOX, "true"]);
  expect(b.code).toBe(125);
  expect(b.stderr).toMatch(/^Error: .*"rf-clash".*already in use.*\n$/);
  expect((await t.run(["ps", "-a", "-q", "--no-trunc"])).stdout).toBe(a.stdout);
  expect((await t.run(["rm", "rf-clash"])).code).toBe(0);
  await t.clean();
}, 30_000);

test("--rm with --restart always, a bad restart policy, a bad ulimit, bad --add-host/--dns exit 125", async () => {
  await t.refused(["run", "--rm", "--restart", "always", BUSYBOX, "true"], 125, "the --rm option conflicts with --restart, when the restartPolicy is not \"\" and \"no\"");
  await t.refused(["run", "--restart", "sometimes", BUSYBOX, "true"], 125, `running container create option: "sometimes" is not a valid restart policy: invalid argument`);
  await t.refused(["run", "--rm", "--ulimit", "nofile=2048:1024", BUSYBOX, "true"], 125,
    `ulimit option "nofile=2048:1024" requires name=SOFT:HARD, failed to be parsed: ulimit soft limit must be less than or equal to hard limit: 2048 > 1024`);
  await t.refused(["run", "--rm", "--ulimit", "notalimit=1", BUSYBOX, "true"], 125, /^Error: .*invalid ulimit type: notalimit\n$/);
  await t.refused(["run", "--rm", "--add-host", "db:not-an-ip", BUSYBOX, "true"], 125, `invalid IP address in add-host: "not-an-ip"`);
  await t.refused(["run", "--rm", "--dns", "not-an-ip", BUSYBOX, "true"], 125, "not-an-ip is not an ip address");
  await t.refused(["run", "--rm", "-e", "=novalue", BUSYBOX, "true"], 125, `invalid environment variable: "=novalue"`);
}, 60_000);

test("an unknown user or group fails at start with the name, nothing left", async () => {
  await t.refused(["run", "--rm", "-u", "nosuchuser", BUSYBOX, "true"], 125, /^Error: .*nosuchuser.*\n$/);
  await t.refused(["run", "--rm", "-u", "root:nosuchgroup", BUSYBOX, "true"], 125, /^Error: .*nosuchgroup.*\n$/);
}, 30_000);

test("a missing command exits 127, a non-executable one 126, nothing left", async () => {
  await t.refused(["run", "--rm", BUSYBOX, "/no/such/cmd"], 127, /^Error: .*\/no\/such\/cmd.*not found\n$/);
  await t.refused(["run", "--rm", BUSYBOX, "/etc/passwd"], 126, /^Error: .*permission denied\n$/i);
}, 30_000);
