/**
 * Client side of conmon's attach socket: a SOCK_SEQPACKET unix socket at
 * <bundle>/attach (conmon links <socket-dir>/<id> → bundle). Each packet
 * from conmon starts with one byte naming the stream (2 stdout, 3 stderr);
 * what we write is the container's stdin, raw. EOF on stdin is
 * shutdown(SHUT_WR). Reads use fs.read on the fd (one packet per read,
 * off the JS thread); Node's net.Socket cannot read SEQPACKET fds.
 *
 * The socket is reached through /proc/self/fd/<dirfd>/attach so the path
 * always fits sun_path, however deep the bundle folder is.
 */
import { closeSync, openSync, read, write, writeFileSync, constants } from "node:fs";
import { join } from "node:path";

export const STREAM_STDOUT = 2;
export const STREAM_STDERR = 3;

export class AttachSession {
  private closed = false;
  private constructor(private readonly fd: number, private readonly bundle: string) {}

  /**
   * Connects to the attach socket in `bundle`.
   * @throws HostError from connect (ENOENT when conmon has not made the socket)
   */
  static async connect(bundle: string): Promise<AttachSession> {
    const host = await import("../lib/host.ts");
    const dirfd = openSync(bundle, constants.O_RDONLY | constants.O_DIRECTORY);
    const fd = host.socket(host.AF_UNIX, host.SOCK_SEQPACKET | host.SOCK_CLOEXEC);
    try {
      host.connectUnix(fd, `/proc/self/fd/${dirfd}/attach`);
    } catch (e) {
      closeSync(fd);
      throw e;
    } finally {
      closeSync(dirfd);
    }
    return new AttachSession(fd, bundle);
  }

  /**
   * Delivers packets to `onData(stream, bytes)` until conmon closes the
   * socket (the container's stdio ended). Resolves at EOF.
   */
  pump(onData: (stream: number, data: Uint8Array) => void): Promise<void> {
    const buf = Buffer.alloc(65536);
    return new Promise((resolve) => {
      const next = () => {
        if (this.closed) return resolve();
        read(this.fd, buf, 0, buf.length, null, (err, n) => {
          if (err || n === 0) return resolve();
          const stream = buf[0]!;
          if (n > 1) onData(stream, Buffer.from(buf.subarray(1, n)));
          next();
        });
      };
      next();
    });
  }

  /** Writes stdin bytes (packets of at most 8 KiB, conmon's read size). */
  async write(data: Uint8Array): Promise<void> {
    for (let off = 0; off < data.length; off += 8192) {
      const chunk = data.subarray(off, Math.min(off + 8192, data.length));
      await new Promise<void>((resolve, reject) => write(this.fd, chunk, (e) => (e ? reject(e) : resolve())));
    }
  }

  /** Ends the container's stdin (shutdown SHUT_WR). */
  async closeStdin(): Promise<void> {
    const host = await import("../lib/host.ts");
    try { host.shutdown(this.fd, 1); } catch {}
  }

  /** Sends a terminal resize through conmon's ctl fifo ("1 <rows> <cols>\n"). */
  resize(rows: number, cols: number): void {
    try { writeFileSync(join(this.bundle, "ctl"), `1 ${rows} ${cols}\n`, { flag: "a" }); } catch {}
  }

  /** Closes the socket; a pending read is woken by shutdown first (close alone leaves it blocked). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const host = await import("../lib/host.ts");
    try { host.shutdown(this.fd, 2); } catch {}
    try { closeSync(this.fd); } catch {}
  }
}
