/**
 * `skiff images` / `image ls` / `image list`, as Podman 4.3's
 * cmd/podman/images/list.go:
 * - one row per tag (an image without a tag: one `<none> <none>` row), rows
 *   stably sorted by `--sort` (default newest first, ties in storage order);
 * - `--format json` (or `{{json .}}`) wins over `-q`, which wins over a
 *   template; JSON has one entry per row with `RepoTags` null;
 * - `-q` prints each image ID once;
 * - a user `--format` without "table" has no header.
 * The default table is rendered without the template engine (cold path);
 * user templates load it on demand.
 */
import type { Command, CommandContext } from "../command.ts";
import { SkiffError } from "../../lib/errors.ts";
import type { ImageSummary } from "../../engine/images.ts";

const SORTS = ["created", "id", "repository", "size", "tag"];

/**
 * A row as Podman's imageReporter shows it to templates: the ImageSummary's
 * fields plus Repository and Tag, with the reporter's methods (ID, Created,
 * Size, History, CreatedAt, CreatedSince, CreatedTime) as rendered strings.
 */
interface ImageRow {
  Repository: string;
  Tag: string;
  ID: string;
  ParentId: string;
  RepoTags: string[];
  RepoDigests: string[];
  Created: string;
  Size: string;
  SharedSize: number;
  VirtualSize: number;
  Labels: Record<string, string>;
  Containers: number;
  ReadOnly: boolean;
  Dangling: boolean;
  Names: string[];
  Digest: string;
  History: string;
  CreatedAt: string;
  CreatedSince: string;
  CreatedTime: string;
}

interface Entry {
  summary: ImageSummary;
  repository: string;
  tag: string;
}

/**
 * Podman's tokenRepoTag: "<repo>:<tag>" → repository and tag; a name without
 * a tag (only a digest) gives tag "<none>".
 */
function splitRepoTag(name: string): { repository: string; tag: string } {
  const at = name.indexOf("@");
  const base = at >= 0 ? name.slice(0, at) : name;
  const colon = base.lastIndexOf(":");
  if (at < 0 && colon > base.lastIndexOf("/")) return { repository: base.slice(0, colon), tag: base.slice(colon + 1) };
  return { repository: base, tag: "<none>" };
}

/** Podman's sortImages: tagged rows per name, else one untagged row. */
function expand(summaries: readonly ImageSummary[]): Entry[] {
  const out: Entry[] = [];
  for (const s of summaries) {
    const tags = s.RepoTags ?? [];
    if (tags.length === 0) {
      out.push({ summary: s, repository: "<none>", tag: "<none>" });
      continue;
    }
    const split = tags.map(splitRepoTag);
    const tagged = split.filter((p) => p.tag !== "<none>");
    for (const p of tagged.length > 0 ? tagged : split.slice(0, 1)) out.push({ summary: s, ...p });
  }
  return out;
}

function sortEntries(list: Entry[], by: string, id: (e: Entry) => string): Entry[] {
  const byteCmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const cmp: Record<string, (a: Entry, b: Entry) => number> = {
    created: (a, b) => b.summary.Created - a.summary.Created,
    id: (a, b) => byteCmp(id(a), id(b)),
    repository: (a, b) => byteCmp(a.repository, b.repository),
    size: (a, b) => a.summary.Size - b.summary.Size,
    tag: (a, b) => byteCmp(a.tag, b.tag),
  };
  // Array.prototype.sort is stable, as Go's sort.Slice is for Podman's short lists.
  return list.sort(cmp[by] ?? cmp.created);
}

/** Go's time.Time.String() of a UTC time: "2006-01-02 15:04:05 +0000 UTC". */
function goTimeString(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " +0000 UTC");
}

/** Podman's `images --format json` entry: the ImageSummary in Go field order, omitempty fields left out. */
function jsonEntry(s: ImageSummary): Record<string, unknown> {
  const o: Record<string, unknown> = {
    Id: s.Id, ParentId: s.ParentId, RepoTags: null, RepoDigests: s.RepoDigests,
    Size: s.Size, SharedSize: s.SharedSize, VirtualSize: s.VirtualSize, Labels: s.Labels, Containers: s.Containers,
  };
  if (s.ReadOnly) o.ReadOnly = true;
  if (s.Dangling) o.Dangling = true;
  if (s.Names.length > 0) o.Names = s.Names;
  if (s.Digest !== "") o.Digest = s.Digest;
  if (s.History.length > 0) o.History = s.History;
  o.Created = s.Created;
  o.CreatedAt = new Date(s.Created * 1000).toISOString().replace(/\.000Z$/, "Z");
  return o;
}

