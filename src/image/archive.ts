/**
 * Image archives as `podman save`/`load` and skopeo know them:
 *
 * - docker-archive: Docker's `docker save` tar: `manifest.json`
 *   `[{Config, RepoTags, Layers}]`, the config as `<hex>.json`, layers as
 *   uncompressed `<diffid-hex>.tar`, and a `repositories` file.
 * - oci-archive: a tar of an OCI image layout; oci-dir: the layout as a
 *   folder (`oci-layout`, `index.json` whose manifests carry
 *   `org.opencontainers.image.ref.name`, `blobs/sha256/<hex>`).
 * - docker-dir: containers/image's `dir:` folder (`manifest.json` with a
 *   Docker schema 2 manifest, blobs named by hex, `version`).
 *
 * Readers unpack a tar into a temp folder first (entries are plain files at
 * known names, so nothing is followed outside it) and hand back paths.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, normalize } from "node:path";
import { pipeline } from "node:stream/promises";
import { Readable, type Writable } from "node:stream";
import { SkiffError } from "../lib/errors.ts";
import type { Digest } from "./reference.ts";
import { MediaType } from "./manifest.ts";

export type ArchiveFormat = "docker-archive" | "oci-archive" | "oci-dir" | "docker-dir";
export const ARCHIVE_FORMATS: readonly ArchiveFormat[] = ["docker-archive", "oci-archive", "oci-dir", "docker-dir"];

/** A layer file in an opened archive. */
export interface ArchiveLayer {
  readonly path: string;
  /** Digest of the file's bytes. */
  readonly digest: Digest;
  readonly size: number;
  readonly mediaType: string;
}

/** One image found in an archive. */
export interface ArchiveImage {
  readonly config: Buffer;
  readonly configDigest: Digest;
  /** The manifest as stored in the archive (OCI layouts, dir), or undefined for docker-archive. */
  readonly manifest?: { readonly bytes: Buffer; readonly mediaType: string; readonly digest: Digest };
  readonly layers: ArchiveLayer[];
  /** Names recorded in the archive (RepoTags, ref.name annotations), as written. */
  readonly names: string[];
}

export interface OpenedArchive {
  readonly format: ArchiveFormat;
  readonly images: ArchiveImage[];
}

function bad(msg: string): SkiffError {
  return new SkiffError("invalid-argument", msg);
}

/** sha256 of a file, streamed. */
export async function fileDigest(path: string): Promise<Digest> {
  const h = new Bun.CryptoHasher("sha256");
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return `sha256:${h.digest("hex")}`;
}

function readJson<T>(path: string, what: string): T {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch (e) {
    throw bad(`${what}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "file does not exist" : (e as Error).message}`);
  }
}

/** Unpacks regular files of a tar into `dest` (symlinks kept as files' aliases; others ignored). */
export async function untar(tarPath: string, dest: string): Promise<void> {
  const { extract } = await import("tar-stream");
  const ex = extract();
  const links: [string, string][] = [];
  const done = (async () => {
    for await (const entry of ex) {
      const name = normalize(entry.header.name).replace(/^(\.\/)+/, "");
      if (name.startsWith("..") || name.startsWith("/")) throw bad(`archive entry "${entry.header.name}" escapes the archive`);
      const out = join(dest, name);
      if (entry.header.type === "file" || entry.header.type === "contiguous-file") {
        mkdirSync(dirname(out), { recursive: true });
        await pipeline(entry, createWriteStream(out));
      } else {
        if (entry.header.type === "symlink" || entry.header.type === "link") {
          const target = entry.header.type === "symlink" ? join(dirname(name), entry.header.linkname ?? "") : normalize(entry.header.linkname ?? "");
          links.push([out, join(dest, normalize(target))]);
        }
        entry.resume();
      }
    }
  })();
  await Promise.all([pipeline(createReadStream(tarPath), ex), done]);
  for (const [out, target] of links) {
    if (!target.startsWith(dest + "/") || !existsSync(target) || existsSync(out)) continue;
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, readFileSync(target));
  }
}

