/**
 * `skiff history IMAGE` / `image history`, as Podman 4.3's
 * cmd/podman/images/history.go: `ID CREATED CREATED BY SIZE COMMENT`, newest
 * entry first, IDs cut to 12 characters and CREATED BY to 45 ("…" as "...")
 * unless `--no-trunc`; `-H=false` prints CREATED as RFC 3339 (SIZE stays
 * human, as in 4.3); `-q` only IDs; `--format json` a compact array.
 */
import type { Command } from "../command.ts";
import type { HistoryEntry } from "../../engine/images.ts";

/** Go's time.Format(time.RFC3339) of a UTC time given in unix ms. */
function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.000Z$/, "Z");
}

/** Go's time.Time JSON (RFC 3339 with nanoseconds, trailing zeros dropped). */
function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0*Z$/, "Z");
}

/** One entry of Podman's `history --format json`: ImageHistoryLayer plus the string "Created". */
function jsonEntry(e: HistoryEntry): Record<string, unknown> {
  const ms = e.created === 0 ? -62135596800000 : e.created;
  const o: Record<string, unknown> = { id: e.id, created: rfc3339Nano(ms) };
  if (e.createdBy !== "") o.CreatedBy = e.createdBy;
  o.size = e.size;
  if (e.comment !== "") o.comment = e.comment;
  o.Created = rfc3339(ms);
  return o;
}

const command: Command = {
  usage: "history [options] IMAGE",
  summary: "Show history of a specified image",
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { name: "format", type: "string", help: "Change the output to JSON or a Go template" },
    { name: "human", short: "H", type: "bool", default: true, help: "Display sizes and dates in human readable format" },
    { name: "no-trunc", type: "bool", help: "Do not truncate the output" },
    { name: "notruncate", type: "bool", hidden: true },
    { name: "quiet", short: "q", type: "bool", help: "Display the numeric IDs only" },
  ],
  async run(ctx) {
    const { imageHistory } = await import("../../engine/images.ts");
    const entries = imageHistory(ctx.global, ctx.args[0]!);
    const format = ctx.flags.str("format");
    const { isJsonFormat, formatList, renderJson } = await import("../format.ts");
    if (isJsonFormat(format)) {
      ctx.out(entries.length === 0 ? "[]\n" : `${renderJson(entries.map(jsonEntry), { indent: "" })}\n`);
      return 0;
    }
    const noTrunc = ctx.flags.bool("no-trunc") || ctx.flags.bool("notruncate");
    const human = ctx.flags.bool("human");
    const { HumanDuration, PodmanSize } = await import("../../lib/units.ts");
    const now = Date.now();
    const rows = entries.map((e) => {
      const since = `${HumanDuration(now - e.created)} ago`;
      return {
        ID: !noTrunc && e.id.length >= 12 ? e.id.slice(0, 12) : e.id,
        Created: human ? since : rfc3339(e.created),
        CreatedBy: !noTrunc && e.createdBy.length > 45 ? `${e.createdBy.slice(0, 42)}...` : e.createdBy,
        Tags: e.tags,
        Size: PodmanSize(e.size),
        Comment: e.comment,
        CreatedAt: rfc3339(e.created),
        CreatedSince: human ? since : rfc3339(e.created),
      };
    });
    if (ctx.flags.bool("quiet")) {
      ctx.out(rows.map((r) => `${r.ID}\n`).join(""));
      return 0;
    }
    ctx.out(formatList(rows, {
      format: ctx.flags.changed("format") ? format : undefined,
      defaultFormat: "table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}",
      headers: { CreatedBy: "CREATED BY" },
      name: "history",
    }));
    return 0;
  },
};

export default command;
