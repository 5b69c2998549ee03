import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fullName, parseReference } from "./reference.ts";
import {
  isInsecureByDefault, loadRegistriesConf, localCandidates, pullSources, registryFor, resolveShortName,
  type LoadRegistriesConfOptions,
} from "./registries-conf.ts";

const base = mkdtempSync("/tmp/skiff-regconf-");
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;

/** A sandbox: system file + drop-in dir + HOME, nothing from the real /etc. */
function sandbox(files: { system?: string; dropIns?: Record<string, string>; user?: string; userDropIns?: Record<string, string>; cache?: string }) {
  const dir = join(base, String(n++));
  const home = join(dir, "home");
  const sysDir = join(dir, "etc/registries.conf.d");
  mkdirSync(sysDir, { recursive: true });
  mkdirSync(join(home, ".config/containers/registries.conf.d"), { recursive: true });
  const systemFile = join(dir, "etc/registries.conf");
  if (files.system !== undefined) writeFileSync(systemFile, files.system);
  for (const [k, v] of Object.entries(files.dropIns ?? {})) writeFileSync(join(sysDir, k), v);
  if (files.user !== undefined) writeFileSync(join(home, ".config/containers/registries.conf"), files.user);
  for (const [k, v] of Object.entries(files.userDropIns ?? {})) writeFileSync(join(home, ".config/containers/registries.conf.d", k), v);
  const aliasCacheFile = join(dir, "cache/short-name-aliases.conf");
  if (files.cache !== undefined) { mkdirSync(join(dir, "cache")); writeFileSync(aliasCacheFile, files.cache); }
  const opts: LoadRegistriesConfOptions = { systemFile, systemDropInDir: sysDir, aliasCacheFile, env: { HOME: home }, uid: 0 };
  return { dir, home, systemFile, sysDir, opts };
}

