/**
 * COPY and ADD into a build step's mounted rootfs, with Docker's and
 * Buildah's semantics:
 *   - a folder source copies its contents (not the folder itself);
 *   - the destination is a folder when it ends in "/", when there are
 *     several sources, or when it exists as a folder; a relative one is
 *     under WORKDIR; missing parents are made (root, 0755);
 *   - context files become root-owned (or `--chown`); files from another
 *     stage or image keep their owners; `--chmod` sets every copied entry's
 *     mode; modes and mtimes are otherwise kept;
 *   - ADD extracts a local tar (plain, gzip, bzip2, xz) into the
 *     destination; ADD of an http(s) URL downloads it as a 0600 file named
 *     after the URL's last path element (or the destination), its mtime from
 *     Last-Modified, checked against `--checksum`.
 * Paths are resolved inside the rootfs (symlinks cannot lead outside it).
 */
import { createHash } from "node:crypto";
import {
  chmodSync, chownSync, copyFileSync, lchownSync, lstatSync, lutimesSync, mkdirSync, openSync, readSync, closeSync,
  readdirSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync, type Stats,
} from "node:fs";
import { basename, dirname, join, posix } from "node:path";
import { SkiffError } from "../lib/errors.ts";

/** Owner and mode changes applied to what is copied. */
export interface CopyAttrs {
  /** `--chown` resolved; undefined keeps the source owner (other stages) or root (context). */
  readonly uid?: number;
  readonly gid?: number;
  /** `--chmod` permission bits. */
  readonly mode?: number;
  /** Files come from the build context: owned by root unless `--chown`. */
  readonly contextOwned: boolean;
}

/** One thing to copy: a path on the host (with the filter for folder walks) or bytes (heredoc, download). */
export type CopyItem =
  | {
    readonly kind: "path";
    /** The source on the host, a top-level symlink already followed (inside its root), as Docker does. */
    readonly abs: string;
    /** The name it is copied as into a folder destination: the source's own name. */
    readonly name: string;
    readonly filter?: (abs: string, isDir: boolean) => boolean;
    readonly extract?: boolean;
  }
  | { readonly kind: "bytes"; readonly name: string; readonly data: Uint8Array; readonly mode: number; readonly mtime?: number; readonly destIsName?: boolean };

/** The host path of `path` inside `root`, resolving existing symlinks within it. */
async function inRoot(root: string, path: string): Promise<string> {
  const { resolveInRoot } = await import("../oci/user.ts");
  return resolveInRoot(root, path);
}

/** Makes `path` (a folder inside root, absolute in container terms) and its missing parents, root 0755. */
async function mkdirInRoot(root: string, path: string, uid = 0, gid = 0): Promise<string> {
  const host = await inRoot(root, path);
  const made = mkdirSync(host, { recursive: true, mode: 0o755 });
  if (made !== undefined) {
    for (let p = host; p.length >= made.length; p = dirname(p)) {
      chownSync(p, uid, gid);
      chmodSync(p, 0o755);
    }
  }
  return host;
}

function isDirAt(host: string): boolean {
  try {
    return lstatSync(host).isDirectory();
  } catch {
    return false;
  }
}

function owner(st: Stats, a: CopyAttrs): [number, number] {
  return [a.uid ?? (a.contextOwned ? 0 : st.uid), a.gid ?? (a.contextOwned ? 0 : st.gid)];
}

function replaceable(dest: string): void {
  try {
    const st = lstatSync(dest);
    if (!st.isDirectory()) rmSync(dest, { force: true });
  } catch {}
}

/** Copies one host entry to `dest` (host path inside the rootfs), folders recursively. */
function copyEntry(src: string, dest: string, a: CopyAttrs, filter: ((abs: string, isDir: boolean) => boolean) | undefined, isTop: boolean): void {
  const st = lstatSync(src);
  const [uid, gid] = owner(st, a);
  if (st.isDirectory()) {
    const existed = isDirAt(dest);
    if (!existed) {
      replaceable(dest);
      mkdirSync(dest, { mode: 0o755 });
    }
    for (const name of readdirSync(src).sort()) {
      const child = join(src, name);
      if (filter && !filter(child, lstatSync(child).isDirectory())) continue;
      copyEntry(child, join(dest, name), a, filter, false);
    }
    // The top folder of a source is its contents' container: an existing destination keeps its attributes.
    if (!existed || !isTop) {
      chownSync(dest, uid, gid);
      chmodSync(dest, a.mode ?? st.mode & 0o7777);
      utimesSync(dest, st.atime, st.mtime);
    }
    return;
  }
  replaceable(dest);
  if (st.isSymbolicLink()) {
    symlinkSync(readlinkSync(src), dest);
    lchownSync(dest, uid, gid);
    lutimesSync(dest, st.atime, st.mtime);
    return;
  }
  if (!st.isFile()) throw new SkiffError("invalid-argument", `copying "${src}": unsupported file type`);
  copyFileSync(src, dest);
  chownSync(dest, uid, gid);
  chmodSync(dest, a.mode ?? st.mode & 0o7777);
  utimesSync(dest, st.atime, st.mtime);
}

