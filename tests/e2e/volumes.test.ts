/**
 * Volumes end to end (real conmon + crun): named volumes shared between
 * containers, copy-up (owners, modes, xattrs, symlinks, confined to the
 * rootfs), `:ro`, tmpfs- and bind-typed local volumes mounted while used,
 * the in-use error, anonymous volumes with `rm -v`/`--rm`, prune; leak
 * checks at the end.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { chmodSync, chownSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { testStore, type RunResult } from "../support/cli.ts";
import { settledLeftovers, storeMounts } from "../support/leaks.ts";

const BUSYBOX = "localhost:5000/busybox:latest";
const store = testStore("volumes");
const scratch = join(store.root, "..", "scratch");

/**
 * Runs skiff on the test store; containers get `--network none`: these tests
 * are about volumes, and the bridge network has its own tests.
 */
function sk(args: string[], opts?: { input?: string }): Promise<RunResult> {
  const a = args[0] === "run" || args[0] === "create" ? [args[0], "--network", "none", ...args.slice(1)] : args;
  return store.run(a, opts);
}

async function ok(args: string[], opts?: { input?: string }): Promise<RunResult> {
  const r = await sk(args, opts);
  if (r.code !== 0) throw new Error(`skiff ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r;
}

const volumeData = (name: string) => join(store.root, "volumes", name, "_data");

beforeAll(async () => {
  Bun.spawnSync(["sh", "fixtures/host-prep.sh"]);
  await ok(["pull", "-q", BUSYBOX]);
  mkdirSync(scratch, { recursive: true });
}, 120_000);

afterAll(async () => {
  await store.run(["rm", "-a", "-f"]);
  await store.run(["volume", "prune", "-f"]);
  for (const m of storeMounts(store).reverse()) Bun.spawnSync(["umount", "-l", m]);
  store.cleanup();
}, 60_000);

test("a named volume is created on first use and keeps data from one container to the next", async () => {
  await ok(["run", "--rm", "-v", "shared:/data", BUSYBOX, "sh", "-c", "echo hello > /data/greeting"]);
  expect((await ok(["volume", "ls"])).stdout).toBe("DRIVER      VOLUME NAME\nlocal       shared\n");
  const r = await ok(["run", "--rm", "--mount", "type=volume,src=shared,dst=/other", BUSYBOX, "cat", "/other/greeting"]);
  expect(r.stdout).toBe("hello\n");
  const insp = JSON.parse((await ok(["volume", "inspect", "shared"])).stdout);
  expect(insp).toEqual([{
    Name: "shared", Driver: "local", Mountpoint: volumeData("shared"), CreatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/),
    Labels: {}, Scope: "local", Options: {}, MountCount: 0, NeedsCopyUp: true, NeedsChown: false,
  }]);
  expect((await ok(["volume", "exists", "shared"])).code).toBe(0);
  expect((await store.run(["volume", "exists", "nope"])).code).toBe(1);
}, 60_000);

test("the image's /etc is copied up into a fresh volume once, then the volume's content wins", async () => {
  await ok(["run", "--rm", "-v", "etc:/etc", BUSYBOX, "true"]);
  const passwd = (await ok(["run", "--rm", BUSYBOX, "cat", "/etc/passwd"])).stdout;
  expect(readFileSync(join(volumeData("etc"), "passwd"), "utf8")).toBe(passwd);
  expect((await ok(["volume", "inspect", "--format", "{{.NeedsCopyUp}}", "etc"])).stdout).toBe("false\n");
  writeFileSync(join(volumeData("etc"), "passwd"), "changed\n");
  expect((await ok(["run", "--rm", "-v", "etc:/etc", BUSYBOX, "cat", "/etc/passwd"])).stdout).toBe("changed\n");
}, 60_000);

test("copy-up keeps owners, modes, xattrs and symlinks, and resolves the path inside the rootfs", async () => {
  // A --rootfs whose /data is an absolute symlink to /etc: copy-up must read <rootfs>/etc, never the host's /etc.
  const rootfs = join(scratch, "rootfs");
  mkdirSync(join(rootfs, "bin"), { recursive: true });
  copyFileSync("/bin/busybox", join(rootfs, "bin/busybox"));
  chmodSync(join(rootfs, "bin/busybox"), 0o755);
  for (const d of ["proc", "sys", "dev", "etc/sub", "tmp"]) mkdirSync(join(rootfs, d), { recursive: true });
  writeFileSync(join(rootfs, "etc/marker"), "from the rootfs\n");
  chownSync(join(rootfs, "etc/marker"), 1234, 5678);
  chmodSync(join(rootfs, "etc/marker"), 0o640);
  chmodSync(join(rootfs, "etc/sub"), 0o710);
  symlinkSync("../marker", join(rootfs, "etc/sub/link"));
  expect(Bun.spawnSync(["setfattr", "-n", "user.skiff", "-v", "yes", join(rootfs, "etc/marker")]).exitCode).toBe(0);
  symlinkSync("/etc", join(rootfs, "data"));
  const r = await ok(["run", "--rm", "-v", "confined:/data", "--rootfs", rootfs, "/bin/busybox", "cat", "/data/marker"]);
  expect(r.stdout).toBe("from the rootfs\n");
  const data = volumeData("confined");
  expect(existsSync(join(data, "hostname"))).toBe(false); // nothing of the host's /etc
  const st = statSync(join(data, "marker"));
  expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([1234, 5678, 0o640]);
  expect(statSync(join(data, "sub")).mode & 0o7777).toBe(0o710);
  expect(lstatSync(join(data, "sub/link")).isSymbolicLink()).toBe(true);
  expect(readlinkSync(join(data, "sub/link"))).toBe("../marker");
  const x = Bun.spawnSync(["getfattr", "--only-values", "-n", "user.skiff", join(data, "marker")]);
  expect(x.stdout.toString()).toBe("yes");
}, 60_000);

test("a fresh volume belongs to the container's user, or takes the image folder's owner and mode", async () => {
  const w = await ok(["run", "--rm", "-u", "1000:1000", "-v", "owned:/newdir", BUSYBOX, "sh", "-c", "touch /newdir/x && stat -c '%u:%g %a' /newdir"]);
  expect(w.stdout).toBe("1000:1000 755\n");
  const t = await ok(["run", "--rm", "-u", "1000:1000", "-v", "tmpdir:/tmp", BUSYBOX, "sh", "-c", "touch /tmp/x && stat -c '%u:%g %a' /tmp"]);
  expect(t.stdout).toBe("0:0 1777\n");
  await ok(["volume", "rm", "owned", "tmpdir"]);
}, 60_000);

test(":ro refuses writes; the same volume stays writable elsewhere", async () => {
  const w = await sk(["run", "--rm", "-v", "shared:/data:ro", BUSYBOX, "sh", "-c", "echo x > /data/greeting"]);
  expect(w.code).toBe(1);
  expect(w.stderr).toContain("Read-only file system");
  const m = await sk(["run", "--rm", "--mount", "type=volume,src=shared,dst=/data,ro", BUSYBOX, "touch", "/data/y"]);
  expect(m.code).toBe(1);
  expect((await ok(["run", "--rm", "-v", "shared:/data", BUSYBOX, "cat", "/data/greeting"])).stdout).toBe("hello\n");
}, 60_000);

test("a tmpfs-typed volume is mounted while a container uses it and unmounted after", async () => {
  expect((await ok(["volume", "create", "--label", "kind=tmp", "-o", "type=tmpfs", "-o", "device=tmpfs", "-o", "o=size=10m", "tv"])).stdout).toBe("tv\n");
  const id = (await ok(["run", "-d", "-v", "tv:/t", BUSYBOX, "sleep", "100"])).stdout.trim();
  expect((await ok(["exec", id, "grep", " /t ", "/proc/mounts"])).stdout).toMatch(/^tmpfs \/t tmpfs rw,.*size=10240k/);
  expect(storeMounts(store)).toContain(volumeData("tv"));
  expect((await ok(["volume", "inspect", "--format", "{{.MountCount}} {{.Options}} {{.Labels}}", "tv"])).stdout).toBe("1 map[device:tmpfs o:size=10m type:tmpfs] map[kind:tmp]\n");
  await ok(["stop", "-t", "0", id]);
  expect(storeMounts(store)).not.toContain(volumeData("tv"));
  expect((await ok(["volume", "inspect", "--format", "{{.MountCount}}", "tv"])).stdout).toBe("0\n");
  await ok(["rm", id]);
}, 60_000);

test("a bind-typed volume shows the host folder both ways", async () => {
  const src = join(scratch, "bindsrc");
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, "host"), "from host\n");
  await ok(["volume", "create", "-o", "type=none", "-o", `device=${src}`, "-o", "o=bind", "bv"]);
  const r = await ok(["run", "--rm", "-v", "bv:/b", BUSYBOX, "sh", "-c", "cat /b/host; echo from container > /b/ctr"]);
  expect(r.stdout).toBe("from host\n");
  expect(readFileSync(join(src, "ctr"), "utf8")).toBe("from container\n");
  expect(storeMounts(store)).not.toContain(volumeData("bv"));
  expect((await ok(["volume", "rm", "bv"])).stdout).toBe("bv\n");
  expect(readFileSync(join(src, "host"), "utf8")).toBe("from host\n"); // the host folder is left alone
}, 60_000);

test("volume rm refuses a volume any container uses; -f removes the containers", async () => {
  const id = (await ok(["create", "-v", "busy:/x", BUSYBOX, "true"])).stdout.trim();
  const r = await store.run(["volume", "rm", "busy"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe(`Error: volume busy is being used by the following container(s): ${id}: volume is being used\n`);
  const missing = await store.run(["volume", "rm", "nope"]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toBe('Error: no volume with name "nope" found: no such volume\n');
  const run = (await ok(["run", "-d", "-v", "busy:/x", BUSYBOX, "sleep", "100"])).stdout.trim();
  expect((await ok(["volume", "rm", "-f", "busy"])).stdout).toBe("busy\n");
  expect((await store.run(["container", "exists", id])).code).toBe(1);
  expect((await store.run(["container", "exists", run])).code).toBe(1);
  expect(existsSync(join(store.root, "volumes", "busy"))).toBe(false);
}, 60_000);

test("anonymous volumes: rm -v and --rm remove them, plain rm and named volumes stay", async () => {
  const anonOf = async () => (await ok(["volume", "ls", "-q"])).stdout.split("\n").filter((n) => /^[0-9a-f]{64}$/.test(n));
  const before = await anonOf();
  await ok(["run", "--name", "anon1", "-v", "/scratch", "-v", "keep:/keep", BUSYBOX, "sh", "-c", "echo a > /scratch/f"]);
  const made = (await anonOf()).filter((n) => !before.includes(n));
  expect(made.length).toBe(1);
  expect(readFileSync(join(volumeData(made[0]!), "f"), "utf8")).toBe("a\n");
  const mounts = JSON.parse((await ok(["inspect", "--format", "{{json .Mounts}}", "anon1"])).stdout);
  expect(mounts).toContainEqual({
    Type: "volume", Name: made[0], Source: volumeData(made[0]!), Destination: "/scratch", Driver: "local", Mode: "",
    Options: ["nosuid", "nodev", "rbind"], RW: true, Propagation: "rprivate",
  });
  expect((await ok(["ps", "-a", "--filter", "volume=keep", "--format", "{{.Names}}"])).stdout).toBe("anon1\n");
  await ok(["rm", "-v", "anon1"]);
  expect(await anonOf()).toEqual(before);
  expect((await store.run(["volume", "exists", "keep"])).code).toBe(0);
  await ok(["run", "--name", "anon2", "-v", "/scratch", BUSYBOX, "true"]);
  await ok(["rm", "anon2"]);
  const kept = (await anonOf()).filter((n) => !before.includes(n));
  expect(kept.length).toBe(1);
  await ok(["volume", "rm", kept[0]!]);
  await ok(["run", "--rm", "-v", "/scratch", BUSYBOX, "true"]);
  expect(await anonOf()).toEqual(before);
  // A --rm container that cannot start takes its anonymous volumes along too.
  expect((await sk(["run", "--rm", "-v", "/scratch", BUSYBOX, "/no/such"])).code).toBe(127);
  expect((await sk(["run", "-d", "--rm", "-v", "/scratch", BUSYBOX, "/no/such"])).code).toBe(127);
  expect(await anonOf()).toEqual(before);
}, 60_000);

test("an image's VOLUMEs get anonymous volumes with the image's content, removed by rm -v", async () => {
  // The fixture busybox with VOLUME /etc and /cache, made with skopeo + umoci (not skiff).
  const dir = join(scratch, "volimg");
  mkdirSync(dir, { recursive: true });
  const sh = (cmd: string[]) => {
    const r = Bun.spawnSync(cmd, { stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr.toString()}`);
  };
  sh(["skopeo", "copy", "--src-tls-verify=false", `docker://${BUSYBOX}`, `oci:${dir}/oci:latest`]);
  sh(["umoci", "config", "--image", `${dir}/oci:latest`, "--config.volume", "/etc", "--config.volume", "/cache"]);
  sh(["skopeo", "copy", `oci:${dir}/oci:latest`, `docker-archive:${dir}/img.tar:localhost/volimg:latest`]);
  await ok(["load", "-q", "-i", `${dir}/img.tar`]);
  const before = (await ok(["volume", "ls", "-q"])).stdout;
  const r = await ok(["run", "--name", "imgvol", "-v", "/cache", "localhost/volimg:latest", "sh", "-c", "cat /etc/passwd >/dev/null && echo c > /cache/x && echo ok"]);
  expect(r.stdout).toBe("ok\n");
  const mounts = JSON.parse((await ok(["inspect", "--format", "{{json .Mounts}}", "imgvol"])).stdout) as { Name: string; Destination: string }[];
  expect(mounts.map((m) => m.Destination).sort()).toEqual(["/cache", "/etc"]);
  const etc = mounts.find((m) => m.Destination === "/etc")!.Name;
  expect(etc).toMatch(/^[0-9a-f]{64}$/);
  expect(existsSync(join(volumeData(etc), "passwd"))).toBe(true);
  await ok(["rm", "-v", "imgvol"]);
  expect((await ok(["volume", "ls", "-q"])).stdout).toBe(before);
  await ok(["rmi", "localhost/volimg:latest"]);
}, 120_000);

