/**
 * `pull`: fetch an image from a registry into the store, as Podman does.
 *
 * Order of work, chosen so that a crash at any point leaves nothing visible:
 * 1. short name → candidates (registries.conf); each candidate's sources
 *    (mirrors, then the location) are tried in order;
 * 2. manifest (an index picks the platform's instance; both digests are
 *    remembered), config: stored as the exact bytes received;
 * 3. layers: all missing blobs download at once (at most LAYER_CONCURRENCY),
 *    each verified into the blob store, while layer N is unpacked as soon as
 *    its blob and layer N-1 are ready (ensureLayer verifies the diffID and
 *    unpacks once per chain ID, atomically). The first missing layer is
 *    unpacked while it downloads: the body is teed into the blob file and the
 *    unpack, whose stream ends only once the blob's digest is verified, so a
 *    bad blob fails the unpack and its temp folder is discarded;
 * 4. the image row last (putImage), so `images` never lists a half-pulled
 *    image and a killed pull is simply redone by the next one (blobs and
 *    layers already complete are reused).
 *
 * Image ID: hex of the config digest. Size: containers/storage's formula,
 * checked against `podman image inspect --format {{.Size}}` on the same
 * image — the layers' uncompressed sizes plus the image's "big data": the
 * manifest twice (stored under `manifest` and `manifest-<digest>`), the config
 * and, when pulled through an index, the index once.
 */
import type { Database } from "bun:sqlite";
import { SkiffError, messageOf } from "../lib/errors.ts";
import type { GlobalOptions } from "./options.ts";
import type { ImageReference, Digest } from "../image/reference.ts";
import type { AuthorizeHook, RegistryClient } from "../image/registry-client.ts";
import type { Credentials } from "../image/auth.ts";
import type { Descriptor, ImageConfig, ImageManifest } from "../image/manifest.ts";
import type { StoreLayout } from "../storage/layout.ts";
import type { EnsureLayerInput, LayerRecord } from "../storage/layers.ts";

/** Downloads in flight per pull: enough to fill a fast link, few enough for a small host. */
const LAYER_CONCURRENCY = 4;
/** Compressed bytes a download may run ahead of the unpack it feeds. */
const TEE_AHEAD_BYTES = 8 << 20;

export interface PullOptions {
  /** "os/arch[/variant]"; conflicts with arch/os/variant. */
  readonly platform?: string;
  readonly arch?: string;
  readonly os?: string;
  readonly variant?: string;
  /** @default true */
  readonly tlsVerify?: boolean;
  /** "user[:password]" (--creds). */
  readonly creds?: string;
  /** auth.json path (--authfile, REGISTRY_AUTH_FILE). */
  readonly authfile?: string;
  /** Pull every tag of the repository (-a). */
  readonly allTags?: boolean;
  /** Retries of transient network failures. @default 3 */
  readonly retry?: number;
  /** First retry delay in ms. @default 200 */
  readonly retryDelayMs?: number;
  /** Progress events for the CLI (no printing here). */
  readonly progress?: (e: PullEvent) => void;
}

/** What the CLI renders, in Podman's order. Blob digests are full "sha256:…". */
export type PullEvent =
  | { readonly type: "resolving"; readonly description: string }
  | { readonly type: "trying"; readonly ref: string }
  | { readonly type: "signatures" }
  | { readonly type: "blob-start"; readonly digest: Digest; readonly size: number }
  | { readonly type: "blob-progress"; readonly digest: Digest; readonly done: number; readonly size: number }
  | { readonly type: "blob-done"; readonly digest: Digest; readonly skipped: boolean }
  | { readonly type: "config"; readonly digest: Digest }
  | { readonly type: "manifest" }
  | { readonly type: "storing-signatures" };

export interface PullReport {
  /** Image ID (64 hex). */
  readonly id: string;
  /** Fully qualified names given to the image by this pull. */
  readonly names: string[];
  /** Digest of the image manifest (of the index when pulled through one, as Podman's RepoDigest of the pull). */
  readonly digest: Digest;
}

interface Ctx {
  readonly store: StoreLayout;
  readonly db: Database;
  readonly opts: PullOptions;
  readonly emit: (e: PullEvent) => void;
}

