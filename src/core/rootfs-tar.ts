/**
 * Packs a folder tree (or one file) of the host into a tar stream, as
 * `cp` (both directions, and `-` to stdout) and `export` need: lstat walk
 * that never follows a symlink (links are stored as links), names sorted
 * for a stable order, hardlinks kept by (dev, ino), devices and fifos with
 * their numbers, modes with setuid/setgid/sticky bits, owners and mtimes.
 * Sockets are skipped (tar cannot hold them). Overlay whiteouts never show
 * in a merged mount, so none are written. Extended attributes are not
 * carried yet (docs/compatibility.md).
 */
import { createReadStream, lstatSync, readdirSync, readlinkSync, type Stats } from "node:fs";
import { once } from "node:events";
import type { Headers, Pack } from "tar-stream";

export interface PackTreeOptions {
  /** Owner written for every entry instead of the file's (`cp` into a container with --archive). */
  readonly owner?: { readonly uid: number; readonly gid: number };
}

/** Major and minor of a Linux dev_t (glibc's encoding). */
function devNumbers(rdev: number): [number, number] {
  const d = BigInt(rdev);
  return [Number(((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn)), Number((d & 0xffn) | ((d >> 12n) & ~0xffn))];
}

/**
 * Writes `hostPath` into `pack` under the entry name `name` (a folder's
 * children follow as `name/child`); with `name` "" a folder's children are
 * written at the top (its own entry is left out: `cp dir/.`). Does not
 * finalize the pack.
 * @throws fs errors (ENOENT, EACCES, …) as Node reports them
 */
export async function packTree(pack: Pack, hostPath: string, name: string, opts: PackTreeOptions = {}): Promise<void> {
  const links = new Map<string, string>();
  await packEntry(pack, hostPath, name, lstatSync(hostPath), links, opts);
}

async function packEntry(pack: Pack, path: string, name: string, st: Stats, links: Map<string, string>, opts: PackTreeOptions): Promise<void> {
  const header: Headers = {
    name,
    mode: st.mode & 0o7777,
    uid: opts.owner?.uid ?? st.uid,
    gid: opts.owner?.gid ?? st.gid,
    mtime: st.mtime,
  };
  if (st.isDirectory()) {
    if (name !== "") await add(pack, { ...header, name: `${name}/`, type: "directory" });
    for (const child of readdirSync(path).sort()) {
      const cp = `${path}/${child}`;
      await packEntry(pack, cp, name === "" ? child : `${name}/${child}`, lstatSync(cp), links, opts);
    }
    return;
  }
  if (name === "") name = path.slice(path.lastIndexOf("/") + 1);
  header.name = name;
  if (st.isSymbolicLink()) {
    await add(pack, { ...header, type: "symlink", linkname: readlinkSync(path) });
  } else if (st.isFile()) {
    const key = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1 ? links.get(key) : undefined;
    if (first !== undefined) {
      await add(pack, { ...header, type: "link", linkname: first });
      return;
    }
    if (st.nlink > 1) links.set(key, name);
    await addFile(pack, { ...header, type: "file", size: st.size }, path);
  } else if (st.isCharacterDevice() || st.isBlockDevice()) {
    const [devmajor, devminor] = devNumbers(st.rdev);
    await add(pack, { ...header, type: st.isCharacterDevice() ? "character-device" : "block-device", devmajor, devminor });
  } else if (st.isFIFO()) {
    await add(pack, { ...header, type: "fifo" });
  }
}

function add(pack: Pack, header: Headers): Promise<void> {
  return new Promise((resolve, reject) => pack.entry(header, (err) => (err ? reject(err) : resolve())));
}

/** Streams a regular file's bytes into the pack with backpressure; the size in the header is what was lstat'ed. */
async function addFile(pack: Pack, header: Headers, path: string): Promise<void> {
  let done!: (e?: Error | null) => void;
  const finished = new Promise<void>((resolve, reject) => { done = (e) => (e ? reject(e) : resolve()); });
  const w = pack.entry(header, done);
  let left = header.size ?? 0;
  // A file that grew since lstat is cut at the recorded size; one that shrank is padded with zeros (tar needs the size exact).
  for await (const chunk of createReadStream(path, { highWaterMark: 256 << 10 }) as AsyncIterable<Buffer>) {
    if (left <= 0) break;
    const part = chunk.length > left ? chunk.subarray(0, left) : chunk;
    left -= part.length;
    if (!w.write(part)) await once(w as unknown as NodeJS.EventEmitter, "drain");
  }
  while (left > 0) {
    const pad = Buffer.alloc(Math.min(left, 64 << 10));
    left -= pad.length;
    if (!w.write(pad)) await once(w as unknown as NodeJS.EventEmitter, "drain");
  }
  w.end();
  await finished;
}
