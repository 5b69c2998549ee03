/**
 * Unpacks a layer tar into an overlay-ready folder, treating the tar as
 * hostile.
 *
 * Containment (what containers-storage does, checked in its pkg/archive and
 * chrootarchive): every entry name is cleaned lexically (leading "/" dropped,
 * "." and "a/.." folded); a name or hardlink target whose ".." climbs above
 * the layer root is refused (SkiffError "invalid-argument"
 * `entry "../x" escapes the rootfs`), as Podman refuses such a layer rather
 * than rewriting it. Parent folders are then resolved component by component
 * with lstat; a symlink met on the way is followed *inside* the layer root, as
 * a chroot would (openat2 RESOLVE_IN_ROOT semantics: absolute targets restart
 * at the root, ".." stops at the root), so nothing is ever written, created
 * or followed outside `destDir`. The final component is never followed:
 * files are created O_EXCL|O_NOFOLLOW after removing what was there, and
 * symlink targets are written verbatim (absolute ones are harmless to create).
 * The folder is private to this process while it is built, so checking and
 * acting cannot race with another writer.
 *
 * Overlay form: `.wh.<name>` becomes a char device 0:0 `<name>`;
 * `.wh..wh..opq` sets `trusted.overlay.opaque=y` on its folder (OCI image
 * spec, layer.md "Whiteouts"; kernel Documentation/filesystems/overlayfs).
 * Other `.wh..wh.*` entries (aufs bookkeeping) are skipped.
 *
 * Metadata: owner before mode (chown clears setuid and capabilities), then
 * xattrs, then times; folder times are set last, since creating children
 * changes them. A folder this layer needs but does not list (e.g. only
 * `tmp/x`) takes its mode, owner and times from the same folder in the
 * layers below, so the merged view keeps e.g. /tmp's 1777.
 *
 * Cost: creates dominate (6.6k entries for debian). Calls that would change
 * nothing are skipped: a file is created with its permission bits (fchmod
 * only for bits the umask takes, or setuid/setgid/sticky, after fchown);
 * no chown when the tar's owner is the caller and the folder's group is the
 * caller's; no lstat of a name new to a folder this unpack made. Creates stay
 * synchronous and in order: async creates through Bun's two pool threads
 * were measured slower here (creates in one folder serialise on its lock,
 * and the waiting thread spins), on top of their extra work per file.
 *
 * Not synced to disk: like containers-storage, durability relies on the
 * caller's rename and the filesystem's own writeback.
 */
import {
  chmodSync, closeSync, constants as fsc, copyFileSync, fchmodSync, fchownSync, futimesSync, linkSync, lchownSync,
  lstatSync, lutimesSync, mkdirSync, openSync, readdirSync, readlinkSync, rmSync, symlinkSync, unlinkSync,
  writeSync, type Stats,
} from "node:fs";
import { createHash } from "node:crypto";
import { SkiffError } from "../lib/errors.ts";
import type { Digest } from "../image/reference.ts";
import { TarReader, type TarEntry, type TarSink } from "./tar-reader.ts";

export interface UnpackOptions {
  /**
   * Diff folders of the layers below, top first. A hardlink whose target is
   * not in this layer is looked up there (stopping at a whiteout) and copied
   * up; a folder created implicitly copies its metadata from there.
   * @default []
   */
  readonly lowerDirs?: readonly string[];
  /** Owner given to every entry instead of the tar's (`cp --archive`). @default the tar's */
  readonly owner?: { readonly uid: number; readonly gid: number };
  /** `.wh.` names are ordinary files, not overlay whiteouts (`cp` into a mounted rootfs). @default false */
  readonly plainNames?: boolean;
}

export interface UnpackReport {
  /** Bytes of the uncompressed tar stream (containers-storage's UncompressedSize). */
  readonly size: number;
  /** sha256 of the uncompressed tar stream: the layer's DiffID. */
  readonly digest: Digest;
}

/** Any byte source the store accepts: web stream, Node stream or async iterable. */
export type ByteStream = ReadableStream<Uint8Array> | NodeJS.ReadableStream | AsyncIterable<Uint8Array>;

