/**
 * `login` / `logout` as Podman (common/pkg/auth): which registry a login is
 * for, checking credentials against it, storing them in auth.json, and
 * removing them. No printing and no prompting here: the CLI asks for what
 * is missing and renders the reports.
 */
import { SkiffError, wrap } from "../lib/errors.ts";
import type { GlobalOptions } from "./options.ts";
import type { Credentials } from "../image/auth.ts";

export interface LoginTarget {
  /** Auth-file key: "host[:port]" or "host[:port]/ns/repo", e.g. "localhost:5001". */
  readonly key: string;
  /** Host to contact, the key's first element. */
  readonly host: string;
  /** Path under the host ("" for a whole registry). */
  readonly path: string;
  /** From registries.conf, or a loopback host. */
  readonly insecure: boolean;
}

/**
 * Resolves what the user typed (or, when nothing, the first
 * unqualified-search registry) into an auth key and host.
 * @throws SkiffError invalid-argument "no registries found in registries.conf, a registry must be provided"
 */
export async function loginTarget(g: GlobalOptions, registry: string | undefined): Promise<LoginTarget> {
  const { loadRegistriesConf, findRegistry, isInsecureByDefault } = await import("../image/registries-conf.ts");
  const { normalizeAuthKey } = await import("../image/auth.ts");
  const conf = await loadRegistriesConf(g.registriesConf !== undefined ? { registriesConf: g.registriesConf } : {});
  let typed = registry;
  if (typed === undefined || typed === "") {
    typed = conf.unqualifiedSearchRegistries[0];
    if (typed === undefined) throw new SkiffError("invalid-argument", "no registries found in registries.conf, a registry must be provided");
  }
  const key = normalizeAuthKey(typed);
  const slash = key.indexOf("/");
  const host = slash === -1 ? key : key.slice(0, slash);
  const path = slash === -1 ? "" : key.slice(slash + 1);
  // Docker Hub is served by registry-1.docker.io; "docker.io" itself redirects.
  const contact = host === "docker.io" ? "registry-1.docker.io" : host;
  const insecure = (findRegistry(conf, key)?.insecure ?? false) || isInsecureByDefault(host);
  return { key, host: contact, path, insecure };
}

/** Credentials already stored for the target (most specific key first), if any. */
export async function storedLogin(target: LoginTarget, authfile?: string): Promise<Credentials | undefined> {
  const { getCredentials } = await import("../image/auth.ts");
  return getCredentials(target.key.split("/")[0]!, target.path || undefined, authfile !== undefined ? { authfile } : {});
}

/**
 * Checks credentials against the registry (see image/registry-auth.ts
 * `checkCredentials`).
 * @throws SkiffError `logging into "<key>": invalid username/password`;
 *   `authenticating creds for "<key>": <cause>` for anything else
 */
export async function verifyLogin(target: LoginTarget, creds: Credentials, tlsVerify?: boolean): Promise<void> {
  const { checkCredentials } = await import("../image/registry-auth.ts");
  try {
    await checkCredentials(target.host, creds, { insecure: target.insecure, ...(tlsVerify !== undefined ? { tlsVerify } : {}) });
  } catch (e) {
    if (e instanceof SkiffError && e.message === "invalid username/password") throw wrap(e, `logging into "${target.key}"`);
    throw wrap(e, `authenticating creds for "${target.key}"`);
  }
}

export interface LoginOptions {
  readonly username: string;
  readonly password: string;
  /** --authfile. */
  readonly authfile?: string;
  /** --tls-verify when given. */
  readonly tlsVerify?: boolean;
}

export interface LoginReport {
  readonly key: string;
  /** The auth file written. */
  readonly authFile: string;
}

/**
 * Verifies the credentials, then stores them under the target's key.
 * @throws as `verifyLogin`; SkiffError runtime when the auth file cannot be written
 */
export async function login(target: LoginTarget, opts: LoginOptions): Promise<LoginReport> {
  await verifyLogin(target, { username: opts.username, password: opts.password }, opts.tlsVerify);
  const { storeCredentials } = await import("../image/auth.ts");
  const authFile = storeCredentials(target.key, opts.username, opts.password, opts.authfile !== undefined ? { authfile: opts.authfile } : {});
  return { key: target.key, authFile };
}

/**
 * The username stored for the target (`login --get-login`).
 * @throws SkiffError not-found `not logged into <key>`
 */
export async function getLogin(target: LoginTarget, authfile?: string): Promise<string> {
  const c = await storedLogin(target, authfile);
  if (!c || c.username === "") throw new SkiffError("not-found", `not logged into ${target.key}`);
  return c.username;
}

export interface LogoutOptions {
  /** --all: every entry of the writable auth file. */
  readonly all?: boolean;
  readonly authfile?: string;
}

export interface LogoutReport {
  /** Key removed; undefined with --all. */
  readonly key?: string;
  /** Set when nothing was removed because the credentials live in another tool's file (e.g. ~/.docker/config.json). */
  readonly foreignFile?: string;
}

/**
 * Removes stored credentials from the writable auth file.
 * @throws SkiffError not-found `not logged into <key>` when no file holds credentials for it
 */
export async function logout(target: LoginTarget | undefined, opts: LogoutOptions = {}): Promise<LogoutReport> {
  const auth = await import("../image/auth.ts");
  const aopts = opts.authfile !== undefined ? { authfile: opts.authfile } : {};
  if (opts.all || !target) {
    auth.removeAllCredentials(aopts);
    return {};
  }
  if (auth.removeCredentials(target.key, aopts)) return { key: target.key };
  const elsewhere = auth.credentialsSource(target.key, aopts);
  if (elsewhere !== undefined) return { key: target.key, foreignFile: elsewhere };
  throw new SkiffError("not-found", `not logged into ${target.key}`);
}
