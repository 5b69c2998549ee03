/**
 * Shared set-up of the `run`/`create` flag end-to-end tests
 * (tests/e2e/run-flags-*.test.ts): one store per file with the fixture
 * busybox and debian pulled, a `run --rm` shorthand that asserts the exit
 * code, and the "nothing left behind" check.
 *
 *   const t = runFlagsSuite("security");
 *   test("…", async () => { expect(await t.out(["--cap-drop", "ALL"], "grep CapEff /proc/self/status")).toBe(…); });
 */
import { afterAll, beforeAll, expect } from "bun:test";
import { ensureFixtures } from "./fixtures.ts";
import { testStore, type RunResult, type TestStore } from "./cli.ts";
import { settledLeftovers } from "./leaks.ts";

export const BUSYBOX = "localhost:5000/busybox:latest";
export const DEBIAN = "localhost:5000/debian:bookworm";

export interface RunFlagsSuite {
  readonly store: TestStore;
  /** `skiff <args>`. */
  run(args: readonly string[], opts?: { input?: string; env?: Record<string, string> }): Promise<RunResult>;
  /** `skiff run --rm <flags> BUSYBOX sh -c <script>`; expects exit 0 and empty stderr, returns stdout. */
  out(flags: readonly string[], script: string, image?: string): Promise<string>;
  /** Expects a refused call: exit `code`, one `Error: …` line (`msg` is the whole stderr after "Error: ", or a pattern), no container, nothing left behind. */
  refused(args: readonly string[], code: number, msg: RegExp | string): Promise<void>;
  /** Expects no container, mount, process or runtime file of this store left. */
  clean(): Promise<void>;
}

/** Registers beforeAll/afterAll for one test file and returns its helpers. */
export function runFlagsSuite(label: string): RunFlagsSuite {
  const store = testStore(`rf-${label}`);
  let env: Record<string, string> = {};
  beforeAll(async () => {
    const fx = await ensureFixtures();
    env = { ...fx.env };
    Bun.spawnSync(["bash", "fixtures/host-prep.sh"], { cwd: `${import.meta.dir}/../..` });
    for (const img of [BUSYBOX, DEBIAN]) {
      const r = await store.run(["pull", "-q", img], { env });
      if (r.code !== 0) throw new Error(`pull ${img}: ${r.stderr}`);
    }
  }, 600_000);
  afterAll(async () => {
    await store.run(["rm", "-a", "-f", "-t", "0"]);
    store.cleanup();
  }, 60_000);

  const run = (args: readonly string[], opts: { input?: string; env?: Record<string, string> } = {}) =>
    store.run(args, { ...opts, env: { ...env, ...opts.env } });
  const clean = async () => {
    expect(await settledLeftovers(store)).toEqual([]);
    expect((await run(["ps", "-a", "-q"])).stdout).toBe("");
  };
  return {
    store,
    run,
    async out(flags, script, image = BUSYBOX) {
      const r = await run(["run", "--rm", ...flags, image, "sh", "-c", script]);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
      return r.stdout;
    },
    async refused(args, code, msg) {
      const r = await run(args);
      expect(r.code).toBe(code);
      // One error line; usage errors add Podman's "See '… --help'" hint line.
      expect(r.stderr.split("\n").filter((l) => l !== "" && !l.startsWith("See '"))).toHaveLength(1);
      if (typeof msg === "string") expect(r.stderr).toBe(`Error: ${msg}\n`);
      else expect(r.stderr).toMatch(msg);
      await clean();
    },
    clean,
  };
}
