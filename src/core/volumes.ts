/**
 * Named volumes (migration 3): a row per volume in the state database and a
 * folder at <root>/volumes/<name>/_data, as Podman's local driver keeps them.
 *
 * - A volume with options (`-o type=tmpfs|none|<fs>,device=…,o=…`) is mounted
 *   on its `_data` when its first user starts and unmounted when its last
 *   user stops. `mounted_by` lists the containers that have it mounted (its
 *   length is inspect's MountCount), which keeps mount/unmount idempotent
 *   per container however often teardown runs.
 * - On the first mount of a volume that still `needs_copy_up`, the image's
 *   content at the mount destination is copied into an empty volume (owners,
 *   modes, xattrs, symlinks as they are: `cp -a`), the destination being
 *   resolved inside the rootfs so an image symlink never reaches the host.
 * - Anonymous volumes (`-v /path`, image VOLUMEs) carry `anonymous = 1`:
 *   `rm -v` and `--rm` remove them, never named ones.
 *
 * Locks: the volume's flock (`withVolumeLock`) around mount, unmount and
 * removal. Order: container lock, then volume lock; never the reverse.
 */
import type { Database } from "bun:sqlite";
import { lstatSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import "./store.ts"; // migration 2 (containers) must be registered before ours
import { openDb, writeTx } from "../storage/db.ts";
import { volumeDir, type StoreLayout } from "../storage/layout.ts";
import { SkiffError } from "../lib/errors.ts";
import { removeLockFile, withContainerLock } from "./lock.ts";
import type { ContainerConfig } from "./types.ts";


/** A volume as stored. */
export interface VolumeRecord {
  readonly name: string;
  readonly driver: string;
  readonly options: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  /** Unix ms. */
  readonly created: number;
  /** Host path of the volume's data (`_data`). */
  readonly mountpoint: string;
  readonly anonymous: boolean;
  readonly needsCopyUp: boolean;
  readonly needsChown: boolean;
  /** IDs of the containers that have it mounted now. */
  readonly mountedBy: readonly string[];
}

interface Row {
  name: string; driver: string; options: string; labels: string; created: number; mountpoint: string;
  anonymous: number; needs_copy_up: number; needs_chown: number; mounted_by: string;
}

function toRecord(r: Row): VolumeRecord {
  return {
    name: r.name, driver: r.driver, options: JSON.parse(r.options), labels: JSON.parse(r.labels), created: r.created,
    mountpoint: r.mountpoint, anonymous: r.anonymous === 1, needsCopyUp: r.needs_copy_up === 1, needsChown: r.needs_chown === 1,
    mountedBy: JSON.parse(r.mounted_by),
  };
}

/** Opens the store's database with the volume table. */
export function volumeDb(root: string): Database {
  return openDb(root);
}

export const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** A fresh anonymous-style name: 64 hex, as Podman's. */
export function randomVolumeName(): string {
  return randomBytes(32).toString("hex");
}

const noSuchVolume = (name: string) => new SkiffError("not-found", `no volume with name "${name}" found: no such volume`);

/** The keys Podman 4's local driver accepts in `-o`. */
const LOCAL_OPTIONS = new Set(["device", "type", "o", "uid", "gid", "copy", "nocopy"]);

/**
 * Checks `-o` options of the local driver (Podman's keys, lower-cased as it
 * does for UID/GID).
 * @returns the options as stored
 * @throws SkiffError invalid-argument `invalid mount option <k> for driver 'local': invalid argument`; a non-numeric uid/gid; `device` without `type` or the reverse
 */
export function validateLocalOptions(opts: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k0, v] of Object.entries(opts)) {
    const k = k0 === "UID" || k0 === "GID" ? k0.toLowerCase() : k0;
    if (k === "size" || k === "inodes") {
      throw new SkiffError("invalid-argument", "volume options size and inodes not supported. Filesystem does not support Project Quota");
    }
    if (!LOCAL_OPTIONS.has(k)) throw new SkiffError("invalid-argument", `invalid mount option ${k0} for driver 'local': invalid argument`);
    if ((k === "uid" || k === "gid") && !/^\d+$/.test(v)) {
      throw new SkiffError("invalid-argument", `cannot convert ${k.toUpperCase()} ${v} to integer: invalid argument`);
    }
    out[k] = v;
  }
  if (out.device !== undefined && out.type === undefined) throw new SkiffError("invalid-argument", "must provide a type when a device is given: invalid argument");
  if (out.type !== undefined && out.type !== "tmpfs" && out.device === undefined) {
    throw new SkiffError("invalid-argument", `must provide a device for volume type "${out.type}": invalid argument`);
  }
  return out;
}

