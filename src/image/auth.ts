/**
 * Registry credentials kept as Podman keeps them (containers-auth.json(5)):
 * `{"auths": {"<key>": {"auth": base64("user:password")}}}` where a key is
 * `host[:port]` or `host[:port]/namespace[/repo]`; Docker's
 * `https://index.docker.io/v1/` key is read as docker.io.
 *
 * Files read, first file with a match wins, within a file the most specific
 * key (registry/ns/repo, then registry/ns, then registry):
 * 1. `--authfile`, else $REGISTRY_AUTH_FILE, else the primary file:
 *    `$XDG_RUNTIME_DIR/containers/auth.json` (rootless; XDG_RUNTIME_DIR
 *    defaults to /run/user/UID) or `/run/containers/0/auth.json` (root);
 *    an explicit file (flag or env) is the only one read;
 * 2. `$XDG_CONFIG_HOME/containers/auth.json` (or ~/.config/…);
 * 3. `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`;
 * 4. `~/.dockercfg` (legacy format: the auths map at the top level).
 * Writes go to file 1 only, atomically with mode 0600, keeping other keys.
 * Credential helpers (`credHelpers`, `credsStore`) are not run: a host that
 * only they could serve is an error rather than a silent anonymous access.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { SkiffError } from "../lib/errors.ts";
import { writeFileAtomic } from "../lib/atomic.ts";

export interface Credentials {
  readonly username: string;
  readonly password: string;
  /** OAuth2 refresh token Docker stores as "identitytoken" (username is then "<token>"). */
  readonly identityToken?: string;
}

export interface AuthOptions {
  /** --authfile: the one file to read and write. */
  readonly authfile?: string;
  /** @default process.env */
  readonly env?: Record<string, string | undefined>;
  /** @default process.getuid() */
  readonly uid?: number;
}

interface AuthPath {
  readonly path: string;
  /** ~/.dockercfg: the auths map is the whole document. */
  readonly legacy: boolean;
}

/** Where credentials are written (and read first): --authfile, $REGISTRY_AUTH_FILE, or the runtime auth.json. */
export function authFilePath(opts: AuthOptions = {}): string {
  const env = opts.env ?? process.env;
  if (opts.authfile) return opts.authfile;
  if (env.REGISTRY_AUTH_FILE) return env.REGISTRY_AUTH_FILE;
  const uid = opts.uid ?? process.getuid?.() ?? 0;
  if (uid === 0) return "/run/containers/0/auth.json";
  return join(env.XDG_RUNTIME_DIR || `/run/user/${uid}`, "containers/auth.json");
}

/** All files consulted for reading, in order (see the module doc). */
export function authFilePaths(opts: AuthOptions = {}): string[] {
  return readPaths(opts).map((p) => p.path);
}

function readPaths(opts: AuthOptions): AuthPath[] {
  const env = opts.env ?? process.env;
  const first: AuthPath = { path: authFilePath(opts), legacy: false };
  if (opts.authfile || env.REGISTRY_AUTH_FILE) return [first];
  const home = env.HOME ?? "/root";
  const xdg = env.XDG_CONFIG_HOME || join(home, ".config");
  return [
    first,
    { path: join(xdg, "containers/auth.json"), legacy: false },
    { path: env.DOCKER_CONFIG ? join(env.DOCKER_CONFIG, "config.json") : join(home, ".docker/config.json"), legacy: false },
    { path: join(home, ".dockercfg"), legacy: true },
  ];
}

interface AuthEntry { auth?: string; identitytoken?: string; username?: string; password?: string }
interface AuthDoc {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
  [k: string]: unknown;
}

