/**
 * Pull benchmark: skiff vs Podman pulling debian:bookworm from the local
 * fixture registry into empty stores, alternating (the disk slows down over
 * many unpack-and-delete cycles, so absolute times drift; the ratio is what
 * counts). Target: skiff ≤ 0.5 × podman.
 *
 *   bun bench/pull.ts [N=3] [IMAGE=localhost:5000/debian:bookworm]
 *
 * Needs the fixture registries (fixtures/setup.sh) and podman. Uses the
 * compiled binary when SKIFF_BIN is set, else the source through Bun.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { median, skiff, storeFlags, timed } from "./lib.ts";

const n = Number(process.argv[2] ?? 3);
const image = process.argv[3] ?? "localhost:5000/debian:bookworm";

const times = { skiff: [] as number[], podman: [] as number[] };
for (let i = 0; i < n; i++) {
  for (const tool of ["skiff", "podman"] as const) {
    const dir = mkdtempSync(`/tmp/skiff-bench-pull-${tool}-`);
    try {
      const store = storeFlags(dir);
      const argv = tool === "skiff"
        ? [...skiff, ...store, "pull", "-q", image]
        : ["podman", ...store, "--storage-driver", "overlay", "pull", "-q", "--tls-verify=false", image];
      const ms = await timed(argv);
      times[tool].push(ms);
      console.log(`${tool.padEnd(6)} run ${i + 1}: ${(ms / 1000).toFixed(2)} s`);
    } finally {
      // Podman's overlay layers may hold mounts only while running; the store is plain files after exit.
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
const s = median(times.skiff);
const p = median(times.podman);
console.log(`pull ${image}: skiff median ${(s / 1000).toFixed(2)} s, podman median ${(p / 1000).toFixed(2)} s, ratio skiff/podman ${(s / p).toFixed(2)} (target ≤ 0.50)`);
