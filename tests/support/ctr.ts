/**
 * Shared set-up of the container command end-to-end tests
 * (tests/e2e/ctr-*.test.ts): one store per file with the fixture busybox
 * pulled, `sk()` returning { code, stdout, stderr } of one CLI call, and the
 * leak check that ends each scenario.
 */
import { afterAll, beforeAll, expect } from "bun:test";
import { ensureFixtures } from "./fixtures.ts";
import { testStore, type RunResult, type TestStore } from "./cli.ts";
import { settledLeftovers } from "./leaks.ts";

export const BUSYBOX = "localhost:5000/busybox:latest";

export interface CtrSuite {
  readonly store: TestStore;
  /** `skiff <args>`. */
  sk(args: readonly string[], opts?: { input?: string }): Promise<RunResult>;
  /** `skiff <args>`, expecting exit 0 and no stderr; returns stdout. */
  ok(args: readonly string[]): Promise<string>;
  /** `inspect --format`. */
  fmt(ref: string, format: string): Promise<string>;
  /** Removes every container (rm -a -f) and expects nothing of this store left. */
  clean(): Promise<void>;
}

export function ctrSuite(label: string): CtrSuite {
  const store = testStore(`ctr-${label}`);
  let env: Record<string, string> = {};
  beforeAll(async () => {
    env = { ...(await ensureFixtures()).env };
    Bun.spawnSync(["bash", "fixtures/host-prep.sh"], { cwd: `${import.meta.dir}/../..` });
    const r = await store.run(["pull", "-q", BUSYBOX], { env });
    if (r.code !== 0) throw new Error(`pull: ${r.stderr}`);
  }, 600_000);
  afterAll(async () => {
    await store.run(["rm", "-a", "-f", "-t", "0"]);
    store.cleanup();
  }, 60_000);
  const sk = (args: readonly string[], opts: { input?: string } = {}) => store.run(args, { ...opts, env });
  const ok = async (args: readonly string[]) => {
    const r = await sk(args);
    expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: "" });
    return r.stdout;
  };
  return {
    store,
    sk,
    ok,
    fmt: async (ref, format) => (await ok(["inspect", "--format", format, ref])).trimEnd(),
    async clean() {
      expect((await sk(["rm", "-a", "-f", "-t", "0"])).code).toBe(0);
      expect(await settledLeftovers(store)).toEqual([]);
      expect((await sk(["ps", "-a", "-q"])).stdout).toBe("");
    },
  };
}
