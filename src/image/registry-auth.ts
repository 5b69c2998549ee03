/**
 * The HTTP side of registry authentication (distribution's token auth spec,
 * RFC 7235 challenges): endpoint choice (HTTPS, or HTTP for insecure and
 * loopback registries), the `/v2/` ping, `WWW-Authenticate` parsing, and
 * bearer-token fetching. The registry client reuses these.
 */
import { SkiffError } from "../lib/errors.ts";
import type { Credentials } from "./auth.ts";

export interface Challenge {
  /** Lowercased scheme: "basic", "bearer". */
  readonly scheme: string;
  /** Parameters with lowercased names, e.g. realm, service, scope, error. */
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Parses a `WWW-Authenticate` header value into its challenges, e.g.
 * `Bearer realm="https://auth/token",service="reg",scope="repository:a:pull"`
 * → `[{scheme: "bearer", params: {realm, service, scope}}]`. Quoted strings
 * may hold commas and `\"` escapes; several challenges may share one header.
 * Never throws; malformed pieces are skipped.
 */
export function parseWwwAuthenticate(header: string): Challenge[] {
  const out: { scheme: string; params: Record<string, string> }[] = [];
  let i = 0;
  const n = header.length;
  const skipWs = () => { while (i < n && /[\s,]/.test(header[i]!)) i++; };
  const token = () => { const s = i; while (i < n && /[!#$%&'*+.^_`|~0-9A-Za-z-]/.test(header[i]!)) i++; return header.slice(s, i); };
  while (i < n) {
    skipWs();
    const t = token();
    if (!t) { i++; continue; }
    let j = i; while (j < n && header[j] === " ") j++;
    if (header[j] === "=" && out.length > 0) {
      // "name=value": a parameter of the current challenge.
      i = j + 1;
      while (i < n && header[i] === " ") i++;
      let value = "";
      if (header[i] === '"') {
        i++;
        while (i < n && header[i] !== '"') {
          if (header[i] === "\\" && i + 1 < n) i++;
          value += header[i];
          i++;
        }
        i++;
      } else {
        const s = i;
        while (i < n && header[i] !== "," && header[i] !== " ") i++;
        value = header.slice(s, i);
      }
      out[out.length - 1]!.params[t.toLowerCase()] = value;
    } else {
      out.push({ scheme: t.toLowerCase(), params: {} });
      i = j;
    }
  }
  return out;
}

export interface EndpointOptions {
  /** Configured insecure (registries.conf) or a loopback host: HTTPS without verification, then HTTP. */
  readonly insecure?: boolean;
  /** --tls-verify when given: true forces verified HTTPS, false acts as insecure. Overrides `insecure`. */
  readonly tlsVerify?: boolean;
  /** Request timeout. @default 30000 (ms) */
  readonly timeoutMs?: number;
}

/** A reachable registry endpoint, as the ping found it. */
export interface RegistryEndpoint {
  readonly host: string;
  /** "https://host" or "http://host", no trailing slash. */
  readonly baseUrl: string;
  /** Skip certificate verification for HTTPS. */
  readonly skipVerify: boolean;
}

/** Extra `fetch` init for an endpoint (Bun's TLS option). */
export function fetchInit(ep: Pick<RegistryEndpoint, "skipVerify">, init: RequestInit = {}): RequestInit {
  return ep.skipVerify ? ({ ...init, tls: { rejectUnauthorized: false } } as RequestInit) : init;
}

export interface PingReport {
  readonly endpoint: RegistryEndpoint;
  /** HTTP status of GET /v2/ (200 open, 401 needs auth). */
  readonly status: number;
  readonly challenges: readonly Challenge[];
}

/** Bun's fetch errors in the words Podman (Go's net/http) uses for the same failures. */
function describeFetchError(e: unknown, url?: string): string {
  const err = e as { code?: string; message?: string; name?: string };
  const host = url ? new URL(url).host : "";
  switch (err.code) {
    case "ECONNREFUSED": case "ConnectionRefused": return `dial tcp ${host}: connect: connection refused`;
    case "ENOTFOUND": case "EAI_NONAME": return `dial tcp: lookup ${host.replace(/:\d+$/, "")}: no such host`;
    case "EPROTO": return "http: server gave HTTP response to HTTPS client";
    case "DEPTH_ZERO_SELF_SIGNED_CERT": case "SELF_SIGNED_CERT_IN_CHAIN": case "UNABLE_TO_VERIFY_LEAF_SIGNATURE": case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY":
      return "tls: failed to verify certificate: x509: certificate signed by unknown authority";
    case "ERR_TLS_CERT_ALTNAME_INVALID": return `tls: failed to verify certificate: x509: certificate is not valid for ${host}`;
  }
  if (err.name === "TimeoutError") return "i/o timeout";
  return err.code ? `${err.message ?? String(e)} (${err.code})` : (err.message ?? String(e));
}

/**
 * GET `/v2/` on `host` ("name[:port]"): HTTPS first (verified unless
 * insecure/tlsVerify=false); for insecure registries, a failed HTTPS
 * connection falls back to plain HTTP, as Docker and Podman do.
 * @throws SkiffError runtime `pinging container registry <host>: Get "<url>": <cause>`
 */
export async function pingRegistry(host: string, opts: EndpointOptions = {}): Promise<PingReport> {
  // An explicit --tls-verify wins over registries.conf and the loopback rule.
  const insecure = opts.tlsVerify !== undefined ? !opts.tlsVerify : opts.insecure === true;
  const attempts: RegistryEndpoint[] = [{ host, baseUrl: `https://${host}`, skipVerify: insecure }];
  if (insecure) attempts.push({ host, baseUrl: `http://${host}`, skipVerify: false });
  let last: unknown;
  for (const ep of attempts) {
    const url = `${ep.baseUrl}/v2/`;
    try {
      const res = await fetch(url, fetchInit(ep, { signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000), redirect: "follow" }));
      await res.arrayBuffer();
      const header = res.headers.get("www-authenticate");
      return { endpoint: ep, status: res.status, challenges: header ? parseWwwAuthenticate(header) : [] };
    } catch (e) {
      last = new SkiffError("runtime", `pinging container registry ${host}: Get "${url}": ${describeFetchError(e, url)}`, { cause: e });
    }
  }
  throw last;
}

export interface BearerToken {
  readonly token: string;
  /** Lifetime in seconds (the spec's default is 60). */
  readonly expiresIn: number;
}

export interface TokenOptions {
  /** TLS verification for the realm (a token server may be self-signed too). */
  readonly skipVerify?: boolean;
  readonly timeoutMs?: number;
}

/**
 * Fetches a bearer token from `challenge.params.realm` (distribution's token
 * spec): GET with `service`, one `scope` per entry of `scopes`
 * ("repository:library/busybox:pull"), `account=<username>` and Basic auth
 * when credentials are given.
 * @throws SkiffError invalid-argument "invalid username/password" on 401 with credentials;
 *   runtime `getting bearer token from "<realm>": …` otherwise
 */
export async function fetchBearerToken(
  challenge: Challenge,
  creds: Credentials | undefined,
  scopes: readonly string[],
  opts: TokenOptions = {},
): Promise<BearerToken> {
  const realm = challenge.params.realm;
  if (!realm) throw new SkiffError("runtime", "getting bearer token: missing realm in WWW-Authenticate challenge");
  let url: URL;
  try { url = new URL(realm); } catch {
    throw new SkiffError("runtime", `getting bearer token: invalid realm "${realm}"`);
  }
  if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
  for (const s of scopes) url.searchParams.append("scope", s);
  const headers: Record<string, string> = {};
  if (creds && (creds.username || creds.password)) {
    url.searchParams.set("account", creds.username);
    headers.Authorization = basicAuthHeader(creds);
  }
  let res: Response;
  try {
    res = await fetch(url, fetchInit({ skipVerify: opts.skipVerify === true }, { headers, signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000) }));
  } catch (e) {
    throw new SkiffError("runtime", `getting bearer token from "${realm}": ${describeFetchError(e, url.href)}`, { cause: e });
  }
  const text = await res.text();
  if (res.status === 401 && creds) throw new SkiffError("invalid-argument", "invalid username/password");
  if (!res.ok) {
    throw new SkiffError("runtime", `getting bearer token from "${realm}": ${res.status} ${res.statusText}${errorDetail(text)}`);
  }
  let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
  try { body = JSON.parse(text); } catch {
    throw new SkiffError("runtime", `getting bearer token from "${realm}": invalid JSON response`);
  }
  const token = typeof body.token === "string" && body.token ? body.token : typeof body.access_token === "string" ? body.access_token : "";
  if (!token) throw new SkiffError("runtime", `getting bearer token from "${realm}": no token in response`);
  const expiresIn = typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : 60;
  return { token, expiresIn };
}

/** `Basic base64(user:password)`. */
export function basicAuthHeader(creds: Pick<Credentials, "username" | "password">): string {
  return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}`;
}

/** ": <message>" from a distribution error body ({"errors":[{"message":…}]}), or "". */
function errorDetail(text: string): string {
  try {
    const j = JSON.parse(text) as { errors?: { message?: string }[]; details?: string };
    const m = j.errors?.[0]?.message ?? j.details;
    return m ? `: ${m}` : "";
  } catch { return ""; }
}

/**
 * Checks `creds` against a registry the way `podman login` does: ping
 * `/v2/`; 200 means no auth needed; a Basic challenge is answered with the
 * credentials; a Bearer challenge gets a token without scope from the realm
 * and retries `/v2/` with it.
 * @returns the endpoint that answered
 * @throws SkiffError invalid-argument "invalid username/password"; runtime for
 *   network errors or unexpected statuses
 */
export async function checkCredentials(host: string, creds: Credentials, opts: EndpointOptions = {}): Promise<RegistryEndpoint> {
  const ping = await pingRegistry(host, opts);
  const ep = ping.endpoint;
  if (ping.status === 200) return ep;
  if (ping.status !== 401) throw new SkiffError("runtime", `pinging container registry ${host}: unexpected status ${ping.status}`);
  const bearer = ping.challenges.find((c) => c.scheme === "bearer");
  const basic = ping.challenges.find((c) => c.scheme === "basic");
  let authorization: string;
  if (bearer) {
    const t = await fetchBearerToken(bearer, creds, [], { skipVerify: ep.skipVerify, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
    authorization = `Bearer ${t.token}`;
  } else if (basic) {
    authorization = basicAuthHeader(creds);
  } else {
    throw new SkiffError("runtime", `pinging container registry ${host}: unsupported authentication challenge`);
  }
  let res: Response;
  try {
    res = await fetch(`${ep.baseUrl}/v2/`, fetchInit(ep, { headers: { Authorization: authorization }, signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000) }));
    await res.arrayBuffer();
  } catch (e) {
    throw new SkiffError("runtime", `Get "${ep.baseUrl}/v2/": ${describeFetchError(e, ep.baseUrl)}`, { cause: e });
  }
  if (res.status === 200) return ep;
  if (res.status === 401) throw new SkiffError("invalid-argument", "invalid username/password");
  throw new SkiffError("runtime", `Get "${ep.baseUrl}/v2/": unexpected status ${res.status}`);
}

/**
 * An authorization hook for the registry client: given a 401's raw
 * `WWW-Authenticate` header and the scope being accessed
 * ("repository:library/busybox:pull"), returns the `Authorization` value —
 * `Bearer <token>` from the realm (anonymous when `creds` is undefined) or
 * `Basic …` — or undefined when there is nothing to offer (Basic without
 * credentials, unknown scheme).
 * @throws as `fetchBearerToken` (e.g. "invalid username/password")
 */
export function authorizerFor(
  creds: Credentials | undefined,
  opts: TokenOptions = {},
): (challenge: string, scope: string) => Promise<string | undefined> {
  return async (header, scope) => {
    const challenges = parseWwwAuthenticate(header);
    const bearer = challenges.find((c) => c.scheme === "bearer");
    if (bearer) {
      const scopes = scope ? [scope] : bearer.params.scope ? [bearer.params.scope] : [];
      return `Bearer ${(await fetchBearerToken(bearer, creds, scopes, opts)).token}`;
    }
    if (challenges.some((c) => c.scheme === "basic")) return creds ? basicAuthHeader(creds) : undefined;
    return undefined;
  };
}
