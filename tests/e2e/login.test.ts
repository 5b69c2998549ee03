/**
 * `skiff login` / `logout` against real registries: docker-registry 2.8 with
 * htpasswd basic auth, with token auth (fixtures/token-server.ts as the
 * realm), and without auth. This file starts its own registries on
 * 127.0.0.1:5110-5113 (temp folders, stopped in afterAll) so that it does
 * not depend on the shared fixtures' state.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { testStore, type TestStore } from "../support/cli.ts";

const repo = resolve(import.meta.dir, "../..");
const BASIC = "127.0.0.1:5110";
const TOKEN = "127.0.0.1:5111";
const OPEN = "127.0.0.1:5112";
const TOKEN_SERVER = "127.0.0.1:5113";
const USER = "testuser";
const PASS = "testpassword";

const tmp = mkdtempSync("/tmp/skiff-e2e-login-");
const procs: ReturnType<typeof Bun.spawn>[] = [];
let store: TestStore;
const authFile = join(tmp, "auth.json");
const env = () => ({ REGISTRY_AUTH_FILE: authFile, CONTAINERS_REGISTRIES_CONF: join(tmp, "registries.conf"), HOME: tmp });
const run = (args: string[], input?: string) => store.run(args, { env: env(), ...(input !== undefined ? { input } : {}) });

function sh(cmd: string[]): void {
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr.toString()}`);
}

function registryConfig(port: string, auth: string): string {
  const dir = join(tmp, `reg-${port}`);
  const file = join(tmp, `reg-${port}.yml`);
  writeFileSync(file, `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${dir}\nhttp:\n  addr: 127.0.0.1:${port}\n  secret: skiff-login-test\n${auth}`);
  return file;
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try { const r = await fetch(url); await r.arrayBuffer(); return; } catch { await Bun.sleep(50); }
  }
  throw new Error(`nothing answers at ${url}`);
}

beforeAll(async () => {
  writeFileSync(join(tmp, "registries.conf"), `unqualified-search-registries = ["${BASIC}"]\n`);
  sh(["htpasswd", "-Bbc", join(tmp, "htpasswd"), USER, PASS]);
  sh(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
    "-subj", "/CN=skiff-login-issuer", "-keyout", join(tmp, "token.key"), "-out", join(tmp, "token.crt")]);
  const quiet = { stdout: "ignore", stderr: "ignore" } as const;
  procs.push(Bun.spawn(["docker-registry", "serve", registryConfig("5110", `auth:\n  htpasswd:\n    realm: skiff-test\n    path: ${join(tmp, "htpasswd")}\n`)], quiet));
  procs.push(Bun.spawn(["docker-registry", "serve", registryConfig("5111", `auth:\n  token:\n    realm: http://${TOKEN_SERVER}/token\n    service: skiff-login-service\n    issuer: skiff-login-issuer\n    rootcertbundle: ${join(tmp, "token.crt")}\n`)], quiet));
  procs.push(Bun.spawn(["docker-registry", "serve", registryConfig("5112", "")], quiet));
  procs.push(Bun.spawn([process.execPath, join(repo, "fixtures/token-server.ts"), "--listen", TOKEN_SERVER, "--key", join(tmp, "token.key"),
    "--cert", join(tmp, "token.crt"), "--issuer", "skiff-login-issuer", "--service", "skiff-login-service",
    "--user", USER, "--password", PASS, "--state", join(tmp, "token-state")], quiet));
  await Promise.all([BASIC, TOKEN, OPEN].map((h) => waitFor(`http://${h}/v2/`)).concat(waitFor(`http://${TOKEN_SERVER}/health`)));
  store = testStore("login");
}, 30_000);

afterAll(async () => {
  for (const p of procs) p.kill();
  await Promise.all(procs.map((p) => p.exited));
  store?.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

const readAuth = () => JSON.parse(readFileSync(authFile, "utf8")) as { auths: Record<string, { auth: string }>; [k: string]: unknown };
const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("login", () => {
  test("basic auth: stores credentials 0600 and says Login Succeeded!", async () => {
    const r = await run(["login", "-u", USER, "-p", PASS, BASIC]);
    expect(r).toMatchObject({ code: 0, stdout: "Login Succeeded!\n", stderr: "" });
    expect(readAuth().auths[BASIC]).toEqual({ auth: b64(`${USER}:${PASS}`) });
    expect(statSync(authFile).mode & 0o777).toBe(0o600);
  }, 20_000);

  test("basic auth with a wrong password fails with Podman's message", async () => {
    const r = await run(["login", "-u", USER, "-p", "nope", BASIC]);
    expect(r).toMatchObject({ code: 125, stdout: "", stderr: `Error: logging into "${BASIC}": invalid username/password\n` });
  }, 20_000);

  test("token auth: gets a token from the realm and stores the credentials", async () => {
    const bad = await run(["login", "-u", USER, "-p", "nope", TOKEN]);
    expect(bad).toMatchObject({ code: 125, stderr: `Error: logging into "${TOKEN}": invalid username/password\n` });
    const ok = await run(["login", "--username", USER, "--password", PASS, TOKEN]);
    expect(ok).toMatchObject({ code: 0, stdout: "Login Succeeded!\n" });
    const auths = readAuth().auths;
    expect(Object.keys(auths).sort()).toEqual([BASIC, TOKEN].sort());
  }, 20_000);

  test("a registry without auth accepts any login", async () => {
    const r = await run(["login", "-u", "anyone", "-p", "x", OPEN]);
    expect(r).toMatchObject({ code: 0, stdout: "Login Succeeded!\n" });
  }, 20_000);

  test("stored valid credentials are reused without flags", async () => {
    const r = await run(["login", BASIC]);
    expect(r).toMatchObject({ code: 0, stdout: `Authenticating with existing credentials for ${BASIC}\nExisting credentials are valid. Already logged in to ${BASIC}\n` });
  }, 20_000);

  test("no registry argument logs into the first unqualified-search registry", async () => {
    const r = await run(["login", "--get-login"]);
    expect(r).toMatchObject({ code: 0, stdout: `${USER}\n` });
  }, 20_000);

  test("--password-stdin with --verbose", async () => {
    const r = await run(["login", "-u", USER, "--password-stdin", "-v", BASIC], `${PASS}\n`);
    expect(r).toMatchObject({ code: 0, stdout: `Used: ${authFile}\nLogin Succeeded!\n` });
    const both = await run(["login", "-u", USER, "-p", PASS, "--password-stdin", BASIC], PASS);
    expect(both).toMatchObject({ code: 125, stderr: "Error: can't specify both --password-stdin and --password\n" });
    const noUser = await run(["login", "--password-stdin", OPEN], PASS);
    expect(noUser).toMatchObject({ code: 125, stderr: "Error: must provide --username with --password-stdin\n" });
  }, 20_000);

  test("missing username or password without a terminal is a clear error", async () => {
    const fresh = join(tmp, "fresh-auth.json");
    const r = await run(["login", "--authfile", fresh, OPEN]);
    expect(r.code).toBe(125);
    expect(r.stderr).toBe("Error: cannot prompt for a username without a terminal: use --username\n");
    const p = await run(["login", "--authfile", fresh, "-u", USER, OPEN]);
    expect(p.stderr).toBe("Error: cannot prompt for a password without a terminal: use --password or --password-stdin\n");
  }, 20_000);

  test("--authfile overrides REGISTRY_AUTH_FILE", async () => {
    const other = join(tmp, "other-auth.json");
    const r = await run(["login", "--authfile", other, "-u", USER, "-p", PASS, BASIC]);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(other, "utf8")).auths[BASIC]).toEqual({ auth: b64(`${USER}:${PASS}`) });
    expect((await run(["login", "--authfile", other, "--get-login", BASIC])).stdout).toBe(`${USER}\n`);
  }, 20_000);

  test("an unreachable registry names the registry and the cause", async () => {
    const r = await run(["login", "-u", "a", "-p", "b", "127.0.0.1:5119"]);
    expect(r.code).toBe(125);
    expect(r.stderr).toBe(`Error: authenticating creds for "127.0.0.1:5119": pinging container registry 127.0.0.1:5119: Get "http://127.0.0.1:5119/v2/": dial tcp 127.0.0.1:5119: connect: connection refused\n`);
  }, 20_000);

  test("unknown flags and too many arguments are usage errors", async () => {
    expect((await run(["login", "--bogus", BASIC])).stderr).toStartWith("Error: unknown flag: --bogus\n");
    expect((await run(["login", BASIC, OPEN])).code).toBe(125);
  }, 20_000);
});

describe("logout", () => {
  test("removes one registry and keeps the others", async () => {
    const r = await run(["logout", TOKEN]);
    expect(r).toMatchObject({ code: 0, stdout: `Removed login credentials for ${TOKEN}\n` });
    expect(Object.keys(readAuth().auths)).not.toContain(TOKEN);
    expect(Object.keys(readAuth().auths)).toContain(BASIC);
    const again = await run(["logout", TOKEN]);
    expect(again).toMatchObject({ code: 125, stderr: `Error: not logged into ${TOKEN}\n` });
    const get = await run(["login", "--get-login", TOKEN]);
    expect(get).toMatchObject({ code: 125, stderr: `Error: not logged into ${TOKEN}\n` });
  }, 20_000);

  test("--all empties the auth file's auths and keeps other fields", async () => {
    const doc = readAuth();
    writeFileSync(authFile, JSON.stringify({ ...doc, credHelpers: { "x.io": "none" } }));
    const r = await run(["logout", "-a"]);
    expect(r).toMatchObject({ code: 0, stdout: "Removed login credentials for all registries\n" });
    expect(readAuth()).toEqual({ auths: {}, credHelpers: { "x.io": "none" } });
  }, 20_000);
});
