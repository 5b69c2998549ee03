/**
 * `run` benchmark: wall time of `skiff run --rm --network none busybox true`
 * beside `podman run --rm --network none` of the same image and a bare `crun run`
 * of a prepared bundle (busybox rootfs folder + `crun spec`-style
 * config.json running /bin/true), alternating, N runs each, in one run on
 * this machine. Target: skiff ≤ 0.5 × podman.
 *
 *   bun bench/run.ts [N=20] [IMAGE=localhost:5000/busybox:latest]
 *
 * Needs the fixture registry (fixtures/setup.sh), podman, crun and
 * busybox-static. Podman gets its own store and a containers.conf that fits
 * this host (cgroupfs, events to a file, no default ulimits above the hard
 * limits), passed through CONTAINERS_CONF for the benchmark only.
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { enginePair, median, timed, unmountUnder } from "./lib.ts";

const n = Number(process.argv[2] ?? 20);
const image = process.argv[3] ?? "localhost:5000/busybox:latest";
const base = mkdtempSync("/tmp/skiff-bench-run-");
const pair = enginePair(base);
const { podmanEnv, argv } = pair;
const dirs = { ...pair.dirs, bundle: join(base, "bundle"), crunRoot: join(base, "crun") };

/** A minimal OCI bundle: static busybox as /bin/true, the runtime's default spec with explicit rlimits. */
async function prepareBundle(): Promise<void> {
  const rootfs = join(dirs.bundle, "rootfs");
  mkdirSync(join(rootfs, "bin"), { recursive: true });
  for (const d of ["proc", "dev", "sys", "tmp"]) mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync("/bin/busybox", join(rootfs, "bin/busybox"));
  chmodSync(join(rootfs, "bin/busybox"), 0o755);
  symlinkSync("busybox", join(rootfs, "bin/true"));
  const p = Bun.spawn(["crun", "spec"], { cwd: dirs.bundle, stdout: "ignore", stderr: "pipe" });
  if ((await p.exited) !== 0) throw new Error(`crun spec: ${await new Response(p.stderr).text()}`);
  const path = join(dirs.bundle, "config.json");
  const spec = await Bun.file(path).json() as { process: Record<string, unknown> };
  spec.process.terminal = false;
  spec.process.args = ["/bin/true"];
  // Bun raises its soft nofile limit; children inherit it, so the spec says what the container gets.
  spec.process.rlimits = [{ type: "RLIMIT_NOFILE", soft: 1024, hard: 1024 }];
  writeFileSync(path, JSON.stringify(spec));
  mkdirSync(dirs.crunRoot, { recursive: true });
}

let crunRuns = 0;
const crunRun = () => timed(["crun", "--root", dirs.crunRoot, "run", "--bundle", dirs.bundle, `bench-${process.pid}-${crunRuns++}`]);

try {
  await prepareBundle();
  await timed(argv.skiff("pull", "-q", image));
  await timed(argv.podman("pull", "-q", "--tls-verify=false", image), podmanEnv);
  // One warm-up each: first-run costs (podman's network/storage set-up, page cache) are not what is compared.
  await timed(argv.skiff("run", "--rm", "--network", "none", image, "true"));
  await timed(argv.podman("run", "--rm", "--network", "none", image, "true"), podmanEnv);
  await crunRun();
  const times = { skiff: [] as number[], podman: [] as number[], crun: [] as number[] };
  for (let i = 0; i < n; i++) {
    times.skiff.push(await timed(argv.skiff("run", "--rm", "--network", "none", image, "true")));
    times.podman.push(await timed(argv.podman("run", "--rm", "--network", "none", image, "true"), podmanEnv));
    times.crun.push(await crunRun());
  }
  const s = median(times.skiff);
  const p = median(times.podman);
  const c = median(times.crun);
  console.log(`run --rm --network none ${image} true (${n} runs each, medians):`);
  console.log(`  skiff  ${s.toFixed(1)} ms`);
  console.log(`  podman ${p.toFixed(1)} ms (--network none)`);
  console.log(`  crun   ${c.toFixed(1)} ms (bare crun run of a prepared bundle)`);
  console.log(`  ratio skiff/podman ${(s / p).toFixed(2)} (target ≤ 0.50), skiff/crun ${(s / c).toFixed(1)}`);
} finally {
  await timed(argv.skiff("rm", "-a", "-f")).catch(() => {});
  await timed(argv.podman("rm", "-a", "-f"), podmanEnv).catch(() => {});
  unmountUnder(base);
  rmSync(base, { recursive: true, force: true });
}
