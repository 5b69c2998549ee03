/**
 * `npm run bench`: every benchmark beside Podman, one after the other, on
 * this machine in one run (not part of the tests). Each prints its ratio.
 * Needs the fixture registries (fixtures/setup.sh) and podman.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { repo } from "./lib.ts";

const benches = ["images.ts", "pull.ts", "run.ts", "run-network.ts", "ps.ts", "build.ts"];
for (const b of benches) {
  const path = join(repo, "bench", b);
  if (!existsSync(path)) continue;
  console.log(`== ${b}`);
  const p = Bun.spawn([process.execPath, path], { stdout: "inherit", stderr: "inherit" });
  if ((await p.exited) !== 0) console.log(`${b} failed`);
}
