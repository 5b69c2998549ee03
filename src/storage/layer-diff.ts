/**
 * Turns an overlay-form folder (a container's upper dir, or a stored
 * layer's diff) into an OCI layer tar, the inverse of unpack.ts.
 *
 * Overlay form → OCI form (image-spec layer.md "Whiteouts"; kernel
 * Documentation/filesystems/overlayfs "whiteouts and opaque directories"):
 * a char device 0:0 `<name>` becomes an empty regular file `.wh.<name>`
 * (mode 0, as containers-storage writes it); a folder with
 * `trusted.overlay.opaque=y` is followed by an empty `<dir>/.wh..wh..opq`.
 * Overlay's own bookkeeping xattrs (`trusted.overlay.*`) are not carried.
 *
 * Determinism: entries are written parent first, children sorted by name;
 * headers carry only name, mode, uid, gid, size, mtime (whole seconds),
 * type, link target and device numbers (no uname/gname, atime, ctime), PAX
 * records sorted by key; so the same tree gives the same bytes and DiffID.
 * The layer root's own entry is left out, as containers-storage does.
 *
 * Format: ustar headers, with a PAX extended header (typeflag 'x') when a
 * name or link target is longer than 100 bytes or not ASCII, a number does
 * not fit its octal field, or the entry has xattrs (`SCHILY.xattr.<name>`,
 * exact bytes, as GNU tar and containers-storage write them).
 *
 * Owners are written as found on disk (rootful stores: no ID mapping).
 * Sockets are skipped (a tar cannot hold them).
 */
import { closeSync, lstatSync, openSync, readSync, readdirSync, readlinkSync, writeSync, type Stats } from "node:fs";
import { createHash } from "node:crypto";
import type { Digest } from "../image/reference.ts";

export type LayerCompression = "gzip" | "zstd" | "none";

export interface LayerTarOptions {
  /**
   * Unix seconds given to every entry's mtime (`--timestamp`), or, with
   * `clamp`, the latest mtime allowed (SOURCE_DATE_EPOCH). @default the files' own
   */
  readonly timestamp?: number;
  /** Only lower mtimes newer than `timestamp`. @default false */
  readonly clamp?: boolean;
}

export interface LayerBlobOptions extends LayerTarOptions {
  /** @default "gzip" */
  readonly compression?: LayerCompression;
}

export interface LayerBlobReport {
  /** sha256 of the uncompressed tar. */
  readonly diffId: Digest;
  /** Bytes of the uncompressed tar. */
  readonly diffSize: number;
  /** sha256 of the bytes written to the file (= diffId when uncompressed). */
  readonly blobDigest: Digest;
  /** Bytes written to the file. */
  readonly blobSize: number;
  /** OCI media type of the blob. */
  readonly mediaType: string;
}

const OCI_LAYER: Record<LayerCompression, string> = {
  none: "application/vnd.oci.image.layer.v1.tar",
  gzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  zstd: "application/vnd.oci.image.layer.v1.tar+zstd",
};

/** The OCI layer media type of a compression. */
export function layerMediaType(c: LayerCompression): string {
  return OCI_LAYER[c];
}

const OUT_CHUNK = 1 << 20;
const enc = new TextEncoder();

/** Accumulates output into ~1 MiB chunks: fewer hand-offs to the hasher and compressor. */
class Out {
  private buf = new Uint8Array(OUT_CHUNK);
  private len = 0;
  /** Full chunks ready to hand on. */
  readonly ready: Uint8Array[] = [];

  put(b: Uint8Array): void {
    let off = 0;
    while (off < b.length) {
      const n = Math.min(b.length - off, OUT_CHUNK - this.len);
      this.buf.set(b.subarray(off, off + n), this.len);
      this.len += n;
      off += n;
      if (this.len === OUT_CHUNK) this.flush();
    }
  }

