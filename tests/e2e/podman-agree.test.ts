/**
 * The foundation's acceptance check: debian:bookworm pulled from the fixture
 * registry by skiff and by Podman (Debian's 4.3, each into its own empty
 * store) is the same image to both — image ID, manifest digest, config,
 * layer diffIDs, size in bytes — and `images` shows the same ID and SIZE.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { testStore } from "../support/cli.ts";
import { ensureFixtures } from "../support/fixtures.ts";

const DEBIAN = "localhost:5000/debian:bookworm";
const store = testStore("podman-agree");
const pmDir = mkdtempSync("/tmp/skiff-t-podman-agree-pm-");
const podman = ["podman", "--root", join(pmDir, "root"), "--runroot", join(pmDir, "run"), "--storage-driver", "overlay"];

async function pm(...args: string[]): Promise<string> {
  const p = Bun.spawn([...podman, ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new Error(`podman ${args.join(" ")}: exit ${code}: ${err}`);
  return out;
}

beforeAll(async () => {
  await ensureFixtures();
  const s = await store.run(["pull", "-q", DEBIAN]);
  if (s.code !== 0) throw new Error(`skiff pull: ${s.stderr}`);
  await pm("pull", "-q", "--tls-verify=false", DEBIAN);
}, 300_000);

afterAll(async () => {
  await pm("rmi", "-a", "-f").catch(() => {});
  rmSync(pmDir, { recursive: true, force: true });
  store.cleanup();
}, 60_000);

// Created is compared as JSON: templates print it as RFC 3339 text (Docker's form), Podman as Go's Time.String().
const fields = "{{.Id}} {{.Digest}} {{.Size}} {{json .RootFS.Layers}} {{.Architecture}} {{.Os}} {{json .Config}} {{json .Created}}";

test("image inspect agrees with podman: ID, digest, size, diffIDs, config, created", async () => {
  const s = await store.run(["image", "inspect", "--format", fields, DEBIAN]);
  expect(s.code).toBe(0);
  const p = await pm("image", "inspect", "--format", fields, DEBIAN);
  expect(s.stdout).toBe(p);
  // And the whole RepoDigests list.
  const rd = "{{json .RepoDigests}} {{json .RepoTags}}";
  expect((await store.run(["image", "inspect", "--format", rd, DEBIAN])).stdout).toBe(await pm("image", "inspect", "--format", rd, DEBIAN));
}, 60_000);

test("images shows the same repository, tag, ID and SIZE as podman", async () => {
  const fmt = "{{.Repository}} {{.Tag}} {{.ID}} {{.Size}} {{.Digest}}";
  const s = await store.run(["images", "--format", fmt]);
  expect(s.code).toBe(0);
  expect(s.stdout).toBe(await pm("images", "--format", fmt));
}, 60_000);

test("history agrees with podman", async () => {
  const fmt = "{{.ID}} {{.Size}} {{.CreatedBy}} {{.Comment}}";
  const s = await store.run(["history", "--no-trunc", "--format", fmt, DEBIAN]);
  expect(s.code).toBe(0);
  expect(s.stdout).toBe(await pm("history", "--no-trunc", "--format", fmt, DEBIAN));
}, 60_000);
