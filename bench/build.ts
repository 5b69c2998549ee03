/**
 * `build` benchmark: a Debian-based multi-stage Containerfile (apt against
 * the machine's Debian mirror; tests/build-corpus/26-debian-multistage-apt),
 * built by `skiff build` and `podman build`, alternating, in one run:
 *   - cold: `--no-cache` (the base image is present, every step runs);
 *   - warm: the same build again, every step from the cache.
 * Prints medians and skiff/podman ratios. Targets: warm ≤ 0.5, cold ≤ 0.8.
 *
 *   bun bench/build.ts [ROUNDS=3]
 *
 * Both use `--network host` (podman 4.3 here has no CNI plugins for its
 * bridge); the network mode does not change what is built. Podman gets its
 * own store and a containers.conf that fits this host.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { median, repo, skiff, storeFlags, timed, unmountUnder } from "./lib.ts";

const rounds = Number(process.argv[2] ?? 3);
const caseDir = join(repo, "tests/build-corpus/26-debian-multistage-apt");
const base = mkdtempSync("/tmp/skiff-bench-build-");
const ctx = join(base, "ctx");
cpSync(caseDir, ctx, { recursive: true, filter: (p) => !/expected\.json$|case\.json$/.test(p) });
const dirs = { skiff: join(base, "skiff"), podman: join(base, "podman") };
const podmanConf = join(base, "containers.conf");
writeFileSync(podmanConf, `[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n`);
const podmanEnv = { CONTAINERS_CONF: podmanConf };
const image = "localhost:5000/debian:bookworm";

const argv = {
  skiff: (...a: string[]) => [...skiff, ...storeFlags(dirs.skiff), ...a],
  podman: (...a: string[]) => ["podman", ...storeFlags(dirs.podman), "--storage-driver", "overlay", ...a],
};
const build = (who: "skiff" | "podman", ...flags: string[]) =>
  timed(argv[who]("build", "-q", "--network", "host", ...flags, "-t", "bench-build", ctx), who === "podman" ? podmanEnv : {});

try {
  await timed(argv.skiff("pull", "-q", image));
  await timed(argv.podman("pull", "-q", "--tls-verify=false", image), podmanEnv);
  const t = { skiff: { cold: [] as number[], warm: [] as number[] }, podman: { cold: [] as number[], warm: [] as number[] } };
  for (let i = 0; i < rounds; i++) {
    // Alternate who goes first: the mirror's and the disk's caches warm up for whoever is second.
    const order: ("skiff" | "podman")[] = i % 2 === 0 ? ["skiff", "podman"] : ["podman", "skiff"];
    for (const who of order) t[who].cold.push(await build(who, "--no-cache"));
    for (const who of order) t[who].warm.push(await build(who));
  }
  for (const kind of ["cold", "warm"] as const) {
    const s = median(t.skiff[kind]);
    const p = median(t.podman[kind]);
    console.log(`${kind}: skiff ${s.toFixed(0)} ms, podman ${p.toFixed(0)} ms, ratio ${(s / p).toFixed(2)} (target ${kind === "warm" ? "0.5" : "0.8"})`);
  }
} finally {
  unmountUnder(base);
  rmSync(base, { recursive: true, force: true });
}
