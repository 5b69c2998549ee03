/**
 * Renders pull progress on stderr as containers/image does for Podman:
 * not a terminal → one line per step ("Copying blob sha256:<full digest>");
 * a terminal → one bar per blob, redrawn in place with ANSI cursor moves
 * (`Copying blob a76f1b31e0d3 [=====>------] 1.2MiB / 3.4MiB`, then
 * `… done` or `… skipped: already exists`), redrawn at most every 100 ms.
 */
import type { PullEvent } from "../engine/pull.ts";

const BAR = 30;

/** Binary units as the progress bars print them ("1.2MiB"). */
export function formatBytes(n: number): string {
  const units = ["b", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return u === 0 ? `${n}b` : `${v.toFixed(1)}${units[u]}`;
}

interface Bar { label: string; done: number; size: number; state: "active" | "done" | "skipped" }

/** Returns the event handler to pass as PullOptions.progress. */
export function pullProgress(write: (s: string) => void, tty: boolean): (e: PullEvent) => void {
  if (!tty) {
    return (e) => {
      switch (e.type) {
        case "resolving": write(`${e.description}\n`); break;
        case "trying": write(`Trying to pull ${e.ref}...\n`); break;
        case "signatures": write("Getting image source signatures\n"); break;
        case "blob-start": write(`Copying blob ${e.digest}\n`); break;
        case "blob-done": if (e.skipped) write(`Copying blob ${e.digest}\n`); break;
        case "config": write(`Copying config ${e.digest}\n`); break;
        case "manifest": write("Writing manifest to image destination\n"); break;
        case "storing-signatures": write("Storing signatures\n"); break;
        case "blob-progress": break;
      }
    };
  }
  const bars = new Map<string, Bar>();
  let drawn = 0; // lines of bars currently on screen
  let last = 0;
  const line = (b: Bar): string => {
    const head = `Copying blob ${b.label}`;
    if (b.state === "done") return `${head} done  `;
    if (b.state === "skipped") return `${head} skipped: already exists  `;
    const frac = b.size > 0 ? Math.min(1, b.done / b.size) : 0;
    const fill = Math.floor(frac * BAR);
    const bar = fill >= BAR ? "=".repeat(BAR) : "=".repeat(Math.max(0, fill - 1)) + (fill > 0 ? ">" : "") + "-".repeat(BAR - fill);
    return `${head} [${bar}] ${formatBytes(b.done)} / ${formatBytes(b.size)}`;
  };
  const redraw = (force: boolean) => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    let s = drawn > 0 ? `\x1b[${drawn}A` : "";
    for (const b of bars.values()) s += `\r\x1b[2K${line(b)}\n`;
    drawn = bars.size;
    write(s);
  };
  const plain = (s: string) => { write(s); };
  return (e) => {
    switch (e.type) {
      case "resolving": plain(`${e.description}\n`); break;
      case "trying": plain(`Trying to pull ${e.ref}...\n`); break;
      case "signatures": plain("Getting image source signatures\n"); break;
      case "blob-start":
        bars.set(e.digest, { label: e.digest.slice(7, 19), done: 0, size: e.size, state: "active" });
        redraw(true);
        break;
      case "blob-progress": {
        const b = bars.get(e.digest);
        if (b) { b.done = e.done; redraw(false); }
        break;
      }
      case "blob-done": {
        const b = bars.get(e.digest) ?? { label: e.digest.slice(7, 19), done: 0, size: 0, state: "active" as const };
        b.state = e.skipped ? "skipped" : "done";
        bars.set(e.digest, b);
        redraw(true);
        break;
      }
      case "config": plain(`Copying config ${e.digest.slice(7, 19)} done  \n`); break;
      case "manifest": plain("Writing manifest to image destination\n"); break;
      case "storing-signatures": plain("Storing signatures\n"); break;
    }
  };
}
