/**
 * containers-registries.conf(5) as containers/image reads it: which files,
 * in which order, how drop-ins merge, short-name resolution, and per-registry
 * settings (location rewriting, insecure, blocked, mirrors).
 *
 * Files (containers-registries.conf.d(5)):
 * - main file: `--registries-conf` / $CONTAINERS_REGISTRIES_CONF if set (must
 *   exist); else `$HOME/.config/containers/registries.conf` if it exists;
 *   else `/etc/containers/registries.conf` (missing is fine: empty config);
 * - then drop-ins (`*.conf`, lexical order): `/etc/containers/registries.conf.d`
 *   and `$HOME/.config/containers/registries.conf.d` — but when the per-user
 *   main file is used, only the per-user folder;
 * - later files override: `unqualified-search-registries` and
 *   `short-name-mode` when set, `[[registry]]` by identical prefix (others
 *   added), `[aliases]` per key (an empty value removes an alias);
 * - the machine-written alias cache (`/var/cache/containers/short-name-aliases.conf`
 *   for root, `$XDG_CACHE_HOME/containers/short-name-aliases.conf` rootless)
 *   takes precedence over the aliases of the configuration files. Read only.
 * The v1 format (`[registries.search|insecure|block] registries = […]`) is
 * accepted in the main file and converted; mixing v1 and v2 is an error.
 * `credential-helpers` is ignored.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../lib/errors.ts";
import { parseReference, makeReference, repoName, type ImageReference } from "./reference.ts";

export type ShortNameMode = "enforcing" | "permissive" | "disabled";

export interface MirrorConfig {
  /** host[:port][/path] the mirror serves the registry's prefix at. */
  readonly location: string;
  readonly insecure: boolean;
  /** Which pulls may use this mirror. @default "all" */
  readonly pullFromMirror: "all" | "digest-only" | "tag-only";
}

export interface RegistryConfig {
  /** What it matches: host[:port][/path], or "*.domain" for any subdomain. */
  readonly prefix: string;
  /** Where the prefix is fetched from (replaces the prefix); "" for wildcard prefixes. */
  readonly location: string;
  readonly insecure: boolean;
  readonly blocked: boolean;
  readonly mirrorByDigestOnly: boolean;
  readonly mirrors: readonly MirrorConfig[];
}

export interface AliasEntry {
  /** Undefined when an alias was reset with an empty value. */
  readonly value: ImageReference | undefined;
  /** File that defined it, for messages. */
  readonly origin: string;
}

export interface RegistriesConf {
  readonly unqualifiedSearchRegistries: readonly string[];
  /** File that set unqualified-search-registries last ("" if none did). */
  readonly searchOrigin: string;
  /** The main file's path (for messages), even if it did not exist. */
  readonly mainFile: string;
  /** @default "permissive" (containers/image's default when no file sets it) */
  readonly shortNameMode: ShortNameMode;
  readonly registries: readonly RegistryConfig[];
  /** Short name (no registry, tag or digest; e.g. "fedora", "library/x") → alias. */
  readonly aliases: ReadonlyMap<string, AliasEntry>;
  /** Files actually read, in order. */
  readonly files: readonly string[];
}

export interface LoadRegistriesConfOptions {
  /** GlobalOptions.registriesConf: replaces the main file like $CONTAINERS_REGISTRIES_CONF. */
  readonly registriesConf?: string;
  /** @default process.env */
  readonly env?: Record<string, string | undefined>;
  /** For tests: the system main file. @default "/etc/containers/registries.conf" */
  readonly systemFile?: string;
  /** For tests: the system drop-in folder. @default "/etc/containers/registries.conf.d" */
  readonly systemDropInDir?: string;
  /** For tests: the alias cache file. @default per uid, see module doc */
  readonly aliasCacheFile?: string;
  /** @default process.getuid() */
  readonly uid?: number;
}

interface Partial {
  search?: string[];
  mode?: ShortNameMode;
  registries: RegistryConfig[];
  aliases: Map<string, AliasEntry>;
}

function confError(file: string, msg: string): SkiffError {
  return new SkiffError("invalid-argument", `loading registries configuration "${file}": ${msg}`);
}

