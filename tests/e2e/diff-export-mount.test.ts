/**
 * `diff`, `export`, `mount`/`unmount` end to end (real conmon + crun,
 * kernel overlay), with leak checks after each scenario.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { skiffCommand, testStore } from "../support/cli.ts";
import { settledLeftovers, storeMounts } from "../support/leaks.ts";

const BUSYBOX = "localhost:5000/busybox:latest";
const DEBIAN = "localhost:5000/debian:bookworm";
const store = testStore("fsops");
const tmp = mkdtempSync("/tmp/skiff-fsops-");

async function ok(args: string[]): Promise<string> {
  const r = await store.run(args);
  if (r.code !== 0) throw new Error(`skiff ${args.join(" ")}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  Bun.spawnSync(["sh", "fixtures/host-prep.sh"]);
  const { ensureFixtures } = await import("../support/fixtures.ts");
  await ensureFixtures();
  await ok(["pull", "-q", BUSYBOX]);
  await ok(["pull", "-q", DEBIAN]);
}, 180_000);

afterAll(async () => {
  await store.run(["umount", "-a", "-f"]);
  await store.run(["rm", "-a", "-f"]);
  store.cleanup();
  rmSync(tmp, { recursive: true, force: true });
}, 60_000);

test("diff lists added, changed and deleted paths as Podman, also in JSON", async () => {
  await ok(["run", "-d", "--name", "d1", BUSYBOX, "sleep", "600"]);
  await ok(["exec", "d1", "sh", "-c", "echo x > /newf && rm /bin/ls && echo y >> /etc/passwd && mkdir -p /newdir/sub && touch /newdir/sub/f"]);
  const out = await ok(["diff", "d1"]);
  const lines = out.trimEnd().split("\n");
  expect(lines).toEqual([...lines].sort((a, b) => (a.slice(2) < b.slice(2) ? -1 : 1)));
  for (const l of ["C /bin", "D /bin/ls", "C /etc/passwd", "A /newdir", "A /newdir/sub", "A /newdir/sub/f", "A /newf"]) expect(lines).toContain(l);
  // Mount points the runtime makes (/etc/hosts, /run/.containerenv, …) and unchanged folders are left out.
  for (const l of lines) expect(["/etc/hosts", "/etc/resolv.conf", "/etc/hostname", "/run/.containerenv", "/proc", "/sys", "/dev", "/usr"]).not.toContain(l.slice(2));
  const json = await ok(["container", "diff", "--format", "json", "d1"]);
  const parsed = JSON.parse(json) as Record<string, string[]>;
  expect(Object.keys(parsed)).toEqual(["changed", "added", "deleted"]);
  expect(parsed.deleted).toEqual(["/bin/ls"]);
  expect(parsed.added).toContain("/newdir/sub/f");
  expect(json.startsWith('{\n     "changed": [\n          "/')).toBe(true); // Podman 4.3 indents by 5
  const bad = await store.run(["diff", "--format", "yaml", "d1"]);
  expect(bad.code).toBe(125);
  expect((await store.run(["diff", "nosuch"])).code).toBe(125);
  // A container that never ran has nothing to report.
  await ok(["create", "--name", "d2", BUSYBOX, "true"]);
  expect(await ok(["diff", "d2"])).toBe("");
  await ok(["rm", "-f", "d1", "d2"]);
  expect(await settledLeftovers(store)).toEqual([]);
}, 60_000);

test("export writes the merged rootfs as a tar (stdout and -o), without deleted files", async () => {
  await ok(["run", "--name", "e1", DEBIAN, "sh", "-c", "echo hi > /root/hello && rm /etc/debian_version && ln /root/hello /root/hard"]);
  const out = join(tmp, "e1.tar");
  await ok(["export", "-o", out, "e1"]);
  const list = Bun.spawnSync(["tar", "-tvf", out]).stdout.toString();
  expect(list).toContain("root/hello");
  expect(list).toMatch(/^l.* bin -> usr\/bin$/m);
  expect(list).not.toContain("etc/debian_version");
  expect(list).toMatch(/^-rwsr-xr-x 0\/0 .* usr\/bin\/passwd$/m);
  // stdout, piped into tar -t
  const p = Bun.spawn([...skiffCommand(), "--root", store.root, "--runroot", store.runroot, "export", "e1"], { stdout: "pipe", stderr: "pipe" });
  const t = Bun.spawn(["tar", "-tf", "-"], { stdin: p.stdout, stdout: "pipe" });
  const [names, code, tcode] = await Promise.all([new Response(t.stdout).text(), p.exited, t.exited]);
  expect(code).toBe(0);
  expect(tcode).toBe(0);
  expect(names.split("\n")).toContain("root/hello");
  expect(names.split("\n")).toContain("etc/");
  // Names are sorted, so root/hard carries the data and root/hello links to it.
  expect(list).toMatch(/^h.* root\/hello link to root\/hard$/m);
  expect(Bun.spawnSync(["tar", "-xOf", out, "root/hard"]).stdout.toString()).toBe("hi\n");
  expect((await store.run(["export", "nosuch"])).code).toBe(125);
  await ok(["rm", "e1"]);
  expect(await settledLeftovers(store)).toEqual([]);
}, 60_000);

test("mount prints the merged path, lists mounts, survives start/stop, unmount counts down", async () => {
  const id = (await ok(["create", "--name", "m1", BUSYBOX, "sh", "-c", "echo ran > /ran"])).trim();
  const mp = (await ok(["mount", "m1"])).trim();
  expect(mp).toBe(join(store.root, "containers", id, "merged"));
  expect(readFileSync(join(mp, "etc/group"), "utf8")).toContain("root:x:0:");
  expect(await ok(["mount"])).toBe(`${id.slice(0, 12)}  ${mp}\n`);
  expect(await ok(["mount", "--no-trunc"])).toBe(`${id}  ${mp}\n`);
  expect(JSON.parse(await ok(["mount", "--format", "json"]))).toEqual([{ id, Names: ["m1"], mountpoint: mp }]);
  expect(await ok(["container", "mount", "m1"])).toBe(`${mp}\n`); // count 2
  // The container runs and exits; its teardown keeps the user's mount.
  expect(await ok(["start", "--attach", "m1"])).toBe("");
  expect(readFileSync(join(mp, "ran"), "utf8")).toBe("ran\n");
  expect(storeMounts(store)).toEqual([mp]);
  expect(await ok(["umount", "m1"])).toBe("m1\n"); // count 1
  expect(existsSync(join(mp, "ran"))).toBe(true);
  expect(await ok(["container", "unmount", "m1"])).toBe("m1\n"); // count 0
  expect(storeMounts(store)).toEqual([]);
  expect(await ok(["mount"])).toBe("");
  expect(await ok(["unmount", "m1"])).toBe("m1\n"); // not mounted: still fine, as Podman
  // -f drops every user mount at once.
  await ok(["mount", "m1"]);
  await ok(["mount", "m1"]);
  expect(await ok(["unmount", "-f", "m1"])).toBe("m1\n");
  expect(storeMounts(store)).toEqual([]);
  // rm drops a user mount.
  await ok(["mount", "m1"]);
  await ok(["rm", "m1"]);
  expect((await store.run(["mount", "nosuch"])).code).toBe(125);
  expect((await store.run(["unmount"])).code).toBe(125);
  expect(await settledLeftovers(store)).toEqual([]);
}, 60_000);

test("unmount keeps a running container's rootfs; -a unmounts every user mount", async () => {
  // No network: the only store mount a running container adds is then its rootfs.
  const id = (await ok(["run", "-d", "--network", "none", "--name", "m2", BUSYBOX, "sleep", "600"])).trim();
  const mp = (await ok(["mount", "m2"])).trim();
  expect(await ok(["unmount", "m2"])).toBe("m2\n");
  expect(storeMounts(store)).toEqual([mp]); // still the running container's rootfs
  expect(await ok(["exec", "m2", "true"])).toBe("");
  const other = (await ok(["create", BUSYBOX, "true"])).trim();
  await ok(["mount", other]);
  expect((await ok(["umount", "-a"])).split("\n").filter(Boolean).sort()).toEqual([id, other].sort());
  expect(storeMounts(store)).toEqual([mp]);
  await ok(["rm", "-f", "m2", other]);
  expect(await settledLeftovers(store)).toEqual([]);
}, 60_000);
