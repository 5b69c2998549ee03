/**
 * The host seam: every libc call that neither Bun nor Node offers goes through
 * this module, loaded lazily (bun:ffi is marked experimental by Bun; keeping
 * it behind one interface makes it swappable for an N-API addon). Never
 * import this from the cold path of `images` or `ps`.
 *
 * All functions throw a SkiffError of kind "runtime" whose message names the
 * call, the path and errno's text, e.g. `mount "/x": EPERM (operation not permitted)`.
 */
import { SkiffError } from "./errors.ts";
import { constants as osConstants } from "node:os";

type Lib = {
  mount: (src: unknown, target: unknown, fstype: unknown, flags: bigint | number, data: unknown) => number;
  umount2: (target: unknown, flags: number) => number;
  mknod: (path: unknown, mode: number, dev: bigint | number) => number;
  lsetxattr: (path: unknown, name: unknown, value: unknown, size: bigint | number, flags: number) => number;
  lgetxattr: (path: unknown, name: unknown, value: unknown, size: bigint | number) => number | bigint;
  llistxattr: (path: unknown, list: unknown, size: bigint | number) => number | bigint;
  flock: (fd: number, op: number) => number;
  unshare: (flags: number) => number;
  setns: (fd: number, nstype: number) => number;
  socket: (domain: number, type: number, proto: number) => number;
  shutdown: (fd: number, how: number) => number;
  __errno_location: () => unknown;
};

let lib: Lib | undefined;
let readErrno: (() => number) | undefined;

function load(): Lib {
  if (lib) return lib;
  // Lazy: bun:ffi costs start-up time and is only needed by commands that touch the kernel.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { dlopen, FFIType, read } = require("bun:ffi") as typeof import("bun:ffi");
  const { ptr, cstring, i32, u32, u64, i64 } = {
    ptr: FFIType.ptr, cstring: FFIType.ptr, i32: FFIType.i32, u32: FFIType.u32, u64: FFIType.u64, i64: FFIType.i64,
  };
  const h = dlopen("libc.so.6", {
    mount: { args: [cstring, cstring, cstring, u64, ptr], returns: i32 },
    umount2: { args: [cstring, i32], returns: i32 },
    mknod: { args: [cstring, u32, u64], returns: i32 },
    lsetxattr: { args: [cstring, cstring, ptr, u64, i32], returns: i32 },
    lgetxattr: { args: [cstring, cstring, ptr, u64], returns: i64 },
    llistxattr: { args: [cstring, ptr, u64], returns: i64 },
    flock: { args: [i32, i32], returns: i32 },
    unshare: { args: [i32], returns: i32 },
    setns: { args: [i32, i32], returns: i32 },
    socket: { args: [i32, i32, i32], returns: i32 },
    shutdown: { args: [i32, i32], returns: i32 },
    __errno_location: { args: [], returns: ptr },
  });
  lib = h.symbols as unknown as Lib;
  const errnoPtr = lib.__errno_location;
  // bun:ffi has no errno: read it through __errno_location() right after a failed call.
  readErrno = () => read.i32(errnoPtr() as never, 0);
  return lib;
}

/** NUL-terminated buffer for a C string argument. */
function cstr(s: string): Buffer {
  return Buffer.from(s + "\0");
}

const errnoNames: Record<number, string> = Object.fromEntries(
  Object.entries(osConstants.errno).map(([k, v]) => [v as number, k]),
);

/** Error with errno attached (code, errno), as Node's fs errors. */
export class HostError extends SkiffError {
  constructor(readonly call: string, readonly errno: number, readonly code: string, what: string) {
    super("runtime", `${call} ${what}: ${code}`);
  }
}

function check(rc: number | bigint, call: string, what: string): number {
  const n = Number(rc);
  if (n < 0) {
    const e = readErrno!();
    throw new HostError(call, e, errnoNames[e] ?? `errno ${e}`, what);
  }
  return n;
}

export const MS_RDONLY = 1;
export const MS_NOSUID = 2;
export const MS_NODEV = 4;
export const MS_NOEXEC = 8;
export const MS_REMOUNT = 32;
export const MS_BIND = 4096;
export const MS_REC = 16384;
export const MS_PRIVATE = 1 << 18;
export const MNT_DETACH = 2;
export const S_IFCHR = 0o020000;
export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

/** mount(2). `data` is the filesystem's option string (e.g. overlay's lowerdir=…). */
export function mount(source: string, target: string, fstype: string | null, flags: number, data?: string): void {
  const l = load();
  const d = data === undefined ? null : cstr(data);
  check(l.mount(cstr(source), cstr(target), fstype === null ? null : cstr(fstype), flags, d), "mount", `"${target}"`);
}