/** Trims trailing slashes; rejects empty values and URL schemes, as containers/image does. */
function parseLocation(file: string, input: string): string {
  const t = input.replace(/\/+$/, "");
  if (t === "") throw confError(file, "invalid location: cannot be empty");
  if (/^https?:\/\//.test(t)) throw confError(file, `invalid location '${input}': URI schemes are not supported`);
  return t;
}

function bool(v: unknown): boolean { return v === true; }

function str(file: string, v: unknown, what: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw confError(file, `${what} must be a string`);
  return v;
}

function strArray(file: string, v: unknown, what: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw confError(file, `${what} must be an array of strings`);
  return v as string[];
}

function parseRegistryTable(file: string, t: Record<string, unknown>): RegistryConfig {
  const rawLoc = str(file, t.location, "location");
  const rawPrefix = str(file, t.prefix, "prefix");
  let prefix: string;
  let location = "";
  if (rawPrefix !== undefined && rawPrefix.startsWith("*.")) {
    prefix = rawPrefix;
    if (!/^\*\.[a-zA-Z0-9.-]+$/.test(prefix)) throw confError(file, `invalid prefix '${rawPrefix}' for empty location`);
    // A wildcard prefix keeps each matched host; a location would be ambiguous.
    if (rawLoc !== undefined && rawLoc !== "") location = parseLocation(file, rawLoc);
  } else {
    if (rawLoc === undefined && rawPrefix === undefined) throw confError(file, "invalid location: cannot be empty");
    location = rawLoc !== undefined && rawLoc !== "" ? parseLocation(file, rawLoc) : parseLocation(file, rawPrefix ?? "");
    prefix = rawPrefix !== undefined && rawPrefix !== "" ? parseLocation(file, rawPrefix) : location;
  }
  const mirrorsRaw = t.mirror;
  const mirrors: MirrorConfig[] = [];
  if (mirrorsRaw !== undefined) {
    if (!Array.isArray(mirrorsRaw)) throw confError(file, "registry.mirror must be an array of tables");
    for (const m of mirrorsRaw as Record<string, unknown>[]) {
      const pfm = str(file, m["pull-from-mirror"], "pull-from-mirror") ?? "all";
      if (pfm !== "all" && pfm !== "digest-only" && pfm !== "tag-only") {
        throw confError(file, `unsupported pull-from-mirror value "${pfm}"`);
      }
      mirrors.push({ location: parseLocation(file, str(file, m.location, "mirror location") ?? ""), insecure: bool(m.insecure), pullFromMirror: pfm });
    }
  }
  return { prefix, location, insecure: bool(t.insecure), blocked: bool(t.blocked), mirrorByDigestOnly: bool(t["mirror-by-digest-only"]), mirrors };
}

/** Alias left-hand side: a short name without tag or digest. */
function validShortName(name: string): boolean {
  try {
    const r = parseReference(name);
    return r.shortName && !name.includes("@") && !/:[^/]*$/.test(name);
  } catch { return false; }
}

/** Alias right-hand side: must have a registry, no tag, no digest; normalised. */
function parseAliasValue(file: string, name: string, value: string): ImageReference {
  let r: ImageReference;
  try { r = parseReference(value); } catch (e) {
    throw confError(file, `parsing alias "${value}": ${(e as Error).message}`);
  }
  if (value.includes("@")) throw confError(file, `invalid alias "${value}": must not contain digest`);
  if (/:[^/]*$/.test(value.slice(value.indexOf("/") + 1))) throw confError(file, `invalid alias "${value}": must not contain tag`);
  if (r.shortName) throw confError(file, `invalid alias "${value}": must contain registry and repository`);
  void name;
  return makeReference({ registry: r.registry, repository: r.repository });
}

function parseAliases(file: string, v: unknown, into: Map<string, AliasEntry>): void {
  if (v === undefined) return;
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw confError(file, "aliases must be a table");
  for (const [name, value] of Object.entries(v as Record<string, unknown>)) {
    if (typeof value !== "string") throw confError(file, `alias "${name}" must be a string`);
    if (!validShortName(name)) throw confError(file, `invalid short name "${name}"`);
    into.set(name, { value: value === "" ? undefined : parseAliasValue(file, name, value), origin: file });
  }
}

async function parseToml(file: string, text: string): Promise<Record<string, unknown>> {
  const { parse } = await import("smol-toml");
  try {
    return parse(text) as Record<string, unknown>;
  } catch (e) {
    throw confError(file, (e as Error).message.split("\n")[0] ?? "invalid TOML");
  }
}

/** Parses one file's text. `allowV1` only for the main file, as containers/image. */
async function parseFile(file: string, text: string, allowV1: boolean): Promise<Partial> {
  const doc = await parseToml(file, text);
  const out: Partial = { registries: [], aliases: new Map() };
  const v1 = doc.registries;
  const v1Tables = v1 !== undefined && typeof v1 === "object" && v1 !== null && !Array.isArray(v1) ? (v1 as Record<string, unknown>) : undefined;
  const v2Nonempty = doc.registry !== undefined || doc["unqualified-search-registries"] !== undefined;
  if (v1Tables) {
    if (!allowV1) throw confError(file, "drop-in files must use the version 2 format");
    const list = (k: string): string[] => {
      const t = v1Tables[k];
      if (t === undefined) return [];
      return strArray(file, (t as Record<string, unknown>).registries, `registries.${k}.registries`) ?? [];
    };
    const search = list("search"), insecure = list("insecure"), block = list("block");
    if (search.length || insecure.length || block.length) {
      if (v2Nonempty) throw confError(file, "mixing sysregistry v1/v2 is not supported");
      out.search = search.map((s) => parseLocation(file, s));
      const byLoc = new Map<string, { insecure: boolean; blocked: boolean }>();
      for (const b of block) byLoc.set(parseLocation(file, b), { insecure: false, blocked: true });
      for (const i of insecure) {
        const loc = parseLocation(file, i);
        byLoc.set(loc, { insecure: true, blocked: byLoc.get(loc)?.blocked ?? false });
      }
      for (const [loc, f] of byLoc) {
        out.registries.push({ prefix: loc, location: loc, insecure: f.insecure, blocked: f.blocked, mirrorByDigestOnly: false, mirrors: [] });
      }
      return out;
    }
  }
  const search = strArray(file, doc["unqualified-search-registries"], "unqualified-search-registries");
  if (search !== undefined) {
    out.search = search.map((s) => {
      const loc = parseLocation(file, s);
      if (!/^[a-zA-Z0-9.-]+(?::[0-9]+)?$|^\[[a-fA-F0-9:]+\](?::[0-9]+)?$/.test(loc)) {
        throw confError(file, `invalid unqualified-search-registries entry "${loc}"`);
      }
      return loc;
    });
  }
  const mode = str(file, doc["short-name-mode"], "short-name-mode");
  if (mode !== undefined && mode !== "") {
    if (mode !== "enforcing" && mode !== "permissive" && mode !== "disabled") {
      throw confError(file, `invalid short-name mode: "${mode}"`);
    }
    out.mode = mode;
  }
  const regs = doc.registry;
  if (regs !== undefined) {
    if (!Array.isArray(regs)) throw confError(file, "registry must be an array of tables ([[registry]])");
    const seen = new Map<string, RegistryConfig>();
    for (const t of regs as Record<string, unknown>[]) {
      const r = parseRegistryTable(file, t);
      if (seen.has(r.prefix)) throw confError(file, `registry prefix "${r.prefix}" is defined multiple times`);
      seen.set(r.prefix, r);
      out.registries.push(r);
    }
  }
  parseAliases(file, doc.aliases, out.aliases);
  return out;
}

function readIfExists(path: string): string | undefined {
  try { return readFileSync(path, "utf8"); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
    throw confError(path, (e as Error).message);
  }
}

function dropIns(dir: string): string[] {
  let names: string[];
  try { names = readdirSync(dir); } catch { return []; }
  return names.filter((n) => n.endsWith(".conf")).sort().map((n) => join(dir, n))
    .filter((p) => { try { return readFileSync(p) !== undefined; } catch { return false; } });
}

/**
 * Loads and merges the registries configuration (see the module doc for the
 * files and their precedence). Reads files synchronously apart from the TOML
 * parser's lazy import.
 * @throws SkiffError invalid-argument `loading registries configuration "<file>": <why>` for
 *   bad TOML or values, and when an explicit main file (option or env) is missing
 */
export async function loadRegistriesConf(opts: LoadRegistriesConfOptions = {}): Promise<RegistriesConf> {
  const env = opts.env ?? process.env;
  const uid = opts.uid ?? process.getuid?.() ?? 0;
  const home = env.HOME ?? "/root";
  const userFile = join(home, ".config/containers/registries.conf");
  const userDir = join(home, ".config/containers/registries.conf.d");
  const systemFile = opts.systemFile ?? "/etc/containers/registries.conf";
  const systemDir = opts.systemDropInDir ?? "/etc/containers/registries.conf.d";
  const explicit = opts.registriesConf ?? (env.CONTAINERS_REGISTRIES_CONF || undefined);

  let mainFile: string;
  let dirs: string[];
  if (explicit !== undefined) {
    mainFile = explicit;
    dirs = [systemDir, userDir];
  } else if (existsSync(userFile)) {
    mainFile = userFile;
    dirs = [userDir];
  } else {
    mainFile = systemFile;
    dirs = [systemDir, userDir];
  }

  const files: string[] = [];
  let search: string[] = [];
  let searchOrigin = "";
  let mode: ShortNameMode | undefined;
  const registries = new Map<string, RegistryConfig>();
  const aliases = new Map<string, AliasEntry>();
  const apply = (file: string, p: Partial) => {
    files.push(file);
    if (p.search !== undefined) { search = p.search; searchOrigin = file; }
    if (p.mode !== undefined) mode = p.mode;
    for (const r of p.registries) registries.set(r.prefix, r);
    for (const [k, v] of p.aliases) aliases.set(k, v);
  };

  const mainText = readIfExists(mainFile);
  if (mainText === undefined && explicit !== undefined) {
    throw confError(mainFile, "no such file or directory");
  }
  if (mainText !== undefined) apply(mainFile, await parseFile(mainFile, mainText, true));
  for (const dir of dirs) {
    for (const f of dropIns(dir)) apply(f, await parseFile(f, readFileSync(f, "utf8"), false));
  }

  // The machine-written cache wins over every configuration file.
  const cacheFile = opts.aliasCacheFile ?? (uid === 0
    ? "/var/cache/containers/short-name-aliases.conf"
    : join(env.XDG_CACHE_HOME ?? join(home, ".cache"), "containers/short-name-aliases.conf"));
  const cacheText = readIfExists(cacheFile);
  if (cacheText !== undefined) {
    const doc = await parseToml(cacheFile, cacheText);
    parseAliases(cacheFile, doc.aliases, aliases);
    files.push(cacheFile);
  }

  return {
    unqualifiedSearchRegistries: search,
    searchOrigin,
    mainFile,
    shortNameMode: mode ?? "permissive",
    registries: [...registries.values()],
    aliases,
    files,
  };
}

/** How a name was resolved; `description` is what Podman prints before pulling (or ""). */
export interface ShortNameResolution {
  /** Fully qualified references to try in order (each with a tag or digest). */
  readonly candidates: readonly ImageReference[];
  readonly rationale: "qualified" | "alias" | "search";
  /** e.g. `Resolved "alpine" as an alias (/etc/containers/registries.conf.d/shortnames.conf)`. */
  readonly description: string;
}

export interface ResolveShortNameOptions {
  /** Whether stdin and stdout are terminals (prompting is possible). @default false */
  readonly tty?: boolean;
}

function splitTagDigest(input: string): { name: string; suffix: string } {
  const at = input.indexOf("@");
  let name = at === -1 ? input : input.slice(0, at);
  const digest = at === -1 ? "" : input.slice(at);
  let tag = "";
  const colon = name.lastIndexOf(":");
  if (colon > name.lastIndexOf("/")) { tag = name.slice(colon); name = name.slice(0, colon); }
  return { name, suffix: tag + digest };
}

/**
 * Resolves a user-typed image name to pull candidates, as containers/image's
 * shortnames.Resolve: a qualified name is itself; a short name's alias wins
 * (tag/digest carried over); else each unqualified-search registry in order.
 * With several search registries: mode "disabled" and "permissive" (without
 * a TTY) return all of them for the caller to try in turn; "enforcing" without
 * a TTY is an error. Skiff has no interactive prompt yet: with a TTY it
 * behaves as without one.
 * Local images are the caller's business: Podman looks in local storage
 * first (see `localCandidates`) and only pulls when nothing matches.
 * @param input the name as typed ("busybox", "library/busybox:1", "quay.io/x")
 * @throws SkiffError invalid-argument for a bad reference;
 *   `short-name "x" did not resolve to an alias and no unqualified-search registries are defined in "<file>"`;
 *   `short-name resolution enforced but cannot prompt without a TTY`
 */
export function resolveShortName(conf: RegistriesConf, input: string, opts: ResolveShortNameOptions = {}): ShortNameResolution {
  void opts;
  const ref = parseReference(input);
  if (!ref.shortName) return { candidates: [ref], rationale: "qualified", description: "" };
  const { name } = splitTagDigest(input);
  const alias = conf.aliases.get(name);
  if (alias?.value) {
    const a = alias.value;
    const c = makeReference({ registry: a.registry, repository: a.repository, tag: ref.tag, digest: ref.digest });
    return { candidates: [c], rationale: "alias", description: `Resolved "${name}" as an alias (${alias.origin})` };
  }
  const regs = conf.unqualifiedSearchRegistries;
  if (regs.length === 0) {
    const where = conf.searchOrigin || (conf.files.length ? conf.mainFile : "");
    throw new SkiffError("invalid-argument", where
      ? `short-name "${input}" did not resolve to an alias and no unqualified-search registries are defined in "${where}"`
      : `short-name "${input}" did not resolve to an alias and no containers-registries.conf(5) was found`);
  }
  const candidates = regs.map((reg) => qualify(reg, input));
  const description = `Resolving "${name}" using unqualified-search registries (${conf.searchOrigin})`;
  if (conf.shortNameMode === "enforcing" && candidates.length > 1) {
    throw new SkiffError("invalid-argument", "short-name resolution enforced but cannot prompt without a TTY");
  }
  return { candidates, rationale: "search", description };
}

/** `reg/input` parsed and normalised (docker.io adds library/). */
function qualify(reg: string, input: string): ImageReference {
  try {
    return parseReference(`${reg}/${input}`);
  } catch (e) {
    throw new SkiffError("invalid-argument", `creating reference with unqualified-search registry "${reg}": ${(e as Error).message}`);
  }
}

/**
 * Names under which a short name may already be in local storage, most
 * preferred first (containers/image's ResolveLocally): the alias, then
 * `localhost/<name>`, then each unqualified-search registry. A qualified
 * name gives just itself.
 * @throws SkiffError invalid-argument for a bad reference
 */
export function localCandidates(conf: RegistriesConf, input: string): ImageReference[] {
  const ref = parseReference(input);
  if (!ref.shortName) return [ref];
  const out: ImageReference[] = [];
  const { name } = splitTagDigest(input);
  const alias = conf.aliases.get(name)?.value;
  if (alias) out.push(makeReference({ registry: alias.registry, repository: alias.repository, tag: ref.tag, digest: ref.digest }));
  for (const reg of ["localhost", ...conf.unqualifiedSearchRegistries]) out.push(qualify(reg, input));
  return out;
}

/** True if `host` ("name[:port]", "[v6]:port") is loopback: localhost, 127.0.0.0/8, ::1. */
export function isInsecureByDefault(host: string): boolean {
  let h = host;
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(h);
  if (v6) h = v6[1]!;
  else if ((h.match(/:/g) ?? []).length <= 1) h = h.replace(/:\d+$/, "");
  h = h.toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** True if `name` ("host/repo…" without tag) falls under `prefix`, containers/image's rule. */
function matchesPrefix(name: string, prefix: string): boolean {
  if (prefix.startsWith("*.")) {
    const host = name.split("/")[0]!.replace(/:\d+$/, "");
    return host.endsWith(prefix.slice(1));
  }
  if (name.length < prefix.length || !name.startsWith(prefix)) return false;
  if (name.length === prefix.length) return true;
  // containers/image also lets "example.com" match "example.com:5000".
  const c = name[prefix.length];
  return c === "/" || c === ":" || c === "@";
}

/** Replaces `prefix` by `location` at the start of the name. */
function rewrite(ref: ImageReference, prefix: string, location: string): ImageReference {
  if (location === "" || prefix.startsWith("*.")) return makeReference({ registry: ref.registry, repository: ref.repository, tag: ref.tag, digest: ref.digest });
  const name = location + repoName(ref).slice(prefix.length);
  const slash = name.indexOf("/");
  if (slash === -1) throw new SkiffError("invalid-argument", `rewriting reference "${repoName(ref)}" with location "${location}": no repository left`);
  return makeReference({ registry: name.slice(0, slash), repository: name.slice(slash + 1), tag: ref.tag, digest: ref.digest });
}

/**
 * The [[registry]] entry with the longest prefix matching `name`
 * ("host[:port][/path]", no tag), or undefined.
 */
export function findRegistry(conf: RegistriesConf, name: string): RegistryConfig | undefined {
  let best: RegistryConfig | undefined;
  for (const r of conf.registries) {
    if (matchesPrefix(name, r.prefix) && (!best || r.prefix.length > best.prefix.length)) best = r;
  }
  return best;
}

export interface Endpoint {
  /** The reference to fetch there (registry = the host to contact). */
  readonly ref: ImageReference;
  /** Skip TLS verification and allow plain HTTP (configured, or a loopback host). */
  readonly insecure: boolean;
  readonly mirror: boolean;
}

export interface RegistryAccess {
  /** The matching [[registry]] entry, if any. */
  readonly config: RegistryConfig | undefined;
  /** The primary location, `ref` rewritten by the entry's prefix → location. */
  readonly location: Endpoint;
  readonly blocked: boolean;
  /** Mirrors that apply to this reference (by tag/digest rules), in order. */
  readonly mirrors: readonly Endpoint[];
}

/**
 * The registry settings for a fully qualified `ref`: the [[registry]] entry
 * with the longest matching prefix, the rewritten location, mirrors usable
 * for this reference (digest-only / tag-only rules), insecure flags (a
 * loopback host is always insecure, as Docker treats it). Does not throw
 * for blocked registries: see `pullSources`.
 */
export function registryFor(conf: RegistriesConf, ref: ImageReference): RegistryAccess {
  const best = findRegistry(conf, repoName(ref));
  const mk = (r: ImageReference, insecure: boolean, mirror: boolean): Endpoint =>
    ({ ref: r, insecure: insecure || isInsecureByDefault(r.registry), mirror });
  if (!best) return { config: undefined, location: mk(ref, false, false), blocked: false, mirrors: [] };
  const byDigest = ref.digest !== undefined;
  const mirrors: Endpoint[] = [];
  if (!best.mirrorByDigestOnly || byDigest) {
    for (const m of best.mirrors) {
      if (m.pullFromMirror === "digest-only" && !byDigest) continue;
      if (m.pullFromMirror === "tag-only" && byDigest) continue;
      mirrors.push(mk(rewrite(ref, best.prefix, m.location), m.insecure, true));
    }
  }
  return { config: best, location: mk(rewrite(ref, best.prefix, best.location), best.insecure, false), blocked: best.blocked, mirrors };
}

/**
 * Where to pull `ref` from, in order: applicable mirrors, then the primary location.
 * @throws SkiffError invalid-argument `registry "<prefix>" is blocked in registries.conf`
 */
export function pullSources(conf: RegistriesConf, ref: ImageReference): Endpoint[] {
  const a = registryFor(conf, ref);
  if (a.blocked) throw new SkiffError("invalid-argument", `registry "${a.config?.prefix ?? ref.registry}" is blocked in registries.conf`);
  return [...a.mirrors, a.location];
}
