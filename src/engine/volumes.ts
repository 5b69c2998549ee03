/**
 * Volume operations behind `volume create|ls|inspect|rm|prune|exists`, and the
 * container hooks (volumes resolved at create, removed with `rm -v`/`--rm`):
 * options in, reports out, no printing.
 */
import { SkiffError } from "../lib/errors.ts";
import type { GlobalOptions } from "./options.ts";
import type { VolumeRecord } from "../core/volumes.ts";
import type { ContainerConfig } from "../core/types.ts";
import type { MountSpec } from "../spec/container-spec.ts";

async function open(g: GlobalOptions) {
  const core = await import("../core/volumes.ts");
  return { core, store: { root: g.root, runroot: g.runroot }, db: core.volumeDb(g.root) };
}

export interface VolumeCreateOptions {
  readonly name?: string;
  /** @default "local" */
  readonly driver?: string;
  /** `-o key=value` pairs as typed. */
  readonly options?: readonly string[];
  /** `--label k[=v]` as typed. */
  readonly labels?: readonly string[];
  /** Succeed when the volume exists (`--ignore`). @default false */
  readonly ignore?: boolean;
}

/** `k=v` list → object (a bare `k` is `k=""`), as Podman parses -o and --label. */
export function keyValues(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const it of items) {
    const eq = it.indexOf("=");
    out[eq >= 0 ? it.slice(0, eq) : it] = eq >= 0 ? it.slice(eq + 1) : "";
  }
  return out;
}

/**
 * `volume create`. @returns the volume's name
 * @throws SkiffError as core createVolume
 */
export async function createVolume(g: GlobalOptions, o: VolumeCreateOptions = {}): Promise<string> {
  const { core, store, db } = await open(g);
  const v = core.createVolume(store, db, {
    ...(o.name !== undefined ? { name: o.name } : {}),
    ...(o.driver !== undefined ? { driver: o.driver } : {}),
    options: keyValues(o.options ?? []),
    labels: keyValues(o.labels ?? []),
    ignoreExisting: o.ignore ?? false,
  });
  return v.name;
}

/** Podman's `volume inspect` object (field order as Podman 4.3 prints it). */
export interface VolumeInspectReport {
  readonly Name: string;
  readonly Driver: string;
  readonly Mountpoint: string;
  readonly CreatedAt: string;
  readonly Labels: Record<string, string>;
  readonly Scope: "local";
  readonly Options: Record<string, string>;
  readonly MountCount: number;
  readonly NeedsCopyUp: boolean;
  readonly NeedsChown: boolean;
}

