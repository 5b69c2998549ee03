/**
 * Shared pieces of the benchmarks: how to start skiff (the compiled binary
 * when SKIFF_BIN is set, else the source through Bun), the environment that
 * points both engines at the fixture registries, wall-clock timing of one
 * command, and the median.
 */
import { join, resolve } from "node:path";

export const repo = resolve(import.meta.dir, "..");
export const skiff = process.env.SKIFF_BIN ? [process.env.SKIFF_BIN] : [process.execPath, join(repo, "src/bin/skiff.ts")];
export const env: Record<string, string | undefined> = {
  ...process.env,
  CONTAINERS_REGISTRIES_CONF: join(repo, "fixtures/registries.conf"),
};

/** Runs argv to completion; returns wall time in ms. @throws when it exits non-zero */
export async function timed(argv: string[], extraEnv: Record<string, string> = {}): Promise<number> {
  const t0 = performance.now();
  const p = Bun.spawn(argv, { stdout: "ignore", stderr: "pipe", env: { ...env, ...extraEnv } });
  const [code, err] = await Promise.all([p.exited, new Response(p.stderr).text()]);
  const ms = performance.now() - t0;
  if (code !== 0) throw new Error(`${argv.join(" ")} exited ${code}: ${err.trim()}`);
  return ms;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** `--root`/`--runroot` flags for a store under `dir`. */
export function storeFlags(dir: string): string[] {
  return ["--root", join(dir, "root"), "--runroot", join(dir, "run")];
}

/**
 * Unmounts everything mounted under `dir`, deepest first (containers/storage
 * bind-mounts Podman's overlay folder onto itself and leaves it after exit).
 */
export function unmountUnder(dir: string): void {
  const { readFileSync } = require("node:fs") as typeof import("node:fs");
  const points = readFileSync("/proc/self/mountinfo", "utf8").split("\n")
    .map((l) => l.split(" ")[4] ?? "")
    .filter((p) => p.startsWith(dir + "/"))
    .sort((a, b) => b.length - a.length);
  for (const p of points) Bun.spawnSync(["umount", "-l", p], { stdout: "ignore", stderr: "ignore" });
}

/**
 * A skiff store and a Podman store under `base`, and how to call each on its
 * own store. Podman gets a containers.conf fitting this host (cgroupfs, file
 * events, no default ulimits: ../shared/ENVIRONMENT.md) through `podmanEnv`,
 * to pass to `timed` with every Podman call that runs containers.
 */
export function enginePair(base: string) {
  const { writeFileSync } = require("node:fs") as typeof import("node:fs");
  const dirs = { skiff: join(base, "skiff"), podman: join(base, "podman") };
  const podmanConf = join(base, "containers.conf");
  writeFileSync(podmanConf, `[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n`);
  return {
    dirs,
    podmanEnv: { CONTAINERS_CONF: podmanConf },
    argv: {
      skiff: (...a: string[]) => [...skiff, ...storeFlags(dirs.skiff), ...a],
      podman: (...a: string[]) => ["podman", ...storeFlags(dirs.podman), "--storage-driver", "overlay", ...a],
    },
  };
}
