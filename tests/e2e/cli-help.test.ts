/** Help and usage errors of the CLI itself (no store needed). */
import { expect, test } from "bun:test";
import { runSkiff } from "../support/cli.ts";

test("a command group lists its commands: with --help on stdout (0), bare with Podman's error (125)", async () => {
  const h = await runSkiff(["volume", "--help"]);
  expect(h.code).toBe(0);
  expect(h.stdout).toContain("Usage:\n  skiff volume [command]");
  for (const c of ["create", "inspect", "ls", "prune", "rm"]) expect(h.stdout).toContain(`\n  ${c}\n`);
  const bare = await runSkiff(["network"]);
  expect(bare.code).toBe(125);
  expect(bare.stderr).toContain("Error: missing command 'skiff network COMMAND'");
  expect(bare.stderr).toContain("\n  create\n");
  const bogus = await runSkiff(["image", "bogus"]);
  expect(bogus.code).toBe(125);
  expect(bogus.stderr).toBe("Error: unrecognized command `skiff image bogus`\n");
});

test("a command's --help prints its usage and flags; an unknown flag is a usage error", async () => {
  const h = await runSkiff(["pull", "--help"]);
  expect(h.code).toBe(0);
  expect(h.stdout).toContain("skiff pull");
  expect(h.stdout).toContain("--tls-verify");
  const bad = await runSkiff(["images", "--bogus"]);
  expect(bad.code).toBe(125);
  expect(bad.stderr).toBe("Error: unknown flag: --bogus\nSee 'skiff images --help'\n");
});
