/**
 * `-u user[:group]` and `--group-add` resolution inside a container's rootfs,
 * reading its /etc/passwd and /etc/group as a chroot would: symlinks in the
 * image (even absolute ones, even `..` chains) resolve inside the rootfs and
 * never reach the host's files.
 */
import { lstatSync, readFileSync, readlinkSync } from "node:fs";
import { SkiffError } from "../lib/errors.ts";

const MAX_LINKS = 40;

/**
 * Host path of `path` resolved inside `root` as if `root` were `/`: each
 * component is lstat'ed; symlinks are followed with absolute targets
 * re-rooted and `..` clamped at the root. Missing components are kept
 * (the result may not exist).
 * @throws SkiffError "invalid-argument" after 40 symlinks (ELOOP)
 */
export function resolveInRoot(root: string, path: string): string {
  const rootClean = root.replace(/\/+$/, "");
  const stack: string[] = [];
  let pending = path.split("/").filter((c) => c !== "" && c !== ".");
  let links = 0;
  let missing = false;
  while (pending.length > 0) {
    const c = pending.shift()!;
    // After "..", components are checked again: the parent may exist and hold symlinks.
    if (c === "..") { stack.pop(); missing = false; continue; }
    if (missing) { stack.push(c); continue; }
    const host = `${rootClean}/${[...stack, c].join("/")}`;
    let st;
    try {
      st = lstatSync(host);
    } catch {
      // Nothing below a missing component exists either: finish lexically.
      missing = true;
      stack.push(c);
      continue;
    }
    if (!st.isSymbolicLink()) { stack.push(c); continue; }
    if (++links > MAX_LINKS) throw new SkiffError("invalid-argument", `resolving ${path} in the container: too many levels of symbolic links`);
    const target = readlinkSync(host);
    if (target.startsWith("/")) stack.length = 0;
    pending = [...target.split("/").filter((x) => x !== "" && x !== "."), ...pending];
  }
  return `${rootClean}/${stack.join("/")}`;
}

/** Reads a file of the container, or undefined when missing. */
function readInRoot(root: string, path: string): string | undefined {
  try {
    return readFileSync(resolveInRoot(root, path), "utf8");
  } catch {
    return undefined;
  }
}

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

function parsePasswd(text: string | undefined): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of (text ?? "").split("\n")) {
    const f = line.split(":");
    if (f.length < 7 || line.startsWith("#") || !/^\d+$/.test(f[2]!) || !/^\d+$/.test(f[3]!)) continue;
    out.push({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]! });
  }
  return out;
}

function parseGroup(text: string | undefined): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of (text ?? "").split("\n")) {
    const f = line.split(":");
    if (f.length < 4 || line.startsWith("#") || !/^\d+$/.test(f[2]!)) continue;
    out.push({ name: f[0]!, gid: Number(f[2]), members: f[3]!.split(",").map((m) => m.trim()).filter(Boolean) });
  }
  return out;
}

const NUMERIC = /^\d+$/;

export interface ResolvedUser {
  readonly uid: number;
  readonly gid: number;
  /** Supplementary groups: membership in /etc/group, then --group-add, deduplicated; includes the primary gid when a user was named (Podman's behaviour). */
  readonly additionalGids: number[];
  /** Home from passwd; "/" when the user has no entry. */
  readonly home: string;
}

/**
 * Resolves `user` (`name|uid[:group|gid]`, empty = root) and `groupAdd`
 * against the rootfs's /etc/passwd and /etc/group. Numeric ids are accepted
 * without entries (gid 0 then, as Podman).
 * @throws SkiffError "invalid-argument" `unable to find user x: no matching entries in passwd file`
 *   / `unable to find group x: no matching entries in group file` / for groupAdd
 *   `Unable to find group x: no matching entries in group file` (Podman's wording)
 */
export function resolveUser(rootfs: string, user: string, groupAdd: readonly string[] = []): ResolvedUser {
  const colon = user.indexOf(":");
  const u = colon >= 0 ? user.slice(0, colon) : user;
  const g = colon >= 0 ? user.slice(colon + 1) : "";
  const passwd = parsePasswd(readInRoot(rootfs, "/etc/passwd"));
  let groups: GroupEntry[] | undefined;
  const groupFile = () => (groups ??= parseGroup(readInRoot(rootfs, "/etc/group")));

  let entry: PasswdEntry | undefined;
  let uid: number;
  if (u === "") {
    entry = passwd.find((p) => p.uid === 0);
    uid = 0;
  } else if (NUMERIC.test(u)) {
    uid = Number(u);
    entry = passwd.find((p) => p.uid === uid);
  } else {
    entry = passwd.find((p) => p.name === u);
    if (!entry) throw new SkiffError("invalid-argument", `unable to find user ${u}: no matching entries in passwd file`);
    uid = entry.uid;
  }
  // Podman capitalises this message for --group-add only ("Unable to find group x").
  const findGroup = (name: string, supplemental = false): number => {
    if (NUMERIC.test(name)) return Number(name);
    const ge = groupFile().find((x) => x.name === name);
    if (!ge) throw new SkiffError("invalid-argument", `${supplemental ? "U" : "u"}nable to find group ${name}: no matching entries in group file`);
    return ge.gid;
  };
  const gid = g !== "" ? findGroup(g) : entry?.gid ?? 0;
  const extra: number[] = [];
  if (user !== "") extra.push(gid);
  if (entry && g === "") {
    for (const ge of groupFile()) if (ge.members.includes(entry.name)) extra.push(ge.gid);
  }
  for (const ga of groupAdd) {
    if (ga === "keep-groups") throw new SkiffError("invalid-argument", "--group-add keep-groups is not supported yet");
    extra.push(findGroup(ga, true));
  }
  return { uid, gid, additionalGids: [...new Set(extra)], home: entry?.home || "/" };
}