/**
 * Extracts an uncompressed tar stream into `destDir` (an existing, empty,
 * private folder) while hashing it.
 * @returns the tar's size in bytes and sha256 digest
 * @throws SkiffError "invalid-argument" for a malformed or escaping entry
 *   (`entry "<name>": …`); fs errors (ENOSPC, …) as SkiffError "runtime".
 *   `destDir` is left partly filled: the caller removes it.
 */
export async function unpackTar(source: ByteStream, destDir: string, opts: UnpackOptions = {}): Promise<UnpackReport> {
  const x = new Extractor(destDir, opts.lowerDirs ?? [], opts);
  const reader = new TarReader((e) => x.entry(e));
  const hash = createHash("sha256");
  let size = 0;
  try {
    for await (const chunk of source as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      size += chunk.length;
      reader.push(chunk);
    }
    reader.end();
    x.finish();
  } catch (e) {
    x.abort();
    throw asSkiffError(e);
  }
  return { size, digest: `sha256:${hash.digest("hex")}` };
}

/**
 * Decompresses a layer blob by its magic bytes, not by its media type:
 * gzip (1f 8b), zstd (28 b5 2f fd), else the bytes are taken as a plain tar.
 * @returns the uncompressed bytes, as an async iterable
 * @throws the zlib error (kind "runtime" once wrapped) on corrupt input, while iterating
 */
export async function* decompress(source: ByteStream): AsyncGenerator<Uint8Array> {
  const it = (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let have = 0;
  let ended = false;
  while (have < 4) {
    const r = await it.next();
    if (r.done) { ended = true; break; }
    head.push(r.value);
    have += r.value.length;
  }
  const first = head.length === 1 ? head[0]! : Buffer.concat(head);
  async function* rest(): AsyncGenerator<Uint8Array> {
    if (first.length) yield first;
    if (ended) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  const gzip = first[0] === 0x1f && first[1] === 0x8b;
  const zstd = first[0] === 0x28 && first[1] === 0xb5 && first[2] === 0x2f && first[3] === 0xfd;
  if (!gzip && !zstd) {
    yield* rest();
    return;
  }
  const zlib = await import("node:zlib");
  // The decompressor runs in the thread pool, one job per input chunk or
  // output chunk, and its next job is started only from a main-thread
  // callback. So that it keeps running while the caller spends its time in
  // synchronous file creates, it gets large jobs (MiB-sized output chunks)
  // and input queued well ahead (its own buffer, fed by a separate task, not
  // pulled through a 16 KiB stream pipeline). Measured on the debian layer
  // with the unpack's main-thread work: the stream pipeline ran gunzip and
  // unpack one after the other; this overlaps them.
  const opts = { chunkSize: DECOMPRESS_CHUNK, readableHighWaterMark: DECOMPRESS_AHEAD, writableHighWaterMark: DECOMPRESS_AHEAD };
  const z = gzip ? zlib.createGunzip(opts) : zlib.createZstdDecompress(opts);
  let stop = false;
  const feed = (async () => {
    for await (const c of rest()) {
      if (stop) return;
      if (!z.write(c)) await new Promise<void>((r) => { z.once("drain", r); z.once("close", r); });
    }
    z.end();
  })().catch((e: unknown) => { z.destroy(e instanceof Error ? e : new Error(String(e))); });
  try {
    for await (const c of z as AsyncIterable<Uint8Array>) yield c;
  } finally {
    stop = true;
    z.destroy();
    await it.return?.();
    void feed;
  }
}

/** Bytes per decompressor job (output chunk). */
const DECOMPRESS_CHUNK = 1 << 20;
/** Bytes the decompressor's input and output may queue. */
const DECOMPRESS_AHEAD = 16 << 20;

/**
 * sha256 and size of a byte stream, e.g. the DiffID of a layer blob:
 * `digestStream(decompress(blob))`.
 */
export async function digestStream(source: ByteStream): Promise<UnpackReport> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of source as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, digest: `sha256:${hash.digest("hex")}` };
}

function asSkiffError(e: unknown): SkiffError {
  if (e instanceof SkiffError) return e;
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === "string" && typeof err.path === "string") {
    return new SkiffError("runtime", `${err.syscall ?? "fs"} "${err.path}": ${err.code}`, { cause: e });
  }
  return new SkiffError("runtime", e instanceof Error ? e.message : String(e), { cause: e });
}