async function layerMediaType(path: string, docker: boolean): Promise<string> {
  const fd = Bun.file(path).slice(0, 4);
  const b = new Uint8Array(await fd.arrayBuffer());
  if (b[0] === 0x1f && b[1] === 0x8b) return docker ? MediaType.dockerLayerGzip : MediaType.ociLayerGzip;
  if (b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return MediaType.ociLayerZstd;
  return docker ? DOCKER_LAYER_TAR : MediaType.ociLayerTar;
}

/** Docker's media type for an uncompressed layer, used in manifests generated for docker-archive images. */
export const DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar";

/**
 * The file `name` (a path from manifest.json) inside the unpacked archive
 * `dir`: absolute paths and paths climbing out with ".." are refused, as is
 * a missing file, so a hostile manifest cannot read the host's files.
 * @throws SkiffError invalid-argument naming the component
 */
function componentPath(dir: string, name: unknown, what: string): string {
  const rel = typeof name === "string" ? normalize(name) : "";
  if (rel === "" || rel === "." || isAbsolute(rel) || rel === ".." || rel.startsWith("../")) {
    throw bad(`loading tar component ${what} ${JSON.stringify(name)}: path is outside the archive`);
  }
  const path = join(dir, rel);
  if (!existsSync(path) || !statSync(path).isFile()) throw bad(`loading tar component ${what} ${JSON.stringify(name)}: file not found in the archive`);
  return path;
}

async function readDockerArchive(dir: string): Promise<ArchiveImage[]> {
  const entries = readJson<{ Config: string; RepoTags?: string[] | null; Layers: string[] }[]>(join(dir, "manifest.json"), "loading tar component manifest.json");
  if (!Array.isArray(entries) || entries.length === 0) throw bad("loading tar component manifest.json: no images");
  const out: ArchiveImage[] = [];
  for (const e of entries) {
    const config = readFileSync(componentPath(dir, e.Config, "config"));
    const layers: ArchiveLayer[] = [];
    for (const l of e.Layers ?? []) {
      const path = componentPath(dir, l, "layer");
      layers.push({ path, digest: await fileDigest(path), size: statSync(path).size, mediaType: await layerMediaType(path, true) });
    }
    out.push({ config, configDigest: digestOfBytes(config), layers, names: e.RepoTags ?? [] });
  }
  return out;
}

function digestOfBytes(b: Uint8Array): Digest {
  const h = new Bun.CryptoHasher("sha256");
  h.update(b);
  return `sha256:${h.digest("hex")}`;
}

/** The hex of a digest taken from an archive's JSON, checked so that it cannot name a path. */
function digestHex(digest: string): string {
  if (!/^sha256:[a-f0-9]{64}$/.test(digest)) throw bad(`invalid digest "${digest}"`);
  return digest.slice(7);
}

function blobFile(dir: string, digest: string): string {
  return join(dir, "blobs", "sha256", digestHex(digest));
}

interface ManifestDoc {
  mediaType?: string;
  config: { digest: string; mediaType: string };
  layers: { digest: string; size: number; mediaType: string }[];
  manifests?: { digest: string; mediaType?: string; annotations?: Record<string, string> }[];
}

function imageFromManifest(bytes: Buffer, mediaType: string, blob: (d: string) => string, names: string[]): ArchiveImage {
  const m = JSON.parse(bytes.toString("utf8")) as ManifestDoc;
  if (!m.config || !Array.isArray(m.layers)) throw bad("invalid manifest: missing config or layers");
  const config = readFileSync(blob(m.config.digest));
  const configDigest = digestOfBytes(config);
  if (configDigest !== m.config.digest) throw bad(`config ${m.config.digest}: digest mismatch: got ${configDigest}`);
  return {
    config, configDigest, names,
    manifest: { bytes, mediaType, digest: digestOfBytes(bytes) },
    layers: m.layers.map((l) => ({ path: blob(l.digest), digest: l.digest as Digest, size: l.size, mediaType: l.mediaType })),
  };
}

function readOciLayout(dir: string): ArchiveImage[] {
  const index = readJson<ManifestDoc>(join(dir, "index.json"), "reading index.json");
  if (!Array.isArray(index.manifests)) throw bad("reading index.json: no manifests");
  const out: ArchiveImage[] = [];
  const visit = (desc: { digest: string; mediaType?: string; annotations?: Record<string, string> }, names: string[]) => {
    const bytes = readFileSync(blobFile(dir, desc.digest));
    const mt = desc.mediaType ?? (JSON.parse(bytes.toString("utf8")) as ManifestDoc).mediaType ?? MediaType.ociManifest;
    if (mt === MediaType.ociIndex || mt === MediaType.dockerList) {
      // A nested index: take the entries for this host's platform only when several; here the first linux/amd64 or the first.
      const sub = JSON.parse(bytes.toString("utf8")) as { manifests: { digest: string; mediaType?: string; platform?: { architecture?: string; os?: string } }[] };
      const pick = sub.manifests.find((x) => x.platform?.os === "linux" && x.platform.architecture === hostArch()) ?? sub.manifests[0];
      if (pick) visit(pick, names);
      return;
    }
    out.push(imageFromManifest(bytes, mt, (d) => blobFile(dir, d), names));
  };
  for (const d of index.manifests) {
    const ref = d.annotations?.["org.opencontainers.image.ref.name"];
    visit(d, ref ? [ref] : []);
  }
  if (out.length === 0) throw bad("reading index.json: no manifests");
  return out;
}

function readDockerDir(dir: string): ArchiveImage[] {
  const bytes = readFileSync(join(dir, "manifest.json"));
  const m = JSON.parse(bytes.toString("utf8")) as ManifestDoc;
  // Blob file names come from the manifest's digests: checked, so they cannot name a path.
  return [imageFromManifest(bytes, m.mediaType ?? MediaType.dockerManifest, (d) => join(dir, digestHex(d)), [])];
}

/** Go's GOARCH name of this host. */
export function hostArch(): string {
  const a = process.arch;
  return a === "x64" ? "amd64" : a === "ia32" ? "386" : a;
}

/**
 * Opens an archive or layout folder, detecting its format as `podman load`
 * does (OCI layout, docker-archive, oci-archive, dir). A tar is unpacked into
 * `scratch`, which the caller removes.
 * @throws SkiffError invalid-argument `payload does not match any of the supported image formats: …` (one line)
 */
export async function openArchive(path: string, scratch: string): Promise<OpenedArchive> {
  let st;
  try { st = statSync(path); } catch { throw new SkiffError("not-found", `stat ${path}: no such file or directory`); }
  if (st.isDirectory()) {
    if (existsSync(join(path, "oci-layout"))) return { format: "oci-dir", images: readOciLayout(path) };
    if (existsSync(join(path, "manifest.json"))) return { format: "docker-dir", images: readDockerDir(path) };
    throw bad(`payload does not match any of the supported image formats: ${path}: neither an OCI layout (oci-layout) nor a dir (manifest.json)`);
  }
  const reasons: string[] = [];
  try {
    await untar(path, scratch);
  } catch (e) {
    throw bad(`payload does not match any of the supported image formats: untarring "${path}": ${(e as Error).message}`);
  }
  if (existsSync(join(scratch, "manifest.json")) && !existsSync(join(scratch, "oci-layout"))) {
    try { return { format: "docker-archive", images: await readDockerArchive(scratch) }; } catch (e) { reasons.push(`docker-archive: ${(e as Error).message}`); }
  } else reasons.push("docker-archive: loading tar component manifest.json: file does not exist");
  if (existsSync(join(scratch, "oci-layout"))) {
    try { return { format: "oci-archive", images: readOciLayout(scratch) }; } catch (e) { reasons.push(`oci-archive: ${(e as Error).message}`); }
  } else reasons.push("oci-archive: oci-layout: file does not exist");
  throw bad(`payload does not match any of the supported image formats: ${reasons.join("; ")}`);
}

// ---------------------------------------------------------------------------
// Writers

/** A layer to write: its stored blob and what is known about it. */
export interface SaveLayer {
  readonly diffId: Digest;
  /** Digest, size and media type of the stored blob. */
  readonly blobDigest: Digest;
  readonly blobSize: number;
  readonly mediaType: string;
  /** Bytes of the uncompressed tar. */
  readonly uncompressedSize: number;
  /** Opens the stored blob. */
  readonly open: () => Readable;
}

export interface SaveImage {
  readonly configDigest: Digest;
  readonly config: Buffer;
  /** The stored manifest; reused as is where the format allows. */
  readonly manifest: { readonly bytes: Buffer; readonly mediaType: string; readonly digest: Digest };
  readonly layers: readonly SaveLayer[];
  /** Fully qualified names to record (RepoTags, ref.name). */
  readonly names: readonly string[];
}

/** The layer's uncompressed tar as a stream (gzip and zstd by magic bytes). */
async function uncompressed(layer: SaveLayer): Promise<Readable> {
  const zlib = await import("node:zlib");
  const src = layer.open();
  const head: Buffer = await new Promise((resolve, reject) => {
    src.once("readable", () => {
      const b = (src.read(4) as Buffer | null) ?? (src.read() as Buffer | null) ?? Buffer.alloc(0);
      if (b.length) src.unshift(b);
      resolve(b);
    });
    src.once("error", reject);
    src.once("end", () => resolve(Buffer.alloc(0)));
  });
  if (head[0] === 0x1f && head[1] === 0x8b) return src.pipe(zlib.createGunzip());
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return src.pipe(zlib.createZstdDecompress());
  return src;
}

const EPOCH = new Date(0);

type Pack = import("tar-stream").Pack;

function addBuffer(pack: Pack, name: string, data: Buffer | string, mode = 0o444): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ name, mode, mtime: EPOCH, uid: 0, gid: 0 }, typeof data === "string" ? Buffer.from(data) : data, (err) => (err ? reject(err) : resolve()));
  });
}