test("volume prune asks first, then removes only unused volumes", async () => {
  const id = (await ok(["create", "-v", "inuse:/x", BUSYBOX, "true"])).stdout.trim();
  await ok(["volume", "create", "unused"]);
  const asked = await ok(["volume", "prune"], { input: "n\n" });
  expect(asked.stdout).toStartWith("WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:\n");
  expect(asked.stdout).toContain("\nunused\n");
  expect(asked.stdout).not.toContain("inuse");
  expect((await store.run(["volume", "exists", "unused"])).code).toBe(0);
  const pruned = await ok(["volume", "prune", "-f"]);
  expect(pruned.stdout.split("\n")).toContain("unused");
  expect((await store.run(["volume", "exists", "unused"])).code).toBe(1);
  expect((await ok(["volume", "ls", "-q"])).stdout).toBe("inuse\n");
  await ok(["rm", id]);
}, 60_000);

test("bad input gets Podman's errors and exit codes", async () => {
  const bad = await store.run(["volume", "create", "-o", "bogus=1", "v"]);
  expect([bad.code, bad.stderr]).toEqual([125, "Error: invalid mount option bogus for driver 'local': invalid argument\n"]);
  const dup = await store.run(["volume", "create", "dup"]);
  expect(dup.code).toBe(0);
  const again = await store.run(["volume", "create", "dup"]);
  expect([again.code, again.stderr]).toEqual([125, "Error: volume with name dup already exists: volume already exists\n"]);
  expect((await store.run(["volume", "create", "--ignore", "dup"])).stdout).toBe("dup\n");
  const ins = await store.run(["volume", "inspect", "nope"]);
  expect([ins.code, ins.stdout, ins.stderr]).toEqual([125, "[]\n", "Error: inspecting object: no such volume nope\n"]);
  const f = await store.run(["volume", "ls", "--filter", "bogus=1"]);
  expect([f.code, f.stderr]).toEqual([125, 'Error: "bogus" is an invalid volume filter\n']);
  await ok(["volume", "rm", "dup"]);
}, 60_000);