/**
 * Pulls `input` (as typed: short or qualified, tag or digest).
 * With `allTags` returns one report per tag, else exactly one.
 * @throws SkiffError invalid-argument for a bad reference, a bad platform
 *   choice, a refused manifest or digest mismatch; runtime for registry and
 *   network failures, in Podman's voice:
 *   `initializing source docker://h/r:t: reading manifest t in h/r: manifest unknown`
 */
export async function pullImage(global: GlobalOptions, input: string, opts: PullOptions = {}): Promise<PullReport[]> {
  const [{ loadRegistriesConf, resolveShortName, pullSources }, { openDb }, { parseReference, withTag, fullName }] = await Promise.all([
    import("../image/registries-conf.ts"),
    import("../storage/db.ts"),
    import("../image/reference.ts"),
  ]);
  const conf = await loadRegistriesConf(global.registriesConf !== undefined ? { registriesConf: global.registriesConf } : {});
  const ctx: Ctx = {
    store: { root: global.root, runroot: global.runroot },
    db: openDb(global.root),
    opts,
    emit: opts.progress ?? (() => {}),
  };

  if (opts.allTags) {
    const ref = parseReference(input);
    if (input.includes("@") || input.split("/").pop()!.includes(":")) {
      throw new SkiffError("invalid-argument", "tag can't be used with --all-tags/-a");
    }
    const res = resolveShortName(conf, input);
    const cand = res.candidates[0] ?? ref;
    const src = pullSources(conf, cand).at(-1)!;
    const client = await makeClient(src.ref.registry, src.insecure, src.ref.repository, ctx);
    const tags = await client.listTags(src.ref.repository).catch((e) => {
      throw new SkiffError("runtime", `getting repository tags: ${messageOf(e)}`, { cause: e });
    });
    const out: PullReport[] = [];
    for (const tag of tags) out.push(await pullCandidates(ctx, [withTag(cand, tag)], conf, pullSources, fullName));
    return out;
  }

  const res = resolveShortName(conf, input);
  if (res.description) ctx.emit({ type: "resolving", description: res.description });
  return [await pullCandidates(ctx, res.candidates, conf, pullSources, fullName)];
}

type Sources = typeof import("../image/registries-conf.ts").pullSources;
type Conf = Awaited<ReturnType<typeof import("../image/registries-conf.ts").loadRegistriesConf>>;

async function pullCandidates(
  ctx: Ctx,
  candidates: readonly ImageReference[],
  conf: Conf,
  pullSources: Sources,
  fullName: (r: ImageReference) => string,
): Promise<PullReport> {
  const errors: string[] = [];
  for (const cand of candidates) {
    ctx.emit({ type: "trying", ref: fullName(cand) });
    let lastErr: unknown;
    for (const src of pullSources(conf, cand)) {
      try {
        // Shared layers lock from the first blob to the image row: garbage
        // collection (rmi, prune) must not sweep blobs and layers no row points at yet.
        const { withLayersLock } = await import("../storage/layers.ts");
        return await withLayersLock(ctx.store, "shared", () => pullFrom(ctx, cand, src.ref, src.insecure, fullName));
      } catch (e) {
        lastErr = e;
        // A verification failure is not cured by another source of the same name.
        if (e instanceof SkiffError && e.kind === "invalid-argument") throw e;
      }
    }
    if (candidates.length === 1) throw lastErr;
    errors.push(messageOf(lastErr));
  }
  throw new SkiffError("runtime", `${errors.length} errors occurred while pulling: ${errors.map((m) => `* ${m}`).join("; ")}`);
}

async function makeClient(registry: string, insecure: boolean, repo: string, ctx: Ctx): Promise<RegistryClient> {
  const { RegistryClient } = await import("../image/registry-client.ts");
  return new RegistryClient({
    registry,
    insecure,
    tlsVerify: ctx.opts.tlsVerify ?? true,
    authorize: await authorizeHook(registry, repo, ctx.opts, insecure || ctx.opts.tlsVerify === false),
    retries: ctx.opts.retry ?? 3,
    retryDelayMs: ctx.opts.retryDelayMs ?? 200,
  });
}