  /** Room for `n` bytes written in place (file data read straight into the buffer). */
  reserve(n: number): { buf: Uint8Array; off: number } {
    if (OUT_CHUNK - this.len < n) this.flush();
    return { buf: this.buf, off: this.len };
  }

  advance(n: number): void {
    this.len += n;
    if (this.len === OUT_CHUNK) this.flush();
  }

  flush(): void {
    if (this.len === 0) return;
    this.ready.push(this.buf.subarray(0, this.len));
    this.buf = new Uint8Array(OUT_CHUNK);
    this.len = 0;
  }
}

interface Header {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  /** ustar typeflag: "0" file, "1" hardlink, "2" symlink, "3" char, "4" block, "5" dir, "6" fifo. */
  type: string;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Map<string, Buffer>;
}

function octal(field: Uint8Array, off: number, width: number, v: number): boolean {
  const s = v.toString(8);
  if (s.length > width - 1) return false;
  field.set(enc.encode(s.padStart(width - 1, "0")), off);
  field[off + width - 1] = 0;
  return true;
}

function isAscii(b: Uint8Array): boolean {
  for (const x of b) if (x > 0x7f || x === 0) return false;
  return true;
}

/** One PAX record "<len> <key>=<value>\n", the length counting itself. */
function paxRecord(key: string, value: Uint8Array): Uint8Array {
  const rest = enc.encode(` ${key}=`).length + value.length + 1;
  let len = rest + String(rest).length;
  if (String(len).length !== String(rest).length) len = rest + String(len).length;
  const head = enc.encode(`${len} ${key}=`);
  const out = new Uint8Array(len);
  out.set(head, 0);
  out.set(value, head.length);
  out[len - 1] = 0x0a;
  return out;
}

function ustarBlock(h: Header, name: Uint8Array, link: Uint8Array): Uint8Array {
  const b = new Uint8Array(512);
  b.set(name.subarray(0, 100), 0);
  octal(b, 100, 8, h.mode);
  octal(b, 108, 8, h.uid);
  octal(b, 116, 8, h.gid);
  octal(b, 124, 12, h.size);
  octal(b, 136, 12, h.mtime);
  b[156] = h.type.charCodeAt(0);
  b.set(link.subarray(0, 100), 157);
  b.set(enc.encode("ustar\u000000"), 257);
  if (h.type === "3" || h.type === "4") {
    octal(b, 329, 8, h.devmajor ?? 0);
    octal(b, 337, 8, h.devminor ?? 0);
  }
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.set(enc.encode(sum.toString(8).padStart(6, "0")), 148);
  b[154] = 0;
  b[155] = 0x20;
  return b;
}

const MAX8 = 0o7777777;
const MAX12 = 0o77777777777;

/** Writes the header block(s) of one entry: a PAX header first when ustar cannot say it all. */
function writeHeader(out: Out, h: Header): void {
  const name = enc.encode(h.name);
  const link = enc.encode(h.linkname ?? "");
  const recs: [string, Uint8Array][] = [];
  if (name.length > 100 || !isAscii(name)) recs.push(["path", name]);
  if (link.length > 100 || (link.length > 0 && !isAscii(link))) recs.push(["linkpath", link]);
  if (h.uid > MAX8) recs.push(["uid", enc.encode(String(h.uid))]);
  if (h.gid > MAX8) recs.push(["gid", enc.encode(String(h.gid))]);
  if (h.size > MAX12) recs.push(["size", enc.encode(String(h.size))]);
  if (h.mtime > MAX12 || h.mtime < 0) recs.push(["mtime", enc.encode(String(h.mtime))]);
  for (const [k, v] of h.xattrs ?? []) recs.push([`SCHILY.xattr.${k}`, v]);
  if (recs.length > 0) {
    recs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const body = Buffer.concat(recs.map(([k, v]) => paxRecord(k, v)));
    const base = h.name.replace(/\/$/, "");
    const slash = base.lastIndexOf("/");
    const paxName = `${slash >= 0 ? base.slice(0, slash + 1) : ""}PaxHeaders.0/${base.slice(slash + 1)}`;
    const ph: Header = { name: paxName, mode: 0o644, uid: 0, gid: 0, size: body.length, mtime: 0, type: "x" };
    out.put(ustarBlock(ph, enc.encode(paxName), new Uint8Array(0)));
    out.put(body);
    pad(out, body.length);
  }
  const clampNum = (v: number, max: number) => (v > max || v < 0 ? 0 : v);
  out.put(ustarBlock({ ...h, uid: clampNum(h.uid, MAX8), gid: clampNum(h.gid, MAX8), size: clampNum(h.size, MAX12), mtime: clampNum(h.mtime, MAX12) }, name, link));
}