test("parallel users of one tmpfs volume mount it once and the last one unmounts it", async () => {
  await ok(["volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "par"]);
  const runs = await Promise.all(Array.from({ length: 5 }, () => sk(["run", "-d", "-v", "par:/p", BUSYBOX, "sleep", "100"])));
  for (const r of runs) expect(r.code).toBe(0);
  const ids = runs.map((r) => r.stdout.trim());
  expect((await ok(["volume", "inspect", "--format", "{{.MountCount}}", "par"])).stdout).toBe("5\n");
  expect(storeMounts(store).filter((m) => m === volumeData("par")).length).toBe(1);
  await ok(["exec", ids[0]!, "sh", "-c", "echo one > /p/f"]);
  expect((await ok(["exec", ids[4]!, "cat", "/p/f"])).stdout).toBe("one\n");
  const rms = await Promise.all(ids.map((id) => store.run(["rm", "-f", id])));
  for (const r of rms) expect(r.code).toBe(0);
  expect((await ok(["volume", "inspect", "--format", "{{.MountCount}}", "par"])).stdout).toBe("0\n");
  expect(storeMounts(store)).not.toContain(volumeData("par"));
  await ok(["volume", "rm", "par"]);
}, 60_000);

test("nothing is left behind", async () => {
  await ok(["volume", "prune", "-f"]);
  expect((await ok(["volume", "ls", "-q"])).stdout).toBe("");
  expect(await settledLeftovers(store)).toEqual([]);
  expect(storeMounts(store)).toEqual([]);
  expect(existsSync(join(store.root, "volumes")) ? readdirSync(join(store.root, "volumes")) : []).toEqual([]);
  expect(readdirSync(join(store.runroot, "locks")).filter((n) => n.startsWith("volume-"))).toEqual([]);
}, 30_000);
