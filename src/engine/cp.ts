/**
 * `cp [CTR:]SRC [CTR:]DEST` with Docker's documented path rules, which
 * Podman follows (podman-cp(1), docker container cp):
 *
 * | SRC        | DEST                  | result                                  |
 * |------------|-----------------------|-----------------------------------------|
 * | file       | missing               | created as DEST (its parent must exist) |
 * | file       | missing, ends in "/"  | error: no such file or directory        |
 * | file       | existing file         | overwritten                             |
 * | file       | existing folder       | DEST/<basename>                         |
 * | dir, dir/  | missing               | created as DEST, a copy of dir          |
 * | dir, dir/  | existing folder       | DEST/<basename>                         |
 * | dir/.      | existing folder       | dir's contents into DEST                |
 * | dir        | existing file         | error                                   |
 *
 * `-` as DEST streams a tar of SRC to stdout; `-` as SRC extracts a tar
 * from stdin into the container folder DEST. Container paths resolve as in
 * a chroot (core/rootfs-path.ts) and every copy goes through the layer
 * unpacker (storage/unpack.ts), which confines each entry to the target
 * folder and refuses "../" names: neither a container symlink nor a hostile
 * tar can make skiff write outside the target. A stopped container's rootfs
 * is mounted for the copy and unmounted after (core/rootfs-mount.ts).
 */
import { realpathSync, statSync, type Stats } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import type { Writable } from "node:stream";
import { SkiffError } from "../lib/errors.ts";
import type { GlobalOptions } from "./options.ts";
import type { ContainerRecord } from "../core/types.ts";

export interface CpOptions {
  /** Files copied into a container take its user's primary uid/gid (Podman's -a, default true); false keeps the source's. */
  readonly archive?: boolean;
  /** Follow a symlink named by a container SRC (Docker's -L). @default false */
  readonly followLink?: boolean;
  /** The tar stream for SRC "-". */
  readonly stdin?: AsyncIterable<Uint8Array>;
  /** Where DEST "-" writes its tar stream. @default process.stdout */
  readonly stdout?: Writable;
}

/** One side of a cp argument: a container path, a host path, or "-". */
export type CpLocation =
  | { readonly kind: "container"; readonly container: string; readonly path: string }
  | { readonly kind: "host"; readonly path: string }
  | { readonly kind: "stream" };

/**
 * Splits a cp argument as Podman does: `-` is a stream; a path starting
 * with "/" or "." is local even with a colon in it; else `CTR:PATH` when a
 * colon is present.
 */
export function parseCpLocation(arg: string): CpLocation {
  if (arg === "-") return { kind: "stream" };
  const colon = arg.indexOf(":");
  if (arg.startsWith("/") || arg.startsWith(".") || colon <= 0) return { kind: "host", path: arg };
  return { kind: "container", container: arg.slice(0, colon), path: arg.slice(colon + 1) };
}

/** Where to extract and under which top name ("" = a folder's contents). */
interface CopyTarget { readonly dir: string; readonly name: string }

interface Dest { readonly path: string; readonly stat: Stats | undefined; readonly trailingSlash: boolean; readonly missing: (p: string) => SkiffError }

/** The path rules of the table above. */
function plan(srcIsDir: boolean, srcName: string, contentsOnly: boolean, dest: Dest): CopyTarget {
  const st = dest.stat;
  if (st?.isDirectory()) return { dir: dest.path, name: srcIsDir && contentsOnly ? "" : srcName };
  if (st) {
    if (srcIsDir) throw new SkiffError("invalid-argument", `cannot overwrite non-directory "${dest.path}" with directory`);
    return { dir: dirname(dest.path), name: basename(dest.path) };
  }
  if (!srcIsDir && dest.trailingSlash) throw dest.missing(dest.path);
  const parent = statSync(dirname(dest.path), { throwIfNoEntry: false });
  if (!parent?.isDirectory()) throw dest.missing(dirname(dest.path));
  return { dir: dirname(dest.path), name: basename(dest.path) };
}

/** The tar of `hostPath` as an async byte stream; errors while packing end the stream with that error. */
async function packStream(hostPath: string, name: string, owner?: { uid: number; gid: number }) {
  const [{ pack: mkPack }, { packTree }] = await Promise.all([import("tar-stream"), import("../core/rootfs-tar.ts")]);
  const pack = mkPack();
  packTree(pack, hostPath, name, owner ? { owner } : {}).then(() => pack.finalize(), (e: Error) => pack.destroy(e));
  return pack;
}

async function extract(source: AsyncIterable<Uint8Array>, dir: string, owner?: { uid: number; gid: number }): Promise<void> {
  const { unpackTar } = await import("../storage/unpack.ts");
  await unpackTar(source, dir, { plainNames: true, ...(owner ? { owner } : {}) });
}

