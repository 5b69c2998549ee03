import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  createVolume, getVolume, listVolumes, removeVolume, validateLocalOptions, volumeDb, volumeUsers, volumesInUse,
} from "./volumes.ts";
import { insertContainer } from "./store.ts";
import type { ContainerConfig } from "./types.ts";
import { prepareContainerVolumes, volumeFilter } from "../engine/volumes.ts";

const base = mkdtempSync("/tmp/skiff-u-volumes-");
const store = { root: join(base, "root"), runroot: join(base, "run") };
const db = volumeDb(store.root);
afterAll(() => rmSync(base, { recursive: true, force: true }));

function containerUsing(id: string, volumes: string[]): void {
  const config = {
    id, name: `c${id.slice(0, 6)}`, created: Date.now(), imageId: null, imageName: "x", lowerLinks: [], imageConfig: {}, command: [],
    runtime: "crun", terminal: false, stdin: false, autoRemove: false, restartPolicy: { name: "no" }, stopSignal: 15, stopTimeout: 10,
    logDriver: "k8s-file", logSizeMax: -1, labels: {}, spec: { image: "x" }, volumes,
  } as ContainerConfig;
  insertContainer(db, config, { status: "configured" });
}

test("validateLocalOptions keeps Podman's keys and refuses others in its words", () => {
  expect(validateLocalOptions({ type: "tmpfs", device: "tmpfs", o: "size=10m", UID: "5" })).toEqual({ type: "tmpfs", device: "tmpfs", o: "size=10m", uid: "5" });
  expect(() => validateLocalOptions({ bogus: "1" })).toThrow("invalid mount option bogus for driver 'local': invalid argument");
  expect(() => validateLocalOptions({ uid: "x" })).toThrow("cannot convert UID x to integer: invalid argument");
  expect(() => validateLocalOptions({ size: "1m" })).toThrow("Project Quota");
  expect(() => validateLocalOptions({ device: "/x" })).toThrow("must provide a type when a device is given");
});

test("createVolume makes the row and _data; a second create conflicts unless ignored", () => {
  const v = createVolume(store, db, { name: "data1", labels: { a: "b" } });
  expect(v.mountpoint).toBe(join(store.root, "volumes", "data1", "_data"));
  expect(statSync(v.mountpoint).mode & 0o777).toBe(0o755);
  expect(statSync(join(store.root, "volumes", "data1")).mode & 0o777).toBe(0o700);
  expect(getVolume(db, "data1")).toMatchObject({ driver: "local", labels: { a: "b" }, needsCopyUp: true, needsChown: true, mountedBy: [], anonymous: false });
  expect(() => createVolume(store, db, { name: "data1" })).toThrow("volume with name data1 already exists: volume already exists");
  expect(createVolume(store, db, { name: "data1", ignoreExisting: true }).labels).toEqual({ a: "b" });
  expect(() => createVolume(store, db, { name: "-bad" })).toThrow("names must match");
  expect(() => createVolume(store, db, { name: "p", driver: "nfs" })).toThrow("volume plugin nfs not found");
  expect(createVolume(store, db, {}).name).toMatch(/^[0-9a-f]{64}$/);
});

test("a volume used by a container, even one never started, is refused by removeVolume", async () => {
  createVolume(store, db, { name: "held" });
  const id = "a".repeat(64);
  containerUsing(id, ["held", "other"]);
  expect(volumeUsers(db, "held")).toEqual([id]);
  expect(volumesInUse(db).has("held")).toBe(true);
  await expect(removeVolume(store, db, "held")).rejects.toThrow(`volume held is being used by the following container(s): ${id}: volume is being used`);
  db.query("DELETE FROM containers WHERE id = ?").run(id);
  await removeVolume(store, db, "held");
  expect(existsSync(join(store.root, "volumes", "held"))).toBe(false);
  await expect(removeVolume(store, db, "held")).rejects.toThrow('no volume with name "held" found: no such volume');
});

test("volumeFilter: any filter may match (Podman 4.3), name is a regexp, dangling needs true|false", () => {
  createVolume(store, db, { name: "tv", labels: { k: "v" }, options: { type: "tmpfs", device: "tmpfs" } });
  const used = new Set(["tv"]);
  const pick = (f: string[]) => listVolumes(db).filter(volumeFilter(f, () => used)).map((v) => v.name).filter((n) => n.length < 64);
  expect(pick(["name=^t"])).toEqual(["tv"]);
  expect(pick(["label=k=v", "name=data"])).toEqual(["data1", "tv"]);
  expect(pick(["label=k=w"])).toEqual([]);
  expect(pick(["opt=type=tmpfs"])).toEqual(["tv"]);
  expect(pick(["dangling=false"])).toEqual(["tv"]);
  expect(pick(["dangling=true"])).toEqual(["data1"]);
  expect(() => volumeFilter(["bogus=1"], () => used)).toThrow('"bogus" is an invalid volume filter');
  expect(() => volumeFilter(["dangling=x"], () => used)).toThrow('"x" is not a valid value for the "dangling" filter - must be true or false');
});

test("prepareContainerVolumes: named on first use, anonymous for -v /path and uncovered image VOLUMEs", async () => {
  const g = { ...store, logLevel: "warn" };
  const r = await prepareContainerVolumes(g, [
    { type: "volume", name: "fresh", destination: "/data" },
    { type: "volume", destination: "/anon", options: ["nocopy"] },
    { type: "bind", source: "/tmp", destination: "/var/lib/x" },
  ], ["/var/lib/x", "/cache/", "/data"]);
  expect(r.volumeMounts.map((m) => [m.destination, m.anonymous, m.noCopy ?? false])).toEqual([
    ["/data", false, false], ["/anon", true, true], ["/cache", true, false],
  ]);
  expect(r.volumeMounts[0]!.name).toBe("fresh");
  expect(getVolume(db, "fresh")).toBeDefined();
  expect(getVolume(db, r.volumeMounts[1]!.name)?.anonymous).toBe(true);
  expect(r.created.sort()).toEqual(["fresh", r.volumeMounts[1]!.name, r.volumeMounts[2]!.name].sort());
  expect(r.volumes).toEqual(r.volumeMounts.map((m) => m.name));
});