async function addStream(pack: Pack, name: string, size: number, src: Readable): Promise<void> {
  let sink!: Writable;
  const done = new Promise<void>((resolve, reject) => {
    sink = pack.entry({ name, size, mode: 0o444, mtime: EPOCH, uid: 0, gid: 0 }, (err) => (err ? reject(err) : resolve()));
  });
  await Promise.all([pipeline(src, sink), done]);
}

/** Writes a docker-archive tar of `images` to `out`. */
export async function writeDockerArchive(images: readonly SaveImage[], out: Writable): Promise<void> {
  const { pack: mkPack } = await import("tar-stream");
  const pack = mkPack();
  const piping = pipeline(pack, out);
  const written = new Set<string>();
  const manifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const img of images) {
    const layerNames: string[] = [];
    for (const l of img.layers) {
      const name = `${l.diffId.slice(7)}.tar`;
      layerNames.push(name);
      if (written.has(name)) continue;
      written.add(name);
      await addStream(pack, name, l.uncompressedSize, await uncompressed(l));
    }
    const cfgName = `${img.configDigest.slice(7)}.json`;
    if (!written.has(cfgName)) { written.add(cfgName); await addBuffer(pack, cfgName, img.config); }
    manifest.push({ Config: cfgName, RepoTags: [...img.names], Layers: layerNames });
    const top = img.layers.at(-1);
    for (const n of img.names) {
      const colon = n.lastIndexOf(":");
      if (top && colon > n.lastIndexOf("/")) (repositories[n.slice(0, colon)] ??= {})[n.slice(colon + 1)] = top.diffId.slice(7);
    }
  }
  await addBuffer(pack, "manifest.json", JSON.stringify(manifest));
  await addBuffer(pack, "repositories", JSON.stringify(repositories));
  pack.finalize();
  await piping;
}

