/**
 * The layering of docs/ARCHITECTURE.md, checked: every import between
 * src/ modules (static or lazy `import()`, tests excluded) follows an
 * allowed arrow, so nothing imports upward.
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve, dirname } from "node:path";

const src = resolve(import.meta.dir, "../src");

/** Layer → layers it may import (besides itself). */
const allowed: Record<string, readonly string[]> = {
  lib: [],
  spec: ["lib"],
  image: ["lib"],
  storage: ["lib", "image"],
  oci: ["lib", "spec"],
  network: ["lib", "spec", "storage"],
  core: ["lib", "spec", "storage", "oci", "network", "image"],
  // build composes engine operations (pull, run a step's container): an engine-level module.
  build: ["lib", "spec", "storage", "oci", "network", "image", "core", "engine"],
  engine: ["lib", "spec", "storage", "oci", "network", "image", "core", "build"],
  cli: ["lib", "spec", "engine"],
  bin: ["cli"],
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return files(p);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [p] : [];
  });
}

const layerOf = (file: string) => relative(src, file).split("/")[0]!;

test("imports between src/ layers follow docs/ARCHITECTURE.md", () => {
  const broken: string[] = [];
  for (const file of files(src)) {
    const from = layerOf(file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)["'](\.[^"']+)["']/g)) {
      const target = resolve(dirname(file), m[1]!);
      if (!target.startsWith(src + "/")) continue;
      const to = layerOf(target);
      if (to !== from && !(allowed[from] ?? []).includes(to)) broken.push(`${relative(src, file)} → ${relative(src, target)}`);
    }
  }
  expect(broken).toEqual([]);
  expect(Object.keys(allowed).sort()).toEqual(readdirSync(src).filter((d) => !d.includes(".")).sort());
});
