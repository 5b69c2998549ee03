/**
 * `ps` / `container ls` end to end, with expectations recorded from Podman
 * 4.3 on this machine: default columns, -a/-q/-l/-n/-s/--no-trunc/--noheading,
 * every --filter (several at once), --format (template, table, json) and
 * --sort with its keys and its error.
 */
import { beforeAll, expect, test } from "bun:test";
import { BUSYBOX, ctrSuite } from "../support/ctr.ts";

const t = ctrSuite("ps");
const ids: Record<string, string> = {};

beforeAll(async () => {
  // Created in this order: up (running, labelled), made (created), three (exited 3).
  ids.up = (await t.ok(["run", "-d", "--name", "up", "--label", "k=v", "-v", "psvol:/data", BUSYBOX, "sleep", "1000"])).trim();
  ids.made = (await t.ok(["create", "--name", "made", BUSYBOX, "true"])).trim();
  const r = await t.sk(["run", "--name", "three", BUSYBOX, "sh", "-c", "exit 3"]);
  expect(r.code).toBe(3);
  ids.three = (await t.fmt("three", "{{.Id}}"));
}, 60_000);

const names = async (args: string[]) => (await t.ok(["ps", ...args, "--format", "{{.Names}}"])).split("\n").filter(Boolean);

test("default table: Podman's columns, running containers only, oldest first with -a", async () => {
  const out = await t.ok(["ps"]);
  const [head, ...rows] = out.trimEnd().split("\n");
  expect(head).toMatch(/^CONTAINER ID {2}IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$/);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatch(new RegExp(`^${ids.up!.slice(0, 12)}  ${BUSYBOX}  sleep 1000  .+ ago +Up .+ ago +up$`));
  // The CREATED / STATUS / PORTS columns line up with the header.
  expect(rows[0]!.indexOf("Up ")).toBe(head!.indexOf("STATUS"));
  expect(await names(["-a"])).toEqual(["up", "made", "three"]);
  expect(await names(["--all"])).toEqual(await t.ok(["container", "ls", "-a", "--format", "{{.Names}}"]).then((s) => s.split("\n").filter(Boolean)));
  const a = (await t.ok(["ps", "-a"])).split("\n");
  expect(a[2]).toMatch(/  Created +made$/);
  expect(a[3]).toMatch(/  sh -c exit 3  .*Exited \(3\) .+ ago +three$/);
}, 30_000);

test("-q, --no-trunc, -l, -n, --noheading", async () => {
  expect(await t.ok(["ps", "-q"])).toBe(`${ids.up!.slice(0, 12)}\n`);
  expect(await t.ok(["ps", "-a", "-q", "--no-trunc"])).toBe(`${ids.up}\n${ids.made}\n${ids.three}\n`);
  expect((await t.ok(["ps", "--no-trunc"])).split("\n")[1]!.startsWith(`${ids.up}  `)).toBe(true);
  expect(await names(["-l"])).toEqual(["three"]);
  expect(await names(["-n", "2"])).toEqual(["made", "three"]);
  expect(await names(["-n", "0"])).toEqual([]);
  const nh = await t.ok(["ps", "--noheading"]);
  expect(nh.split("\n").filter(Boolean)).toHaveLength(1);
  expect(nh.startsWith(ids.up!.slice(0, 12))).toBe(true);
}, 30_000);

