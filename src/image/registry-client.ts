/**
 * A client for one registry speaking the OCI Distribution spec (Docker
 * Registry HTTP API v2), as containers/image's docker transport uses it:
 *
 * - ping `GET /v2/` picks the scheme: HTTPS, or for an insecure registry
 *   (registries.conf `insecure`, `--tls-verify=false`, loopback by default)
 *   HTTPS without verification and then plain HTTP;
 * - a 401 with `WWW-Authenticate` is answered once per scope through the
 *   `authorize` hook (Bearer token or Basic), and the header is cached for the
 *   process;
 * - transient failures (connection reset/refused mid-pull, 5xx, 429) are
 *   retried up to `retries` times with exponential backoff (Retry-After
 *   honoured up to 10 s);
 * - redirects (blob storage backends) are followed by hand so that
 *   `Authorization` never leaves the registry's host.
 *
 * Errors speak Podman's voice and name the registry, e.g.
 * `reading manifest latest in localhost:5000/x: manifest unknown`.
 */
import { SkiffError } from "../lib/errors.ts";
import { MANIFEST_ACCEPT } from "./manifest.ts";
import type { Digest } from "./reference.ts";

/**
 * Answers an auth challenge: returns the `Authorization` header value for
 * `scope` ("repository:<repo>:pull"), or undefined when there is nothing to
 * offer (anonymous). `challenge` is the raw `WWW-Authenticate` header.
 */
export type AuthorizeHook = (challenge: string, scope: string) => Promise<string | undefined>;

export interface RegistryClientOptions {
  /** Registry as named in the reference, "host[:port]" (used in messages). */
  readonly registry: string;
  /** Where to connect when different (registries.conf `location`/mirror). @default registry */
  readonly location?: string;
  /** Plain HTTP / unverified TLS allowed. @default false */
  readonly insecure?: boolean;
  /** Verify TLS certificates. @default true; false implies insecure */
  readonly tlsVerify?: boolean;
  readonly authorize?: AuthorizeHook;
  /** Retries of a transient failure. @default 3 */
  readonly retries?: number;
  /** First backoff delay in ms (doubles each retry). @default 200 */
  readonly retryDelayMs?: number;
}

export interface ManifestResponse {
  /** The exact bytes served. */
  readonly bytes: Uint8Array;
  /** Content-Type without parameters ("" if absent). */
  readonly contentType: string;
  /** Docker-Content-Digest, when the registry sent it. */
  readonly digestHeader?: string;
}

// ECONNREFUSED is final: nothing listens, and retrying only delays the error.
const TRANSIENT = new Set(["ECONNRESET", "EPIPE", "ETIMEDOUT", "ECONNABORTED", "UND_ERR_SOCKET"]);

/** Whether an error from fetch or a body read is worth retrying. */
export function isTransient(e: unknown): boolean {
  if (e instanceof RegistryHttpError) return e.status >= 500 || e.status === 429 || e.status === 408;
  const code = (e as { code?: string } | null)?.code;
  return typeof code === "string" && TRANSIENT.has(code);
}

