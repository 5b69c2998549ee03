import type { Command } from "../command.ts";
import { SkiffError } from "../../lib/errors.ts";

/** One k8s-file log line: `<RFC3339Nano> <stream> <P|F> <text>`. */
export interface LogLine { readonly time: string; readonly ms: number; readonly stream: string; readonly partial: boolean; readonly text: string }

export function parseLogLine(line: string): LogLine | undefined {
  const a = line.indexOf(" ");
  const b = line.indexOf(" ", a + 1);
  const c = line.indexOf(" ", b + 1);
  if (a < 0 || b < 0 || c < 0) return undefined;
  const time = line.slice(0, a);
  return { time, ms: Date.parse(time), stream: line.slice(a + 1, b), partial: line.slice(b + 1, c) === "P", text: line.slice(c + 1) };
}

/**
 * conmon's timestamp ("2024-01-02T15:04:05.120000000+00:00") as Go's
 * RFC3339Nano prints it, which is what `podman logs -t` shows: trailing
 * zeros of the fraction dropped, a zero offset written "Z".
 */
export function rfc3339Nano(t: string): string {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(t);
  if (!m) return t;
  const frac = (m[2] ?? "").replace(/0+$/, "");
  const zone = m[3] === "+00:00" || m[3] === "-00:00" ? "Z" : m[3];
  return `${m[1]}${frac ? `.${frac}` : ""}${zone}`;
}

/**
 * Renders k8s-file lines as `podman logs` does: partial (P) pieces of one
 * stream joined to that stream's next full (F) line, which gives the
 * timestamp; stdout lines to `out`, stderr lines to `err`.
 */
export class LogRenderer {
  private readonly pending = new Map<string, string>();
  constructor(
    private readonly opts: { prefix: string; timestamps: boolean; since?: number | undefined; until?: number | undefined },
    private readonly out: (s: string) => void,
    private readonly err: (s: string) => void,
  ) {}

  write(lines: readonly string[]): void {
    let o = "";
    let e = "";
    for (const raw of lines) {
      const l = parseLogLine(raw);
      if (!l) continue;
      if (this.opts.since !== undefined && l.ms < this.opts.since) continue;
      if (this.opts.until !== undefined && l.ms > this.opts.until) continue;
      const before = this.pending.get(l.stream) ?? "";
      if (l.partial) { this.pending.set(l.stream, before + l.text); continue; }
      this.pending.delete(l.stream);
      const text = `${this.opts.prefix}${this.opts.timestamps ? `${rfc3339Nano(l.time)} ` : ""}${before}${l.text}\n`;
      if (l.stream === "stderr") e += text; else o += text;
    }
    if (o) this.out(o);
    if (e) this.err(e);
  }

  /** Prints what is left of unfinished lines (the container ended without a final newline). */
  flush(): void {
    for (const [stream, text] of this.pending) if (text) (stream === "stderr" ? this.err : this.out)(`${this.opts.prefix}${text}`);
    this.pending.clear();
  }
}

/** The start of the last `tail` full lines (a run of partial lines plus its final line counts once). */
function tailStart(lines: readonly string[], tail: number): number {
  if (tail < 0) return 0;
  let count = 0;
  let i = lines.length;
  while (i > 0 && count < tail) {
    i--;
    if (!parseLogLine(lines[i]!)?.partial) count++;
    while (i > 0 && parseLogLine(lines[i - 1]!)?.partial) i--;
  }
  return tail === 0 ? lines.length : i;
}

const cmd: Command = {
  usage: "logs [options] CONTAINER [CONTAINER...]",
  summary: "Fetch the logs of one or more containers",
  flags: [
    { name: "follow", short: "f", type: "bool", help: "Follow log output" },
    { name: "latest", short: "l", type: "bool", help: "Act on the latest container podman is aware of" },
    // -n is --tail as in Docker (Podman uses it for --names): see docs/compatibility.md.
    { name: "names", type: "bool", help: "Output the container name in the log" },
    { name: "since", type: "string", help: "Show logs since TIMESTAMP" },
    { name: "until", type: "string", help: "Show logs until TIMESTAMP" },
    { name: "tail", short: "n", type: "int", default: -1, help: "Output the specified number of LINES at the end of the logs" },
    { name: "timestamps", short: "t", type: "bool", help: "Output the timestamps in the log" },
  ],
  async run(ctx) {
    const eng = await import("../../engine/containers.ts");
    const { parseInputTime } = await import("../../lib/units.ts");
    const f = ctx.flags;
    // Podman's ParseInputTime: a duration counts back from now for --since, forward for --until.
    const since = f.str("since") !== undefined ? parseInputTime(f.str("since")!, true).getTime() : undefined;
    const until = f.str("until") !== undefined ? parseInputTime(f.str("until")!, false).getTime() : undefined;
    const tail = f.int("tail") ?? -1;
    let refs = ctx.args;
    if (f.bool("latest")) {
      if (refs.length > 0) throw new SkiffError("usage", "--latest and containers cannot be used together");
      const newest = (await eng.listContainerViews(ctx.global))[0];
      if (!newest) throw new SkiffError("not-found", "no containers to show logs for: no such container");
      refs = [newest.config.id];
    }
    if (refs.length === 0) throw new SkiffError("usage", "requires at least 1 arg(s), only received 0");
    const many = refs.length > 1;
    // Resolve every name first: a missing container fails the command before any output.
    const views = await Promise.all(refs.map((ref) => eng.containerView(ctx.global, ref)));
    const { readFileSync, watch, openSync, readSync, closeSync, statSync } = await import("node:fs");
    const jobs = views.map(async (view) => {
      if (view.config.logDriver !== "k8s-file") {
        throw new SkiffError("invalid-argument", `this container is using the '${view.config.logDriver}' log driver, cannot read logs: this container is not using the k8s-file log driver`);
      }
      const path = await eng.containerLogPath(ctx.global, view.config.id);
      const prefix = many ? `${f.bool("names") ? view.config.name : view.config.id.slice(0, 12)} ` : "";
      const r = new LogRenderer({ prefix, timestamps: f.bool("timestamps"), since, until }, ctx.out, ctx.err);
      let content = "";
      try { content = readFileSync(path, "utf8"); } catch {}
      // Only whole lines: conmon may be writing the last one right now.
      const whole = content.slice(0, content.lastIndexOf("\n") + 1);
      const lines = whole.split("\n").filter(Boolean);
      r.write(lines.slice(tailStart(lines, tail)));
      if (!f.bool("follow")) { r.flush(); return; }
      let offset = Buffer.byteLength(whole);
      let rest = "";
      const drain = () => {
        let size = 0;
        try { size = statSync(path).size; } catch { return; }
        if (size <= offset) return;
        const fd = openSync(path, "r");
        const buf = Buffer.alloc(size - offset);
        readSync(fd, buf, 0, buf.length, offset);
        closeSync(fd);
        offset = size;
        const parts = (rest + buf.toString()).split("\n");
        rest = parts.pop() ?? "";
        r.write(parts.filter(Boolean));
      };
      let w: ReturnType<typeof watch> | undefined;
      try { w = watch(path, () => drain()); } catch {}
      try {
        drain();
        await eng.waitContainers(ctx.global, [view.config.id]);
        // conmon may still be writing the last output when the exit file appears.
        await Bun.sleep(50);
      } finally {
        w?.close();
        drain();
        r.flush();
      }
    });
    const results = await Promise.allSettled(jobs);
    const failed = results.find((x) => x.status === "rejected") as PromiseRejectedResult | undefined;
    if (failed) throw failed.reason;
  },
};
export default cmd;
