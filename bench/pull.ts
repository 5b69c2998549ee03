/**
 * Pull benchmark: skiff vs Podman pulling debian:bookworm from the local
 * fixture registry into empty stores, alternating (the disk's speed drifts
 * with what else runs; the ratio is what counts). Target: skiff ≤ 0.5 × podman.
 *
 *   bun bench/pull.ts [N=3] [IMAGE=localhost:5000/debian:bookworm]
 *
 * Stores are removed only after the last run: on this machine's ext4 (no
 * journal) the inode allocator skips inodes freed in the last ~35 s, one
 * buffer lookup each, so removing one tool's 6.6k-file store right before the
 * other tool's run made that run's creates scan past them (perf: find_inode_bit
 * → recently_deleted), charging one tool for the other's cleanup.
 * Each round's ratio is printed; the summary gives the medians and the median
 * of the per-round ratios (robust to a slow phase hitting one whole round).
 *
 * Needs the fixture registries (fixtures/setup.sh) and podman. Uses the
 * compiled binary when SKIFF_BIN is set, else the source through Bun.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { median, skiff, storeFlags, timed, unmountUnder } from "./lib.ts";

const n = Number(process.argv[2] ?? 3);
const image = process.argv[3] ?? "localhost:5000/debian:bookworm";

const times = { skiff: [] as number[], podman: [] as number[] };
const ratios: number[] = [];
const dirs: string[] = [];
try {
  for (let i = 0; i < n; i++) {
    // Alternate who goes first, so neither always follows the other's writes.
    const order = i % 2 === 0 ? (["skiff", "podman"] as const) : (["podman", "skiff"] as const);
    for (const tool of order) {
      const dir = mkdtempSync(`/tmp/skiff-bench-pull-${tool}-`);
      dirs.push(dir);
      const store = storeFlags(dir);
      const argv = tool === "skiff"
        ? [...skiff, ...store, "pull", "-q", image]
        : ["podman", ...store, "--storage-driver", "overlay", "pull", "-q", "--tls-verify=false", image];
      const ms = await timed(argv);
      times[tool].push(ms);
      console.log(`${tool.padEnd(6)} run ${i + 1}: ${(ms / 1000).toFixed(2)} s`);
    }
    ratios.push(times.skiff[i]! / times.podman[i]!);
    console.log(`round ${i + 1}: ratio skiff/podman ${ratios[i]!.toFixed(2)}`);
  }
} finally {
  for (const d of dirs) {
    unmountUnder(d);
    rmSync(d, { recursive: true, force: true });
  }
}
const s = median(times.skiff);
const p = median(times.podman);
console.log(
  `pull ${image}: skiff median ${(s / 1000).toFixed(2)} s, podman median ${(p / 1000).toFixed(2)} s, ` +
    `ratio of medians ${(s / p).toFixed(2)}, median of round ratios ${median(ratios).toFixed(2)} (target ≤ 0.50)`,
);
