/**
 * conmon's exit files: <runroot>/exits/<id> holds the container's exit code
 * (decimal) once its process ended. Waiting uses inotify (fs.watch), never a
 * polling loop: the watch is armed before the first look, so an exit between
 * the two is not missed.
 */
import { existsSync, mkdirSync, readFileSync, watch, type FSWatcher } from "node:fs";
import { join } from "node:path";

/** The exit code in `<dir>/<id>`, or undefined when absent or still empty. */
export function readExitFile(dir: string, id: string): number | undefined {
  let s: string;
  try { s = readFileSync(join(dir, id), "utf8").trim(); } catch { return undefined; }
  if (s === "") return undefined;
  const n = Number(s);
  return Number.isInteger(n) ? n : undefined;
}

/**
 * Resolves with the exit code once `<dir>/<id>` exists with content, or
 * with undefined when `cancel` fires (e.g. the container was removed, or a
 * second condition such as a pid check says it is gone).
 */
export function waitExitFile(dir: string, id: string, cancel?: AbortSignal): Promise<number | undefined> {
  mkdirSync(dir, { recursive: true });
  return new Promise((resolve) => {
    let w: FSWatcher | undefined;
    const finish = (v: number | undefined) => {
      w?.close();
      cancel?.removeEventListener("abort", onAbort);
      resolve(v);
    };
    const onAbort = () => finish(readExitFile(dir, id));
    const look = () => {
      const v = readExitFile(dir, id);
      if (v !== undefined) finish(v);
    };
    w = watch(dir, (_ev, name) => { if (name === null || name === id || String(name).startsWith(`.${id}`)) look(); });
    cancel?.addEventListener("abort", onAbort);
    if (cancel?.aborted) return onAbort();
    look();
  });
}

export const exitFileExists = (dir: string, id: string) => existsSync(join(dir, id));