/**
 * Answers a registry's challenge with the credentials Podman would use:
 * `--creds`, else auth.json (`--authfile`, $REGISTRY_AUTH_FILE, the default
 * files). Bearer → a token for the scope from the realm (anonymous when
 * there are no credentials); Basic → the credentials themselves.
 * @throws SkiffError invalid-argument for a malformed --creds
 */
export async function authorizeHook(registry: string, repo: string, opts: Pick<PullOptions, "creds" | "authfile">, skipVerify: boolean): Promise<AuthorizeHook> {
  const [{ getCredentials }, ra] = await Promise.all([import("../image/auth.ts"), import("../image/registry-auth.ts")]);
  let creds: Credentials | undefined;
  if (opts.creds !== undefined) {
    if (opts.creds === "") throw new SkiffError("invalid-argument", "credentials can't be empty");
    const i = opts.creds.indexOf(":");
    creds = i === -1 ? { username: opts.creds, password: "" } : { username: opts.creds.slice(0, i), password: opts.creds.slice(i + 1) };
  } else {
    creds = getCredentials(registry, repo, opts.authfile !== undefined ? { authfile: opts.authfile } : {});
  }
  return async (header, scope) => {
    const challenges = ra.parseWwwAuthenticate(header);
    const bearer = challenges.find((c) => c.scheme === "bearer");
    if (bearer) return `Bearer ${(await ra.fetchBearerToken(bearer, creds, [scope], { skipVerify })).token}`;
    if (challenges.some((c) => c.scheme === "basic") && creds) return ra.basicAuthHeader(creds);
    return undefined;
  };
}

/** Pulls `source` (the endpoint actually contacted), naming the image after `name` (what the user asked for). */
async function pullFrom(
  ctx: Ctx,
  name: ImageReference,
  source: ImageReference,
  insecure: boolean,
  fullName: (r: ImageReference) => string,
): Promise<PullReport> {
  const m = await import("../image/manifest.ts");
  const { chooseInstance } = await import("../image/platform.ts");
  const blobs = await import("../storage/blobs.ts");
  const { putImage } = await import("../storage/images.ts");
  const { store, db, emit } = ctx;
  const repo = source.repository;
  const transportName = `docker://${fullName(name)}`;
  // Errors reading from the source get Podman's "initializing source" context; the platform choice does not.
  const fromSource = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw new SkiffError(e instanceof SkiffError ? e.kind : "runtime", `initializing source ${transportName}: ${messageOf(e)}`, { cause: e });
    }
  };
  const client = await fromSource(() => makeClient(source.registry, insecure, repo, ctx));
  const digests: Digest[] = [];
  let indexBytes = 0;
  const top = await fromSource(async () => {
    const res = await client.getManifest(repo, source.digest ?? source.tag ?? "latest");
    const type = m.manifestMediaType(res.bytes, res.contentType);
    const digest = blobs.digestOf(res.bytes);
    if (source.digest && digest !== source.digest) {
      throw new SkiffError("invalid-argument", `digest mismatch: expected ${source.digest}, got ${digest}`);
    }
    return { bytes: res.bytes, type, digest };
  });
  let manifestBytes = top.bytes;
  let manifestType = top.type;
  let manifestDigest = top.digest;
  if (m.isIndexType(top.type)) {
    const index = m.parseManifest(top.bytes, top.type);
    if (index.kind !== "index") throw new SkiffError("invalid-argument", "invalid manifest list");
    const choice = chooseInstance(index.manifests, platformChoice(ctx.opts), transportName);
    blobs.putBlobBytes(store, top.bytes, top.digest);
    digests.push(top.digest);
    indexBytes = top.bytes.byteLength;
    const inst = await fromSource(async () => {
      const res = await client.getManifest(repo, choice.digest);
      const digest = blobs.digestOf(res.bytes);
      if (digest !== choice.digest) throw new SkiffError("invalid-argument", `digest mismatch: expected ${choice.digest}, got ${digest}`);
      const type = m.manifestMediaType(res.bytes, res.contentType);
      if (m.isIndexType(type)) throw new SkiffError("invalid-argument", "nested manifest lists are not supported");
      return { bytes: res.bytes, type, digest };
    });
    manifestBytes = inst.bytes;
    manifestType = inst.type;
    manifestDigest = inst.digest;
  }
  const manifest = m.parseManifest(manifestBytes, manifestType) as ImageManifest;
  digests.push(manifestDigest);

  emit({ type: "signatures" });
  // Config first: small, and it carries the diffIDs the layers are checked against.
  const configBytes = await fetchSmallBlob(ctx, client, repo, manifest.config);
  const config: ImageConfig = m.parseImageConfig(configBytes);
  if (config.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new SkiffError(
      "invalid-argument",
      `image config has ${config.rootfs.diff_ids.length} diff_ids but the manifest lists ${manifest.layers.length} layers`,
    );
  }
  const id = manifest.config.digest.slice("sha256:".length);

  const { topLayer, layersSize } = await storeLayers(ctx, client, repo, manifest.layers, config.rootfs.diff_ids);
  emit({ type: "config", digest: manifest.config.digest });
  emit({ type: "manifest" });
  blobs.putBlobBytes(store, manifestBytes, manifestDigest);
  const size = layersSize + 2 * manifestBytes.byteLength + configBytes.byteLength + indexBytes;
  const names = [fullName(name)];
  putImage(
    db,
    { id, topLayer, manifestDigest, manifestMediaType: manifestType, digests, size, created: m.createdMs(config) },
    names,
  );
  emit({ type: "storing-signatures" });
  return { id, names, digest: digests[0]! };
}