function refuse(name: string, why: string): SkiffError {
  return new SkiffError("invalid-argument", `entry ${JSON.stringify(name)}: ${why}`);
}

/**
 * Lexically cleaned components of a tar path, relative to the layer root.
 * @throws SkiffError "invalid-argument" when ".." climbs above the root
 */
export function cleanEntryPath(name: string, what = name): string[] {
  const out: string[] = [];
  for (const c of name.split("/")) {
    if (c === "" || c === ".") continue;
    if (c === "..") {
      if (out.length === 0) throw refuse(what, "escapes the rootfs");
      out.pop();
      continue;
    }
    if (c.includes("\0")) throw refuse(what, "invalid path");
    out.push(c);
  }
  return out;
}

const MAX_SYMLINKS = 40; // Linux's MAXSYMLINKS
const WHITEOUT_PREFIX = ".wh.";
const OPAQUE = ".wh..wh..opq";
const O_CREATE_NEW = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW; // Node and Bun add O_CLOEXEC themselves

/** Type bits for mknod. */
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;

/** A folder tree walked as a chroot: symlinks in parent components resolve inside `root`. */
class Root {
  /** Relative paths known to be real folders (every ancestor is one too). "" is the root. */
  private readonly dirs = new Set<string>([""]);
  /**
   * Group of folders whose group is known (made by this unpack or lstat'ed).
   * A file created in a folder of the caller's own group has that group
   * whatever the folder's setgid bit or the mount's grpid option say.
   */
  readonly gids = new Map<string, number>();
  constructor(readonly path: string, private readonly onMissing?: (rel: string) => void) {}

  abs(rel: string): string {
    return rel === "" ? this.path : `${this.path}/${rel}`;
  }

  /**
   * Resolves folder components to a real folder's relative path, following
   * symlinks inside the root. With `create`, missing folders are made (via
   * `onMissing`); without, returns null when one is missing.
   * @throws refuse() when a component is not a folder or symlinks loop
   */
  resolveDir(parts: readonly string[], create: boolean, entryName: string): string | null {
    const literal = parts.join("/");
    if (this.dirs.has(literal)) return literal;
    const cur: string[] = [];
    const queue = parts.slice().reverse(); // pop() takes the next component
    let links = 0;
    while (queue.length) {
      const c = queue.pop()!;
      if (c === "" || c === ".") continue;
      if (c === "..") { cur.pop(); continue; }
      const rel = cur.length ? `${cur.join("/")}/${c}` : c;
      if (this.dirs.has(rel)) { cur.push(c); continue; }
      const abs = this.abs(rel);
      const st = lstatSync(abs, { throwIfNoEntry: false });
      if (!st) {
        if (!create) return null;
        this.onMissing!(rel);
        this.dirs.add(rel);
        cur.push(c);
      } else if (st.isDirectory()) {
        this.dirs.add(rel);
        this.gids.set(rel, st.gid);
        cur.push(c);
      } else if (st.isSymbolicLink()) {
        if (++links > MAX_SYMLINKS) throw refuse(entryName, "too many levels of symbolic links");
        const target = readlinkSync(abs);
        if (target.startsWith("/")) cur.length = 0;
        const tparts = target.split("/");
        for (let i = tparts.length - 1; i >= 0; i--) queue.push(tparts[i]!);
      } else {
        if (!create) return null;
        throw refuse(entryName, `"${rel}" is not a directory`);
      }
    }
    return cur.join("/");
  }

  /** Forgets cached folders at or under `rel` (after removing or replacing it). */
  forget(rel: string): void {
    this.dirs.delete(rel);
    this.gids.delete(rel);
    const p = rel + "/";
    for (const d of this.dirs) if (d.startsWith(p)) this.dirs.delete(d);
    for (const d of this.gids.keys()) if (d.startsWith(p)) this.gids.delete(d);
  }

  markDir(rel: string): void {
    this.dirs.add(rel);
  }
}

const isWhiteoutDevice = (st: Stats) => st.isCharacterDevice() && st.rdev === 0;

type Times = readonly [atime: number, mtime: number];