/** An OCI manifest for the image: the stored bytes when already OCI, else converted (config bytes unchanged). */
export function ociManifestOf(img: SaveImage): { bytes: Buffer; digest: Digest } {
  if (img.manifest.mediaType === MediaType.ociManifest) return { bytes: img.manifest.bytes, digest: img.manifest.digest };
  const toOci = (mt: string) =>
    mt === MediaType.dockerLayerGzip ? MediaType.ociLayerGzip : mt === DOCKER_LAYER_TAR ? MediaType.ociLayerTar : mt;
  const doc = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: img.configDigest, size: img.config.length },
    layers: img.layers.map((l) => ({ mediaType: toOci(l.mediaType), digest: l.blobDigest, size: l.blobSize })),
  };
  const bytes = Buffer.from(JSON.stringify(doc));
  return { bytes, digest: digestOfBytes(bytes) };
}

/** A Docker schema 2 manifest for the image (stored bytes when already Docker). */
function dockerManifestOf(img: SaveImage): { bytes: Buffer; digest: Digest } {
  if (img.manifest.mediaType === MediaType.dockerManifest) return { bytes: img.manifest.bytes, digest: img.manifest.digest };
  const toDocker = (mt: string) => {
    if (mt === MediaType.ociLayerGzip) return MediaType.dockerLayerGzip;
    if (mt === MediaType.ociLayerTar) return DOCKER_LAYER_TAR;
    if (mt === MediaType.dockerLayerGzip || mt === DOCKER_LAYER_TAR) return mt;
    throw bad(`layer media type "${mt}" cannot be represented in a Docker schema 2 manifest`);
  };
  const doc = {
    schemaVersion: 2,
    mediaType: MediaType.dockerManifest,
    config: { mediaType: MediaType.dockerConfig, size: img.config.length, digest: img.configDigest },
    layers: img.layers.map((l) => ({ mediaType: toDocker(l.mediaType), size: l.blobSize, digest: l.blobDigest })),
  };
  const bytes = Buffer.from(JSON.stringify(doc));
  return { bytes, digest: digestOfBytes(bytes) };
}

