/**
 * Local image operations behind `images`, `image inspect`, `tag`, `untag`,
 * `rmi`, `image prune`, `history` and `image exists`: options in, reports
 * out, no printing. Field names and semantics follow Podman 4.3's libimage
 * (parent/child images by layer tree and history, dangling = no names and no
 * children, intermediate = no names but children).
 */
import { rfc3339Nano } from "../lib/gotime.ts";
import type { Database } from "bun:sqlite";
import { SkiffError } from "../lib/errors.ts";
import type { GlobalOptions } from "./options.ts";
import { openDb } from "../storage/db.ts";
import { readBlob } from "../storage/blobs.ts";
import { layerDiffDir, layerDir, type StoreLayout } from "../storage/layout.ts";
import {
  addNames, deleteImage, getImage, imageUsers, listImages, removeName, type Digest, type ImageRecord,
} from "../storage/images.ts";
import { findLocalImage, resolveLocalImage } from "../storage/image-lookup.ts";
import { parseReference, fullName } from "../image/reference.ts";
import { MediaType, parseImageConfig, type ImageConfig } from "../image/manifest.ts";

/** An opened store: database plus paths. */
export interface ImageStore {
  readonly db: Database;
  readonly layout: StoreLayout;
}

/** Opens the store named by the global options. */
export function openImageStore(g: GlobalOptions): ImageStore {
  return { db: openDb(g.root), layout: { root: g.root, runroot: g.runroot } };
}

// ---------------------------------------------------------------------------
// Image graph: configs, layer parents, parent/child images

interface LayerRow { chain_id: string; parent: string | null; diff_id: string; uncompressed_size: number }

/**
 * A snapshot of every image with its config and the layer parents, from which
 * Podman's relations are computed: B is A's parent when B's top layer is A's
 * top layer or its parent, B's diff IDs are a prefix of A's and B's history a
 * strict prefix of A's (libimage's layer tree).
 */
export class ImageGraph {
  readonly images: ImageRecord[];
  private readonly configs = new Map<string, ImageConfig>();
  private readonly layers = new Map<string, LayerRow>();
  private readonly byTop = new Map<string, ImageRecord[]>();
  private parents?: Map<string, ImageRecord | undefined>;

  constructor(readonly store: ImageStore) {
    this.images = listImages(store.db);
    for (const l of store.db.query("SELECT chain_id, parent, diff_id, uncompressed_size FROM layers").all() as LayerRow[]) {
      this.layers.set(l.chain_id, l);
    }
    // Oldest first, as containers/storage lists a node's images.
    for (const img of [...this.images].sort((a, b) => a.added - b.added)) {
      const k = img.topLayer ?? "";
      const l = this.byTop.get(k);
      if (l) l.push(img); else this.byTop.set(k, [img]);
    }
  }

  /** The parsed config of an image (read once from the blob store). */
  config(img: ImageRecord): ImageConfig {
    let c = this.configs.get(img.id);
    if (!c) {
      c = parseImageConfig(readBlob(this.store.layout, `sha256:${img.id}` as Digest));
      this.configs.set(img.id, c);
    }
    return c;
  }

  layer(chainId: string | null): LayerRow | undefined {
    return chainId ? this.layers.get(chainId) : undefined;
  }

  /** Images whose top layer is `chainId` ("" for layerless images), oldest first. */
  imagesOnLayer(chainId: string | null): ImageRecord[] {
    return this.byTop.get(chainId ?? "") ?? [];
  }

  /** Podman's parent image, if any. */
  parentOf(img: ImageRecord): ImageRecord | undefined {
    if (!this.parents) {
      this.parents = new Map();
      for (const i of this.images) this.parents.set(i.id, this.computeParent(i));
    }
    return this.parents.get(img.id);
  }

  /** Images whose parent is `img`. */
  childrenOf(img: ImageRecord): ImageRecord[] {
    return this.images.filter((c) => c.id !== img.id && this.parentOf(c)?.id === img.id);
  }

