/**
 * Network `run` benchmark: wall time of `skiff run --rm busybox true` on the
 * default bridge network beside `podman run --rm busybox true` (Podman's
 * default network too), alternating, N runs each, in one run on this
 * machine. Target: skiff ≤ 0.7 × podman. Most of either is netavark's
 * set-up and teardown (one iptables commit per rule).
 *
 *   bun bench/run-network.ts [N=10] [IMAGE=localhost:5000/busybox:latest]
 *
 * SKIFF_BIN=<compiled skiff> measures the binary users get (else the source
 * through Bun, which adds transpiling to every start). SKIFF_TRACE=1 on a
 * single `skiff run` shows where its time goes.
 *
 * Podman gets its own store and a containers.conf that fits this host
 * (cgroupfs, events to a file, no default ulimits above the hard limits).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { enginePair, median, timed, unmountUnder } from "./lib.ts";

const n = Number(process.argv[2] ?? 10);
const image = process.argv[3] ?? "localhost:5000/busybox:latest";
const base = mkdtempSync("/tmp/skiff-bench-runnet-");
const pair = enginePair(base);
const { podmanEnv, argv } = pair;
const { dirs } = pair;

try {
  await timed(argv.skiff("pull", "-q", image));
  await timed(argv.podman("pull", "-q", "--tls-verify=false", image), podmanEnv);
  await timed(argv.skiff("run", "--rm", image, "true"));
  await timed(argv.podman("run", "--rm", image, "true"), podmanEnv);
  const times = { skiff: [] as number[], podman: [] as number[] };
  for (let i = 0; i < n; i++) {
    times.skiff.push(await timed(argv.skiff("run", "--rm", image, "true")));
    times.podman.push(await timed(argv.podman("run", "--rm", image, "true"), podmanEnv));
  }
  const s = median(times.skiff);
  const p = median(times.podman);
  console.log(`run --rm ${image} true on the default bridge network (${n} runs each, medians):`);
  console.log(`  skiff  ${s.toFixed(1)} ms`);
  console.log(`  podman ${p.toFixed(1)} ms`);
  console.log(`  ratio skiff/podman ${(s / p).toFixed(2)} (target ≤ 0.70)`);
} finally {
  await timed(argv.skiff("rm", "-a", "-f")).catch(() => {});
  await timed(argv.podman("rm", "-a", "-f"), podmanEnv).catch(() => {});
  unmountUnder(base);
  rmSync(base, { recursive: true, force: true });
}