/** umount2(2); flags e.g. MNT_DETACH. */
export function umount(target: string, flags = 0): void {
  const l = load();
  check(l.umount2(cstr(target), flags), "umount", `"${target}"`);
}

/** mknod(2) of a character device (overlay whiteouts are char 0:0). */
export function mknodChar(path: string, mode: number, major: number, minor: number): void {
  const l = load();
  const dev = (BigInt(major & 0xfff) << 8n) | BigInt(minor & 0xff) | (BigInt(minor & ~0xff) << 12n) | (BigInt(major & ~0xfff) << 32n);
  check(l.mknod(cstr(path), S_IFCHR | (mode & 0o7777), dev), "mknod", `"${path}"`);
}

/** mknod(2) of any type (S_IFCHR, S_IFBLK, S_IFIFO bits in `mode`). */
export function mknod(path: string, mode: number, major: number, minor: number): void {
  const l = load();
  const dev = (BigInt(major & 0xfff) << 8n) | BigInt(minor & 0xff) | (BigInt(minor & ~0xff) << 12n) | (BigInt(major & ~0xfff) << 32n);
  check(l.mknod(cstr(path), mode, dev), "mknod", `"${path}"`);
}

/** lsetxattr(2): sets an extended attribute without following a symlink. */
export function lsetxattr(path: string, name: string, value: Uint8Array): void {
  const l = load();
  const v = Buffer.from(value);
  check(l.lsetxattr(cstr(path), cstr(name), v.length ? v : Buffer.alloc(1), v.length, 0), "setxattr", `"${path}" ${name}`);
}

/** lgetxattr(2); undefined when the attribute is absent (ENODATA). */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  const l = load();
  const buf = Buffer.alloc(65536);
  const n = Number(l.lgetxattr(cstr(path), cstr(name), buf, buf.length));
  if (n < 0) {
    const e = readErrno!();
    if (errnoNames[e] === "ENODATA") return undefined;
    throw new HostError("getxattr", e, errnoNames[e] ?? `errno ${e}`, `"${path}" ${name}`);
  }
  return buf.subarray(0, n);
}

/** llistxattr(2): names of a path's extended attributes. */
export function llistxattr(path: string): string[] {
  const l = load();
  const buf = Buffer.alloc(65536);
  const n = check(l.llistxattr(cstr(path), buf, buf.length), "listxattr", `"${path}"`);
  return buf.subarray(0, n).toString().split("\0").filter(Boolean);
}

/**
 * flock(2) without blocking the only JS thread: tries LOCK_NB and retries
 * with a short sleep until `timeoutMs` (then throws kind "runtime").
 */
export async function flock(fd: number, op: typeof LOCK_SH | typeof LOCK_EX, timeoutMs = 60_000): Promise<void> {
  const l = load();
  const deadline = Date.now() + timeoutMs;
  let wait = 1;
  for (;;) {
    if (l.flock(fd, op | LOCK_NB) === 0) return;
    const e = readErrno!();
    if (errnoNames[e] !== "EWOULDBLOCK" && errnoNames[e] !== "EAGAIN" && errnoNames[e] !== "EINTR") {
      throw new HostError("flock", e, errnoNames[e] ?? `errno ${e}`, `fd ${fd}`);
    }
    if (Date.now() > deadline) throw new SkiffError("runtime", `timed out waiting for a lock (fd ${fd})`);
    await Bun.sleep(wait);
    wait = Math.min(wait * 2, 50);
  }
}

/** flock(2) LOCK_UN. */
export function funlock(fd: number): void {
  const l = load();
  l.flock(fd, LOCK_UN);
}

/** unshare(2) on the calling thread (only for namespaces that allow a threaded process, e.g. CLONE_NEWNET). */
export function unshare(flags: number): void {
  check(load().unshare(flags), "unshare", `0x${flags.toString(16)}`);
}

/** setns(2) on the calling thread. */
export function setns(fd: number, nstype: number): void {
  check(load().setns(fd, nstype), "setns", `fd ${fd}`);
}

export const AF_UNIX = 1;
export const SOCK_SEQPACKET = 5;
export const SOCK_CLOEXEC = 0o2000000;

/** socket(2); returns the fd. */
export function socket(domain: number, type: number, protocol = 0): number {
  return check(load().socket(domain, type, protocol), "socket", `${domain}/${type}`);
}

/** shutdown(2); how: 0 read, 1 write, 2 both. */
export function shutdown(fd: number, how: number): void {
  check(load().shutdown(fd, how), "shutdown", `fd ${fd}`);
}

let connectFn: ((fd: number, addr: unknown, len: number) => number) | undefined;