function pad(out: Out, size: number): void {
  const r = size % 512;
  if (r !== 0) out.put(new Uint8Array(512 - r));
}

/** Major and minor of a Linux dev_t (glibc's encoding). */
function devNumbers(rdev: number): [number, number] {
  const d = BigInt(rdev);
  return [Number(((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn)), Number((d & 0xffn) | ((d >> 12n) & ~0xffn))];
}

type HostModule = typeof import("../lib/host.ts");

/** Extended attributes worth carrying, sorted by name; overlay's own are dropped. */
function xattrsOf(host: HostModule, path: string): Map<string, Buffer> | undefined {
  let names: string[];
  try {
    names = host.llistxattr(path);
  } catch {
    return undefined; // a filesystem without xattrs
  }
  let out: Map<string, Buffer> | undefined;
  for (const n of names.sort()) {
    if (n.startsWith("trusted.overlay.")) continue;
    const v = host.lgetxattr(path, n);
    if (v === undefined) continue;
    (out ??= new Map()).set(n, Buffer.from(v));
  }
  return out;
}

/**
 * Streams the OCI layer tar of the overlay-form folder `dir`, in chunks of
 * about 1 MiB, ending with the two zero blocks.
 * @throws fs errors (ENOENT, EACCES…) as Node reports them; a file that
 *   changes size while read is cut or zero-padded to its lstat size
 */
export async function* layerTar(dir: string, opts: LayerTarOptions = {}): AsyncGenerator<Uint8Array> {
  const host = await import("../lib/host.ts");
  const out = new Out();
  const links = new Map<string, string>();
  const mtimeOf = (st: Stats): number => {
    const t = Math.floor(st.mtimeMs / 1000);
    if (opts.timestamp === undefined) return t;
    return opts.clamp ? Math.min(t, opts.timestamp) : opts.timestamp;
  };

  // Depth-first with an explicit stack, children sorted: yields between files keep memory flat.
  const stack: { rel: string; abs: string }[] = [];
  const pushChildren = (rel: string, abs: string) => {
    const names = readdirSync(abs).sort();
    for (let i = names.length - 1; i >= 0; i--) {
      const n = names[i]!;
      stack.push({ rel: rel === "" ? n : `${rel}/${n}`, abs: `${abs}/${n}` });
    }
  };
  pushChildren("", dir);
  while (stack.length > 0) {
    const { rel, abs } = stack.pop()!;
    const st = lstatSync(abs);
    const base: Header = { name: rel, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: 0, mtime: mtimeOf(st), type: "0" };
    if (st.isCharacterDevice() && st.rdev === 0) {
      const slash = rel.lastIndexOf("/");
      writeHeader(out, { ...base, name: `${rel.slice(0, slash + 1)}.wh.${rel.slice(slash + 1)}`, mode: 0 });
    } else if (st.isDirectory()) {
      const xattrs = xattrsOf(host, abs);
      writeHeader(out, { ...base, name: `${rel}/`, type: "5", ...(xattrs ? { xattrs } : {}) });
      if (host.lgetxattr(abs, "trusted.overlay.opaque")?.toString() === "y") {
        writeHeader(out, { ...base, name: `${rel}/.wh..wh..opq`, mode: st.mode & 0o777 });
      }
      pushChildren(rel, abs);
    } else if (st.isSymbolicLink()) {
      const xattrs = xattrsOf(host, abs);
      writeHeader(out, { ...base, type: "2", linkname: readlinkSync(abs), ...(xattrs ? { xattrs } : {}) });
    } else if (st.isFile()) {
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? links.get(key) : undefined;
      if (first !== undefined) {
        writeHeader(out, { ...base, type: "1", linkname: first });
      } else {
        if (st.nlink > 1) links.set(key, rel);
        const xattrs = xattrsOf(host, abs);
        writeHeader(out, { ...base, size: st.size, ...(xattrs ? { xattrs } : {}) });
        copyFile(out, abs, st.size);
      }
    } else if (st.isCharacterDevice() || st.isBlockDevice()) {
      const [devmajor, devminor] = devNumbers(st.rdev);
      writeHeader(out, { ...base, type: st.isCharacterDevice() ? "3" : "4", devmajor, devminor });
    } else if (st.isFIFO()) {
      writeHeader(out, { ...base, type: "6" });
    }
    if (out.ready.length > 0) {
      const ready = out.ready.splice(0);
      for (const c of ready) yield c;
    }
  }
  out.put(new Uint8Array(1024));
  out.flush();
  for (const c of out.ready) yield c;
}

/** Copies exactly `size` bytes of a file into the tar (cut or zero-padded if it changed), then the block padding. */
function copyFile(out: Out, path: string, size: number): void {
  const fd = openSync(path, "r");
  try {
    let left = size;
    let pos = 0;
    while (left > 0) {
      const want = Math.min(left, OUT_CHUNK);
      const { buf, off } = out.reserve(want);
      let n = readSync(fd, buf, off, want, pos);
      if (n === 0) {
        buf.fill(0, off, off + want);
        n = want;
      }
      out.advance(n);
      left -= n;
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
  pad(out, size);
}

/**
 * Writes the layer of `dir` to the file `dest` (created or truncated),
 * compressed as asked, computing DiffID and blob digest in the same pass.
 * @returns digests, sizes and media type
 * @throws fs errors while reading `dir` or writing `dest`; compressor errors
 */
export async function writeLayerBlob(dir: string, dest: string, opts: LayerBlobOptions = {}): Promise<LayerBlobReport> {
  const compression = opts.compression ?? "gzip";
  const diffHash = createHash("sha256");
  const blobHash = createHash("sha256");
  let diffSize = 0;
  let blobSize = 0;
  const fd = openSync(dest, "w", 0o600);
  const sink = (c: Uint8Array) => {
    blobHash.update(c);
    blobSize += c.length;
    let off = 0;
    while (off < c.length) off += writeSync(fd, c, off, c.length - off);
  };
  try {
    const tar = layerTar(dir, opts);
    if (compression === "none") {
      for await (const c of tar) {
        diffHash.update(c);
        diffSize += c.length;
        sink(c);
      }
    } else {
      const zlib = await import("node:zlib");
      const { once } = await import("node:events");
      const z = compression === "gzip" ? zlib.createGzip({ chunkSize: 256 << 10 }) : zlib.createZstdCompress({ chunkSize: 256 << 10 });
      const feed = (async () => {
        try {
          for await (const c of tar) {
            diffHash.update(c);
            diffSize += c.length;
            if (!z.write(c)) await once(z, "drain");
          }
          z.end();
        } catch (e) {
          z.destroy(e as Error);
          throw e;
        }
      })();
      feed.catch(() => {});
      for await (const c of z as AsyncIterable<Uint8Array>) sink(c);
      await feed;
    }
  } finally {
    closeSync(fd);
  }
  const diffId: Digest = `sha256:${diffHash.digest("hex")}`;
  return {
    diffId,
    diffSize,
    blobDigest: compression === "none" ? diffId : `sha256:${blobHash.digest("hex")}`,
    blobSize,
    mediaType: OCI_LAYER[compression],
  };
}