class Extractor {
  private readonly root: Root;
  private readonly lowers: Root[];
  /** Folder times to set at the end, by relative path. */
  private readonly dirTimes = new Map<string, Times>();
  /** Folders made by this unpack (empty when made; "" when destDir was empty). */
  private readonly fresh = new Set<string>();
  /** Every path this unpack created: a name in a fresh folder that is not in here needs no lstat. */
  private readonly created = new Set<string>();
  private readonly umask = process.umask();
  private readonly euid = process.geteuid?.() ?? -1;
  private readonly egid = process.getegid?.() ?? -1;

  constructor(destDir: string, lowerDirs: readonly string[], private readonly opts: UnpackOptions = {}) {
    this.root = new Root(destDir, (rel) => this.mkdirImplicit(rel));
    this.lowers = lowerDirs.map((d) => new Root(d));
    this.root.gids.set("", lstatSync(destDir).gid);
    if (readdirSync(destDir).length === 0) this.fresh.add("");
  }

  entry(e: TarEntry): TarSink | null {
    if (this.opts.owner) e = { ...e, uid: this.opts.owner.uid, gid: this.opts.owner.gid };
    const parts = cleanEntryPath(e.name);
    if (parts.length === 0) {
      // "./": the layer root's own metadata.
      if (e.type === "dir") this.applyDirMeta("", e, false);
      return null;
    }
    const base = parts[parts.length - 1]!;
    const dirRel = this.root.resolveDir(parts.slice(0, -1), true, e.name)!;
    if (!this.opts.plainNames && base.startsWith(WHITEOUT_PREFIX)) {
      this.whiteout(dirRel, base, e);
      return null;
    }
    const rel = dirRel ? `${dirRel}/${base}` : base;
    const abs = this.root.abs(rel);
    const mayExist = !this.fresh.has(dirRel) || this.created.has(rel);
    const existing = mayExist ? lstatSync(abs, { throwIfNoEntry: false }) : undefined;
    if (existing) {
      if (e.type === "dir" && existing.isDirectory()) {
        this.applyDirMeta(rel, e, false);
        return null;
      }
      this.remove(rel, existing);
    }
    this.created.add(rel);
    switch (e.type) {
      case "dir":
        mkdirSync(abs, 0o700);
        this.fresh.add(rel);
        this.root.markDir(rel);
        this.applyDirMeta(rel, e, true);
        return null;
      case "file":
        return this.file(abs, dirRel, e);
      case "symlink":
        symlinkSync(e.linkname, abs);
        if (this.needChown(e, dirRel)) lchownSync(abs, e.uid, e.gid);
        this.setXattrs(abs, e.xattrs, true);
        lutimesSync(abs, e.atime, e.mtime);
        return null;
      case "link":
        this.hardlink(abs, e);
        return null;
      case "char":
      case "block":
      case "fifo": {
        const bits = e.type === "char" ? S_IFCHR : e.type === "block" ? S_IFBLK : S_IFIFO;
        host().mknod(abs, bits | e.mode, e.devmajor, e.devminor);
        lchownSync(abs, e.uid, e.gid);
        chmodSync(abs, e.mode); // mknod's mode went through the umask
        this.setXattrs(abs, e.xattrs, true);
        lutimesSync(abs, e.atime, e.mtime);
        return null;
      }
    }
  }

  /**
   * Whether a new node in `dirRel` needs a chown to get `e`'s owner: not when
   * it is the caller's own uid and gid and the folder's group is the
   * caller's (then the kernel gives the new node exactly that owner, whatever
   * the folder's setgid bit or the mount's grpid option say).
   */
  private needChown(e: TarEntry, dirRel: string): boolean {
    return !(e.uid === this.euid && e.gid === this.egid && this.root.gids.get(dirRel) === this.egid);
  }

  /** Whether open(…, mode & 0o777) leaves bits to set: setuid/setgid/sticky (after chown) or bits the umask takes. */
  private needChmod(mode: number): boolean {
    return (mode & 0o7000) !== 0 || (mode & this.umask) !== 0;
  }

  /** The file being written, closed by abort() if the stream fails mid-file. */
  private openFd = -1;