/**
 * connect(2) of a socket fd to an AF_UNIX path (e.g. conmon's SOCK_SEQPACKET
 * attach socket). The path must fit sun_path (107 bytes + NUL): to reach a
 * longer one, open its folder and pass `/proc/self/fd/<dirfd>/<name>`.
 * @throws HostError (ECONNREFUSED, ENOENT, …); SkiffError invalid-argument when the path is too long
 */
export function connectUnix(fd: number, path: string): void {
  const l = load();
  if (!connectFn) {
    const { dlopen, FFIType } = require("bun:ffi") as typeof import("bun:ffi");
    connectFn = dlopen("libc.so.6", { connect: { args: [FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 } })
      .symbols.connect as unknown as typeof connectFn;
  }
  void l;
  const p = Buffer.from(path);
  if (p.length > 107) throw new SkiffError("invalid-argument", `unix socket path "${path}" is longer than 107 bytes`);
  const addr = Buffer.alloc(110);
  addr.writeUInt16LE(AF_UNIX, 0);
  p.copy(addr, 2);
  check(connectFn!(fd, addr, 110), "connect", `"${path}"`);
}

let inetFns: {
  bind: (fd: number, addr: unknown, len: number) => number;
  listen: (fd: number, backlog: number) => number;
  setsockopt: (fd: number, level: number, name: number, val: unknown, len: number) => number;
  getsockname: (fd: number, addr: unknown, len: unknown) => number;
} | undefined;

function inet() {
  load();
  if (!inetFns) {
    const { dlopen, FFIType } = require("bun:ffi") as typeof import("bun:ffi");
    const { i32, u32, ptr } = FFIType;
    inetFns = dlopen("libc.so.6", {
      bind: { args: [i32, ptr, u32], returns: i32 },
      listen: { args: [i32, i32], returns: i32 },
      setsockopt: { args: [i32, i32, i32, ptr, u32], returns: i32 },
      getsockname: { args: [i32, ptr, ptr], returns: i32 },
    }).symbols as unknown as typeof inetFns;
  }
  return inetFns!;
}

export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;

/**
 * A socket bound to `ip`:`port` (port 0: the kernel picks one), with
 * SO_REUSEADDR as Go's listeners set it, listening when `stream`: what an
 * engine holds to reserve a published host port (Podman's way). `ip` is a
 * numeric address; "" binds all IPv4 addresses.
 * @returns the fd (close-on-exec) and the bound port
 * @throws HostError EADDRINUSE (code) and others from socket/bind/listen
 */
export function bindInet(ip: string, port: number, stream: boolean): { fd: number; port: number } {
  const f = inet();
  const v6 = ip.includes(":");
  const fd = socket(v6 ? AF_INET6 : AF_INET, (stream ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC);
  try {
    // SO_REUSEADDR for TCP only (as Go's listeners): on a UDP socket it would let a second bind of
    // the same port succeed, and a held port must refuse it.
    if (stream) {
      const one = Buffer.alloc(4);
      one.writeInt32LE(1);
      check(f.setsockopt(fd, 1 /* SOL_SOCKET */, 2 /* SO_REUSEADDR */, one, 4), "setsockopt", `fd ${fd}`);
    }
    const addr = Buffer.alloc(v6 ? 28 : 16);
    addr.writeUInt16LE(v6 ? AF_INET6 : AF_INET, 0);
    addr.writeUInt16BE(port, 2);
    if (v6) {
      const { isIP } = require("node:net") as typeof import("node:net");
      if (isIP(ip) !== 6) throw new SkiffError("invalid-argument", `invalid IP address "${ip}"`);
      const [head = "", tail] = ip.split("::");
      const hs = head ? head.split(":") : [];
      const ts = tail ? tail.split(":") : [];
      const groups = tail === undefined ? hs : [...hs, ...Array(8 - hs.length - ts.length).fill("0"), ...ts];
      groups.forEach((g, i) => addr.writeUInt16BE(parseInt(g, 16), 8 + 2 * i));
    } else if (ip !== "") {
      ip.split(".").forEach((o, i) => addr.writeUInt8(Number(o), 4 + i));
    }
    check(f.bind(fd, addr, addr.length), "bind", `${v6 ? `[${ip}]` : ip || "0.0.0.0"}:${port}`);
    if (stream) check(f.listen(fd, 128), "listen", `fd ${fd}`);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(addr.length);
    check(f.getsockname(fd, addr, len), "getsockname", `fd ${fd}`);
    return { fd, port: addr.readUInt16BE(2) };
  } catch (e) {
    (require("node:fs") as typeof import("node:fs")).closeSync(fd);
    throw e;
  }
}
