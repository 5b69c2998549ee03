import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import {
  authFilePath, authFilePaths, credentialsSource, findCredentials, getCredentials, normalizeAuthKey,
  removeAllCredentials, removeCredentials, storeCredentials, type AuthOptions,
} from "./auth.ts";

const base = mkdtempSync("/tmp/skiff-auth-");
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const b64 = (s: string) => Buffer.from(s).toString("base64");

function world(uid = 1000) {
  const dir = join(base, String(n++));
  const home = join(dir, "home");
  const run = join(dir, "run");
  mkdirSync(home, { recursive: true });
  const env = { HOME: home, XDG_RUNTIME_DIR: run };
  const opts: AuthOptions = { env, uid };
  const write = (rel: string, doc: unknown) => {
    const p = join(dir, rel);
    mkdirSync(join(p, ".."), { recursive: true });
    writeFileSync(p, JSON.stringify(doc));
    return p;
  };
  return { dir, home, run, env, opts, write };
}

describe("auth file paths", () => {
  test("rootless: runtime dir, XDG config, docker config, dockercfg", () => {
    const w = world();
    expect(authFilePaths(w.opts)).toEqual([
      join(w.run, "containers/auth.json"),
      join(w.home, ".config/containers/auth.json"),
      join(w.home, ".docker/config.json"),
      join(w.home, ".dockercfg"),
    ]);
  });

  test("root writes /run/containers/0/auth.json; DOCKER_CONFIG and XDG_CONFIG_HOME move fallbacks", () => {
    const w = world(0);
    expect(authFilePath(w.opts)).toBe("/run/containers/0/auth.json");
    const paths = authFilePaths({ ...w.opts, env: { ...w.env, DOCKER_CONFIG: "/dc", XDG_CONFIG_HOME: "/xdg" } });
    expect(paths.slice(1, 3)).toEqual(["/xdg/containers/auth.json", "/dc/config.json"]);
  });

  test("--authfile and REGISTRY_AUTH_FILE are the only file read", () => {
    const w = world();
    expect(authFilePaths({ ...w.opts, authfile: "/x.json" })).toEqual(["/x.json"]);
    expect(authFilePaths({ ...w.opts, env: { ...w.env, REGISTRY_AUTH_FILE: "/y.json" } })).toEqual(["/y.json"]);
    expect(authFilePaths({ ...w.opts, authfile: "/x.json", env: { ...w.env, REGISTRY_AUTH_FILE: "/y.json" } })).toEqual(["/x.json"]);
  });
});

describe("credentials lookup", () => {
  test("the most specific key in a file wins: repo, namespace, registry", () => {
    const w = world();
    w.write("run/containers/auth.json", { auths: {
      "r.io": { auth: b64("reg:1") },
      "r.io/ns": { auth: b64("ns:2") },
      "r.io/ns/app": { auth: b64("app:3") },
    } });
    expect(getCredentials("r.io", "ns/app", w.opts)).toEqual({ username: "app", password: "3" });
    expect(getCredentials("r.io", "ns/other", w.opts)).toEqual({ username: "ns", password: "2" });
    expect(getCredentials("r.io", "x/y", w.opts)).toEqual({ username: "reg", password: "1" });
    expect(getCredentials("r.io", undefined, w.opts)).toEqual({ username: "reg", password: "1" });
    expect(getCredentials("other.io", "x", w.opts)).toBeUndefined();
  });

  test("the first file with a match wins, then fallbacks are read", () => {
    const w = world();
    w.write("run/containers/auth.json", { auths: { "a.io": { auth: b64("first:p") } } });
    w.write("home/.config/containers/auth.json", { auths: { "a.io/x": { auth: b64("second:p") }, "b.io": { auth: b64("b:p") } } });
    w.write("home/.docker/config.json", { auths: { "https://index.docker.io/v1/": { auth: b64("hub:pw:with:colons") } } });
    w.write("home/.dockercfg", { "https://legacy.io/v1/": { auth: b64("old:p") } });
    expect(getCredentials("a.io", "x", w.opts)?.username).toBe("first");
    const b = findCredentials("b.io", "y", w.opts)!;
    expect(b).toMatchObject({ username: "b", file: join(w.home, ".config/containers/auth.json"), key: "b.io" });
    expect(getCredentials("docker.io", "library/busybox", w.opts)).toEqual({ username: "hub", password: "pw:with:colons" });
    expect(getCredentials("legacy.io", undefined, w.opts)?.username).toBe("old");
  });

  test("a credential helper that alone could answer is an error; credsStore without an entry is anonymous", () => {
    const w = world();
    w.write("home/.docker/config.json", { auths: { "store.io": {} }, credsStore: "desktop", credHelpers: { "helped.io": "ecr-login" } });
    expect(() => getCredentials("helped.io", "x", w.opts)).toThrow("credential helpers are not supported yet");
    expect(() => getCredentials("store.io", "x", w.opts)).toThrow("credential helpers are not supported yet");
    expect(getCredentials("public.io", "x", w.opts)).toBeUndefined();
  });

  test("a broken file is a clear error", () => {
    const w = world();
    mkdirSync(join(w.run, "containers"), { recursive: true });
    writeFileSync(join(w.run, "containers/auth.json"), "{not json");
    expect(() => getCredentials("a.io", undefined, w.opts)).toThrow(`unmarshaling JSON at "${join(w.run, "containers/auth.json")}"`);
  });
});

