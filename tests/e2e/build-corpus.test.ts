/**
 * The build corpus (tests/build-corpus): each Containerfile is built with
 * skiff and the image compared with what podman 4.3.1 built from the same
 * input (expected.json, recorded by tests/build-corpus/record.ts): config
 * fields, rootfs changes against the base image, and the output of one run.
 *
 * Normalisations, each a known difference of podman 4.3.1 that is not part
 * of the Containerfile's meaning:
 *   - the `io.buildah.version` label Buildah stamps on every image;
 *   - mount points Buildah 1.28 leaves in RUN layers when the base lacks
 *     them: empty /etc/hosts, /etc/hostname, /etc/resolv.conf (mode 0700),
 *     the /run folder it makes for /run/.containerenv, and folders made for
 *     RUN --mount targets (the target or its parents, some with mode 1755);
 *     Docker removes them, as skiff does;
 *   - history: compared as the list of empty_layer flags and created_by with
 *     COPY/ADD content digests masked (Buildah's digest is of its own tar
 *     stream) and ARG lines masked (Buildah 1.28 repeats the first ARG name).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { testStore, type TestStore } from "../support/cli.ts";
import { ensureFixtures, type FixtureInfo } from "../support/fixtures.ts";
import { settledLeftovers } from "../support/leaks.ts";
import {
  BUSYBOX, DEBIAN, buildArgs, imageListing, listCases, observe, serveFiles, stageContext,
  type CaseFacts, type Cli, type Entry,
} from "../build-corpus/corpus.ts";

let fx: FixtureInfo;
let store: TestStore;
let cli: Cli;
const bases = new Map<string, Entry[]>();

beforeAll(async () => {
  fx = await ensureFixtures();
  store = testStore("build-corpus");
  cli = (args, opts) => store.run(args, { env: fx.env, ...(opts?.input !== undefined ? { input: opts.input } : {}) });
  for (const img of [BUSYBOX, DEBIAN]) {
    const r = await cli(["pull", "-q", img]);
    if (r.code !== 0) throw new Error(r.stderr);
    bases.set(img, await imageListing(cli, img));
  }
}, 600_000);

afterAll(() => store?.cleanup());

const BUILDAH_MOUNT_LEFTOVERS = new Set(["/etc/hosts", "/etc/hostname", "/etc/resolv.conf"]);

function normalize(f: CaseFacts, base: readonly Entry[], mountTargets: readonly string[]): CaseFacts {
  const basePaths = new Set(base.map((e) => e.path));
  const mountFolder = (e: Entry) => e.type === "d" && !basePaths.has(e.path) && mountTargets.some((t) => t === e.path || t.startsWith(e.path + "/"));
  const labels = { ...((f.config.Labels ?? {}) as Record<string, string>) };
  delete labels["io.buildah.version"];
  const { Labels: _l, ...config } = f.config;
  return {
    config: { ...config, ...(Object.keys(labels).length ? { Labels: labels } : {}) },
    history: (f.history ?? []).map((h) => ({
      created_by: h.created_by
        .replace(/ (COPY|ADD) (?:(?:file|dir|multi):)?[0-9a-f]{64} in /, " $1 <digest> in ")
        .replace(/#\(nop\) ARG .*/, "#(nop) ARG <names>"),
      empty_layer: h.empty_layer,
    })),
    changed: f.changed.filter((e) => !(
      (BUILDAH_MOUNT_LEFTOVERS.has(e.path) && e.size === 0 && !basePaths.has(e.path)) ||
      (e.path === "/run" && basePaths.has("/run") === false) ||
      mountFolder(e)
    )),
    removed: f.removed,
    runOutput: f.runOutput,
  };
}

const cases = listCases();
const built = new Set<string>();

async function build(name: string): Promise<string> {
  const c = cases.find((x) => x.name === name)!;
  if (c.spec.needs && !built.has(c.spec.needs)) await build(c.spec.needs);
  const server = c.spec.serve ? serveFiles(c.spec.serve) : undefined;
  const ctx = stageContext(c, store.root);
  // Only the apt builds need a network (the default bridge, NAT to the mirror); the others run faster without.
  const net = c.spec.apt ? [] : ["--network", "none"];
  try {
    const iid = join(store.root, `iid-${c.name}`);
    const r = await cli(["build", "-q", "--iidfile", iid, "-t", c.tag, ...net, ...buildArgs(c, server?.url, ctx), "-f", join(c.dir, c.file), ctx]);
    if (r.code !== 0) throw new Error(`build ${c.name}: exit ${r.code}: ${r.stderr}`);
    built.add(name);
    return readFileSync(iid, "utf8").replace(/^sha256:/, "");
  } finally {
    server?.stop();
    rmSync(ctx, { recursive: true, force: true });
  }
}

describe("build corpus matches podman", () => {
  for (const c of cases) {
    test(c.name, async () => {
      const expected = JSON.parse(readFileSync(join(c.dir, "expected.json"), "utf8")) as CaseFacts;
      const id = await build(c.name);
      const blob = JSON.parse(readFileSync(join(store.root, "blobs", "sha256", id), "utf8"));
      const base = c.base ? bases.get(c.base)! : [];
      const got = await observe(cli, c.tag, blob, base);
      const targets = [...readFileSync(join(c.dir, c.file), "utf8").matchAll(/--mount=(\S+)/g)].map((m) => {
        const kv = Object.fromEntries(m[1]!.split(",").map((f) => f.split("=", 2) as [string, string]));
        return kv.target ?? kv.dst ?? kv.destination ?? (kv.type === "secret" ? `/run/secrets/${kv.id}` : "");
      });
      const want = normalize(expected, base, targets);
      const have = normalize(got, base, targets);
      expect(have.config).toEqual(want.config);
      expect(have.changed).toEqual(want.changed);
      expect(have.removed).toEqual(want.removed);
      expect(have.runOutput).toBe(want.runOutput);
      if (!c.spec.podmanLacks) expect(have.history).toEqual(want.history);
      expect(await settledLeftovers(store)).toEqual([]);
    }, c.spec.apt ? 240_000 : 60_000);
  }
});