/** A non-2xx answer; `message` is the registry's error text (Podman's rendering). */
export class RegistryHttpError extends SkiffError {
  constructor(readonly status: number, message: string, readonly retryAfterMs?: number) {
    super(status === 404 ? "not-found" : "runtime", message);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function isLoopback(host: string): boolean {
  const h = host.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\./.test(h);
}

/** Go-style rendering of a network error for the one-line messages. */
function describeNetError(e: unknown, url: string): string {
  const err = e as { code?: string; message?: string };
  const u = new URL(url);
  const hostPort = u.port ? `${u.hostname}:${u.port}` : `${u.hostname}:${u.protocol === "https:" ? 443 : 80}`;
  switch (err.code) {
    case "ECONNREFUSED": case "ConnectionRefused":
      return `Get "${url}": dial tcp ${hostPort}: connect: connection refused`;
    case "ENOTFOUND": case "EAI_NONAME": case "DNSException": case "ConnectionFailed":
      if (!/^\d|\[/.test(u.hostname)) return `Get "${url}": dial tcp: lookup ${u.hostname}: no such host`;
      return `Get "${url}": dial tcp ${hostPort}: connect: ${err.message ?? "connection failed"}`;
    case "ECONNRESET":
      return `Get "${url}": read tcp ${hostPort}: connection reset by peer`;
    default:
      return `Get "${url}": ${(err.message ?? String(e)).replace(/\.$/, "")}`;
  }
}

async function errorText(res: Response): Promise<string> {
  let text = "";
  try { text = await res.text(); } catch {}
  try {
    const body = JSON.parse(text) as { errors?: { code?: string; message?: string; detail?: unknown }[] };
    if (Array.isArray(body.errors) && body.errors.length > 0) {
      // distribution's errcode: "<code as words>: <message>" (e.g. "manifest unknown: manifest unknown").
      return body.errors
        .map((e) => {
          const code = (e.code ?? "").toLowerCase().replace(/_/g, " ");
          return e.message ? (code ? `${code}: ${e.message}` : e.message) : code;
        })
        .join("; ");
    }
  } catch {}
  if (res.status === 401) return "unauthorized: authentication required";
  if (res.status === 404) return "manifest unknown";
  return `StatusCode: ${res.status}, ${text.trim().slice(0, 200) || res.statusText}`;
}

function retryAfter(res: Response): number | undefined {
  const h = res.headers.get("retry-after");
  if (!h) return undefined;
  const s = Number(h);
  return Number.isFinite(s) ? Math.min(s * 1000, 10_000) : undefined;
}

/** One registry, one process: scheme, auth headers and tokens are cached on the instance. */
export class RegistryClient {
  readonly registry: string;
  private readonly location: string;
  private readonly insecure: boolean;
  private readonly tlsVerify: boolean;
  private base: string | undefined;
  private readonly authCache = new Map<string, string | undefined>();

  constructor(private readonly opts: RegistryClientOptions) {
    this.registry = opts.registry;
    this.location = opts.location ?? opts.registry;
    this.tlsVerify = opts.tlsVerify ?? true;
    this.insecure = (opts.insecure ?? false) || !this.tlsVerify;
  }

  private fetchInit(extra: RequestInit): RequestInit {
    const init: RequestInit & { tls?: { rejectUnauthorized: boolean } } = { redirect: "manual", ...extra };
    if (this.insecure) init.tls = { rejectUnauthorized: false };
    return init;
  }

  /**
   * Pings `/v2/` and remembers the scheme. A 200 or 401 means "a registry".
   * @throws SkiffError runtime `pinging container registry <host>: Get "…": …`
   */
  async ping(): Promise<void> {
    if (this.base) return;
    // Plain HTTP is tried only where allowed, after HTTPS, as containers/image does.
    const schemes = this.insecure ? ["https", "http"] : ["https"];
    let lastErr = "";
    for (const scheme of schemes) {
      const url = `${scheme}://${this.location}/v2/`;
      try {
        const res = await this.withRetry(() => fetch(url, this.fetchInit({ method: "GET" })));
        await res.body?.cancel().catch(() => {});
        if (res.status === 200 || res.status === 401) {
          this.base = `${scheme}://${this.location}`;
          return;
        }
        lastErr ||= `StatusCode: ${res.status}, ${res.statusText}`;
      } catch (e) {
        // containers/image reports the HTTPS attempt's error, also when HTTP was tried after it.
        lastErr ||= describeNetError(e, url);
      }
    }
    throw new SkiffError("runtime", `pinging container registry ${this.registry}: ${lastErr}`);
  }

  private async withRetry<T>(fn: () => Promise<T>): Promise<T> {
    const max = this.opts.retries ?? 3;
    let delay = this.opts.retryDelayMs ?? 200;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (attempt >= max || !isTransient(e)) throw e;
        const ra = e instanceof RegistryHttpError ? e.retryAfterMs : undefined;
        await sleep(ra ?? delay);
        delay *= 2;
      }
    }
  }

  /**
   * An authenticated request under `scope`, following redirects by hand
   * (Authorization kept only on the registry's own host). Non-2xx answers
   * become RegistryHttpError (5xx/429 are retried).
   */
  private async request(path: string, scope: string, init: RequestInit & { headers?: Record<string, string> }): Promise<Response> {
    await this.ping();
    return this.withRetry(async () => {
      // Upload sessions hand out absolute Locations: take them as they are.
      let url = /^https?:\/\//.test(path) ? path : `${this.base}${path}`;
      let auth = this.authCache.get(scope);
      let challenged = false;
      for (let hops = 0; hops < 10; hops++) {
        const sameHost = new URL(url).host === new URL(this.base!).host;
        const headers: Record<string, string> = { ...init.headers };
        if (auth && sameHost) headers.authorization = auth;
        let res: Response;
        try {
          res = await fetch(url, this.fetchInit({ ...init, headers }));
        } catch (e) {
          const code = (e as { code?: string }).code;
          throw Object.assign(new SkiffError("runtime", describeNetError(e, url)), { code });
        }
        if (res.status === 401 && sameHost && !challenged && this.opts.authorize) {
          const challenge = res.headers.get("www-authenticate");
          await res.body?.cancel().catch(() => {});
          if (!challenge) throw new RegistryHttpError(401, "unauthorized: authentication required");
          challenged = true;
          auth = await this.opts.authorize(challenge, scope);
          this.authCache.set(scope, auth);
          if (auth === undefined) throw new RegistryHttpError(401, "unauthorized: authentication required");
          continue;
        }
        if (res.status >= 300 && res.status < 400 && res.headers.get("location")) {
          await res.body?.cancel().catch(() => {});
          url = new URL(res.headers.get("location")!, url).toString();
          continue;
        }
        if (res.status < 200 || res.status >= 300) {
          throw new RegistryHttpError(res.status, await errorText(res), retryAfter(res));
        }
        return res;
      }
      throw new SkiffError("runtime", `too many redirects for ${path}`);
    });
  }

  private static scope(repo: string): string {
    return `repository:${repo}:pull`;
  }

  /**
   * GET a manifest by tag or digest, with the Accept list of every supported
   * type (distribution 2.8 serves an index only when Accept names it).
   * @throws SkiffError `reading manifest <ref> in <registry>/<repo>: <registry's message>`
   */
  async getManifest(repo: string, reference: string): Promise<ManifestResponse> {
    try {
      const res = await this.request(`/v2/${repo}/manifests/${reference}`, RegistryClient.scope(repo), {
        method: "GET",
        headers: { accept: MANIFEST_ACCEPT },
      });
      const bytes = new Uint8Array(await res.arrayBuffer());
      const contentType = (res.headers.get("content-type") ?? "").split(";")[0]!.trim();
      const dh = res.headers.get("docker-content-digest");
      return dh ? { bytes, contentType, digestHeader: dh } : { bytes, contentType };
    } catch (e) {
      throw this.context(e, `reading manifest ${reference} in ${this.registry}/${repo}`);
    }
  }

  /**
   * HEAD a manifest: its digest (Docker-Content-Digest), or undefined if the
   * registry does not send it.
   * @throws SkiffError as getManifest
   */
  async headManifest(repo: string, reference: string): Promise<Digest | undefined> {
    try {
      const res = await this.request(`/v2/${repo}/manifests/${reference}`, RegistryClient.scope(repo), {
        method: "HEAD",
        headers: { accept: MANIFEST_ACCEPT },
      });
      const d = res.headers.get("docker-content-digest");
      return d && /^sha256:[a-f0-9]{64}$/.test(d) ? (d as Digest) : undefined;
    } catch (e) {
      throw this.context(e, `reading manifest ${reference} in ${this.registry}/${repo}`);
    }
  }

  /**
   * GET a blob; the caller reads (and verifies) the body stream.
   * @throws SkiffError `reading blob sha256:… in <registry>/<repo>: …`
   */
  async getBlob(repo: string, digest: Digest): Promise<Response> {
    try {
      return await this.request(`/v2/${repo}/blobs/${digest}`, RegistryClient.scope(repo), { method: "GET" });
    } catch (e) {
      throw this.context(e, `reading blob ${digest} in ${this.registry}/${repo}`);
    }
  }

  /**
   * Every tag of `repo`, following `Link: <…>; rel="next"` pages.
   * @throws SkiffError `fetching tags list: …`
   */
  async listTags(repo: string): Promise<string[]> {
    const tags: string[] = [];
    let path: string | undefined = `/v2/${repo}/tags/list`;
    try {
      for (let pages = 0; path && pages < 1000; pages++) {
        const res: Response = await this.request(path, RegistryClient.scope(repo), { method: "GET", headers: { accept: "application/json" } });
        const body = (await res.json()) as { tags?: string[] | null };
        tags.push(...(body.tags ?? []));
        const link = res.headers.get("link");
        const next = link?.match(/<([^>]+)>\s*;\s*rel="?next"?/);
        path = next ? new URL(next[1]!, `${this.base}${path}`).pathname + new URL(next[1]!, `${this.base}${path}`).search : undefined;
      }
    } catch (e) {
      throw this.context(e, "fetching tags list");
    }
    return tags;
  }

  private static pushScope(repo: string): string {
    return `repository:${repo}:pull,push`;
  }

  /**
   * HEAD a blob in `repo` (push side: whether it must be sent).
   * @returns true on 200, false on 404
   * @throws SkiffError `checking whether a blob sha256:… exists in <registry>/<repo>: …`
   */
  async hasBlob(repo: string, digest: Digest): Promise<boolean> {
    try {
      const res = await this.request(`/v2/${repo}/blobs/${digest}`, RegistryClient.pushScope(repo), { method: "HEAD" });
      await res.body?.cancel().catch(() => {});
      return true;
    } catch (e) {
      if (e instanceof RegistryHttpError && e.status === 404) return false;
      throw this.context(e, `checking whether a blob ${digest} exists in ${this.registry}/${repo}`);
    }
  }

  /**
   * Uploads a blob monolithically (distribution spec "POST then PUT"): POST
   * `/v2/<repo>/blobs/uploads/` opens a session, PUT `<Location>&digest=…`
   * sends the bytes. `body` is re-read on a retry, so pass something
   * re-readable (a Bun.file, bytes).
   * @throws SkiffError `writing blob: …` with the registry's message
   */
  async putBlob(repo: string, digest: Digest, size: number, body: Blob | Uint8Array): Promise<void> {
    try {
      const start = await this.request(`/v2/${repo}/blobs/uploads/`, RegistryClient.pushScope(repo), {
        method: "POST",
        headers: { "content-length": "0" },
      });
      await start.body?.cancel().catch(() => {});
      const loc = start.headers.get("location");
      if (!loc) throw new SkiffError("runtime", "initiating upload: registry sent no Location");
      const url = new URL(loc, `${this.base}/`);
      url.searchParams.set("digest", digest);
      const res = await this.request(url.toString(), RegistryClient.pushScope(repo), {
        method: "PUT",
        headers: { "content-type": "application/octet-stream", "content-length": String(size) },
        body,
      });
      await res.body?.cancel().catch(() => {});
    } catch (e) {
      throw this.context(e, "writing blob");
    }
  }

  /**
   * PUT a manifest under a tag or digest.
   * @returns the registry's Docker-Content-Digest, when sent
   * @throws SkiffError `writing manifest: uploading manifest <ref> to <registry>/<repo>: …`
   */
  async putManifest(repo: string, reference: string, bytes: Uint8Array, mediaType: string): Promise<string | undefined> {
    try {
      const res = await this.request(`/v2/${repo}/manifests/${reference}`, RegistryClient.pushScope(repo), {
        method: "PUT",
        headers: { "content-type": mediaType },
        body: bytes,
      });
      await res.body?.cancel().catch(() => {});
      return res.headers.get("docker-content-digest") ?? undefined;
    } catch (e) {
      throw this.context(e, `writing manifest: uploading manifest ${reference} to ${this.registry}/${repo}`);
    }
  }

  private context(e: unknown, what: string): SkiffError {
    const msg = e instanceof Error ? e.message : String(e);
    if (msg.startsWith("pinging container registry")) return e instanceof SkiffError ? e : new SkiffError("runtime", msg);
    const kind = e instanceof SkiffError ? e.kind : "runtime";
    return new SkiffError(kind, `${what}: ${msg}`, { cause: e });
  }
}

/** Whether `host` is plain-HTTP-capable by default (loopback, as Docker treats 127.0.0.0/8). */
export function loopbackRegistry(host: string): boolean {
  return isLoopback(host);
}