/** Parses a file; undefined if it does not exist. @throws SkiffError for unreadable or invalid JSON */
function readDoc(p: AuthPath): AuthDoc | undefined {
  let text: string;
  try { text = readFileSync(p.path, "utf8"); } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new SkiffError("runtime", `reading JSON file "${p.path}": ${(e as Error).message}`);
  }
  if (text.trim() === "") return {};
  let doc: unknown;
  try { doc = JSON.parse(text); } catch (e) {
    throw new SkiffError("invalid-argument", `unmarshaling JSON at "${p.path}": ${(e as Error).message}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new SkiffError("invalid-argument", `unmarshaling JSON at "${p.path}": not an object`);
  }
  return p.legacy ? { auths: doc as Record<string, AuthEntry> } : (doc as AuthDoc);
}

/** Docker Hub's several spellings compare equal. */
function normalizeHost(host: string): string {
  return host === "index.docker.io" || host === "registry-1.docker.io" ? "docker.io" : host;
}

/**
 * A key as written in a file, made comparable: a URL-style key
 * ("https://index.docker.io/v1/") or any key of the legacy file keeps only
 * its host, as containers/image does.
 */
function normalizeKey(key: string, legacy: boolean): string {
  let k = key;
  const schemed = /^https?:\/\//.test(k);
  if (schemed) k = k.replace(/^https?:\/\//, "");
  if (schemed || legacy) k = k.split("/")[0]!;
  k = k.replace(/\/+$/, "");
  const slash = k.indexOf("/");
  return slash === -1 ? normalizeHost(k) : normalizeHost(k.slice(0, slash)) + k.slice(slash);
}

/** Lookup keys for host + repository, most specific first: h/a/b/c, h/a/b, h/a, h. */
function lookupKeys(host: string, repository: string | undefined): string[] {
  const h = normalizeHost(host);
  const keys: string[] = [];
  if (repository) {
    const parts = repository.split("/");
    for (let n = parts.length; n > 0; n--) keys.push(`${h}/${parts.slice(0, n).join("/")}`);
  }
  keys.push(h);
  return keys;
}

function decodeEntry(path: string, key: string, e: AuthEntry): Credentials | undefined {
  if (e.auth) {
    const raw = Buffer.from(e.auth, "base64").toString("utf8");
    const i = raw.indexOf(":");
    if (i === -1) throw new SkiffError("invalid-argument", `reading credentials for "${key}" in "${path}": invalid auth field`);
    const c = { username: raw.slice(0, i), password: raw.slice(i + 1) };
    return e.identitytoken ? { ...c, identityToken: e.identitytoken } : c;
  }
  if (e.identitytoken) return { username: "", password: "", identityToken: e.identitytoken };
  return undefined;
}

export interface FoundCredentials extends Credentials {
  /** File the credentials came from. */
  readonly file: string;
  /** The key that matched, as written in the file. */
  readonly key: string;
}

/**
 * Credentials for `repository` (e.g. "library/busybox"; optional) at `host`
 * (e.g. "localhost:5000", "docker.io"), or undefined for anonymous access.
 * @throws SkiffError runtime "credential helpers are not supported yet" when
 *   only a credential helper could answer for this host; invalid-argument for a bad file
 */
export function findCredentials(host: string, repository: string | undefined, opts: AuthOptions = {}): FoundCredentials | undefined {
  const wanted = lookupKeys(host, repository);
  for (const p of readPaths(opts)) {
    const doc = readDoc(p);
    if (!doc) continue;
    const byKey = new Map<string, [string, AuthEntry]>();
    for (const [k, e] of Object.entries(doc.auths ?? {})) {
      if (e && typeof e === "object") byKey.set(normalizeKey(k, p.legacy), [k, e]);
    }
    for (const w of wanted) {
      const hit = byKey.get(w);
      if (!hit) continue;
      const c = decodeEntry(p.path, hit[0], hit[1]);
      if (c) return { ...c, file: p.path, key: hit[0] };
      // An empty entry is what Docker writes beside a credsStore.
      if (doc.credsStore) throw helperError(host, doc.credsStore, p.path);
    }
    const helper = Object.entries(doc.credHelpers ?? {}).find(([k]) => wanted.includes(normalizeKey(k, false)));
    if (helper) throw helperError(host, helper[1], p.path);
  }
  return undefined;
}

function helperError(host: string, helper: string, path: string): SkiffError {
  return new SkiffError("runtime", `getting credentials for "${host}": credential helpers are not supported yet (docker-credential-${helper} configured in "${path}")`);
}

/** `findCredentials` without the source. */
export function getCredentials(host: string, repository: string | undefined, opts: AuthOptions = {}): Credentials | undefined {
  const c = findCredentials(host, repository, opts);
  if (!c) return undefined;
  const { file: _f, key: _k, ...creds } = c;
  return creds;
}

/** The writable file's document (empty if missing). */
function loadWritable(opts: AuthOptions): { path: string; doc: AuthDoc } {
  const path = authFilePath(opts);
  return { path, doc: readDoc({ path, legacy: false }) ?? {} };
}

function save(path: string, doc: AuthDoc): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileAtomic(path, JSON.stringify(doc, null, "\t") + "\n", 0o600);
  } catch (e) {
    throw new SkiffError("runtime", `writing "${path}": ${(e as Error).message}`);
  }
}

/**
 * Stores credentials under `key` ("host[:port]" or "host[:port]/ns/repo")
 * in the writable auth file (see `authFilePath`), replacing an entry under
 * the same normalised key and keeping everything else.
 * @returns the file written
 * @throws SkiffError runtime when the file cannot be written
 */
export function storeCredentials(key: string, username: string, password: string, opts: AuthOptions = {}): string {
  const { path, doc } = loadWritable(opts);
  const auths: Record<string, AuthEntry> = { ...(doc.auths ?? {}) };
  const norm = normalizeKey(key, false);
  for (const k of Object.keys(auths)) if (normalizeKey(k, false) === norm && k !== key) delete auths[k];
  auths[key] = { auth: Buffer.from(`${username}:${password}`).toString("base64") };
  save(path, { ...doc, auths });
  return path;
}

/**
 * Removes the entry for `key` from the writable auth file.
 * @returns true if an entry was removed
 */
export function removeCredentials(key: string, opts: AuthOptions = {}): boolean {
  const { path, doc } = loadWritable(opts);
  const auths: Record<string, AuthEntry> = { ...(doc.auths ?? {}) };
  const norm = normalizeKey(key, false);
  let removed = false;
  for (const k of Object.keys(auths)) {
    if (normalizeKey(k, false) === norm) { delete auths[k]; removed = true; }
  }
  if (removed) save(path, { ...doc, auths });
  return removed;
}

/**
 * Empties `auths` of the writable auth file (other keys stay; a missing
 * file stays missing), as `podman logout --all`.
 */
export function removeAllCredentials(opts: AuthOptions = {}): void {
  const { path, doc } = loadWritable(opts);
  if (Object.keys(doc).length === 0) return;
  save(path, { ...doc, auths: {} });
}

/**
 * Where the credentials for `key` exactly (no parent-key fallback) live, if
 * anywhere among the read files — to explain a logout that found nothing in
 * the writable file.
 */
export function credentialsSource(key: string, opts: AuthOptions = {}): string | undefined {
  const norm = normalizeKey(key, false);
  for (const p of readPaths(opts)) {
    const doc = readDoc(p);
    if (doc && Object.keys(doc.auths ?? {}).some((k) => normalizeKey(k, p.legacy) === norm)) return p.path;
  }
  return undefined;
}

/**
 * Normalises what a user typed for login/logout into an auth key:
 * a URL keeps only its host ("https://index.docker.io/v1/" → "docker.io"),
 * trailing slashes go, Docker Hub's spellings
 * become "docker.io".
 * @throws SkiffError invalid-argument for an empty key
 */
export function normalizeAuthKey(input: string): string {
  const k = normalizeKey(input, false);
  if (k === "") throw new SkiffError("invalid-argument", `invalid registry "${input}"`);
  return k;
}