  private file(abs: string, dirRel: string, e: TarEntry): TarSink {
    const fd = openSync(abs, O_CREATE_NEW, e.mode & 0o777);
    this.openFd = fd;
    const chown = this.needChown(e, dirRel);
    const chmod = this.needChmod(e.mode);
    return {
      write(data) {
        let off = 0;
        while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      },
      close: () => {
        try {
          // Data first, then owner, mode, xattrs, times: each step would undo the one before otherwise.
          if (chown) fchownSync(fd, e.uid, e.gid);
          if (chmod) fchmodSync(fd, e.mode);
          this.setXattrs(abs, e.xattrs, false);
          futimesSync(fd, e.atime, e.mtime);
        } finally {
          this.openFd = -1;
          closeSync(fd);
        }
      },
    };
  }

  /** Owner, mode, xattrs of a folder; its times are kept for the end. `made`: created just now by mkdir(0o700) in `rel`'s parent. */
  private applyDirMeta(rel: string, e: TarEntry, made: boolean): void {
    const abs = this.root.abs(rel);
    const parentRel = rel.includes("/") ? rel.slice(0, rel.lastIndexOf("/")) : "";
    if (!made || rel === "" || this.needChown(e, parentRel)) lchownSync(abs, e.uid, e.gid);
    this.root.gids.set(rel, e.gid);
    chmodSync(abs, e.mode); // a folder we made or lstat'ed as one: no symlink to follow
    this.setXattrs(abs, e.xattrs, false);
    this.dirTimes.set(rel, [e.atime, e.mtime]);
  }

  private whiteout(dirRel: string, base: string, e: TarEntry): void {
    const dirAbs = this.root.abs(dirRel);
    if (base === OPAQUE) {
      host().lsetxattr(dirAbs, "trusted.overlay.opaque", Buffer.from("y"));
      return;
    }
    if (base.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) return; // aufs metadata (.wh..wh.plnk, …)
    const name = base.slice(WHITEOUT_PREFIX.length);
    if (name === "" || name === "." || name === "..") throw refuse(e.name, "invalid whiteout");
    const rel = dirRel ? `${dirRel}/${name}` : name;
    const existing = lstatSync(this.root.abs(rel), { throwIfNoEntry: false });
    if (existing) this.remove(rel, existing);
    host().mknodChar(this.root.abs(rel), 0, 0, 0);
    this.created.add(rel);
    lchownSync(this.root.abs(rel), e.uid, e.gid);
  }

  private remove(rel: string, st: Stats): void {
    const abs = this.root.abs(rel);
    if (st.isDirectory()) {
      rmSync(abs, { recursive: true, force: true });
      this.root.forget(rel);
      const under = rel + "/";
      for (const k of this.dirTimes.keys()) if (k === rel || k.startsWith(under)) this.dirTimes.delete(k);
      for (const k of this.fresh) if (k === rel || k.startsWith(under)) this.fresh.delete(k);
    } else {
      unlinkSync(abs);
    }
  }

  /** Hardlink: target inside this layer, or copied up from the first lower layer that has it. */
  private hardlink(abs: string, e: TarEntry): void {
    let tparts: string[];
    try {
      tparts = cleanEntryPath(e.linkname);
    } catch {
      throw refuse(e.name, `hardlink target ${JSON.stringify(e.linkname)} escapes the rootfs`);
    }
    if (tparts.length === 0) throw refuse(e.name, `hardlink target "${e.linkname}" is a directory`);
    const tbase = tparts[tparts.length - 1]!;
    const tdirParts = tparts.slice(0, -1);
    let tdir = this.root.resolveDir(tdirParts, false, e.name);
    let tabs = tdir === null ? null : this.root.abs(tdir ? `${tdir}/${tbase}` : tbase);
    let st = tabs === null ? undefined : lstatSync(tabs, { throwIfNoEntry: false });
    if (!st) {
      const found = this.findLower(tparts, e.name);
      if (!found) throw refuse(e.name, `hardlink target "${e.linkname}" not found`);
      tdir = this.root.resolveDir(tdirParts, true, e.name)!;
      const trel = tdir ? `${tdir}/${tbase}` : tbase;
      tabs = this.root.abs(trel);
      this.copyUp(found.abs, found.st, tabs);
      this.created.add(trel);
      st = found.st;
    }
    if (st.isDirectory()) throw refuse(e.name, `hardlink target "${e.linkname}" is a directory`);
    if (isWhiteoutDevice(st)) throw refuse(e.name, `hardlink target "${e.linkname}" not found`);
    linkSync(tabs!, abs);
  }

