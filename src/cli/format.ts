/**
 * Output rendering shared by listing commands and `inspect`, as Podman's
 * containers/common pkg/report does it:
 * - `--format json` (or `{{json .}}`): the items as a JSON array.
 * - `--format 'table …'`: a header row, then one row per item, aligned by
 *   Go's tabwriter (minwidth 12, padding 2). In a table format every space
 *   becomes a column break, and typed `\t`/`\n` become tab/newline.
 * - any other `--format`: the template once per item (wrapped in
 *   `{{range .}}…{{end -}}` unless it has its own range), no header, no
 *   alignment; typed `\t`/`\n` become tab/newline.
 * Headers come from the field names a template uses: `headers` overrides,
 * else the CamelCase name split into words and upper-cased (CreatedAt →
 * "CREATED AT").
 */
import { compileTemplate, goJson, type GoJsonOptions, markStruct } from "../lib/template/index.ts";
import { tabwrite } from "../lib/template/tabwriter.ts";

export interface FormatListOptions {
  /** The user's `--format`; undefined or "" renders `defaultFormat`. */
  readonly format?: string | undefined;
  /** The command's own format, e.g. "table {{.ID}}\t{{.Name}}"; always gets headers and alignment. */
  readonly defaultFormat: string;
  /** Header text per field name, e.g. { ID: "IMAGE ID" }; upper-cased as Podman does. */
  readonly headers?: Readonly<Record<string, string>>;
  /** `--noheading`. @default false */
  readonly noHeading?: boolean;
  /** Template name in error messages: Podman uses the command's name ("ls", "images"). @default "list" */
  readonly name?: string;
  /**
   * Go type of an item (e.g. "*entities.VolumeListReport"): when set, items
   * are treated as structs, so an unknown field is an error as in Podman
   * rather than "<no value>". Marks the item objects in place (invisibly).
   */
  readonly typeName?: string;
  /** JSON layout for `--format json`. @default { indent: "    " } */
  readonly json?: GoJsonOptions;
}

/** True for the formats Podman treats as JSON output: "json" and "{{json .}}" (spaces allowed). */
export function isJsonFormat(format: string | undefined): boolean {
  return format !== undefined && /^\s*(?:json|\{\{\s*json\s+\.\s*\}\})\s*$/.test(format);
}

/**
 * Podman's NormalizeFormat: strips "table ", turns typed `\t`/`\n` into
 * tab/newline (and, in a table, spaces into tabs), and ends with a newline.
 */
export function normalizeFormat(format: string): string {
  let f: string;
  if (format.startsWith("table ")) {
    f = format.replace(/table |\\t|\\n| /g, (m) => (m === "\\n" ? "\n" : m === "table " ? "" : "\t"));
  } else {
    f = format.replace(/\\t|\\n/g, (m) => (m === "\\n" ? "\n" : "\t"));
  }
  return f.endsWith("\n") ? f : `${f}\n`;
}

/** Podman's EnforceRange: wraps a format without its own range in `{{range .}}…{{end -}}`. */
export function enforceRange(format: string): string {
  // Only a range over the whole list counts ("{{range .}}…{{end}}", as
  // containers/common's rangeRegex); "{{range .Config.Env}}" is per item.
  return /\{\{-?\s*range\s*\.\s*-?\}\}[\s\S]*\{\{-?\s*end\s*-?\s*\}\}/.test(format) ? format : `{{range .}}${format}{{end -}}`;
}