const command: Command = {
  usage: "images [options] [IMAGE]",
  summary: "List images in local storage",
  maxArgs: 1,
  flags: [
    { name: "all", short: "a", type: "bool", help: "Show all images (default hides intermediate images)" },
    { name: "digests", type: "bool", help: "Show digests" },
    { name: "filter", short: "f", type: "strings", help: "Filter output based on conditions provided (default [])" },
    { name: "format", type: "string", help: "Change the output format to JSON or a Go template" },
    { name: "history", type: "bool", help: "Display the image name history" },
    { name: "no-trunc", type: "bool", help: "Do not truncate output" },
    { name: "noheading", short: "n", type: "bool", help: "Do not print column headings" },
    { name: "quiet", short: "q", type: "bool", help: "Display only image IDs" },
    { name: "sort", type: "string", default: "created", help: "Sort by created, id, repository, size, tag" },
  ],
  async run(ctx) {
    const filters = [...ctx.flags.strs("filter")];
    if (filters.length > 0 && ctx.args.length > 0) throw new SkiffError("invalid-argument", "cannot specify an image and a filter(s)");
    if (ctx.args[0] !== undefined) filters.push(`reference=${ctx.args[0]}`);
    const sort = ctx.flags.str("sort") ?? "created";
    if (ctx.flags.changed("sort") && !SORTS.includes(sort)) {
      throw new SkiffError("invalid-argument", `"${sort}" is not a valid field for sorting. Choose from: ${SORTS.join(", ")}`);
    }
    const { listImageSummaries } = await import("../../engine/images.ts");
    const summaries = listImageSummaries(ctx.global, { all: ctx.flags.bool("all"), filters });
    const noTrunc = ctx.flags.bool("no-trunc");
    const id = (e: Entry) => (noTrunc ? `sha256:${e.summary.Id}` : e.summary.Id.slice(0, 12));
    const entries = sortEntries(expand(summaries), sort, id);
    const format = ctx.flags.str("format");
    const user = ctx.flags.changed("format");
    if (user && format !== undefined && /^\s*(?:json|\{\{\s*json\s+\.\s*\}\})\s*$/.test(format)) {
      const { renderJson } = await import("../format.ts");
      ctx.out(`${renderJson(entries.map((e) => jsonEntry(e.summary)))}\n`);
      return 0;
    }
    if (ctx.flags.bool("quiet")) {
      const ids = [...new Set(entries.map(id))];
      ctx.out(ids.map((i) => `${i}\n`).join(""));
      return 0;
    }
    const { HumanDuration, PodmanSize } = await import("../../lib/units.ts");
    const now = Date.now();
    const rows = entries.map((e): ImageRow => {
      const s = e.summary;
      const since = `${HumanDuration(now - s.Created * 1000)} ago`;
      return {
        Repository: e.repository, Tag: e.tag, ID: id(e), ParentId: s.ParentId, RepoTags: s.RepoTags ?? [],
        RepoDigests: s.RepoDigests, Created: since, Size: PodmanSize(s.Size), SharedSize: s.SharedSize,
        VirtualSize: s.VirtualSize, Labels: s.Labels ?? {}, Containers: s.Containers, ReadOnly: s.ReadOnly,
        Dangling: s.Dangling, Names: s.Names, Digest: s.Digest, History: s.History.join(", "),
        CreatedAt: goTimeString(s.Created), CreatedSince: since, CreatedTime: goTimeString(s.Created),
      };
    });
    if (user && format !== undefined && format.trim() === "table") {
      // Podman renders a bare "table" as the literal template "table", once per row.
      ctx.out(rows.map(() => "table\n").join(""));
      return 0;
    }
    if (user && format !== undefined && format !== "") {
      await renderUserFormat(ctx, rows, format);
      return 0;
    }
    await renderDefaultTable(ctx, rows, summaries.some((s) => s.ReadOnly) && (summaries[summaries.length - 1]?.ReadOnly ?? false));
    return 0;
  },
};

/** A user template through the shared report renderer (loads the template engine). */
async function renderUserFormat(ctx: CommandContext, rows: ImageRow[], format: string): Promise<void> {
  const { formatList } = await import("../format.ts");
  ctx.out(formatList(rows, {
    format,
    defaultFormat: "",
    headers: { ID: "IMAGE ID", ReadOnly: "R/O" },
    noHeading: ctx.flags.bool("noheading"),
    name: "images",
    typeName: "images.imageReporter",
  }));
}

/**
 * Podman's lsFormatFromFlags table (REPOSITORY TAG [DIGEST] IMAGE ID CREATED
 * SIZE [HISTORY] [R/O]) built from cells and aligned by Go's tabwriter rules.
 * `readOnly`: Podman adds R/O when the last listed image is read-only.
 */
async function renderDefaultTable(ctx: CommandContext, rows: ImageRow[], readOnly: boolean): Promise<void> {
  const { tabwrite } = await import("../../lib/template/tabwriter.ts");
  const digests = ctx.flags.bool("digests");
  const history = ctx.flags.bool("history");
  const line = (r: { repo: string; tag: string; digest: string; id: string; created: string; size: string; history: string; ro: string }) => {
    const cells = [r.repo, r.tag];
    if (digests) cells.push(r.digest);
    cells.push(r.id, r.created, r.size);
    if (history) cells.push(r.history);
    if (readOnly) cells.push(r.ro);
    return `${cells.join("\t")}\n`;
  };
  let text = "";
  if (!ctx.flags.bool("noheading")) {
    text += line({ repo: "REPOSITORY", tag: "TAG", digest: "DIGEST", id: "IMAGE ID", created: "CREATED", size: "SIZE", history: "HISTORY", ro: "R/O" });
  }
  for (const r of rows) {
    text += line({
      repo: r.Repository || "<none>", tag: r.Tag || "<none>", digest: r.Digest, id: r.ID, created: r.Created,
      size: r.Size, history: r.History || "<none>", ro: String(r.ReadOnly),
    });
  }
  ctx.out(tabwrite(text));
}

export default command;
