/**
 * A synchronous, push-driven tar reader (POSIX ustar, PAX, GNU long names).
 *
 * Why not tar-stream's extract: it decodes PAX values as UTF-8, which corrupts
 * binary extended attributes (`SCHILY.xattr.security.capability`), and it
 * hands every entry over through an async stream, which costs more than the
 * file write itself for the thousands of small files of a base image. Here
 * the caller pushes chunks; headers are parsed and entry data is handed to the
 * entry's sink synchronously, as views into the pushed chunk.
 *
 * Format facts followed: POSIX.1-2001 pax (records "<len> <key>=<value>\n",
 * local `x` over global `g`), ustar `prefix` only with the "ustar\0" magic
 * (GNU's "ustar  \0" puts atime/ctime there), GNU `L`/`K` long names, base-256
 * numbers (high bit of the first byte), the header checksum with the checksum
 * field read as spaces. Reading stops at the first zero block; bytes after it
 * are ignored (the caller still hashes them: a DiffID covers the whole stream).
 */
import { SkiffError } from "../lib/errors.ts";

export type TarEntryType = "file" | "link" | "symlink" | "char" | "block" | "dir" | "fifo";

export interface TarEntry {
  /** Path as stored (PAX `path` or GNU long name applied), not cleaned. */
  readonly name: string;
  readonly type: TarEntryType;
  /** Permission bits incl. setuid/setgid/sticky (& 0o7777). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Bytes of data that follow (regular files only). */
  readonly size: number;
  /** Seconds since the epoch, may be fractional (PAX). */
  readonly mtime: number;
  /** Seconds since the epoch; PAX `atime` or else mtime. */
  readonly atime: number;
  /** Symlink target or hardlink target path. */
  readonly linkname: string;
  readonly devmajor: number;
  readonly devminor: number;
  /** Extended attributes from PAX `SCHILY.xattr.<name>` records, exact bytes. */
  readonly xattrs: ReadonlyMap<string, Buffer>;
}

/** Receives one entry's data (views valid only during the call), then `close`. */
export interface TarSink {
  write(data: Uint8Array): void;
  close(): void;
}

/** Largest PAX or GNU long-name payload accepted (guards memory against hostile tars). */
const MAX_META = 16 << 20;

function tarError(msg: string): SkiffError {
  return new SkiffError("invalid-argument", `invalid tar stream: ${msg}`);
}

export class TarReader {
  private readonly hdr = Buffer.alloc(512);
  private hdrFill = 0;
  private dataLeft = 0;
  private padLeft = 0;
  private sink: TarSink | null = null;
  private meta: Buffer[] | null = null;
  private metaType = 0;
  private pax: Map<string, Buffer> | null = null;
  private globalPax: Map<string, Buffer> | null = null;
  private longName: string | null = null;
  private longLink: string | null = null;
  private done = false;
  private entries = 0;

  /** `onEntry` returns the sink for a file's data, or null to skip it. */
  constructor(private readonly onEntry: (e: TarEntry) => TarSink | null) {}

  /** Feeds the next bytes of the tar stream. @throws SkiffError "invalid-argument" on a malformed stream, or what `onEntry`/a sink throws */
  push(chunk: Uint8Array): void {
    let off = 0;
    const n = chunk.length;
    while (off < n) {
      if (this.dataLeft > 0) {
        const take = Math.min(this.dataLeft, n - off);
        const part = chunk.subarray(off, off + take);
        if (this.sink) this.sink.write(part);
        else if (this.meta) this.meta.push(Buffer.from(part));
        this.dataLeft -= take;
        off += take;
        if (this.dataLeft === 0) this.finishData();
        continue;
      }
      if (this.padLeft > 0) {
        const take = Math.min(this.padLeft, n - off);
        this.padLeft -= take;
        off += take;
        continue;
      }
      if (this.done) return;
      const take = Math.min(512 - this.hdrFill, n - off);
      this.hdr.set(chunk.subarray(off, off + take), this.hdrFill);
      this.hdrFill += take;
      off += take;
      if (this.hdrFill === 512) {
        this.hdrFill = 0;
        this.header();
      }
    }
  }

  /** Signals the end of the stream. @throws SkiffError "invalid-argument" when it ended inside an entry */
  end(): void {
    if (this.dataLeft > 0 || this.hdrFill > 0 || this.meta) {
      throw tarError("unexpected end of data");
    }
    if (!this.done && this.entries === 0) {
      // An empty stream is not a tar; a tar with no entries still has its zero blocks.
      throw tarError("no tar header found");
    }
  }

  private finishData(): void {
    this.padLeft = (512 - (this.curSize % 512)) % 512;
    if (this.sink) {
      const s = this.sink;
      this.sink = null;
      s.close();
    } else if (this.meta) {
      const buf = Buffer.concat(this.meta);
      this.meta = null;
      this.applyMeta(buf);
    }
  }

  private curSize = 0;