test("-s adds SIZE: bytes written (virtual: image plus written)", async () => {
  const out = (await t.ok(["ps", "-a", "-s"])).trimEnd().split("\n");
  expect(out[0]).toMatch(/  NAMES +SIZE$/);
  for (const row of out.slice(1)) expect(row).toMatch(/  \d+(\.\d+)?k?B \(virtual \d+(\.\d+)?MB\)$/);
  // A written file shows in the container's own size.
  await t.ok(["exec", "up", "sh", "-c", "head -c 50000 /dev/zero > /big"]);
  const up = await t.ok(["ps", "-s", "--format", "{{.Size}}"]);
  expect(up).toMatch(/^50(\.\d+)?kB \(virtual \d/);
  const json = JSON.parse(await t.ok(["ps", "-s", "--format", "json"])) as { Size: { RwSize: number; RootFsSize: number } }[];
  expect(json[0]!.Size.RwSize).toBeGreaterThanOrEqual(50000);
  expect(json[0]!.Size.RootFsSize).toBeGreaterThan(json[0]!.Size.RwSize + 1_000_000);
  // Without -s there is no size.
  expect((JSON.parse(await t.ok(["ps", "--format", "json"])) as { Size: unknown }[])[0]!.Size).toBeNull();
}, 30_000);

test("--filter status, name, label, ancestor, id, exited, volume; several filters", async () => {
  expect(await names(["-a", "--filter", "status=exited"])).toEqual(["three"]);
  expect(await names(["-a", "--filter", "status=created"])).toEqual(["made"]);
  expect(await names(["--filter", "status=running"])).toEqual(["up"]);
  // -f filters imply -a.
  expect(await names(["-f", "status=exited"])).toEqual(["three"]);
  expect(await names(["-a", "--filter", "name=^ma"])).toEqual(["made"]);
  expect(await names(["-a", "--filter", "name=e"])).toEqual(["made", "three"]);
  expect(await names(["-a", "--filter", "label=k"])).toEqual(["up"]);
  expect(await names(["-a", "--filter", "label=k=v"])).toEqual(["up"]);
  expect(await names(["-a", "--filter", "label=k=w"])).toEqual([]);
  // Podman 4.3 matches the image's recorded name or full ID, not a short name.
  expect(await names(["-a", "--filter", `ancestor=${BUSYBOX}`])).toEqual(["up", "made", "three"]);
  const imageId = await t.fmt("up", "{{.Image}}");
  expect(await names(["-a", "--filter", `ancestor=${imageId}`])).toEqual(["up", "made", "three"]);
  expect(await names(["-a", "--filter", "ancestor=busybox"])).toEqual([]);
  expect(await names(["-a", "--filter", `id=${ids.made!.slice(0, 6)}`])).toEqual(["made"]);
  expect(await names(["-a", "--filter", "exited=3"])).toEqual(["three"]);
  expect(await names(["-a", "--filter", "exited=0"])).toEqual([]);
  expect(await names(["-a", "--filter", "volume=psvol"])).toEqual(["up"]);
  // The same key ORs its values, different keys AND.
  expect(await names(["-a", "--filter", "status=exited", "--filter", "status=created"])).toEqual(["made", "three"]);
  expect(await names(["-a", "--filter", "status=running", "--filter", "name=made"])).toEqual([]);
  for (const [f, msg] of [["status=bogus", "unknown container state: bogus: invalid argument"], ["foo=bar", "foo is an invalid filter"], ["foo", 'invalid filter "foo"']]) {
    const r = await t.sk(["ps", "-a", "--filter", f!]);
    expect([r.code, r.stdout, r.stderr]).toEqual([125, "", `Error: ${msg}\n`]);
  }
}, 60_000);

test("--format: template, table with headers, json", async () => {
  expect(await t.ok(["ps", "-a", "--format", "{{.Names}}:{{.State}}:{{.ExitCode}}"])).toBe("up:running:0\nmade:created:0\nthree:exited:3\n");
  expect(await t.ok(["ps", "-a", "--format", "table {{.ID}}\t{{.Names}}"]))
    .toBe(`CONTAINER ID  NAMES\n${ids.up!.slice(0, 12)}  up\n${ids.made!.slice(0, 12)}  made\n${ids.three!.slice(0, 12)}  three\n`);
  expect(await t.ok(["ps", "-a", "--noheading", "--format", "table {{.ID}}\t{{.Names}}"]))
    .toBe(`${ids.up!.slice(0, 12)}  up\n${ids.made!.slice(0, 12)}  made\n${ids.three!.slice(0, 12)}  three\n`);
  const json = JSON.parse(await t.ok(["ps", "-a", "--format", "json"])) as Record<string, unknown>[];
  expect(json.map((j) => j.Names)).toEqual([["up"], ["made"], ["three"]]);
  expect(Object.keys(json[0]!)).toEqual(["AutoRemove", "Command", "CreatedAt", "Exited", "ExitedAt", "ExitCode", "Id", "Image", "ImageID", "IsInfra",
    "Labels", "Mounts", "Names", "Namespaces", "Networks", "Pid", "Pod", "PodName", "Ports", "Size", "StartedAt", "State", "Status", "Created"]);
  expect(json[0]).toMatchObject({ Id: ids.up, Command: ["sleep", "1000"], State: "running", Exited: false, ExitedAt: -62135596800, Labels: { k: "v" } });
  expect(json[1]).toMatchObject({ State: "created", Status: "Created", StartedAt: -62135596800, ExitedAt: -62135596800, Pid: 0 });
  expect(json[2]).toMatchObject({ State: "exited", Exited: true, ExitCode: 3 });
  expect(json[2]!.ExitedAt as number).toBeGreaterThan(1_600_000_000);
  expect(json[0]!.Pid as number).toBeGreaterThan(1);
}, 30_000);

test("--sort: created, id, image, names, runningfor, size, status, command; a bad key is a usage error", async () => {
  const sorted = async (k: string) => names(["-a", "--sort", k]);
  expect(await sorted("created")).toEqual(["up", "made", "three"]);
  expect(await sorted("id")).toEqual(Object.entries(ids).sort((a, b) => (a[1] < b[1] ? -1 : 1)).map(([n]) => n === "up" ? "up" : n));
  expect(await sorted("image")).toEqual(["up", "made", "three"]);
  expect(await sorted("names")).toEqual(["made", "three", "up"]);
  // Never started sorts first, then by start time.
  expect(await sorted("runningfor")).toEqual(["made", "up", "three"]);
  expect(await sorted("status")).toEqual(["made", "three", "up"]); // "Created" < "Exited (3) …" < "Up …"
  expect(await sorted("command")).toEqual(["three", "up", "made"]); // "sh -c exit 3" < "sleep 1000" < "true"
  expect(await names(["-a", "-s", "--sort", "size"])).toHaveLength(3);
  const bad = await t.sk(["ps", "--sort", "bogus"]);
  expect(bad.code).toBe(125);
  expect(bad.stderr).toBe('Error: invalid argument "bogus" for "--sort" flag: "bogus" is not a valid value.  Choose from: "command, created, id, image, names, runningfor, size, status"\nSee \'skiff ps --help\'\n');
}, 30_000);

test("PORTS shows the published ports as Podman does", async () => {
  await t.ok(["run", "-d", "--name", "pub", "-p", "127.0.0.1:18120:80", "-p", "127.0.0.1:18121-18122:90-91/udp", BUSYBOX, "sleep", "600"]);
  expect(await t.ok(["ps", "--filter", "name=pub", "--format", "{{.Ports}}"])).toBe("127.0.0.1:18120->80/tcp, 127.0.0.1:18121-18122->90-91/udp\n");
  await t.ok(["rm", "-f", "-t", "0", "pub"]);
}, 30_000);

test("leaves nothing behind", async () => {
  await t.clean();
  const v = await t.sk(["volume", "rm", "-f", "psvol"]);
  expect([v.code, v.stderr]).toEqual([0, ""]);
}, 60_000);