/** Writes an OCI layout (blobs as stored) as a tar to `out`, or into the folder `dir`. */
export async function writeOciLayout(images: readonly SaveImage[], target: { out: Writable } | { dir: string }): Promise<void> {
  const files: { name: string; data?: Buffer; size?: number; open?: () => Readable }[] = [];
  const seen = new Set<string>();
  const index = { schemaVersion: 2, manifests: [] as unknown[] };
  const blob = (digest: string, f: Omit<(typeof files)[number], "name">) => {
    if (seen.has(digest)) return;
    seen.add(digest);
    files.push({ name: `blobs/sha256/${digest.slice(7)}`, ...f });
  };
  for (const img of images) {
    for (const l of img.layers) blob(l.blobDigest, { size: l.blobSize, open: l.open });
    blob(img.configDigest, { data: img.config });
    const m = ociManifestOf(img);
    blob(m.digest, { data: m.bytes });
    const names = img.names.length ? img.names : [undefined];
    for (const n of names) {
      index.manifests.push({
        mediaType: MediaType.ociManifest, digest: m.digest, size: m.bytes.length,
        ...(n ? { annotations: { "org.opencontainers.image.ref.name": n } } : {}),
      });
    }
  }
  files.push({ name: "index.json", data: Buffer.from(JSON.stringify(index)) });
  files.push({ name: "oci-layout", data: Buffer.from(JSON.stringify({ imageLayoutVersion: "1.0.0" })) });
  await writeFiles(files, target);
}

/** Writes containers/image's `dir:` layout (Docker schema 2 manifest) into `dir`. */
export async function writeDockerDir(img: SaveImage, dir: string): Promise<void> {
  const m = dockerManifestOf(img);
  const files: { name: string; data?: Buffer; size?: number; open?: () => Readable }[] = [];
  for (const l of img.layers) files.push({ name: l.blobDigest.slice(7), size: l.blobSize, open: l.open });
  files.push({ name: img.configDigest.slice(7), data: img.config });
  files.push({ name: "manifest.json", data: m.bytes });
  files.push({ name: "version", data: Buffer.from("Directory Transport Version: 1.1\n") });
  await writeFiles(files, { dir });
}

async function writeFiles(files: { name: string; data?: Buffer; size?: number; open?: () => Readable }[], target: { out: Writable } | { dir: string }): Promise<void> {
  if ("dir" in target) {
    for (const f of files) {
      const p = join(target.dir, f.name);
      mkdirSync(dirname(p), { recursive: true });
      if (f.data) writeFileSync(p, f.data);
      else await pipeline(f.open!(), createWriteStream(p));
    }
    return;
  }
  const { pack: mkPack } = await import("tar-stream");
  const pack = mkPack();
  const piping = pipeline(pack, target.out);
  for (const f of files) {
    if (f.data) await addBuffer(pack, f.name, f.data, 0o644);
    else await addStream(pack, f.name, f.size!, f.open!());
  }
  pack.finalize();
  await piping;
}