  /** No names and no children: what `image prune` removes and `dangling=true` lists. */
  isDangling(img: ImageRecord): boolean {
    return img.names.length === 0 && this.childrenOf(img).length === 0;
  }

  /** No names but children: hidden from `images` without `-a`. */
  isIntermediate(img: ImageRecord): boolean {
    return img.names.length === 0 && this.childrenOf(img).length > 0;
  }

  private computeParent(child: ImageRecord): ImageRecord | undefined {
    const cc = this.safeConfig(child);
    if (!cc) return undefined;
    const top = this.layer(child.topLayer);
    const candidates = [...this.imagesOnLayer(child.topLayer), ...(top?.parent ? this.imagesOnLayer(top.parent) : [])];
    if (!child.topLayer) return undefined;
    for (const cand of candidates) {
      if (cand.id === child.id) continue;
      const pc = this.safeConfig(cand);
      if (pc && areParentAndChild(pc, cc)) return cand;
    }
    return undefined;
  }

  private safeConfig(img: ImageRecord): ImageConfig | undefined {
    try { return this.config(img); } catch { return undefined; }
  }
}

function areParentAndChild(parent: ImageConfig, child: ImageConfig): boolean {
  const pd = parent.rootfs.diff_ids, cd = child.rootfs.diff_ids;
  if (pd.length > cd.length || !pd.every((d, i) => d === cd[i])) return false;
  const ph = parent.history ?? [], ch = child.history ?? [];
  if (ph.length >= ch.length) return false;
  return ph.every((h, i) => {
    const o = ch[i]!;
    return h.created === o.created && h.created_by === o.created_by && h.comment === o.comment
      && h.author === o.author && (h.empty_layer ?? false) === (o.empty_layer ?? false);
  });
}

// ---------------------------------------------------------------------------
// Names

/** Splits a stored name into repository and tag ("<none>" when absent), as `images` shows it. */
export function splitName(name: string): { repository: string; tag: string; digest?: string } {
  const at = name.indexOf("@");
  const base = at >= 0 ? name.slice(0, at) : name;
  const colon = base.lastIndexOf(":");
  const hasTag = colon > base.lastIndexOf("/");
  const out = { repository: hasTag ? base.slice(0, colon) : base, tag: hasTag ? base.slice(colon + 1) : "<none>" };
  return at >= 0 ? { ...out, digest: name.slice(at + 1) } : out;
}

/**
 * Normalises a name given to `tag` as Podman does: a short name without a
 * registry becomes `localhost/<name>`, a missing tag becomes `latest`.
 * @throws SkiffError invalid-argument `normalizing name "x": invalid reference format`
 */
export function normalizeTagName(name: string): string {
  let ref;
  try {
    ref = parseReference(name);
  } catch (e) {
    throw new SkiffError("invalid-argument", `normalizing name "${name}": ${(e as Error).message}`);
  }
  if (ref.digest !== undefined) throw new SkiffError("invalid-argument", `normalizing name "${name}": tag by digest not supported`);
  if (!ref.shortName) return fullName(ref);
  return `localhost/${splitName(name).repository}:${ref.tag ?? "latest"}`;
}

/**
 * `repo@digest` for every repository of the image's names and every digest it
 * is known by, deduplicated and sorted bytewise as libimage's RepoDigests.
 */
export function repoDigests(img: ImageRecord): string[] {
  const out = new Set<string>();
  const repos = [...new Set(img.names.map((n) => splitName(n).repository))];
  const digests = [...new Set([...img.digests, img.manifestDigest])];
  for (const r of repos) for (const d of digests) out.add(`${r}@${d}`);
  return [...out].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Podman's NamesHistory, most recent first. The store keeps current names
 * only, so this is the names newest first; names an image lost are not
 * remembered (Podman keeps them).
 */
export function namesHistory(img: ImageRecord): string[] {
  return [...img.names].reverse();
}

function resolve(store: ImageStore, ref: string): ImageRecord {
  return resolveLocalImage(store.db, ref);
}

// ---------------------------------------------------------------------------
// images / image ls

/** Podman's entities.ImageSummary, the object behind `images --format`. */
export interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: string[] | null;
  RepoDigests: string[];
  Size: number;
  SharedSize: number;
  VirtualSize: number;
  Labels: Record<string, string> | null;
  Containers: number;
  ReadOnly: boolean;
  Names: string[];
  Digest: string;
  History: string[];
  /** Unix seconds. */
  Created: number;
  CreatedAt: string;
  Dangling: boolean;
}