function platformChoice(o: PullOptions): { platform?: string; os?: string; arch?: string; variant?: string } {
  return {
    ...(o.platform !== undefined ? { platform: o.platform } : {}),
    ...(o.os !== undefined ? { os: o.os } : {}),
    ...(o.arch !== undefined ? { arch: o.arch } : {}),
    ...(o.variant !== undefined ? { variant: o.variant } : {}),
  };
}

/** Fetches a config into the blob store (reused if present and valid) and returns its bytes. */
async function fetchSmallBlob(ctx: Ctx, client: RegistryClient, repo: string, d: Descriptor): Promise<Uint8Array> {
  const blobs = await import("../storage/blobs.ts");
  if (!(await blobs.hasBlob(ctx.store, d.digest, { size: d.size }))) {
    await downloadBlob(ctx, client, repo, d, false);
  }
  return blobs.readBlob(ctx.store, d.digest);
}

/**
 * Downloads one blob into the store, verified. A transient failure mid-body
 * (connection reset) restarts the download, up to the retry count.
 */
async function downloadBlob(ctx: Ctx, client: RegistryClient, repo: string, d: Descriptor, progress: boolean): Promise<void> {
  const { putBlobStream } = await import("../storage/blobs.ts");
  const { isTransient } = await import("../image/registry-client.ts");
  const max = ctx.opts.retry ?? 3;
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await client.getBlob(repo, d.digest);
      await putBlobStream(ctx.store, d.digest, res.body ?? new ReadableStream(), {
        size: d.size,
        ...(progress ? { onProgress: (done: number) => ctx.emit({ type: "blob-progress", digest: d.digest, done, size: d.size }) } : {}),
      });
      return;
    } catch (e) {
      if (attempt >= max || !isTransient(e)) {
        throw new SkiffError(e instanceof SkiffError ? e.kind : "runtime", `copying blob ${d.digest}: ${messageOf(e)}`, { cause: e });
      }
      await new Promise((r) => setTimeout(r, (ctx.opts.retryDelayMs ?? 200) << attempt));
    }
  }
}

/**
 * Downloads blob `d` into the store and, at the same time, hands its bytes to
 * `unpack` (ensureLayer). The unpack's stream ends only after the blob was
 * verified and installed, and fails with the blob's error otherwise, so a
 * layer is never committed from unverified bytes; the download waits when it
 * runs TEE_AHEAD_BYTES ahead of the unpack.
 * @returns the layer, or undefined when the download failed transiently
 *   (the caller then downloads with retries and unpacks from the store)
 * @throws the unpack's error (diffID mismatch, hostile entry), or the
 *   download's as `copying blob <digest>: …` (digest mismatch, truncation, HTTP error)
 */