const TAR_MAGIC: ((b: Buffer) => boolean)[] = [
  (b) => b[0] === 0x1f && b[1] === 0x8b, // gzip
  (b) => b.subarray(0, 3).toString("latin1") === "BZh",
  (b) => b.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])), // xz
  (b) => b.length >= 262 && b.subarray(257, 262).toString("latin1") === "ustar",
];

/** Whether a file looks like an archive ADD extracts (by content, as Docker does). */
export function isArchive(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const b = Buffer.alloc(512);
    const n = readSync(fd, b, 0, 512, 0);
    return TAR_MAGIC.some((m) => m(b.subarray(0, n)));
  } finally {
    closeSync(fd);
  }
}

/** Extracts with the archive's owners and modes (--chown/--chmod apply to the destination folder only, as Buildah). */
async function extractTar(src: string, destDir: string): Promise<void> {
  // GNU tar as root keeps owners and permissions from the archive, as Docker's extraction does.
  const p = Bun.spawn(["tar", "-x", "-f", src, "-C", destDir, "--no-overwrite-dir"], { stdout: "ignore", stderr: "pipe" });
  const [code, err] = await Promise.all([p.exited, new Response(p.stderr).text()]);
  if (code !== 0) throw new SkiffError("runtime", `extracting "${basename(src)}": ${err.trim() || `exit status ${code}`}`);
}

/**
 * Copies `items` to `dest` (a container path, already made absolute against
 * WORKDIR) inside the mounted rootfs `root`.
 * @throws SkiffError invalid-argument when several sources go to a destination not ending in "/"
 */
export async function copyInto(root: string, items: readonly CopyItem[], dest: string, a: CopyAttrs): Promise<void> {
  const destHostNow = await inRoot(root, dest);
  const several = items.length > 1;
  const anyDirSource = items.some((i) => i.kind === "path" && lstatSync(i.abs).isDirectory());
  const destIsDir = dest.endsWith("/") || isDirAt(destHostNow);
  if (several && !destIsDir) bad(dest);
  for (const item of items) {
    if (item.kind === "bytes") {
      const target = destIsDir && !item.destIsName ? posix.join(dest, item.name) : dest;
      const dir = await mkdirInRoot(root, posix.dirname(target));
      const host = join(dir, posix.basename(target));
      replaceable(host);
      writeFileSync(host, item.data);
      chownSync(host, a.uid ?? 0, a.gid ?? 0);
      chmodSync(host, a.mode ?? item.mode);
      if (item.mtime !== undefined) utimesSync(host, item.mtime, item.mtime);
      continue;
    }
    const st = lstatSync(item.abs);
    if (st.isDirectory()) {
      const host = await mkdirInRoot(root, dest, a.uid ?? 0, a.gid ?? 0);
      copyEntry(item.abs, host, a, item.filter, true);
      continue;
    }
    if (item.extract && st.isFile() && isArchive(item.abs)) {
      const host = await mkdirInRoot(root, dest, a.uid ?? 0, a.gid ?? 0);
      await extractTar(item.abs, host);
      continue;
    }
    const target = destIsDir || anyDirSource ? posix.join(dest, item.name) : dest;
    const dir = await mkdirInRoot(root, posix.dirname(target));
    copyEntry(item.abs, join(dir, posix.basename(target)), a, undefined, true);
  }
}

function bad(dest: string): never {
  throw new SkiffError("invalid-argument", `adding multiple sources to non-directory destination "${dest}": destination must be a directory when copying more than one item`);
}

/** Downloads an ADD URL source. @throws SkiffError on HTTP errors or a checksum mismatch */
export async function fetchUrl(url: string, checksum: string | undefined): Promise<{ name: string; data: Uint8Array; mtime?: number }> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new SkiffError("runtime", `getting "${url}": ${(e as Error).message}`);
  }
  if (!res.ok) throw new SkiffError("runtime", `getting "${url}": invalid response status ${res.status}`);
  const data = new Uint8Array(await res.arrayBuffer());
  if (checksum !== undefined) {
    const got = `sha256:${createHash("sha256").update(data).digest("hex")}`;
    if (got !== checksum) throw new SkiffError("invalid-argument", `checksum mismatch for "${url}": expected ${checksum}, got ${got}`);
  }
  const lm = res.headers.get("last-modified");
  const mtime = lm ? Math.floor(Date.parse(lm) / 1000) : undefined;
  const name = basename(new URL(url).pathname) || "index.html";
  return { name, data, ...(mtime !== undefined && !Number.isNaN(mtime) ? { mtime } : {}) };
}
