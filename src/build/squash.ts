/**
 * Merging overlay-form layer folders (`--squash`, `--squash-all`): a layer's
 * diff folder applied onto an accumulating folder, as overlayfs would stack
 * them, keeping the overlay form so the result is itself a layer diff:
 *   - a whiteout (char device 0:0) replaces whatever the path held, and stays
 *     (it must still hide the layers below the squashed ones);
 *   - an opaque folder (`trusted.overlay.opaque=y`) replaces the folder and
 *     everything the earlier layers put in it, and stays opaque;
 *   - anything else replaces a non-folder, or merges into a folder.
 * Owners, modes, mtimes and xattrs are kept (`cp -a` for device nodes).
 */
import {
  chmodSync, chownSync, copyFileSync, lchownSync, lstatSync, lutimesSync, mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync, utimesSync,
} from "node:fs";
import { join } from "node:path";

const OPAQUE = "trusted.overlay.opaque";

async function cpA(src: string, dst: string): Promise<void> {
  const p = Bun.spawn(["cp", "-a", "--no-target-directory", src, dst], { stdout: "ignore", stderr: "pipe" });
  const [code, err] = await Promise.all([p.exited, new Response(p.stderr).text()]);
  if (code !== 0) throw new Error(`cp -a ${src}: ${err.trim()}`);
}

function existing(path: string) {
  try { return lstatSync(path); } catch { return undefined; }
}

/**
 * Applies the overlay-form folder `src` onto `dst` (both host folders).
 * @throws fs errors, or the `cp` failure text for device nodes and xattrs
 */
export async function mergeLayerDir(src: string, dst: string): Promise<void> {
  const host = await import("../lib/host.ts");
  for (const name of readdirSync(src)) {
    const s = join(src, name);
    const d = join(dst, name);
    const st = lstatSync(s);
    const dt = existing(d);
    if (st.isDirectory()) {
      const opaque = host.lgetxattr(s, OPAQUE)?.toString() === "y";
      if (opaque || !dt?.isDirectory()) {
        if (dt) rmSync(d, { recursive: true, force: true });
        await cpA(s, d);
        continue;
      }
      await mergeLayerDir(s, d);
      chownSync(d, st.uid, st.gid);
      chmodSync(d, st.mode & 0o7777);
      utimesSync(d, st.atime, st.mtime);
      continue;
    }
    if (dt) rmSync(d, { recursive: true, force: true });
    if (st.isFile() && host.llistxattr(s).length === 0) {
      copyFileSync(s, d);
      chownSync(d, st.uid, st.gid);
      chmodSync(d, st.mode & 0o7777);
      utimesSync(d, st.atime, st.mtime);
    } else if (st.isSymbolicLink()) {
      symlinkSync(readlinkSync(s), d);
      lchownSync(d, st.uid, st.gid);
      lutimesSync(d, st.atime, st.mtime);
    } else {
      await cpA(s, d);
    }
  }
  mkdirSync(dst, { recursive: true });
}