async function unpackWhileDownloading<T>(
  ctx: Ctx,
  client: RegistryClient,
  repo: string,
  d: Descriptor,
  unpack: (open: () => AsyncIterable<Uint8Array>) => Promise<T>,
): Promise<T | undefined> {
  const { putBlobStream } = await import("../storage/blobs.ts");
  const { isTransient } = await import("../image/registry-client.ts");
  let res: Response;
  try {
    res = await client.getBlob(repo, d.digest);
  } catch (e) {
    if (isTransient(e)) return undefined;
    throw new SkiffError(e instanceof SkiffError ? e.kind : "runtime", `copying blob ${d.digest}: ${messageOf(e)}`, { cause: e });
  }
  const body = res.body ?? new ReadableStream<Uint8Array>();
  const pipe = new ChunkPipe(TEE_AHEAD_BYTES);
  async function* tee(): AsyncGenerator<Uint8Array> {
    for await (const c of body as AsyncIterable<Uint8Array>) {
      await pipe.push(c);
      yield c;
    }
  }
  // Set by the download's failure, read after the unpack's: a holder, as TS narrows a plain `let` to null.
  const state: { blobError: { readonly e: unknown } | null } = { blobError: null };
  const blob = putBlobStream(ctx.store, d.digest, tee(), {
    size: d.size,
    onProgress: (done: number) => ctx.emit({ type: "blob-progress", digest: d.digest, done, size: d.size }),
  }).then(
    () => pipe.end(),
    (e: unknown) => {
      state.blobError ??= { e };
      pipe.fail(e);
    },
  );
  let out: T;
  try {
    out = await unpack(() => pipe);
  } catch (e) {
    const fromBlob = state.blobError;
    pipe.cancel(e);
    await blob;
    if (fromBlob === null) throw e;
    if (isTransient(fromBlob.e)) return undefined;
    throw new SkiffError(fromBlob.e instanceof SkiffError ? fromBlob.e.kind : "runtime", `copying blob ${d.digest}: ${messageOf(fromBlob.e)}`, { cause: fromBlob.e });
  }
  // An unpack that did not read the stream (the layer was stored meanwhile) stops the download.
  pipe.cancel(new SkiffError("runtime", "download no longer needed"));
  await blob;
  return out;
}

/**
 * A bounded hand-off of chunks from one producer (the download) to one
 * consumer (the unpack). The consumer's iteration ends only at `end()` and
 * throws what `fail()` or `cancel()` gave; `push` waits while more than
 * `limit` bytes are queued and throws once cancelled.
 */
class ChunkPipe implements AsyncIterable<Uint8Array> {
  private readonly chunks: Uint8Array[] = [];
  private bytes = 0;
  private ended = false;
  private error: { readonly e: unknown } | null = null;
  private wakeReader: (() => void) | null = null;
  private wakeWriter: (() => void) | null = null;

  constructor(private readonly limit: number) {}

  async push(c: Uint8Array): Promise<void> {
    this.check();
    this.chunks.push(c);
    this.bytes += c.length;
    this.wake("reader");
    while (this.bytes > this.limit && this.error === null) await new Promise<void>((r) => (this.wakeWriter = r));
    this.check();
  }

  private check(): void {
    if (this.error) throw this.error.e;
  }

  /** The producer is done and its bytes are good. */
  end(): void {
    if (this.ended || this.error) return;
    this.ended = true;
    this.wake("reader");
  }

  /** The producer failed (or the consumer gave up): both sides see `e`. */
  fail(e: unknown): void {
    if (this.ended || this.error) return;
    this.error = { e };
    this.wake("reader");
    this.wake("writer");
  }

  cancel(e: unknown): void {
    this.fail(e);
  }

