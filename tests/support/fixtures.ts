/**
 * The offline test world for end-to-end tests: local registries holding the
 * fixture images, made by fixtures/setup.sh without skiff.
 *
 *   beforeAll(async () => { fx = await ensureFixtures(); }, 600_000);
 *   await store.run(["pull", fx.images.busybox], { env: fx.env });
 *
 * The first call in a test process runs fixtures/setup.sh (seconds when its
 * cache is warm, minutes on a fresh machine: debootstrap), unless the
 * registries already answer and $CACHE/state.json carries the current
 * FIXTURE_VERSION. Later calls return the memoized result.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import expectedFacts from "../../fixtures/expected.json";

const repo = resolve(import.meta.dir, "../..");
const setupScript = join(repo, "fixtures/setup.sh");

/** Files, owners and links a correct pull of the special images yields. */
export type ExpectedFacts = typeof expectedFacts;

export interface FixtureInfo {
  /** Plain HTTP registry, no auth, every image: "localhost:5000". */
  readonly registry: string;
  /** htpasswd basic-auth registry holding busybox:latest: "localhost:5001". */
  readonly authRegistry: string;
  /** Bearer-token registry holding busybox:latest: "localhost:5002". */
  readonly tokenRegistry: string;
  /** The token server's base URL (realm is `${tokenServer}/token`). */
  readonly tokenServer: string;
  /** The token registry's `service` (the JWT audience). */
  readonly tokenService: string;
  readonly user: string;
  readonly password: string;
  /** fixtures/registries.conf: short names resolve to localhost:5000, all three insecure. */
  readonly registriesConf: string;
  /** Environment for skiff (and skopeo/podman) in tests: CONTAINERS_REGISTRIES_CONF. */
  readonly env: Readonly<Record<string, string>>;
  /** Fully-qualified references of the fixture images. */
  readonly images: {
    readonly busybox: string;
    readonly busybox136: string;
    /** Same content as busybox, pushed in OCI format. */
    readonly busyboxOci: string;
    readonly debian: string;
    /** Only tag of its repository: no `latest`. */
    readonly notlatest: string;
    /** OCI image index, linux/amd64 + linux/arm64/v8. */
    readonly multiarch: string;
    /** Docker schema2 manifest list, same platforms. */
    readonly multiarchV2List: string;
    readonly layered: string;
    readonly zstd: string;
    readonly hostile: string;
  };
  /** Manifest digests served, keyed "PORT/repo:tag" (e.g. "5000/busybox:latest"). */
  readonly digests: Readonly<Record<string, string>>;
  readonly expected: ExpectedFacts;
}

interface SetupState {
  version: number;
  buildId: string;
  digests: Record<string, string>;
}

let memo: Promise<FixtureInfo> | undefined;

/**
 * Makes sure the fixture registries run and hold every image, then describes
 * them. Runs fixtures/setup.sh at most once per process (as root).
 * @throws Error with setup.sh's output when the set-up fails.
 */
export function ensureFixtures(): Promise<FixtureInfo> {
  memo ??= prepare().catch((err: unknown) => {
    memo = undefined;
    throw err;
  });
  return memo;
}

/** The cache folder setup.sh uses ($SKIFF_FIXTURES_CACHE or /var/cache/skiff-fixtures). */
export function fixtureCacheDir(): string {
  return process.env.SKIFF_FIXTURES_CACHE ?? "/var/cache/skiff-fixtures";
}

function currentVersion(): number {
  const m = readFileSync(setupScript, "utf8").match(/^FIXTURE_VERSION=(\d+)$/m);
  if (!m?.[1]) throw new Error("fixtures/setup.sh has no FIXTURE_VERSION line");
  return Number(m[1]);
}

function readState(): SetupState | undefined {
  const path = join(fixtureCacheDir(), "state.json");
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as SetupState;
  } catch {
    return undefined;
  }
}

async function status(url: string): Promise<number> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

async function allUp(): Promise<boolean> {
  const codes = await Promise.all([
    status("http://127.0.0.1:5000/v2/"),
    status("http://127.0.0.1:5001/v2/"),
    status("http://127.0.0.1:5002/v2/"),
    status("http://127.0.0.1:5003/health"),
  ]);
  return codes.join(",") === "200,401,401,200";
}

async function runSetup(): Promise<void> {
  const proc = Bun.spawn(["bash", setupScript], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new Error(`fixtures/setup.sh exited ${code}:\n${out}${err}`);
}

const ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(",");

/** True when :5000 still serves every tag at the digest setup.sh pushed (a test may have pushed over one). */
async function tagsIntact(state: SetupState): Promise<boolean> {
  const checks = Object.entries(state.digests)
    .filter(([key]) => key.startsWith("5000/"))
    .map(async ([key, digest]) => {
      const [repo, tag] = key.slice("5000/".length).split(":");
      try {
        const res = await fetch(`http://127.0.0.1:5000/v2/${repo}/manifests/${tag}`, {
          method: "HEAD",
          headers: { accept: ACCEPT },
          signal: AbortSignal.timeout(2000),
        });
        return res.headers.get("docker-content-digest") === digest;
      } catch {
        return false;
      }
    });
  return checks.length > 0 && (await Promise.all(checks)).every(Boolean);
}

async function prepare(): Promise<FixtureInfo> {
  const state = readState();
  if (state?.version !== currentVersion() || !(await allUp()) || !(await tagsIntact(state))) await runSetup();
  const fresh = readState();
  if (!fresh) throw new Error(`fixtures/setup.sh left no ${join(fixtureCacheDir(), "state.json")}`);
  const registry = "localhost:5000";
  const registriesConf = join(repo, "fixtures/registries.conf");
  return {
    registry,
    authRegistry: "localhost:5001",
    tokenRegistry: "localhost:5002",
    tokenServer: "http://127.0.0.1:5003",
    tokenService: "skiff-test-registry",
    user: "testuser",
    password: "testpassword",
    registriesConf,
    env: { CONTAINERS_REGISTRIES_CONF: registriesConf },
    images: {
      busybox: `${registry}/busybox:latest`,
      busybox136: `${registry}/busybox:1.36`,
      busyboxOci: `${registry}/busybox:oci`,
      debian: `${registry}/debian:bookworm`,
      notlatest: `${registry}/notlatest:v1`,
      multiarch: `${registry}/multiarch:latest`,
      multiarchV2List: `${registry}/multiarch:v2list`,
      layered: `${registry}/layered:latest`,
      zstd: `${registry}/zstd:latest`,
      hostile: `${registry}/hostile:latest`,
    },
    digests: fresh.digests,
    expected: expectedFacts,
  };
}