/** The container user's primary uid/gid (`-u`, else the image's User), 0:0 when it cannot be resolved. */
async function containerOwner(rec: ContainerRecord, root: string): Promise<{ uid: number; gid: number }> {
  const { resolveUser } = await import("../oci/user.ts");
  const user = rec.config.spec.user ?? (rec.config.imageConfig as { User?: string }).User ?? "";
  try {
    const u = resolveUser(root, user);
    return { uid: u.uid, gid: u.gid };
  } catch {
    return { uid: 0, gid: 0 };
  }
}

/** Name a source takes at the destination: its last component as typed ("/" → its contents). */
function sourceName(path: string): string {
  const parts = path.split("/").filter((c) => c !== "" && c !== ".");
  return parts[parts.length - 1] ?? "";
}

/**
 * Copies between a container and the host (or a tar stream), per the rules above.
 * @throws SkiffError invalid-argument for bad arguments (two containers, no container, two streams);
 *   not-found `"<path>" could not be found on container <ctr>: no such file or directory` /
 *   `… on the host: …`; invalid-argument for a folder over a file; fs errors as runtime
 */
export async function copyContainerFiles(g: GlobalOptions, srcArg: string, destArg: string, opts: CpOptions = {}): Promise<void> {
  const src = parseCpLocation(srcArg);
  const dest = parseCpLocation(destArg);
  if (src.kind === "container" && dest.kind === "container") {
    throw new SkiffError("invalid-argument", "copying between containers is not supported");
  }
  if (src.kind !== "container" && dest.kind !== "container") {
    throw new SkiffError("invalid-argument", `invalid arguments ${srcArg}, ${destArg} you must use just one container`);
  }
  const [{ lifecycleContext, resolveContainer }, { withRootfs }, { resolveRootfsPath }] = await Promise.all([
    import("./containers.ts"), import("../core/rootfs-mount.ts"), import("../core/rootfs-path.ts"),
  ]);
  const ctx = await lifecycleContext(g);
  if (src.kind === "container") {
    const id = await resolveContainer(g, src.container);
    const notOnContainer = (p: string) => new SkiffError("not-found", `"${p}" could not be found on container ${src.container}: no such file or directory`);
    await withRootfs(ctx, id, async ({ root }) => {
      const s = resolveRootfsPath(root, src.path, opts.followLink ?? false);
      if (!s.stat) throw notOnContainer(src.path);
      const isDir = s.stat.isDirectory();
      if (s.trailingSlash && !isDir) throw new SkiffError("invalid-argument", `"${src.path}": not a directory`);
      const name = sourceName(src.path);
      if (dest.kind === "stream") {
        const { pipeline } = await import("node:stream/promises");
        await pipeline(await packStream(s.host, s.contentsOnly || name === "" ? "" : name), opts.stdout ?? process.stdout);
        return;
      }
      if (dest.kind !== "host") return;
      const hostDest = resolve(dest.path);
      const target = plan(isDir, name, s.contentsOnly || name === "", {
        path: hostDest,
        stat: statSync(hostDest, { throwIfNoEntry: false }),
        trailingSlash: dest.path.endsWith("/"),
        missing: (p) => new SkiffError("not-found", `"${p}" could not be found on the host: no such file or directory`),
      });
      await extract(await packStream(s.host, target.name), target.dir);
    });
    return;
  }
  if (dest.kind !== "container") return;
  const id = await resolveContainer(g, dest.container);
  const notOnContainer = (p: string) => new SkiffError("not-found", `"${p}" could not be found on container ${dest.container}: no such file or directory`);
  let hostSrc = "";
  let srcStat: Stats | undefined;
  if (src.kind === "host") {
    // A local symlink SRC copies its target (podman-cp(1)).
    srcStat = statSync(src.path, { throwIfNoEntry: false });
    if (!srcStat) throw new SkiffError("not-found", `"${src.path}" could not be found on the host: no such file or directory`);
    hostSrc = realpathSync(src.path);
  }
  await withRootfs(ctx, id, async ({ rec, root }) => {
    const d = resolveRootfsPath(root, dest.path, true);
    const owner = opts.archive === false ? undefined : await containerOwner(rec, root);
    if (src.kind === "stream") {
      if (!d.stat) throw notOnContainer(dest.path);
      if (!d.stat.isDirectory()) throw new SkiffError("invalid-argument", `destination "${dest.path}" must be a directory`);
      const { decompress } = await import("../storage/unpack.ts");
      await extract(decompress(opts.stdin ?? (process.stdin as AsyncIterable<Uint8Array>)), d.host, owner);
      return;
    }
    const contentsOnly = src.kind === "host" && (src.path.endsWith("/.") || src.path === ".");
    const name = basename(hostSrc);
    const target = plan(srcStat!.isDirectory(), name, contentsOnly, {
      path: d.host,
      stat: d.stat,
      trailingSlash: d.trailingSlash,
      missing: () => notOnContainer(dest.path),
    });
    await extract(await packStream(hostSrc, target.name, owner), target.dir, owner);
  });
}