  private wake(who: "reader" | "writer"): void {
    const w = who === "reader" ? this.wakeReader : this.wakeWriter;
    if (who === "reader") this.wakeReader = null;
    else this.wakeWriter = null;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (;;) {
      this.check();
      if (this.chunks.length > 0) {
        // Whatever has queued up goes as one chunk: fewer, larger hand-offs to the decompressor.
        const c = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
        this.chunks.length = 0;
        this.bytes = 0;
        this.wake("writer");
        yield c;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((r) => (this.wakeReader = r));
    }
  }
}

/**
 * Downloads missing layer blobs in parallel and unpacks them in order.
 * @returns the top layer's chain ID (null without layers) and the sum of the
 *   layers' uncompressed sizes
 */
async function storeLayers(
  ctx: Ctx,
  client: RegistryClient,
  repo: string,
  layers: readonly Descriptor[],
  diffIds: readonly Digest[],
): Promise<{ topLayer: Digest | null; layersSize: number }> {
  const { ensureLayer, chainIdOf, getLayer } = await import("../storage/layers.ts");
  const blobs = await import("../storage/blobs.ts");
  const { store, db, emit } = ctx;

  // Which layers are already unpacked (by chain ID): they are not unpacked again.
  const chainIds: Digest[] = [];
  let parent: Digest | null = null;
  for (const diffId of diffIds) {
    parent = chainIdOf(parent, diffId);
    chainIds.push(parent);
  }
  const present = chainIds.map((c) => getLayer(db, c) !== undefined);

  // Start every needed download now, LAYER_CONCURRENCY at a time, in layer order.
  let next = 0;
  const gates = layers.map(() => {
    let open!: () => void;
    const p = new Promise<void>((r) => (open = r));
    return { p, open };
  });
  // The first missing layer sits on stored ones: it can be unpacked as its blob arrives.
  const teeIndex = present.indexOf(false);
  const teed = layers.map(() => false);
  const fetchOne = async (i: number): Promise<void> => {
    const d = layers[i]!;
    if (await blobs.hasBlob(store, d.digest, { size: d.size })) {
      emit({ type: "blob-done", digest: d.digest, skipped: true });
      return;
    }
    emit({ type: "blob-start", digest: d.digest, size: d.size });
    // A layer already unpacked (from a commit, a build, a load, or another
    // compression of it) still gets this manifest's blob: save and push read
    // an image's layers through its manifest.
    if (present[i]) {
      await downloadBlob(ctx, client, repo, d, true);
      emit({ type: "blob-done", digest: d.digest, skipped: false });
    } else if (i === teeIndex) teed[i] = true; // downloaded by the unpack loop below
    else await downloadBlob(ctx, client, repo, d, true);
  };
  const results: (Promise<void> | undefined)[] = layers.map(() => undefined);
  const worker = async (): Promise<void> => {
    while (next < layers.length) {
      const i = next++;
      const p = fetchOne(i);
      results[i] = p;
      gates[i]!.open();
      await p;
    }
  };
  const workers = Array.from({ length: Math.min(LAYER_CONCURRENCY, layers.length) }, worker);
  // Failed downloads surface through `results`; keep the workers' rejections from going unhandled.
  const allWorkers = Promise.all(workers);
  allWorkers.catch(() => {});

  let layersSize = 0;
  parent = null;
  try {
    for (let i = 0; i < layers.length; i++) {
      await gates[i]!.p;
      await results[i];
      const d = layers[i]!;
      const input: Omit<EnsureLayerInput, "open"> = { parent, diffId: diffIds[i]!, compressedDigest: d.digest, compressedSize: d.size, mediaType: d.mediaType };
      let rec: LayerRecord | undefined = teed[i] ? await unpackWhileDownloading(ctx, client, repo, d, (open) => ensureLayer(store, db, { ...input, open })) : undefined;
      if (rec === undefined) {
        // Not teed, or the teed download broke off (transient): download with retries, then unpack the stored blob.
        if (teed[i]) await downloadBlob(ctx, client, repo, d, true);
        rec = await ensureLayer(store, db, { ...input, open: () => blobs.blobStream(store, d.digest) });
      }
      if (!present[i]) emit({ type: "blob-done", digest: d.digest, skipped: false });
      layersSize += rec.uncompressedSize;
      parent = rec.chainId;
    }
  } finally {
    // Do not leave downloads running behind a failure (they would write after we return).
    await allWorkers.catch(() => {});
  }
  return { topLayer: parent, layersSize };
}
