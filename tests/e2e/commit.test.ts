/**
 * commit: a container's file changes (new file, deleted file → whiteout)
 * become a layer of a new image that runs with them; -c changes, -a, -m and
 * the config JSON as Podman 4.3 writes it.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { ensureFixtures, type FixtureInfo } from "../support/fixtures.ts";
import { testStore } from "../support/cli.ts";

const store = testStore("commit");
let fx: FixtureInfo;
let env: Record<string, string>;

beforeAll(async () => {
  fx = await ensureFixtures();
  env = { ...fx.env };
  const p = await store.run(["pull", "-q", fx.images.busybox], { env });
  expect(p.code).toBe(0);
}, 600_000);

afterAll(async () => {
  await store.run(["rm", "-af"], { env });
  store.cleanup();
});

async function inspectConfig(name: string): Promise<Record<string, unknown>> {
  const r = await store.run(["image", "inspect", name], { env });
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as Record<string, unknown>[])[0]!;
}

test("commit keeps a new file and a deletion; the image runs with them", async () => {
  const mk = await store.run(["run", "--name", "c1", "--network", "none", "-e", "FOO=bar", "-w", "/tmp", fx.images.busybox,
    "sh", "-c", "echo hi > /tmp/new && rm /bin/ls && mkdir -p /x/y"], { env });
  expect(mk.code).toBe(0);
  const c = await store.run(["commit", "-c", 'CMD ["cat", "/tmp/new"]', "-c", "ENV A=1", "-a", "me", "c1", "c1img"], { env });
  expect(c.code).toBe(0);
  expect(c.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
  expect(c.stderr).toContain("Getting image source signatures");
  expect(c.stderr).toContain("Writing manifest to image destination");

  const run = await store.run(["run", "--rm", "--network", "none", "c1img"], { env });
  expect(run).toMatchObject({ code: 0, stdout: "hi\n" });
  const check = await store.run(["run", "--rm", "--network", "none", "c1img", "sh", "-c", "test -e /bin/ls && echo ls; test -d /x/y && echo dir; echo $A $FOO; pwd"], { env });
  expect(check).toMatchObject({ code: 0, stdout: "dir\n1 bar\n/tmp\n" });

  const img = await inspectConfig("c1img");
  expect(img.Author).toBe("me");
  const cfg = img.Config as Record<string, unknown>;
  expect(cfg.Cmd).toEqual(["cat", "/tmp/new"]);
  expect(cfg.WorkingDir).toBe("/tmp");
  // Podman's committed Env: the container's environment without HOSTNAME/HOME, plus -c ENV.
  expect([...(cfg.Env as string[])].sort()).toEqual(
    ["A=1", "FOO=bar", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", "container=podman"],
  );
  const layers = (img.RootFS as { Layers: string[] }).Layers;
  const base = await inspectConfig(fx.images.busybox);
  expect(layers.length).toBe((base.RootFS as { Layers: string[] }).Layers.length + 1);
  const hist = await store.run(["history", "--format", "{{.CreatedBy}}|{{.Comment}}", "--no-trunc", "c1img"], { env });
  expect(hist.stdout.split("\n")[0]).toBe(`/bin/sh|FROM ${fx.images.busybox}`);
}, 60_000);

test("commit --format docker records -m as the comment; -m with OCI is refused as by Podman", async () => {
  const bad = await store.run(["commit", "-m", "msg", "c1", "c1oci"], { env });
  expect(bad.code).toBe(125);
  expect(bad.stderr).toBe("Error: messages are only compatible with the docker image format (-f docker)\n");
  const ok = await store.run(["commit", "-q", "-f", "docker", "-m", "msg", "-c", "EXPOSE 80", "-c", "LABEL a=b", "c1", "c1docker"], { env });
  expect(ok.code).toBe(0);
  expect(ok.stderr).toBe("");
  const img = await inspectConfig("c1docker");
  expect(img.Comment).toBe("msg");
  expect((img.Config as Record<string, unknown>).ExposedPorts).toEqual({ "80/tcp": {} });
  expect((img.Config as Record<string, unknown>).Labels).toEqual({ a: "b" });
  expect(img.ManifestType).toBe("application/vnd.docker.distribution.manifest.v2+json");
}, 60_000);

test("an unknown -c instruction is refused in Podman's words", async () => {
  const r = await store.run(["commit", "-c", "BOGUS=foo", "c1", "bogus"], { env });
  expect(r.code).toBe(125);
  expect(r.stderr).toBe('Error: applying changes: processing change "BOGUS foo": invalid change "BOGUS foo" - invalid instruction BOGUS\n');
}, 30_000);

test("committing a running container pauses it and leaves it running", async () => {
  expect((await store.run(["run", "-d", "--name", "live", "--network", "none", fx.images.busybox, "sh", "-c", "echo x > /live; sleep 60"], { env })).code).toBe(0);
  for (let i = 0; i < 50; i++) {
    const r = await store.run(["exec", "live", "cat", "/live"], { env });
    if (r.stdout === "x\n") break;
    await Bun.sleep(100);
  }
  const c = await store.run(["commit", "-q", "live", "liveimg"], { env });
  expect(c.code).toBe(0);
  const st = await store.run(["inspect", "--format", "{{.State.Status}}", "live"], { env });
  expect(st.stdout.trim()).toBe("running");
  const r = await store.run(["run", "--rm", "--network", "none", "liveimg", "cat", "/live"], { env });
  expect(r).toMatchObject({ code: 0, stdout: "x\n" });
  await store.run(["rm", "-f", "-t", "0", "live"], { env });
}, 60_000);