  /** The path in the first lower layer that has it, unless a whiteout or opaque folder hides it. */
  private findLower(parts: readonly string[], entryName: string): { abs: string; st: Stats } | null {
    for (const lower of this.lowers) {
      const dir = lower.resolveDir(parts.slice(0, -1), false, entryName);
      if (dir === null) continue;
      const abs = lower.abs(dir ? `${dir}/${parts[parts.length - 1]}` : parts[parts.length - 1]!);
      const st = lstatSync(abs, { throwIfNoEntry: false });
      if (st) return isWhiteoutDevice(st) ? null : { abs, st };
      if (host().lgetxattr(lower.abs(dir), "trusted.overlay.opaque")?.toString() === "y") return null;
    }
    return null;
  }

  private copyUp(src: string, st: Stats, dst: string): void {
    if (st.isFile()) copyFileSync(src, dst, fsc.COPYFILE_EXCL);
    else if (st.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
    else {
      const dev = BigInt(st.rdev);
      const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
      const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
      host().mknod(dst, st.mode, major, minor);
    }
    lchownSync(dst, st.uid, st.gid);
    if (!st.isSymbolicLink()) chmodSync(dst, st.mode & 0o7777);
    this.copyXattrs(src, dst, st.isSymbolicLink());
    lutimesSync(dst, st.atime, st.mtime);
  }

  /** Makes a folder the tar implies but does not list, with the lower layers' metadata when they have it. */
  private mkdirImplicit(rel: string): void {
    const abs = this.root.abs(rel);
    mkdirSync(abs, 0o755);
    this.created.add(rel);
    this.fresh.add(rel);
    const parts = rel.split("/");
    for (const lower of this.lowers) {
      const dir = lower.resolveDir(parts, false, rel);
      if (dir === null) continue;
      const src = lower.abs(dir);
      const st = lstatSync(src);
      lchownSync(abs, st.uid, st.gid);
      this.root.gids.set(rel, st.gid);
      chmodSync(abs, st.mode & 0o7777);
      this.copyXattrs(src, abs, false);
      this.dirTimes.set(rel, [st.atimeMs / 1000, st.mtimeMs / 1000]);
      return;
    }
  }

  private copyXattrs(src: string, dst: string, isLink: boolean): void {
    const h = host();
    const names = h.llistxattr(src);
    if (!names.length) return;
    const m = new Map<string, Buffer>();
    for (const n of names) {
      if (n.startsWith("trusted.overlay.")) continue;
      const v = h.lgetxattr(src, n);
      if (v) m.set(n, v);
    }
    this.setXattrs(dst, m, isLink);
  }

  /**
   * Sets the xattrs a layer may carry: user.*, trusted.* (not overlay's own
   * trusted.overlay.*, which would steer the mount), security.capability and
   * POSIX ACLs. Others (SELinux labels) are the host's business. A filesystem
   * or node type that refuses xattrs (EOPNOTSUPP, or EPERM for user.* on a
   * symlink) is skipped, as containers-storage does.
   */
  private setXattrs(abs: string, xattrs: ReadonlyMap<string, Buffer>, lenient: boolean): void {
    if (xattrs.size === 0) return;
    const h = host();
    for (const [name, value] of xattrs) {
      const ok = (name.startsWith("user.") || name.startsWith("trusted.") || name === "security.capability" ||
        name === "system.posix_acl_access" || name === "system.posix_acl_default") && !name.startsWith("trusted.overlay.");
      if (!ok) continue;
      try {
        h.lsetxattr(abs, name, value);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === "EOPNOTSUPP" || code === "ENOTSUP" || (lenient && code === "EPERM")) continue;
        throw err;
      }
    }
  }

  finish(): void {
    for (const [rel, [atime, mtime]] of this.dirTimes) {
      lutimesSync(this.root.abs(rel), atime, mtime);
    }
  }

  abort(): void {
    this.dirTimes.clear();
    if (this.openFd >= 0) {
      try { closeSync(this.openFd); } catch {}
      this.openFd = -1;
    }
  }
}

let hostMod: typeof import("../lib/host.ts") | undefined;
/** host.ts loads bun:ffi: only when an entry needs it (whiteout, device, xattr). */
function host(): typeof import("../lib/host.ts") {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (hostMod ??= require("../lib/host.ts") as typeof import("../lib/host.ts"));
}
