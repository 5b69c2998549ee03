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

/** RFC3339 timestamp or Go duration ("10m", "1h30m") relative to now → unix ms. */
export function parseSince(v: string, now = Date.now()): number {
  const t = Date.parse(v);
  if (!Number.isNaN(t) && /\d{4}-\d\d-\d\d/.test(v)) return t;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
  let total = 0; let consumed = 0;
  for (const m of v.matchAll(re)) { total += Number(m[1]) * unit[m[2]!]!; consumed += m[0].length; }
  if (consumed === 0 || consumed !== v.length) throw new SkiffError("invalid-argument", `time "${v}": invalid time format`);
  return now - total;
}

const cmd: Command = {
  usage: "logs [options] CONTAINER [CONTAINER...]",
  summary: "Fetch the logs of one or more containers",
  flags: [
    { name: "follow", short: "f", type: "bool", help: "Follow log output" },
    { name: "latest", short: "l", type: "bool", help: "Act on the latest container podman is aware of" },
    { name: "names", short: "n", type: "bool", help: "Output the container name in the log" },
    { name: "since", type: "string", help: "Show logs since TIMESTAMP" },
    { name: "until", type: "string", help: "Show logs until TIMESTAMP" },
    { name: "tail", type: "int", default: -1, help: "Output the specified number of LINES at the end of the logs" },
    { name: "timestamps", short: "t", type: "bool", help: "Output the timestamps in the log" },
  ],
  minArgs: 1,
  async run(ctx) {
    const eng = await import("../../engine/containers.ts");
    const f = ctx.flags;
    const since = f.str("since") !== undefined ? parseSince(f.str("since")!) : undefined;
    const until = f.str("until") !== undefined ? parseSince(f.str("until")!) : undefined;
    const tail = f.int("tail") ?? -1;
    const many = ctx.args.length > 1;
    const { readFileSync, watch, openSync, readSync, closeSync, statSync } = await import("node:fs");
    const jobs = ctx.args.map(async (ref) => {
      const view = await eng.containerView(ctx.global, ref);
      if (view.config.logDriver !== "k8s-file") {
        throw new SkiffError("invalid-argument", `this container is using the '${view.config.logDriver}' log driver, cannot read logs: this container is not using the k8s-file log driver`);
      }
      const path = await eng.containerLogPath(ctx.global, view.config.id);
      const prefix = many || f.bool("names") ? `${f.bool("names") ? view.config.name : view.config.id.slice(0, 12)} ` : "";
      let pending = "";
      const emit = (lines: string[]) => {
        let out = "";
        for (const raw of lines) {
          const l = parseLogLine(raw);
          if (!l) continue;
          if (since !== undefined && l.ms < since) continue;
          if (until !== undefined && l.ms > until) continue;
          const text = `${f.bool("timestamps") ? `${l.time} ` : ""}${l.text}${l.partial ? "" : "\n"}`;
          if (l.partial) { pending += text; continue; }
          out += prefix + pending + text;
          pending = "";
        }
        if (out) ctx.out(out);
      };
      let content = "";
      try { content = readFileSync(path, "utf8"); } catch {}
      let lines = content.split("\n").filter(Boolean);
      if (tail >= 0) {
        // --tail counts full lines: a run of partial (P) lines plus its final F line is one.
        let count = 0; let i = lines.length;
        while (i > 0 && count < tail) { i--; if (!parseLogLine(lines[i]!)?.partial) count++; while (i > 0 && parseLogLine(lines[i - 1]!)?.partial) i--; }
        lines = tail === 0 ? [] : lines.slice(i);
      }
      emit(lines);
      if (!f.bool("follow")) return;
      let offset = Buffer.byteLength(content);
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
        const text = rest + buf.toString();
        const parts = text.split("\n");
        rest = parts.pop() ?? "";
        emit(parts.filter(Boolean));
      };
      const w = watch(path, () => drain());
      try {
        await eng.waitContainers(ctx.global, [view.config.id]);
      } finally {
        w.close();
        drain();
      }
    });
    const results = await Promise.allSettled(jobs);
    const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult | undefined;
    if (failed) throw failed.reason;
  },
};
export default cmd;