export interface ListImagesOptions {
  /** Include intermediate images. @default false */
  readonly all?: boolean;
  /** `key=value` filters: same key OR-ed, different keys AND-ed. */
  readonly filters?: readonly string[];
}

/** Converts a shell glob (`*`, `?`, `[...]`, as Go's path.Match: `*` stops at "/") to a RegExp. */
function globRe(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else { re += `[${glob.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\")}]`; i = end; }
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

function matchesReference(img: ImageRecord, pattern: string): boolean {
  const re = globRe(pattern);
  const tagged = splitName(pattern).tag !== "<none>";
  for (const n of img.names) {
    const { repository, tag } = splitName(n);
    const forms = [repository];
    for (const pre of ["localhost/", "docker.io/library/", "docker.io/"]) {
      if (repository.startsWith(pre)) forms.push(repository.slice(pre.length));
    }
    // A pattern without registry also matches on the last path components.
    const parts = repository.split("/");
    for (let i = 1; i < parts.length; i++) forms.push(parts.slice(i).join("/"));
    for (const f of forms) if (re.test(tagged ? `${f}:${tag}` : f)) return true;
  }
  return false;
}

type Pred = (img: ImageRecord) => boolean;

function buildFilters(store: ImageStore, graph: ImageGraph, filters: readonly string[]): Pred {
  const byKey = new Map<string, Pred[]>();
  for (const f of filters) {
    const eq = f.indexOf("=");
    if (eq < 0) throw new SkiffError("invalid-argument", `invalid image filter "${f}": must be in the format "filter=value or filter!=value"`);
    const key = f.slice(0, eq), value = f.slice(eq + 1);
    let p: Pred;
    switch (key) {
      case "dangling": {
        const want = parseBoolValue(key, value);
        p = (i) => graph.isDangling(i) === want;
        break;
      }
      case "intermediate": {
        const want = parseBoolValue(key, value);
        p = (i) => graph.isIntermediate(i) === want;
        break;
      }
      case "reference": p = (i) => matchesReference(i, value); break;
      case "label": {
        const k = value.split("=")[0]!, v = value.includes("=") ? value.slice(k.length + 1) : undefined;
        p = (i) => {
          const labels = graph.config(i).config?.Labels ?? {};
          return k in labels && (v === undefined || labels[k] === v);
        };
        break;
      }
      case "before": case "since": {
        let ref: ImageRecord;
        try {
          ref = resolve(store, value);
        } catch (e) {
          throw new SkiffError("not-found", `could not find local image for filter filter "${key}"="${value}": ${(e as Error).message}`);
        }
        p = key === "before" ? (i) => i.created < ref.created : (i) => i.created > ref.created;
        break;
      }
      case "id": p = (i) => i.id.startsWith(value.replace(/^sha256:/, "")); break;
      case "readonly": { const want = parseBoolValue(key, value); p = (i) => i.readOnly === want; break; }
      default: throw new SkiffError("invalid-argument", `unsupported image filter "${key}"`);
    }
    const l = byKey.get(key);
    if (l) l.push(p); else byKey.set(key, [p]);
  }
  return (img) => [...byKey.values()].every((ps) => ps.some((p) => p(img)));
}

/** Go's strconv.ParseBool, with Podman 4.3's message (key and value swapped, as Podman prints it). */
function parseBoolValue(key: string, v: string): boolean {
  if (["1", "t", "T", "true", "TRUE", "True"].includes(v)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(v)) return false;
  throw new SkiffError("invalid-argument", `non-boolean value "${key}" for ${v} filter: strconv.ParseBool: parsing "${v}": invalid syntax`);
}

function rfc3339Seconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.000Z$/, "Z");
}