export interface NewVolume {
  /** @default a random 64-hex name */
  readonly name?: string;
  /** @default "local" */
  readonly driver?: string;
  readonly options?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
  /** @default false */
  readonly anonymous?: boolean;
  /** Return the existing volume instead of failing when the name is taken (`--ignore`, first use by run). @default false */
  readonly ignoreExisting?: boolean;
}

/**
 * Creates a volume: the row and an empty `_data` (mode 0755 in a 0700
 * folder, as Podman). uid/gid options chown `_data`.
 * @throws SkiffError invalid-argument for a bad name, driver or option; conflict `volume with name x already exists: volume already exists`
 */
export function createVolume(store: StoreLayout, db: Database, v: NewVolume): VolumeRecord {
  const name = v.name ?? randomVolumeName();
  if (!VOLUME_NAME.test(name)) throw new SkiffError("invalid-argument", "running volume create option: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument");
  const driver = v.driver ?? "local";
  if (driver !== "local") throw new SkiffError("invalid-argument", `volume plugin ${driver} not found: no such volume`);
  const options = validateLocalOptions(v.options ?? {});
  const dir = volumeDir(store, name);
  const data = join(dir, "_data");
  const rec: VolumeRecord = {
    name, driver, options, labels: { ...(v.labels ?? {}) }, created: Date.now(), mountpoint: data,
    anonymous: v.anonymous ?? false, needsCopyUp: true, needsChown: true, mountedBy: [],
  };
  return writeTx(db, () => {
    const existing = getVolume(db, name);
    if (existing) {
      if (v.ignoreExisting) return existing;
      throw new SkiffError("conflict", `volume with name ${name} already exists: volume already exists`);
    }
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    mkdirSync(data, { recursive: true, mode: 0o755 });
    if (options.uid !== undefined || options.gid !== undefined) {
      const { chownSync } = require("node:fs") as typeof import("node:fs");
      chownSync(data, Number(options.uid ?? 0), Number(options.gid ?? 0));
    }
    db.query("INSERT INTO volumes (name, driver, options, labels, created, mountpoint, anonymous) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(name, driver, JSON.stringify(options), JSON.stringify(rec.labels), rec.created, data, rec.anonymous ? 1 : 0);
    return rec;
  });
}

export function getVolume(db: Database, name: string): VolumeRecord | undefined {
  const r = db.query("SELECT * FROM volumes WHERE name = ?").get(name) as Row | null;
  return r ? toRecord(r) : undefined;
}

/** @throws SkiffError not-found `no volume with name "x" found: no such volume` */
export function requireVolume(db: Database, name: string): VolumeRecord {
  const v = getVolume(db, name);
  if (!v) throw noSuchVolume(name);
  return v;
}

/** All volumes, by name. */
export function listVolumes(db: Database): VolumeRecord[] {
  return (db.query("SELECT * FROM volumes ORDER BY name").all() as Row[]).map(toRecord);
}

/** IDs of the containers whose config uses the volume (any state), oldest first. */
export function volumeUsers(db: Database, name: string): string[] {
  return (db.query(
    "SELECT DISTINCT c.id FROM containers c, json_each(c.config, '$.volumes') j WHERE j.value = ? ORDER BY c.created",
  ).all(name) as { id: string }[]).map((r) => r.id);
}

/** Names of all volumes some container uses. */
export function volumesInUse(db: Database): Set<string> {
  return new Set((db.query("SELECT DISTINCT j.value AS v FROM containers c, json_each(c.config, '$.volumes') j").all() as { v: string }[]).map((r) => r.v));
}

/** Runs `fn` holding the volume's flock (<runroot>/locks/volume-<name>.lock). */
export function withVolumeLock<T>(store: StoreLayout, name: string, fn: () => Promise<T> | T): Promise<T> {
  return withContainerLock(store, `volume-${name}`, fn);
}

function inUseError(name: string, users: readonly string[]): SkiffError {
  return new SkiffError("conflict", `volume ${name} is being used by the following container(s): ${users.join(", ")}: volume is being used`);
}

/**
 * Removes a volume no container uses: unmounts anything left on `_data`,
 * deletes the folder, the row and the lock file.
 * @throws SkiffError not-found; conflict `volume x is being used by the following container(s): <id>: volume is being used`
 */
export async function removeVolume(store: StoreLayout, db: Database, name: string): Promise<void> {
  await withVolumeLock(store, name, async () => {
    const v = requireVolume(db, name);
    const busy = volumeUsers(db, name);
    if (busy.length) throw inUseError(name, busy);
    if (v.options.type !== undefined) {
      await unmountData(v.mountpoint);
      // Never recurse into a bind-typed volume's host folder.
      const { isMountPoint } = await import("../storage/overlay.ts");
      if (isMountPoint(v.mountpoint)) throw new SkiffError("runtime", `removing volume ${name}: ${v.mountpoint} is still mounted`);
    }
    writeTx(db, () => {
      // A container created meanwhile (it mounts only under this lock, which we hold) keeps the volume.
      const users = volumeUsers(db, name);
      if (users.length) throw inUseError(name, users);
      db.query("DELETE FROM volumes WHERE name = ?").run(name);
    });
    rmSync(volumeDir(store, name), { recursive: true, force: true });
    removeLockFile(store, `volume-${name}`);
  });
}

async function unmountData(path: string): Promise<void> {
  const { isMountPoint } = await import("../storage/overlay.ts");
  if (!isMountPoint(path)) return;
  const host = await import("../lib/host.ts");
  host.umount(path, host.MNT_DETACH);
}

const FLAG_OPTS: Record<string, number> = { ro: 1, nosuid: 2, nodev: 4, noexec: 8 };

/**
 * Mounts a volume's configured filesystem on `_data` as mount(8) would for
 * `mount -t <type> -o <o> <device> _data`: type "none" with `o=bind|rbind`
 * is a bind mount; mount flags in `o` (ro, nosuid, nodev, noexec) become
 * flags, the rest is the filesystem's data string.
 */
async function mountData(v: VolumeRecord): Promise<void> {
  const host = await import("../lib/host.ts");
  const opts = (v.options.o ?? "").split(",").filter(Boolean);
  let flags = 0;
  const data: string[] = [];
  for (const o of opts) {
    if (o === "bind") flags |= host.MS_BIND;
    else if (o === "rbind") flags |= host.MS_BIND | host.MS_REC;
    else if (o === "rw") continue;
    else if (FLAG_OPTS[o] !== undefined) flags |= FLAG_OPTS[o]!;
    else data.push(o);
  }
  const type = v.options.type!;
  const device = v.options.device ?? type;
  try {
    if (flags & host.MS_BIND) {
      host.mount(device, v.mountpoint, null, flags & (host.MS_BIND | host.MS_REC));
      // Bind mounts ignore other flags until remounted.
      if (flags & ~(host.MS_BIND | host.MS_REC)) host.mount("", v.mountpoint, null, flags | host.MS_REMOUNT | host.MS_BIND);
    } else {
      host.mount(device, v.mountpoint, type === "none" ? null : type, flags, data.length ? data.join(",") : undefined);
    }
  } catch (e) {
    throw new SkiffError("runtime", `mounting volume ${v.name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export interface VolumeUse {
  readonly name: string;
  /** Absolute path in the container. */
  readonly destination: string;
  /** Skip the copy-up (`nocopy`). @default false */
  readonly noCopy?: boolean;
  /** The container process's uid/gid: a volume's first user owns it. @default root */
  readonly owner?: { readonly uid: number; readonly gid: number };
}

/**
 * Makes a volume ready for container `containerId` (container lock held):
 * mounts a volume with options when it is the first user, and copies up the
 * image's content at `use.destination` from the mounted `rootfs` on the
 * first mount of an empty volume. On its very first mount (NeedsChown) a
 * volume without uid/gid options is chowned to `use.owner`, then takes the
 * owner and mode of the destination folder when the image has one (as
 * Podman, so a non-root user can write to a fresh volume).
 * @returns the host path to bind into the container
 * @throws SkiffError not-found when the volume was removed meanwhile; runtime when a mount or the copy fails
 */
export async function mountVolumeFor(store: StoreLayout, db: Database, use: VolumeUse, containerId: string, rootfs: string | undefined): Promise<string> {
  return withVolumeLock(store, use.name, async () => {
    const v = requireVolume(db, use.name);
    const users = new Set(v.mountedBy);
    // Checked on the mount table, not the user count: a reboot empties the one, not the other.
    const mountsNow = v.options.type !== undefined && !(await import("../storage/overlay.ts")).isMountPoint(v.mountpoint);
    if (mountsNow) await mountData(v);
    users.add(containerId);
    try {
      const needsCopyUp = await prepareData(v, use, rootfs);
      db.query("UPDATE volumes SET mounted_by = ?, needs_copy_up = ?, needs_chown = 0 WHERE name = ?")
        .run(JSON.stringify([...users]), needsCopyUp ? 1 : 0, use.name);
    } catch (e) {
      if (mountsNow) await unmountData(v.mountpoint).catch(() => {});
      throw e;
    }
    return v.mountpoint;
  });
}

/** First-use chown and copy-up (volume lock held). @returns whether a copy-up is still due */
async function prepareData(v: VolumeRecord, use: VolumeUse, rootfs: string | undefined): Promise<boolean> {
  let needsCopyUp = v.needsCopyUp;
  const { resolveInRoot } = await import("../oci/user.ts");
  const src = rootfs !== undefined ? resolveInRoot(rootfs, use.destination) : undefined;
  let srcStat: import("node:fs").Stats | undefined;
  try { srcStat = src !== undefined ? lstatSync(src) : undefined; } catch {}
  // A bind-typed volume's folder is the user's host folder: never chowned.
  const bindTyped = /(^|,)r?bind(,|$)/.test(v.options.o ?? "");
  if (v.needsChown && !bindTyped && v.options.uid === undefined && v.options.gid === undefined) {
    const { chownSync, chmodSync } = await import("node:fs");
    const o = srcStat?.isDirectory() ? srcStat : use.owner;
    if (o) chownSync(v.mountpoint, o.uid, o.gid);
    if (srcStat?.isDirectory()) chmodSync(v.mountpoint, srcStat.mode & 0o7777);
  }
  if (needsCopyUp && src !== undefined && !use.noCopy && v.options.nocopy === undefined) {
    if (srcStat?.isDirectory()) {
      // As Podman: the first mount with a source settles it, whatever the volume holds.
      needsCopyUp = false;
      if (readdirSync(v.mountpoint).length === 0) await copyUp(src, v.mountpoint);
    }
  }
  return needsCopyUp;
}

/**
 * Copies the content of `src` (a real folder inside a mounted rootfs, found
 * with resolveInRoot) into the empty folder `dst`, keeping owners, modes,
 * times, xattrs and hard links; symlinks are copied as links, never
 * followed. `dst` itself takes `src`'s owner and mode.
 */
async function copyUp(src: string, dst: string): Promise<void> {
  const p = Bun.spawn(["cp", "-a", "--no-dereference", `${src}/.`, `${dst}/`], { stdout: "ignore", stderr: "pipe" });
  const err = await new Response(p.stderr).text();
  if ((await p.exited) !== 0) throw new SkiffError("runtime", `copying up volume content: ${err.trim().split("\n")[0] ?? ""}`);
}

/**
 * Releases container `containerId`'s use of a volume: the last user
 * unmounts a volume with options. Idempotent; a removed volume is ignored.
 */
export async function unmountVolumeFor(store: StoreLayout, db: Database, name: string, containerId: string): Promise<void> {
  await withVolumeLock(store, name, async () => {
    const v = getVolume(db, name);
    if (!v || !v.mountedBy.includes(containerId)) return;
    const rest = v.mountedBy.filter((id) => id !== containerId);
    if (rest.length === 0 && v.options.type !== undefined) await unmountData(v.mountpoint);
    db.query("UPDATE volumes SET mounted_by = ? WHERE name = ?").run(JSON.stringify(rest), name);
  });
}

/**
 * Removes a removed container's anonymous volumes (`rm -v`, `--rm`); one
 * another container still uses is kept, as Podman does.
 */
export async function removeAnonymousVolumes(store: StoreLayout, db: Database, config: ContainerConfig): Promise<void> {
  for (const m of config.volumeMounts ?? []) {
    if (m.anonymous) await removeVolume(store, db, m.name).catch(() => {});
  }
}

/**
 * Mounts every volume of a container about to start (container lock held).
 * @returns host paths by container destination, for the runtime spec
 */
export async function mountContainerVolumes(store: StoreLayout, db: Database, config: ContainerConfig, rootfs: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const user = config.spec.user ?? (config.imageConfig.User as string | undefined) ?? "";
  let owner: { uid: number; gid: number } | undefined;
  if (user !== "" && user !== "root" && user !== "0" && user !== "0:0") {
    const { resolveUser } = await import("../oci/user.ts");
    owner = resolveUser(rootfs, user);
  }
  for (const m of config.volumeMounts ?? []) {
    const use = { name: m.name, destination: m.destination, ...(m.noCopy ? { noCopy: true } : {}), ...(owner ? { owner } : {}) };
    out[m.destination] = await mountVolumeFor(store, db, use, config.id, rootfs);
  }
  return out;
}

/** Releases every volume of a stopped container. Idempotent. */
export async function unmountContainerVolumes(store: StoreLayout, db: Database, config: ContainerConfig): Promise<void> {
  for (const name of new Set((config.volumeMounts ?? []).map((m) => m.name))) await unmountVolumeFor(store, db, name, config.id);
}
