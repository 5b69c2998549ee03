/**
 * `ps` benchmark: 50 running busybox containers (`run -d … sleep 600`) in a
 * skiff store and 50 in a Podman store, then `skiff ps` beside `podman ps`
 * (wall time, alternating, N runs each). Target: skiff ≤ 0.5 × podman.
 * Also the host memory each running container costs: with skiff it must be
 * conmon's alone (no skiff process stays after `run -d`), shown as the sum
 * of the monitors' RSS divided by the container count.
 *
 *   bun bench/ps.ts [N=20] [CONTAINERS=50]
 *
 * Every container is removed at the end, also on failure.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { enginePair, median, timed, unmountUnder } from "./lib.ts";

const n = Number(process.argv[2] ?? 20);
const count = Number(process.argv[3] ?? 50);
const image = "localhost:5000/busybox:latest";
const base = mkdtempSync("/tmp/skiff-bench-ps-");
const pair = enginePair(base);
const { podmanEnv, argv } = pair;
const { dirs } = pair;

/** Live processes whose command line mentions `needle`: [pid, argv0, VmRSS in KiB]. */
function processesOf(needle: string): [number, string, number][] {
  const out: [number, string, number][] = [];
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0");
      if (!cmd.some((a) => a.includes(needle))) continue;
      const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0);
      out.push([Number(p), cmd[0] ?? "", rss]);
    } catch {}
  }
  return out;
}

/** Runs `make(i)` for i < total, `width` at a time. */
async function inBatches(total: number, width: number, make: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < total; i += width) {
    await Promise.all(Array.from({ length: Math.min(width, total - i) }, (_, k) => make(i + k)));
  }
}

try {
  await timed(argv.skiff("pull", "-q", image));
  await timed(argv.podman("pull", "-q", "--tls-verify=false", image), podmanEnv);
  await inBatches(count, 4, (i) => timed(argv.skiff("run", "-d", "--name", `ps${i}`, image, "sleep", "600")));
  // One at a time: concurrent `podman run -d` on a fresh store sometimes fails on its shm mounts here.
  await inBatches(count, 1, (i) => timed(argv.podman("run", "-d", "--network", "none", "--name", `ps${i}`, image, "sleep", "600"), podmanEnv));

  const times = { skiff: [] as number[], podman: [] as number[] };
  for (let i = 0; i < n; i++) {
    times.skiff.push(await timed(argv.skiff("ps")));
    times.podman.push(await timed(argv.podman("ps"), podmanEnv));
  }
  const listed = Bun.spawnSync(argv.skiff("ps", "-q")).stdout.toString().trim().split("\n").filter(Boolean).length;
  if (listed !== count) throw new Error(`skiff ps lists ${listed} containers, expected ${count}`);
  const s = median(times.skiff);
  const p = median(times.podman);
  console.log(`ps with ${count} running containers (${n} runs each, medians): skiff ${s.toFixed(1)} ms, podman ${p.toFixed(1)} ms, ratio skiff/podman ${(s / p).toFixed(2)} (target ≤ 0.50)`);

  // Per-container host memory: every process naming the skiff store is conmon (or the container's own).
  const procs = processesOf(dirs.skiff);
  const monitors = procs.filter(([, a]) => a.endsWith("/conmon") || a === "conmon");
  const others = procs.filter(([, a]) => !(a.endsWith("/conmon") || a === "conmon"));
  const kib = monitors.reduce((t, [, , rss]) => t + rss, 0);
  console.log(`memory: ${monitors.length} conmon processes for ${count} containers, RSS sum ${(kib / 1024).toFixed(1)} MiB, ${(kib / 1024 / count).toFixed(2)} MiB per container; other processes naming the skiff store: ${others.length === 0 ? "none" : others.map(([pid, a]) => `${pid} ${a}`).join(", ")}`);
  const pm = processesOf(dirs.podman).filter(([, a]) => a.endsWith("/conmon") || a === "conmon");
  console.log(`        podman: ${pm.length} conmon processes, ${(pm.reduce((t, [, , r]) => t + r, 0) / 1024 / count).toFixed(2)} MiB per container`);
} finally {
  await timed(argv.skiff("rm", "-a", "-f")).catch((e) => console.log(`skiff rm -a -f: ${(e as Error).message}`));
  // A container Podman was still setting up may refuse the first rm: retry before giving up.
  for (let attempt = 0; attempt < 3; attempt++) {
    const ok = await timed(argv.podman("rm", "-a", "-f", "-t", "0"), podmanEnv).then(() => true, (e) => { console.log(`podman rm -a -f: ${(e as Error).message}`); return false; });
    if (ok) break;
    await Bun.sleep(1000);
  }
  unmountUnder(base);
  rmSync(base, { recursive: true, force: true });
}