  private header(): void {
    const h = this.hdr;
    let zero = true;
    for (let i = 0; i < 512; i++) if (h[i] !== 0) { zero = false; break; }
    if (zero) {
      this.done = true;
      return;
    }
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    const want = num(h, 148, 8);
    if (want !== sum) {
      // Some old writers summed signed bytes.
      let ssum = 0;
      for (let i = 0; i < 512; i++) ssum += i >= 148 && i < 156 ? 32 : ((h[i]! << 24) >> 24);
      if (want !== ssum) throw tarError("header checksum mismatch");
    }
    this.entries++;
    const flag = h[156]!;
    const size = num(h, 124, 12);
    if (!Number.isSafeInteger(size) || size < 0) throw tarError("bad entry size");
    // x: pax, g: global pax, L/K: GNU long name/link
    if (flag === 0x78 || flag === 0x67 || flag === 0x4c || flag === 0x4b) {
      if (size > MAX_META) throw tarError("metadata entry too large");
      this.metaType = flag;
      this.curSize = size;
      this.meta = [];
      this.dataLeft = size;
      if (size === 0) this.finishData();
      return;
    }
    const pax = this.pax;
    const gpax = this.globalPax;
    this.pax = null;
    const paxGet = (k: string): Buffer | undefined => pax?.get(k) ?? gpax?.get(k);
    const paxNum = (k: string): number | undefined => {
      const v = paxGet(k);
      if (v === undefined) return undefined;
      const x = Number(v.toString("latin1"));
      if (!Number.isFinite(x)) throw tarError(`bad pax ${k}`);
      return x;
    };
    const ustar = h.toString("latin1", 257, 263) === "ustar\0";
    let name = str(h, 0, 100);
    if (ustar) {
      const prefix = str(h, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    name = paxGet("path")?.toString("utf8") ?? this.longName ?? name;
    const linkname = paxGet("linkpath")?.toString("utf8") ?? this.longLink ?? str(h, 157, 100);
    this.longName = null;
    this.longLink = null;
    const realSize = paxNum("size") ?? size;
    if (!Number.isSafeInteger(realSize) || realSize < 0) throw tarError("bad entry size");
    let type: TarEntryType;
    switch (flag) {
      case 0: case 0x30: case 0x37: type = "file"; break; // '\0' '0' '7'
      case 0x31: type = "link"; break;
      case 0x32: type = "symlink"; break;
      case 0x33: type = "char"; break;
      case 0x34: type = "block"; break;
      case 0x35: type = "dir"; break;
      case 0x36: type = "fifo"; break;
      default:
        throw tarError(`entry "${name}": unsupported type ${JSON.stringify(String.fromCharCode(flag))}`);
    }
    // Old tars mark directories by a trailing slash on a regular entry.
    if (type === "file" && flag === 0 && name.endsWith("/")) type = "dir";
    const xattrs = new Map<string, Buffer>();
    for (const m of [gpax, pax]) {
      if (!m) continue;
      for (const [k, v] of m) if (k.startsWith("SCHILY.xattr.")) xattrs.set(k.slice(13), v);
    }
    const mtime = paxNum("mtime") ?? num(h, 136, 12);
    const entry: TarEntry = {
      name,
      type,
      mode: num(h, 100, 8) & 0o7777,
      uid: paxNum("uid") ?? num(h, 108, 8),
      gid: paxNum("gid") ?? num(h, 116, 8),
      size: type === "file" ? realSize : 0,
      mtime,
      atime: paxNum("atime") ?? mtime,
      linkname,
      devmajor: type === "char" || type === "block" ? num(h, 329, 8) : 0,
      devminor: type === "char" || type === "block" ? num(h, 337, 8) : 0,
      xattrs,
    };
    // Hardlinks, symlinks and the like may carry a size: their data is skipped.
    this.curSize = realSize;
    this.dataLeft = realSize;
    this.sink = this.onEntry(entry);
    if (realSize === 0) this.finishData();
  }

  private applyMeta(buf: Buffer): void {
    switch (this.metaType) {
      case 0x78: this.pax = parsePax(buf, this.pax ?? new Map()); break;
      case 0x67: this.globalPax = parsePax(buf, this.globalPax ?? new Map()); break;
      case 0x4c: this.longName = str(buf, 0, buf.length); break;
      case 0x4b: this.longLink = str(buf, 0, buf.length); break;
    }
  }
}

/** Parses PAX records "<len> <key>=<value>\n" into `into` (values as exact bytes). */
function parsePax(buf: Buffer, into: Map<string, Buffer>): Map<string, Buffer> {
  let off = 0;
  while (off < buf.length) {
    if (buf[off] === 0) break; // some writers pad with NULs
    const sp = buf.indexOf(0x20, off);
    if (sp < 0) throw tarError("bad pax record");
    const len = Number(buf.toString("latin1", off, sp));
    if (!Number.isSafeInteger(len) || len <= sp - off || off + len > buf.length) throw tarError("bad pax record length");
    const rec = buf.subarray(sp + 1, off + len - 1); // drop the trailing "\n"
    const eq = rec.indexOf(0x3d);
    if (eq < 0) throw tarError("bad pax record");
    const key = rec.toString("utf8", 0, eq);
    const value = Buffer.from(rec.subarray(eq + 1));
    // An empty value removes the key (POSIX: for global records, undoes a previous one).
    if (value.length === 0) into.delete(key);
    else into.set(key, value);
    off += len;
  }
  return into;
}

/** NUL-terminated string field (UTF-8). */
function str(b: Buffer, off: number, len: number): string {
  let end = off;
  const max = off + len;
  while (end < max && b[end] !== 0) end++;
  return b.toString("utf8", off, end);
}

/** Numeric field: octal ASCII (space/NUL terminated) or GNU base-256. */
function num(b: Buffer, off: number, len: number): number {
  const first = b[off]!;
  if (first & 0x80) {
    // base-256, two's complement; 0xff marks a negative value
    if (first === 0xff) {
      let u = 0;
      for (let i = 0; i < len; i++) u = u * 256 + b[off + i]!;
      return u - 2 ** (8 * len);
    }
    let v = first & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + b[off + i]!;
    return v;
  }
  let v = 0;
  let i = off;
  const end = off + len;
  while (i < end && (b[i] === 0x20 || b[i] === 0)) i++;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) throw tarError("bad numeric header field");
    v = v * 8 + (c - 0x30);
  }
  return v;
}
