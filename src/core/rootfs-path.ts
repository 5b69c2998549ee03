/**
 * Container paths resolved on the host as a chroot would: built on
 * `resolveInRoot` (src/oci/user.ts), which follows symlinks component by
 * component with absolute targets re-rooted and ".." clamped at the root.
 * What this adds is the choice to keep the last component unfollowed (`cp`
 * copies a symlink itself unless -L) and the lexical facts `cp` needs from
 * the path as typed (trailing "/", trailing "/.").
 *
 * Checking and then acting on a path is racy against a *running* container
 * that swaps a folder for a symlink in between; see docs/compatibility.md.
 */
import { lstatSync, type Stats } from "node:fs";
import { resolveInRoot } from "../oci/user.ts";

export interface RootfsPath {
  /** Host path inside the rootfs (the last component followed only when asked). */
  readonly host: string;
  /** lstat of `host`, or undefined when nothing is there. */
  readonly stat: Stats | undefined;
  /** The path as typed ended with "/" (or "/."). */
  readonly trailingSlash: boolean;
  /** The path as typed ended with "/." (copy a folder's contents). */
  readonly contentsOnly: boolean;
}

/**
 * Resolves `path` (absolute or relative to the container's "/") inside
 * `root`. With `followLast` false, a final symlink is not followed; a final
 * "." or ".." always is (it names a folder).
 * @throws SkiffError "invalid-argument" after 40 symlinks (from resolveInRoot)
 */
export function resolveRootfsPath(root: string, path: string, followLast: boolean): RootfsPath {
  const trailingSlash = path.endsWith("/") || path.endsWith("/.") || path === ".";
  const contentsOnly = path.endsWith("/.") || path === ".";
  const parts = path.split("/").filter((c) => c !== "");
  const last = parts[parts.length - 1];
  let host: string;
  if (followLast || last === undefined || last === "." || last === ".." || trailingSlash) {
    host = resolveInRoot(root, path);
  } else {
    const parent = resolveInRoot(root, parts.slice(0, -1).join("/"));
    host = parent.endsWith("/") ? parent + last : `${parent}/${last}`;
  }
  return { host, stat: lstatSync(host, { throwIfNoEntry: false }), trailingSlash, contentsOnly };
}