/**
 * The images to list as Podman's ImageSummary, in storage order (oldest
 * stored first, as libimage lists them; `images` sorts for display).
 * @throws SkiffError invalid-argument for a malformed or unknown filter; not-found for before/since of an unknown image
 */
export function listImageSummaries(g: GlobalOptions, opts: ListImagesOptions = {}): ImageSummary[] {
  const store = openImageStore(g);
  const graph = new ImageGraph(store);
  const pred = buildFilters(store, graph, opts.filters ?? []);
  const out: ImageSummary[] = [];
  const ordered = [...graph.images].sort((a, b) => a.added - b.added);
  for (const img of ordered) {
    if (!opts.all && graph.isIntermediate(img)) continue;
    if (!pred(img)) continue;
    let labels: Record<string, string> | null = null;
    try { labels = graph.config(img).config?.Labels ?? null; } catch { /* a missing config shows as no labels */ }
    const tags = img.names.filter((n) => !n.includes("@"));
    out.push({
      Id: img.id,
      ParentId: graph.parentOf(img)?.id ?? "",
      RepoTags: tags.length ? tags : null,
      RepoDigests: repoDigests(img),
      Size: img.size,
      SharedSize: 0,
      VirtualSize: img.size,
      Labels: labels,
      Containers: imageUsers(store.db, img.id).length,
      ReadOnly: img.readOnly,
      Names: img.names,
      Digest: img.manifestDigest,
      History: namesHistory(img),
      Created: Math.floor(img.created / 1000),
      CreatedAt: rfc3339Seconds(img.created),
      Dangling: graph.isDangling(img),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------
// image inspect

/** Podman's libimage ImageData, key order as Podman prints it. */
export interface ImageInspectReport {
  Id: string;
  Digest: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  /** RFC3339Nano text (src/lib/gotime.ts). */
  Created: string;
  Config: Record<string, unknown>;
  Version: string;
  Author: string;
  Architecture: string;
  Os: string;
  Size: number;
  VirtualSize: number;
  GraphDriver: { Name: string; Data: Record<string, string> };
  RootFS: { Type: string; Layers: string[] };
  Labels: Record<string, string> | null;
  Annotations: Record<string, string>;
  ManifestType: string;
  User: string;
  History: Record<string, unknown>[];
  NamesHistory: string[];
  Healthcheck?: unknown;
}

// Go's ociv1.ImageConfig field order, which Podman's JSON follows.
const CONFIG_ORDER = ["User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes", "WorkingDir", "Labels", "StopSignal", "ArgsEscaped"];
const HISTORY_ORDER = ["created", "created_by", "author", "comment", "empty_layer"];

function ordered(obj: Record<string, unknown> | undefined, order: readonly string[], keepUnknown: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!obj) return out;
  for (const k of order) {
    const v = obj[k];
    // Go's omitempty: nil, empty string/slice/map and false are left out.
    if (v === undefined || v === null || v === "" || v === false) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  if (keepUnknown) for (const k of Object.keys(obj)) if (!(k in out) && !order.includes(k)) out[k] = obj[k];
  return out;
}

/** Go's time.Time RFC3339Nano rendering of an RFC 3339 string (trailing zeros of the fraction dropped). */

function inspectOne(store: ImageStore, graph: ImageGraph, img: ImageRecord): ImageInspectReport {
  const cfg = graph.config(img);
  const raw = cfg as unknown as Record<string, unknown>;
  const manifestBytes = readBlob(store.layout, img.manifestDigest);
  const manifest = JSON.parse(manifestBytes.toString("utf8")) as { annotations?: Record<string, string> };
  const docker = img.manifestMediaType === MediaType.dockerManifest;
  const history = cfg.history ?? [];
  // Layers, top first, for the overlay paths.
  const chain: string[] = [];
  for (let l = graph.layer(img.topLayer); l; l = graph.layer(l.parent)) chain.push(l.chain_id);
  const data: Record<string, string> = {};
  if (chain.length > 0) {
    const [top, ...lower] = chain;
    if (lower.length) data.LowerDir = lower.map((c) => layerDiffDir(store.layout, c)).join(":");
    data.UpperDir = layerDiffDir(store.layout, top!);
    data.WorkDir = `${layerDir(store.layout, top!)}/work`;
  }
  const rawCfg = raw.config as Record<string, unknown> | undefined;
  const report: ImageInspectReport = {
    Id: img.id,
    Digest: img.manifestDigest,
    RepoTags: img.names.filter((n) => !n.includes("@")),
    RepoDigests: repoDigests(img),
    Parent: graph.parentOf(img)?.id ?? "",
    Comment: docker ? String(raw.comment ?? "") : (history[0]?.comment ?? ""),
    Created: rfc3339Nano(cfg.created),
    Config: ordered(rawCfg, CONFIG_ORDER, true),
    Version: docker ? String(raw.docker_version ?? "") : "",
    Author: cfg.author ?? "",
    Architecture: cfg.architecture,
    Os: cfg.os,
    Size: img.size,
    VirtualSize: img.size,
    GraphDriver: { Name: "overlay", Data: data },
    RootFS: { Type: cfg.rootfs.type, Layers: cfg.rootfs.diff_ids },
    Labels: (rawCfg?.Labels as Record<string, string> | undefined) ?? null,
    Annotations: manifest.annotations ?? {},
    ManifestType: img.manifestMediaType,
    User: String(rawCfg?.User ?? ""),
    History: history.map((h) => ordered(h as Record<string, unknown>, HISTORY_ORDER, false)),
    NamesHistory: namesHistory(img),
  };
  const hc = rawCfg?.Healthcheck ?? (raw.container_config as Record<string, unknown> | undefined)?.Healthcheck;
  if (docker && hc) report.Healthcheck = hc;
  return report;
}

/**
 * Inspects images by reference (ID, prefix, name). Results in input order;
 * unknown references are collected in `errors` (Podman inspects the rest and
 * fails at the end).
 */
export function inspectImages(g: GlobalOptions, refs: readonly string[]): { reports: ImageInspectReport[]; errors: SkiffError[] } {
  const store = openImageStore(g);
  const graph = new ImageGraph(store);
  const reports: ImageInspectReport[] = [];
  const errors: SkiffError[] = [];
  for (const ref of refs) {
    try {
      reports.push(inspectOne(store, graph, resolve(store, ref)));
    } catch (e) {
      if (e instanceof SkiffError) errors.push(e); else throw e;
    }
  }
  return { reports, errors };
}

/** True if `ref` names a local image (`image exists`). Malformed references count as absent. */
export function imageExists(g: GlobalOptions, ref: string): boolean {
  const store = openImageStore(g);
  try { return findLocalImage(store.db, ref) !== undefined; } catch { return false; }
}

// ---------------------------------------------------------------------------
// tag / untag

/**
 * Adds names to an image (normalised as `normalizeTagName`); a name held by
 * another image moves.
 * @throws SkiffError not-found `<ref>: image not known`; invalid-argument for a bad name
 */
export function tagImage(g: GlobalOptions, ref: string, names: readonly string[]): void {
  const store = openImageStore(g);
  const img = resolve(store, ref);
  const full = names.map(normalizeTagName);
  addNames(store.db, img.id, full);
}

/**
 * Removes names from an image, or all its names when `names` is empty.
 * @throws SkiffError not-found for the image, or `<name>: tag not known` for a name the image does not have
 */
export function untagImage(g: GlobalOptions, ref: string, names: readonly string[]): void {
  const store = openImageStore(g);
  const img = resolve(store, ref);
  const targets = names.length === 0 ? img.names : names.map(normalizeTagName);
  for (const n of targets) {
    if (!img.names.includes(n)) throw new SkiffError("not-found", `${n}: tag not known`);
  }
  for (const n of targets) removeName(store.db, n);
}

// ---------------------------------------------------------------------------
// rmi / image prune

export interface RemoveImagesOptions {
  /** Remove every image. @default false */
  readonly all?: boolean;
  /** Remove images with several names by ID, and images used by containers (the run side removes those containers first). @default false */
  readonly force?: boolean;
  /**
   * Called for each container using an image under `force`, before the image
   * goes. Set by the container side once it exists; without it, `force`
   * cannot remove images in use.
   */
  readonly removeContainer?: (id: string) => Promise<void>;
}

export interface RemoveImagesReport {
  untagged: string[];
  deleted: string[];
  errors: SkiffError[];
  /** Podman's rmi exit code: 0, 1 when an image was not known, 2 when one was in use, 125 otherwise. */
  exitCode: number;
}

/** Deletes layers no image uses any more. */
async function collectLayers(store: ImageStore): Promise<void> {
  // Loaded here: the layer module pulls in the unpacker, which listing never needs.
  const { removeUnreferencedLayers } = await import("../storage/layers.ts");
  await removeUnreferencedLayers(store.layout, store.db);
}

/**
 * Removes images as `podman rmi`: a reference that is a name of an image with
 * other names only untags; otherwise the image goes with all its names, then
 * its parent if that became dangling (recursively). An ID of an image with
 * several names needs `force`; an image used by containers cannot be removed.
 * Errors are collected per reference, the others still proceed.
 */
export async function removeImages(g: GlobalOptions, refs: readonly string[], opts: RemoveImagesOptions = {}): Promise<RemoveImagesReport> {
  const store = openImageStore(g);
  const report: RemoveImagesReport = { untagged: [], deleted: [], errors: [], exitCode: 0 };
  const fail = (e: unknown, code: number) => {
    report.errors.push(e instanceof SkiffError ? e : new SkiffError("runtime", String((e as Error)?.message ?? e)));
    // Podman keeps the worst class of error seen.
    if (report.exitCode === 0 || code === 125 || (code === 2 && report.exitCode === 1)) report.exitCode = code;
  };
  const targets: { ref: string; img: ImageRecord }[] = [];
  if (opts.all) {
    for (const img of listImages(store.db)) targets.push({ ref: img.id, img });
  } else {
    for (const ref of refs) {
      try { targets.push({ ref, img: resolve(store, ref) }); } catch (e) { fail(e, e instanceof SkiffError && e.kind === "not-found" ? 1 : 125); }
    }
  }
  for (const { ref, img: found } of targets) {
    const img = getImage(store.db, found.id);
    if (!img) continue; // already removed as another reference's image or parent
    const byName = !opts.all && !refIsId(ref, img) ? nameMatch(img, ref) : undefined;
    if (byName !== undefined && img.names.length > 1) {
      removeName(store.db, byName);
      report.untagged.push(byName);
      continue;
    }
    if (byName === undefined && !opts.all && img.names.length > 1 && !opts.force) {
      fail(new SkiffError("conflict", `unable to delete image "${img.id}" by ID with more than one tag (${`[${img.names.join(" ")}]`}): please force removal`), 125);
      continue;
    }
    const users = imageUsers(store.db, img.id);
    if (users.length > 0) {
      if (!opts.force || !opts.removeContainer) {
        fail(new SkiffError("conflict", `image used by ${users[0]}: image is in use by a container`), 2);
        continue;
      }
      for (const c of users) await opts.removeContainer(c);
    }
    await removeWithParents(store, img, report);
  }
  await collectLayers(store);
  return report;
}

function refIsId(ref: string, img: ImageRecord): boolean {
  const hex = ref.replace(/^sha256:/, "");
  return /^[0-9a-f]+$/.test(hex) && img.id.startsWith(hex) && !img.names.some((n) => n === ref || splitName(n).repository.endsWith(`/${ref}`));
}

/** The stored name `ref` resolved to, if it resolved by name. */
function nameMatch(img: ImageRecord, ref: string): string | undefined {
  if (img.names.includes(ref)) return ref;
  const candidates = new Set<string>();
  try {
    const p = parseReference(ref);
    candidates.add(fullName(p));
    if (p.shortName) {
      const { repository, tag } = splitName(ref);
      const t = tag === "<none>" ? "latest" : tag;
      for (const n of img.names) {
        const s = splitName(n);
        if (s.tag === t && (s.repository === repository || s.repository.endsWith(`/${repository}`))) candidates.add(n);
      }
    }
  } catch { return undefined; }
  return img.names.find((n) => candidates.has(n));
}

async function removeWithParents(store: ImageStore, img: ImageRecord, report: RemoveImagesReport): Promise<void> {
  const graph = new ImageGraph(store);
  const parent = graph.parentOf(img);
  for (const n of img.names) report.untagged.push(n);
  deleteImage(store.db, img.id);
  report.deleted.push(img.id);
  if (!parent) return;
  const after = new ImageGraph(store);
  const p = after.images.find((i) => i.id === parent.id);
  if (p && after.isDangling(p) && imageUsers(store.db, p.id).length === 0) await removeWithParents(store, p, report);
}

export interface PruneImagesOptions {
  /** Remove every image not used by a container, not only dangling ones. @default false */
  readonly all?: boolean;
  /** Filters as `images --filter` (label, until is not supported). */
  readonly filters?: readonly string[];
}

/**
 * Removes dangling images (with `all`: every image no container uses),
 * repeating until nothing more qualifies, since removing an image can leave
 * its parent dangling. Returns the removed image IDs in removal order.
 */
export async function pruneImages(g: GlobalOptions, opts: PruneImagesOptions = {}): Promise<string[]> {
  const store = openImageStore(g);
  const removed: string[] = [];
  for (;;) {
    const graph = new ImageGraph(store);
    const pred = buildFilters(store, graph, opts.filters ?? []);
    const victims = graph.images.filter((i) =>
      (opts.all ? graph.childrenOf(i).length === 0 || i.names.length === 0 : graph.isDangling(i))
      && imageUsers(store.db, i.id).length === 0 && pred(i));
    // With `all`, leaves go first so that each round frees their parents.
    const round = opts.all ? victims.filter((v) => graph.childrenOf(v).length === 0) : victims;
    if (round.length === 0) break;
    for (const v of round) {
      deleteImage(store.db, v.id);
      removed.push(v.id);
    }
  }
  if (removed.length) await collectLayers(store);
  return removed;
}

// ---------------------------------------------------------------------------
// history

/** One row of `history`, newest first (Podman's ImageHistory). */
export interface HistoryEntry {
  id: string;
  /** Unix ms; 0 when the entry has no time. */
  created: number;
  createdBy: string;
  /** Bytes of the layer this entry added (0 for empty layers). */
  size: number;
  comment: string;
  tags: string[];
}

/**
 * The history of an image, newest first. As libimage: the newest entry gets
 * the image ID; walking down the layers, an entry whose layer is the top
 * layer of another image gets that image's ID (once), others `<missing>`.
 */
export function imageHistory(g: GlobalOptions, ref: string): HistoryEntry[] {
  const store = openImageStore(g);
  const graph = new ImageGraph(store);
  const img = resolve(store, ref);
  const hist = graph.config(img).history ?? [];
  const out: HistoryEntry[] = [];
  const used = new Set<string>();
  let layer = graph.layer(img.topLayer);
  for (let x = hist.length - 1; x >= 0; x--) {
    const h = hist[x]!;
    const e: HistoryEntry = {
      id: x === hist.length - 1 ? img.id : "<missing>",
      created: h.created ? Date.parse(h.created) || 0 : 0,
      createdBy: h.created_by ?? "",
      size: 0,
      comment: h.comment ?? "",
      tags: [],
    };
    if (layer) {
      if (!h.empty_layer) e.size = layer.uncompressed_size;
      const imgs = graph.imagesOnLayer(layer.chain_id);
      if (imgs.length > 0 && !used.has(imgs[0]!.id)) {
        e.id = imgs[0]!.id;
        used.add(e.id);
      }
      for (const i of imgs) e.tags.push(...i.names);
      if (!h.empty_layer) layer = graph.layer(layer.parent);
    }
    out.push(e);
  }
  return out;
}