/** A copy with sorted keys: Go marshals maps in key order. */
const sorted = (o: Readonly<Record<string, string>>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

function report(v: VolumeRecord): VolumeInspectReport {
  // Go's time.Time JSON: RFC 3339 with the fraction's trailing zeros dropped.
  const created = new Date(v.created).toISOString().replace(/\.?0+Z$/, "Z");
  return {
    Name: v.name, Driver: v.driver, Mountpoint: v.mountpoint, CreatedAt: created, Labels: sorted(v.labels), Scope: "local",
    Options: sorted(v.options), MountCount: v.mountedBy.length, NeedsCopyUp: v.needsCopyUp, NeedsChown: v.needsChown,
  };
}

/**
 * Parses `--filter` values and returns a predicate. Podman 4.3 keeps a
 * volume when ANY filter matches (also across keys); `name` is a regular
 * expression, `label=k` / `label=k=v`, `driver`, `dangling=true|false`
 * (no container uses it), `scope`, `opt`.
 * @throws SkiffError invalid-argument `"x" is an invalid volume filter`; a bad dangling value
 */
export function volumeFilter(filters: readonly string[], inUse: () => Set<string>): (v: VolumeRecord) => boolean {
  if (filters.length === 0) return () => true;
  const preds: ((v: VolumeRecord) => boolean)[] = [];
  for (const f of filters) {
    const eq = f.indexOf("=");
    const key = eq >= 0 ? f.slice(0, eq) : f;
    const val = eq >= 0 ? f.slice(eq + 1) : "";
    switch (key) {
      case "name": { const re = new RegExp(val); preds.push((v) => re.test(v.name)); break; }
      case "driver": preds.push((v) => v.driver === val); break;
      case "scope": preds.push(() => val === "local"); break;
      case "label": {
        const [k, ...rest] = val.split("=");
        const want = rest.length ? rest.join("=") : undefined;
        preds.push((v) => k! in v.labels && (want === undefined || v.labels[k!] === want));
        break;
      }
      case "opt": {
        const [k, ...rest] = val.split("=");
        const want = rest.length ? rest.join("=") : undefined;
        preds.push((v) => k! in v.options && (want === undefined || v.options[k!] === want));
        break;
      }
      case "dangling": {
        if (val !== "true" && val !== "false") throw new SkiffError("invalid-argument", `"${val}" is not a valid value for the "dangling" filter - must be true or false`);
        preds.push((v) => inUse().has(v.name) !== (val === "true"));
        break;
      }
      default: throw new SkiffError("invalid-argument", `"${key}" is an invalid volume filter`);
    }
  }
  return (v) => preds.some((p) => p(v));
}

/** Podman's `volume ls` row. */
export interface VolumeListReport extends VolumeInspectReport {}

/** `volume ls`: volumes by name, filtered. */
export async function listVolumes(g: GlobalOptions, filters: readonly string[] = []): Promise<VolumeListReport[]> {
  const { core, db } = await open(g);
  let used: Set<string> | undefined;
  const keep = volumeFilter(filters, () => (used ??= core.volumesInUse(db)));
  return core.listVolumes(db).filter(keep).map(report);
}

export interface InspectVolumesReport {
  readonly volumes: VolumeInspectReport[];
  /** Names not found, in order. */
  readonly missing: string[];
}

/** `volume inspect NAME…` (or every volume with `all`). */
export async function inspectVolumes(g: GlobalOptions, names: readonly string[], all = false): Promise<InspectVolumesReport> {
  const { core, db } = await open(g);
  if (all) return { volumes: core.listVolumes(db).map(report), missing: [] };
  const volumes: VolumeInspectReport[] = [];
  const missing: string[] = [];
  for (const n of names) {
    const v = core.getVolume(db, n);
    if (v) volumes.push(report(v)); else missing.push(n);
  }
  return { volumes, missing };
}

export async function volumeExists(g: GlobalOptions, name: string): Promise<boolean> {
  const { core, db } = await open(g);
  return core.getVolume(db, name) !== undefined;
}

export interface VolumeRmReport {
  readonly name: string;
  readonly error?: Error;
}

/**
 * `volume rm`: each volume in turn; with `force` the containers using it are
 * removed first (running ones killed), as Podman does.
 */
export async function removeVolumes(g: GlobalOptions, names: readonly string[], opts: { force?: boolean } = {}): Promise<VolumeRmReport[]> {
  const { core, store, db } = await open(g);
  const out: VolumeRmReport[] = [];
  for (const name of names) {
    try {
      core.requireVolume(db, name);
      if (opts.force) {
        // No volume lock here: container removal takes container locks, then volume locks.
        const users = core.volumeUsers(db, name);
        if (users.length) {
          const { removeContainers } = await import("./containers.ts");
          const errs = (await removeContainers(g, users, { force: true, ignore: true })).filter((r) => r.error);
          if (errs[0]?.error) throw errs[0].error;
        }
      }
      await core.removeVolume(store, db, name);
      out.push({ name });
    } catch (e) {
      out.push({ name, error: e as Error });
    }
  }
  return out;
}

/** Names of the volumes `volume prune` would remove: those no container uses. */
export async function unusedVolumes(g: GlobalOptions, filters: readonly string[] = []): Promise<string[]> {
  const { core, db } = await open(g);
  const used = core.volumesInUse(db);
  const keep = volumeFilter(filters, () => used);
  return core.listVolumes(db).filter((v) => !used.has(v.name) && keep(v)).map((v) => v.name);
}

/** `volume prune`: removes unused volumes (a volume taken meanwhile is skipped). @returns the removed names */
export async function pruneVolumes(g: GlobalOptions, filters: readonly string[] = []): Promise<string[]> {
  const { core, store, db } = await open(g);
  const removed: string[] = [];
  for (const name of await unusedVolumes(g, filters)) {
    try {
      await core.removeVolume(store, db, name);
      removed.push(name);
    } catch (e) {
      if (!(e instanceof SkiffError && (e.kind === "conflict" || e.kind === "not-found"))) throw e;
    }
  }
  return removed;
}

/**
 * Volumes for a new container (`create`/`run`): named volumes of the spec
 * created on first use, anonymous ones for `-v /path` and for the image's
 * VOLUMEs no user mount covers.
 * @returns what ContainerConfig records (`volumes`, `volumeMounts`), and the
 *   anonymous names made (for `discardVolumes` if the create fails)
 */
export async function prepareContainerVolumes(
  g: GlobalOptions,
  mounts: readonly MountSpec[],
  imageVolumes: readonly string[],
): Promise<{ volumes: string[]; volumeMounts: NonNullable<ContainerConfig["volumeMounts"]>; created: string[] }> {
  const vm: { name: string; destination: string; anonymous: boolean; noCopy?: boolean }[] = [];
  const created: string[] = [];
  if (!mounts.some((m) => m.type === "volume") && imageVolumes.length === 0) return { volumes: [], volumeMounts: [], created };
  const { core, store, db } = await open(g);
  const dests = new Set(mounts.map((m) => m.destination));
  const anon = () => {
    const v = core.createVolume(store, db, { anonymous: true });
    created.push(v.name);
    return v.name;
  };
  for (const m of mounts) {
    if (m.type !== "volume") continue;
    let name = m.name;
    if (name === undefined) name = anon();
    else if (!core.getVolume(db, name)) {
      core.createVolume(store, db, { name, ignoreExisting: true });
      created.push(name);
    }
    vm.push({ name, destination: m.destination, anonymous: m.name === undefined, ...(m.options?.includes("nocopy") ? { noCopy: true } : {}) });
  }
  for (const raw of imageVolumes) {
    const d = raw.length > 1 ? raw.replace(/\/+$/, "") : raw;
    if (dests.has(d)) continue;
    dests.add(d);
    vm.push({ name: anon(), destination: d, anonymous: true });
  }
  return { volumes: [...new Set(vm.map((v) => v.name))], volumeMounts: vm, created };
}

/** Removes volumes made for a container that was not created after all. */
export async function discardVolumes(g: GlobalOptions, names: readonly string[]): Promise<void> {
  const { core, store, db } = await open(g);
  for (const n of names) await core.removeVolume(store, db, n).catch(() => {});
}

/** Removes a removed container's anonymous volumes (`rm -v`). */
export async function removeAnonymousVolumes(g: GlobalOptions, config: ContainerConfig): Promise<void> {
  const { core, store, db } = await open(g);
  await core.removeAnonymousVolumes(store, db, config);
}
