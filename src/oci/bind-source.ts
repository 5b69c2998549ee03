/**
 * Host sources of bind mounts, checked before the runtime sees them: crun
 * reports a missing source only as "No such file or directory", which its
 * error classification would take for a missing command (exit 127).
 */
import { mkdirSync, statSync } from "node:fs";
import { SkiffError } from "../lib/errors.ts";
import type { MountSpec } from "../spec/container-spec.ts";

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  ENOTDIR: "not a directory",
  ELOOP: "too many levels of symbolic links",
};

function errnoText(e: unknown): string {
  const code = (e as { code?: string }).code;
  return (code && ERRNO_TEXT[code]) ?? (e instanceof Error ? e.message : String(e));
}

/**
 * Makes sure every bind mount's host source exists. A missing source of a
 * `-v` bind (`createHostPath`) is created as a 0755 folder with its parents,
 * as Docker does; any other missing source is refused with Podman's
 * `statfs <path>: no such file or directory`. Volumes and tmpfs are skipped.
 * @throws SkiffError "invalid-argument" naming the source path
 */
export function prepareBindSources(mounts: readonly MountSpec[] | undefined): void {
  for (const m of mounts ?? []) {
    if (m.type !== "bind") continue;
    try {
      statSync(m.source);
      continue;
    } catch (e) {
      if ((e as { code?: string }).code !== "ENOENT" || !m.createHostPath) {
        throw new SkiffError("invalid-argument", `statfs ${m.source}: ${errnoText(e)}`);
      }
    }
    try {
      mkdirSync(m.source, { recursive: true, mode: 0o755 });
    } catch (e) {
      throw new SkiffError("invalid-argument", `creating bind source ${m.source}: mkdir: ${errnoText(e)}`);
    }
  }
}