describe("loadRegistriesConf", () => {
  test("a missing system file gives an empty permissive config", async () => {
    const s = sandbox({});
    const c = await loadRegistriesConf(s.opts);
    expect(c.unqualifiedSearchRegistries).toEqual([]);
    expect(c.shortNameMode).toBe("permissive");
    expect(c.registries).toEqual([]);
    expect(c.files).toEqual([]);
  });

  test("reads search registries, mode, registries with mirrors, aliases", async () => {
    const s = sandbox({ system: `
unqualified-search-registries = ["quay.io", "docker.io"]
short-name-mode = "enforcing"
[[registry]]
prefix = "example.com/foo"
location = "internal.example.com/bar/foo/"
insecure = true
[[registry.mirror]]
location = "mirror.local:5000/foo"
pull-from-mirror = "digest-only"
[[registry]]
location = "blocked.io"
blocked = true
[aliases]
"fedora" = "registry.fedoraproject.org/fedora"
` });
    const c = await loadRegistriesConf(s.opts);
    expect(c.unqualifiedSearchRegistries).toEqual(["quay.io", "docker.io"]);
    expect(c.shortNameMode).toBe("enforcing");
    expect(c.searchOrigin).toBe(s.systemFile);
    expect(c.registries).toHaveLength(2);
    expect(c.registries[0]).toMatchObject({ prefix: "example.com/foo", location: "internal.example.com/bar/foo", insecure: true, blocked: false });
    expect(c.registries[0]!.mirrors).toEqual([{ location: "mirror.local:5000/foo", insecure: false, pullFromMirror: "digest-only" }]);
    expect(c.registries[1]).toMatchObject({ prefix: "blocked.io", location: "blocked.io", blocked: true });
    expect(fullName(c.aliases.get("fedora")!.value!)).toBe("registry.fedoraproject.org/fedora");
  });

  test("drop-ins load in lexical order; later ones override fields, registries by prefix, aliases by key", async () => {
    const s = sandbox({
      system: `unqualified-search-registries = ["a.io"]\n[[registry]]\nlocation = "x.io"\n[aliases]\n"one" = "a.io/one"\n"two" = "a.io/two"\n`,
      dropIns: {
        "20-b.conf": `unqualified-search-registries = ["c.io"]\n`,
        "10-a.conf": `unqualified-search-registries = ["b.io"]\nshort-name-mode = "disabled"\n[[registry]]\nlocation = "x.io"\ninsecure = true\n[[registry]]\nlocation = "y.io"\n`,
        "30-c.conf": `[aliases]\n"two" = "b.io/two"\n"one" = ""\n`,
        "ignored.txt": `unqualified-search-registries = ["nope.io"]\n`,
      },
    });
    const c = await loadRegistriesConf(s.opts);
    expect(c.unqualifiedSearchRegistries).toEqual(["c.io"]);
    expect(c.searchOrigin).toBe(join(s.sysDir, "20-b.conf"));
    expect(c.shortNameMode).toBe("disabled");
    expect(c.registries.map((r) => [r.prefix, r.insecure])).toEqual([["x.io", true], ["y.io", false]]);
    expect(fullName(c.aliases.get("two")!.value!)).toBe("b.io/two");
    expect(c.aliases.get("one")!.value).toBeUndefined();
    expect(c.files.map((f) => f.split("/").pop())).toEqual(["registries.conf", "10-a.conf", "20-b.conf", "30-c.conf"]);
  });

  test("the per-user file replaces the system file and system drop-ins", async () => {
    const s = sandbox({
      system: `unqualified-search-registries = ["sys.io"]\n`,
      dropIns: { "a.conf": `short-name-mode = "enforcing"\n` },
      user: `unqualified-search-registries = ["user.io"]\n`,
      userDropIns: { "b.conf": `[[registry]]\nlocation = "u.io"\n` },
    });
    const c = await loadRegistriesConf(s.opts);
    expect(c.unqualifiedSearchRegistries).toEqual(["user.io"]);
    expect(c.shortNameMode).toBe("permissive");
    expect(c.registries.map((r) => r.prefix)).toEqual(["u.io"]);
    expect(c.mainFile).toBe(join(s.home, ".config/containers/registries.conf"));
  });

  test("without a per-user file, user drop-ins apply after system drop-ins", async () => {
    const s = sandbox({
      system: `unqualified-search-registries = ["sys.io"]\n`,
      dropIns: { "a.conf": `unqualified-search-registries = ["drop.io"]\n` },
      userDropIns: { "a.conf": `unqualified-search-registries = ["userdrop.io"]\n` },
    });
    expect((await loadRegistriesConf(s.opts)).unqualifiedSearchRegistries).toEqual(["userdrop.io"]);
  });

  test("CONTAINERS_REGISTRIES_CONF and the --registries-conf option replace the main file", async () => {
    const s = sandbox({ system: `unqualified-search-registries = ["sys.io"]\n`, user: `unqualified-search-registries = ["user.io"]\n` });
    const envFile = join(s.dir, "env.conf");
    writeFileSync(envFile, `unqualified-search-registries = ["env.io"]\n`);
    const optFile = join(s.dir, "opt.conf");
    writeFileSync(optFile, `unqualified-search-registries = ["opt.io"]\n`);
    const env = { HOME: s.home, CONTAINERS_REGISTRIES_CONF: envFile };
    expect((await loadRegistriesConf({ ...s.opts, env })).unqualifiedSearchRegistries).toEqual(["env.io"]);
    expect((await loadRegistriesConf({ ...s.opts, env, registriesConf: optFile })).unqualifiedSearchRegistries).toEqual(["opt.io"]);
    await expect(loadRegistriesConf({ ...s.opts, registriesConf: join(s.dir, "missing.conf") })).rejects.toThrow("no such file or directory");
  });

  test("the alias cache wins over configuration aliases", async () => {
    const s = sandbox({ system: `[aliases]\n"app" = "conf.io/app"\n"other" = "conf.io/other"\n`, cache: `[aliases]\n"app" = "cache.io/app"\n` });
    const c = await loadRegistriesConf(s.opts);
    expect(fullName(c.aliases.get("app")!.value!)).toBe("cache.io/app");
    expect(fullName(c.aliases.get("other")!.value!)).toBe("conf.io/other");
  });

  test("the v1 format is converted", async () => {
    const s = sandbox({ system: `[registries.search]\nregistries = ["quay.io", "docker.io"]\n[registries.insecure]\nregistries = ["insecure.io"]\n[registries.block]\nregistries = ["bad.io", "insecure.io"]\n` });
    const c = await loadRegistriesConf(s.opts);
    expect(c.unqualifiedSearchRegistries).toEqual(["quay.io", "docker.io"]);
    expect(c.registries.map((r) => [r.prefix, r.insecure, r.blocked])).toEqual([["bad.io", false, true], ["insecure.io", true, true]]);
  });

  test("rejects bad files with the file named", async () => {
    const cases: [string, string][] = [
      [`unqualified-search-registries = ["b.io"]\n[registries.search]\nregistries = ["a.io"]\n`, "mixing sysregistry v1/v2 is not supported"],
      [`short-name-mode = "sometimes"\n`, `invalid short-name mode: "sometimes"`],
      [`[[registry]]\nlocation = "https://x.io"\n`, "URI schemes are not supported"],
      [`[[registry]]\nlocation = "a.io"\n[[registry]]\nlocation = "a.io"\n`, `registry prefix "a.io" is defined multiple times`],
      [`[aliases]\n"quay.io/x" = "quay.io/x"\n`, `invalid short name "quay.io/x"`],
      [`[aliases]\n"x" = "x"\n`, `must contain registry and repository`],
      [`[aliases]\n"x" = "quay.io/x:1"\n`, `must not contain tag`],
      [`unqualified-search-registries = ["a.io/path"]\n`, "invalid unqualified-search-registries entry"],
      [`this is = not toml [`, "loading registries configuration"],
    ];
    for (const [text, msg] of cases) {
      const s = sandbox({ system: text });
      await expect(loadRegistriesConf(s.opts)).rejects.toThrow(msg);
      await expect(loadRegistriesConf(s.opts)).rejects.toThrow(s.systemFile);
    }
  });
});

