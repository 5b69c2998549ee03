/**
 * Runs the skiff CLI for end-to-end tests: the compiled binary when
 * SKIFF_BIN is set (CI builds it), else the source through Bun. Each test
 * file makes its own store with `testStore()` so that one file's leftovers
 * cannot break another.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

const repo = resolve(import.meta.dir, "../..");

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface TestStore {
  readonly root: string;
  readonly runroot: string;
  /** Runs `skiff --root … --runroot … <args>`; `input` is written to stdin. */
  run(args: readonly string[], opts?: { input?: string; env?: Record<string, string> }): Promise<RunResult>;
  /** Removes the store folders (call in afterAll). */
  cleanup(): void;
}

/** The argv prefix that starts skiff (binary or `bun src/bin/skiff.ts`). */
export function skiffCommand(): string[] {
  const bin = process.env.SKIFF_BIN;
  return bin ? [bin] : [process.execPath, join(repo, "src/bin/skiff.ts")];
}

/** Runs skiff with plain argv (no store flags added). */
export async function runSkiff(args: readonly string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<RunResult> {
  const proc = Bun.spawn([...skiffCommand(), ...args], {
    stdin: opts.input !== undefined ? new TextEncoder().encode(opts.input) : "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, ...opts.env },
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

/** A fresh store under /tmp (or $SKIFF_TEST_TMP), named after `label`. */
export function testStore(label: string): TestStore {
  const base = mkdtempSync(join(process.env.SKIFF_TEST_TMP ?? "/tmp", `skiff-t-${label}-`));
  const root = join(base, "root");
  const runroot = join(base, "run");
  return {
    root,
    runroot,
    run: (args, opts) => runSkiff(["--root", root, "--runroot", runroot, ...args], opts),
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}
