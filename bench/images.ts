/**
 * `images` benchmark: wall time of `skiff images` beside `podman images`,
 * each on its own store holding the same two fixture images, alternating,
 * N runs each. Target: skiff ≤ 0.5 × podman.
 *
 *   bun bench/images.ts [N=30]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { median, skiff, storeFlags, timed } from "./lib.ts";

const n = Number(process.argv[2] ?? 30);
const images = ["localhost:5000/busybox:latest", "localhost:5000/debian:bookworm"];
const dirs = { skiff: mkdtempSync("/tmp/skiff-bench-images-s-"), podman: mkdtempSync("/tmp/skiff-bench-images-p-") };
const argv = {
  skiff: (...a: string[]) => [...skiff, ...storeFlags(dirs.skiff), ...a],
  podman: (...a: string[]) => ["podman", ...storeFlags(dirs.podman), "--storage-driver", "overlay", ...a],
};
try {
  for (const img of images) {
    await timed(argv.skiff("pull", "-q", img));
    await timed(argv.podman("pull", "-q", "--tls-verify=false", img));
  }
  const times = { skiff: [] as number[], podman: [] as number[] };
  for (let i = 0; i < n; i++) {
    times.skiff.push(await timed(argv.skiff("images")));
    times.podman.push(await timed(argv.podman("images")));
  }
  const s = median(times.skiff);
  const p = median(times.podman);
  console.log(`images (2 images): skiff median ${s.toFixed(1)} ms, podman median ${p.toFixed(1)} ms, ratio skiff/podman ${(s / p).toFixed(2)} (target ≤ 0.50)`);
} finally {
  rmSync(dirs.skiff, { recursive: true, force: true });
  rmSync(dirs.podman, { recursive: true, force: true });
}