describe("resolveShortName", () => {
  test("a qualified name is its own only candidate", async () => {
    const c = await loadRegistriesConf(sandbox({}).opts);
    const r = resolveShortName(c, "quay.io/a/b:1");
    expect(r.rationale).toBe("qualified");
    expect(r.candidates.map(fullName)).toEqual(["quay.io/a/b:1"]);
  });

  test("an alias wins and keeps the tag or digest", async () => {
    const c = await loadRegistriesConf(sandbox({ system: `unqualified-search-registries = ["a.io", "b.io"]\nshort-name-mode = "enforcing"\n[aliases]\n"fedora" = "registry.fedoraproject.org/fedora"\n` }).opts);
    const r = resolveShortName(c, "fedora:39");
    expect(r.rationale).toBe("alias");
    expect(r.candidates.map(fullName)).toEqual(["registry.fedoraproject.org/fedora:39"]);
    expect(r.description).toMatch(/^Resolved "fedora" as an alias \(.*registries\.conf\)$/);
    const d = `sha256:${"a".repeat(64)}`;
    expect(resolveShortName(c, `fedora@${d}`).candidates.map(fullName)).toEqual([`registry.fedoraproject.org/fedora@${d}`]);
  });

  test("one search registry resolves without ambiguity, even in enforcing mode", async () => {
    const c = await loadRegistriesConf(sandbox({ system: `unqualified-search-registries = ["localhost:5000"]\nshort-name-mode = "enforcing"\n` }).opts);
    const r = resolveShortName(c, "busybox");
    expect(r.candidates.map(fullName)).toEqual(["localhost:5000/busybox:latest"]);
    expect(r.description).toContain(`Resolving "busybox" using unqualified-search registries (`);
  });

  test("docker.io candidates get library/", async () => {
    const c = await loadRegistriesConf(sandbox({ system: `unqualified-search-registries = ["quay.io", "docker.io"]\n` }).opts);
    expect(resolveShortName(c, "alpine:3").candidates.map(fullName)).toEqual(["quay.io/alpine:3", "docker.io/library/alpine:3"]);
    expect(resolveShortName(c, "library/alpine").candidates.map(fullName)).toEqual(["quay.io/library/alpine:latest", "docker.io/library/alpine:latest"]);
  });

  test("several search registries: enforcing errors without a TTY; disabled returns all", async () => {
    const enf = await loadRegistriesConf(sandbox({ system: `unqualified-search-registries = ["a.io", "b.io"]\nshort-name-mode = "enforcing"\n` }).opts);
    expect(() => resolveShortName(enf, "x")).toThrow("short-name resolution enforced but cannot prompt without a TTY");
    const dis = await loadRegistriesConf(sandbox({ system: `unqualified-search-registries = ["a.io", "b.io"]\nshort-name-mode = "disabled"\n` }).opts);
    expect(resolveShortName(dis, "x").candidates.map(fullName)).toEqual(["a.io/x:latest", "b.io/x:latest"]);
  });

  test("no alias and no search registries is Podman's error naming the file", async () => {
    const s = sandbox({ system: `short-name-mode = "enforcing"\n` });
    const c = await loadRegistriesConf(s.opts);
    expect(() => resolveShortName(c, "x/y")).toThrow(`short-name "x/y" did not resolve to an alias and no unqualified-search registries are defined in "${s.systemFile}"`);
    const empty = await loadRegistriesConf(sandbox({}).opts);
    expect(() => resolveShortName(empty, "x")).toThrow(`short-name "x" did not resolve to an alias and no containers-registries.conf(5) was found`);
  });

  test("a reset alias (empty value) falls back to search registries", async () => {
    const c = await loadRegistriesConf(sandbox({ system: `unqualified-search-registries = ["a.io"]\n[aliases]\n"x" = ""\n` }).opts);
    expect(resolveShortName(c, "x").candidates.map(fullName)).toEqual(["a.io/x:latest"]);
  });

  test("localCandidates: alias, localhost/, then search registries", async () => {
    const c = await loadRegistriesConf(sandbox({ system: `unqualified-search-registries = ["a.io", "docker.io"]\n[aliases]\n"app" = "quay.io/org/app"\n` }).opts);
    expect(localCandidates(c, "app:2").map(fullName)).toEqual(["quay.io/org/app:2", "localhost/app:2", "a.io/app:2", "docker.io/library/app:2"]);
    expect(localCandidates(c, "b.io/x").map(fullName)).toEqual(["b.io/x:latest"]);
  });
});