/** Splits a Go identifier into words as fatih/camelcase does ("CreatedAt" → ["Created", "At"], "ID" → ["ID"]). */
export function splitCamelCase(s: string): string[] {
  const cls = (c: string): number => (/\p{Ll}/u.test(c) ? 1 : /\p{Lu}/u.test(c) ? 2 : /\p{Nd}/u.test(c) ? 3 : 4);
  const runs: string[][] = [];
  let last = 0;
  for (const c of s) {
    const k = cls(c);
    if (k === last && runs.length > 0) (runs[runs.length - 1] as string[]).push(c);
    else runs.push([c]);
    last = k;
  }
  // An upper-case run followed by a lower-case run gives its last letter to it: "HTTPServer" → HTTP Server.
  for (let i = 0; i < runs.length - 1; i++) {
    const a = runs[i] as string[];
    const b = runs[i + 1] as string[];
    if (cls(a[0] as string) === 2 && cls(b[0] as string) === 1) {
      b.unshift(a.pop() as string);
    }
  }
  return runs.filter((r) => r.length > 0).map((r) => r.join(""));
}

/** The header row's data: any field name maps to its header text. */
function headerRow(overrides: Readonly<Record<string, string>>): Record<string, string> {
  return new Proxy({} as Record<string, string>, {
    has: () => true,
    get: (_t, key) => {
      if (typeof key !== "string") return undefined;
      return (overrides[key] ?? splitCamelCase(key).join(" ")).toUpperCase();
    },
  });
}

/**
 * Renders `items` for a listing command per the rules in this module's
 * comment. Returns the whole output, newline-terminated per row (empty when
 * there are no items and no header). Throws SkiffError "invalid-argument"
 * with Go's message for a bad template.
 */
export function formatList(items: readonly object[], opts: FormatListOptions): string {
  const user = opts.format !== undefined && opts.format !== "" && opts.format.trim() !== "table";
  if (user && isJsonFormat(opts.format)) return `${goJson(items, opts.json ?? { indent: "    " })}\n`;
  const text = user ? (opts.format as string) : opts.defaultFormat;
  const table = text.startsWith("table ");
  let src = normalizeFormat(text);
  src = table ? `{{range .}}${src}{{end -}}` : enforceRange(src);
  const tmpl = compileTemplate(src, opts.name ?? "list");
  const aligned = table || !user;
  let out = "";
  if (aligned && !opts.noHeading) out += tmpl.execute([headerRow(opts.headers ?? {})]);
  if (opts.typeName !== undefined) for (const it of items) markStruct(it, opts.typeName);
  out += tmpl.execute(items);
  return aligned ? tabwrite(out) : out;
}

/**
 * `inspect` output: without `--format` (or with "json"/"{{json .}}") the items
 * as a JSON array in Podman's inspect layout (5-space indent, no HTML
 * escaping, final newline); with a template, the template once per item.
 */
export function formatInspect(items: readonly unknown[], format?: string, name = "inspect"): string {
  if (format === undefined || format === "" || isJsonFormat(format)) {
    return `${goJson(items, { indent: "     ", escapeHtml: false })}\n`;
  }
  const table = format.startsWith("table ");
  let src = normalizeFormat(format);
  src = table ? `{{range .}}${src}{{end -}}` : enforceRange(src);
  const out = compileTemplate(src, name).execute(items);
  return table ? tabwrite(out) : out;
}

/**
 * JSON as Go's json.MarshalIndent(value, "", indent) prints it (HTML
 * characters escaped unless `escapeHtml` is false), without a final newline.
 * Podman's layouts: `images --format json` 4 spaces; `ps`/`network ls`/
 * `volume ls --format json` 2 spaces; inspect 5 spaces, unescaped.
 */
export function renderJson(value: unknown, opts: GoJsonOptions = { indent: "    " }): string {
  return goJson(value, opts);
}

/**
 * A table from ready cells: `header` (omitted when undefined) and `rows`,
 * aligned as Podman's tables (Go tabwriter, minwidth 12, padding 2).
 * Each line ends with a newline.
 */
export function renderTable(rows: readonly (readonly string[])[], header?: readonly string[]): string {
  const lines = header ? [header, ...rows] : rows;
  if (lines.length === 0) return "";
  return tabwrite(`${lines.map((r) => r.join("\t")).join("\n")}\n`);
}