describe("storing and removing", () => {
  test("store writes 0600 atomically, keeps other keys, replaces equal keys", () => {
    const w = world();
    const p = w.write("run/containers/auth.json", { auths: { "keep.io": { auth: b64("k:k") }, "https://index.docker.io/v1/": { auth: b64("old:old") } }, other: { x: 1 } });
    expect(storeCredentials("localhost:5001", "testuser", "testpassword", w.opts)).toBe(p);
    storeCredentials("docker.io", "new", "pw", w.opts);
    const doc = JSON.parse(readFileSync(p, "utf8"));
    expect(doc.other).toEqual({ x: 1 });
    expect(Object.keys(doc.auths).sort()).toEqual(["docker.io", "keep.io", "localhost:5001"]);
    expect(doc.auths["localhost:5001"]).toEqual({ auth: b64("testuser:testpassword") });
    expect(statSync(p).mode & 0o777).toBe(0o600);
    expect(getCredentials("docker.io", "library/x", w.opts)?.username).toBe("new");
  });

  test("store creates the file and its folder under --authfile", () => {
    const w = world();
    const p = join(w.dir, "deep/dir/auth.json");
    storeCredentials("r.io/ns", "u", "p", { ...w.opts, authfile: p });
    expect(JSON.parse(readFileSync(p, "utf8"))).toEqual({ auths: { "r.io/ns": { auth: b64("u:p") } } });
    expect(getCredentials("r.io", "ns/app", { ...w.opts, authfile: p })?.username).toBe("u");
  });

  test("remove deletes one key; removeAll empties auths and keeps the rest", () => {
    const w = world();
    const p = w.write("run/containers/auth.json", { auths: { "a.io": { auth: b64("a:a") }, "b.io": { auth: b64("b:b") } }, credHelpers: { "c.io": "x" } });
    expect(removeCredentials("a.io", w.opts)).toBe(true);
    expect(removeCredentials("a.io", w.opts)).toBe(false);
    expect(Object.keys(JSON.parse(readFileSync(p, "utf8")).auths)).toEqual(["b.io"]);
    removeAllCredentials(w.opts);
    expect(JSON.parse(readFileSync(p, "utf8"))).toEqual({ auths: {}, credHelpers: { "c.io": "x" } });
  });

  test("removeAll on a missing file creates nothing; credentialsSource finds fallbacks", () => {
    const w = world();
    removeAllCredentials(w.opts);
    expect(existsSync(join(w.run, "containers/auth.json"))).toBe(false);
    const d = w.write("home/.docker/config.json", { auths: { "d.io": { auth: b64("d:d") } } });
    expect(credentialsSource("d.io", w.opts)).toBe(d);
    expect(credentialsSource("e.io", w.opts)).toBeUndefined();
  });

  test("normalizeAuthKey drops schemes, trailing slashes and Docker Hub spellings", () => {
    expect(normalizeAuthKey("https://index.docker.io/v1/")).toBe("docker.io");
    expect(normalizeAuthKey("http://localhost:5000/")).toBe("localhost:5000");
    expect(normalizeAuthKey("quay.io/ns/repo/")).toBe("quay.io/ns/repo");
    expect(normalizeAuthKey("registry-1.docker.io")).toBe("docker.io");
    expect(() => normalizeAuthKey("")).toThrow("invalid registry");
  });
});