describe("registryFor", () => {
  test("longest prefix wins and rewrites the location", async () => {
    const c = await loadRegistriesConf(sandbox({ system: `
[[registry]]
prefix = "example.com"
location = "example.com"
[[registry]]
prefix = "example.com/foo"
location = "internal.example.com/bar/foo"
` }).opts);
    const a = registryFor(c, parseReference("example.com/foo/img:1"));
    expect(a.config?.prefix).toBe("example.com/foo");
    expect(fullName(a.location.ref)).toBe("internal.example.com/bar/foo/img:1");
    expect(a.location.ref.registry).toBe("internal.example.com");
    expect(registryFor(c, parseReference("example.com/foobar/x")).config?.prefix).toBe("example.com");
    expect(registryFor(c, parseReference("other.com/x")).config).toBeUndefined();
  });

  test("docker.io prefix rewriting keeps library/", async () => {
    const c = await loadRegistriesConf(sandbox({ system: `[[registry]]\nprefix = "docker.io"\nlocation = "hub.mirror.local:5000"\n` }).opts);
    expect(fullName(registryFor(c, parseReference("busybox")).location.ref)).toBe("hub.mirror.local:5000/library/busybox:latest");
  });

  test("wildcard prefixes match subdomains and keep the host", async () => {
    const c = await loadRegistriesConf(sandbox({ system: `[[registry]]\nprefix = "*.corp.example"\ninsecure = true\n` }).opts);
    const a = registryFor(c, parseReference("reg.corp.example/x"));
    expect(a.location.insecure).toBe(true);
    expect(fullName(a.location.ref)).toBe("reg.corp.example/x:latest");
    expect(registryFor(c, parseReference("corp.example.org/x")).config).toBeUndefined();
  });

  test("mirrors: digest-only and tag-only rules, mirror-by-digest-only", async () => {
    const c = await loadRegistriesConf(sandbox({ system: `
[[registry]]
location = "src.io"
[[registry.mirror]]
location = "m1.io"
[[registry.mirror]]
location = "m2.io"
pull-from-mirror = "digest-only"
[[registry.mirror]]
location = "m3.io"
pull-from-mirror = "tag-only"
insecure = true
[[registry]]
location = "strict.io"
mirror-by-digest-only = true
[[registry.mirror]]
location = "sm.io"
` }).opts);
    const d = `sha256:${"b".repeat(64)}`;
    expect(pullSources(c, parseReference("src.io/a:1")).map((e) => e.ref.registry)).toEqual(["m1.io", "m3.io", "src.io"]);
    expect(pullSources(c, parseReference(`src.io/a@${d}`)).map((e) => e.ref.registry)).toEqual(["m1.io", "m2.io", "src.io"]);
    expect(pullSources(c, parseReference("src.io/a:1"))[1]).toMatchObject({ insecure: true, mirror: true });
    expect(pullSources(c, parseReference("strict.io/a:1")).map((e) => e.ref.registry)).toEqual(["strict.io"]);
    expect(pullSources(c, parseReference(`strict.io/a@${d}`)).map((e) => e.ref.registry)).toEqual(["sm.io", "strict.io"]);
  });

  test("blocked registries are reported by registryFor and refused by pullSources", async () => {
    const c = await loadRegistriesConf(sandbox({ system: `[[registry]]\nlocation = "bad.io"\nblocked = true\n` }).opts);
    expect(registryFor(c, parseReference("bad.io/x")).blocked).toBe(true);
    expect(() => pullSources(c, parseReference("bad.io/x"))).toThrow(`registry "bad.io" is blocked in registries.conf`);
  });

  test("loopback hosts are insecure without configuration", async () => {
    const c = await loadRegistriesConf(sandbox({}).opts);
    expect(registryFor(c, parseReference("localhost:5000/x")).location.insecure).toBe(true);
    expect(registryFor(c, parseReference("quay.io/x")).location.insecure).toBe(false);
    for (const h of ["localhost", "localhost:5000", "127.0.0.1", "127.1.2.3:80", "[::1]:5000", "::1"]) expect(isInsecureByDefault(h)).toBe(true);
    for (const h of ["128.0.0.1", "localhost.example.com", "quay.io", "[::2]:5000", "10.0.0.1:5000"]) expect(isInsecureByDefault(h)).toBe(false);
  });
});
