/**
 * Golden runtime specs: each testdata/spec-*.json holds the run flags, the
 * image config and host facts it was generated with, and the expected
 * config.json and warnings. Paths that vary per run are replaced by
 * $ROOTFS, $USERDATA and $TESTDATA; the compiled seccomp rules by their count
 * (their content is checked in seccomp.test.ts). Regenerate after a deliberate
 * change with SKIFF_UPDATE_GOLDEN=1 and review the diff.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { Flags, parseArgv } from "../cli/argv.ts";
import { RUN_FLAGS, runArgsToSpec } from "../cli/run-flags.ts";
import { validateSpec } from "../spec/container-spec.ts";
import { capabilitiesFromMask } from "./capabilities.ts";
import { generateRuntimeSpec, processArgs, type GenerateInput, type ImageConfig } from "./spec-generate.ts";
import type { HostFacts } from "./resources.ts";

const TESTDATA = join(import.meta.dir, "testdata");
const ID = "0123456789abcdef".repeat(4);
let dir: string;
let rootfs: string;
const userdata = "/run/skiff/containers/c/userdata";

/** This machine's facts, fixed: no CAP_SYS_RESOURCE, nofile hard 20000, cgroup v1 with cgroupfs. */
const HOST: HostFacts = {
  boundingCapabilities: capabilitiesFromMask("000001fffeffffff"),
  canRaiseRlimits: false,
  cgroupVersion: 1,
  cgroupManager: "cgroupfs",
  memswAvailable: true,
  blkioWeightAvailable: false,
  rlimitHard: { nofile: 20000, nproc: 96365 },
  arch: "amd64",
  kernelVersion: "6.1.0",
  seccompProfilePath: join(TESTDATA, "containers-common-seccomp.json"),
  initPath: join(TESTDATA, "containers-common-seccomp.json"), // any existing file stands in for catatonit
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "skiff-specgen-"));
  rootfs = join(dir, "rootfs");
  mkdirSync(join(rootfs, "etc"), { recursive: true });
  mkdirSync(join(rootfs, "tmp"));
  writeFileSync(join(rootfs, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n");
  writeFileSync(join(rootfs, "etc/group"), "root:x:0:\nwheel:x:10:root\nnogroup:x:65534:\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Golden {
  comment: string;
  argv: string[];
  image?: ImageConfig;
  host?: Partial<HostFacts>;
  netnsPath?: string;
  volumeSources?: Record<string, string>;
  warnings?: string[];
  config?: unknown;
}

function normalise(spec: unknown, privileged: boolean): unknown {
  let text = JSON.stringify(spec);
  text = text.split(rootfs).join("$ROOTFS").split(userdata).join("$USERDATA").split(TESTDATA).join("$TESTDATA");
  const o = JSON.parse(text);
  const sc = o.linux?.seccomp;
  if (sc?.syscalls) sc.syscalls = `${sc.syscalls.length} rules`;
  if (privileged && o.linux?.devices) o.linux.devices = "all host devices";
  return o;
}

function generate(g: Golden) {
  const p = parseArgv([...g.argv, "busybox"], RUN_FLAGS, false);
  const spec = runArgsToSpec(new Flags(p), p.args, { env: {} });
  validateSpec(spec);
  const input: GenerateInput = {
    spec, imageConfig: g.image ?? { Cmd: ["sh"], Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] },
    rootfs, containerId: ID, userdataDir: userdata, host: { ...HOST, ...g.host },
    ...(g.netnsPath ? { netnsPath: g.netnsPath } : {}),
    ...(g.volumeSources ? { volumeSources: g.volumeSources } : {}),
  };
  return generateRuntimeSpec(input);
}

describe("golden runtime specs", () => {
  const files = readdirSync(TESTDATA).filter((f) => /^spec-.*\.json$/.test(f)).sort();
  test("there are golden files", () => expect(files.length).toBeGreaterThanOrEqual(5));
  for (const f of files) {
    test(f, () => {
      const path = join(TESTDATA, f);
      const g = JSON.parse(readFileSync(path, "utf8")) as Golden;
      const r = generate(g);
      const got = normalise(r.ociSpec, g.argv.includes("--privileged"));
      if (process.env.SKIFF_UPDATE_GOLDEN === "1") {
        writeFileSync(path, JSON.stringify({ ...g, warnings: r.warnings, config: got }, null, 2) + "\n");
        return;
      }
      expect(r.warnings).toEqual(g.warnings ?? []);
      expect(got).toEqual(g.config);
    });
  }
});

describe("generateRuntimeSpec", () => {
  const gen = (argv: string[], extra: Partial<Golden> = {}) => generate({ comment: "", argv, ...extra });

  test("--privileged lists host devices, allows all of them and drops seccomp and masks", () => {
    const { ociSpec } = gen(["--privileged"]);
    const linux = ociSpec.linux as { devices: { path: string }[]; resources: { devices: unknown[] }; seccomp?: unknown; maskedPaths?: unknown };
    expect(linux.devices.map((d) => d.path)).toContain("/dev/null");
    expect(linux.resources.devices).toEqual([{ allow: true, access: "rwm" }]);
    expect(linux.seccomp).toBeUndefined();
    expect(linux.maskedPaths).toBeUndefined();
  });

  test("--device adds the node and a cgroup rule with its major/minor", () => {
    const { ociSpec } = gen(["--device", "/dev/null:/dev/mynull:rw"]);
    const linux = ociSpec.linux as { devices: Record<string, unknown>[]; resources: { devices: unknown[] } };
    expect(linux.devices).toEqual([{ path: "/dev/mynull", type: "c", major: 1, minor: 3, fileMode: expect.any(Number), uid: expect.any(Number), gid: expect.any(Number) }]);
    expect(linux.resources.devices).toEqual([{ allow: false, access: "rwm" }, { allow: true, type: "c", major: 1, minor: 3, access: "rw" }]);
    expect(() => gen(["--device", "/dev/nope"])).toThrow("stat /dev/nope: no such file or directory");
  });

  test("default rlimits never exceed the hard limits; an explicit one above them is refused", () => {
    const rl = (ociSpec: { process: Record<string, unknown> }) => ociSpec.process.rlimits;
    expect(rl(gen([]).ociSpec)).toEqual([{ type: "RLIMIT_NOFILE", hard: 20000, soft: 20000 }, { type: "RLIMIT_NPROC", hard: 96365, soft: 96365 }]);
    expect(rl(gen([], { host: { canRaiseRlimits: true } }).ociSpec)).toEqual([{ type: "RLIMIT_NOFILE", hard: 1048576, soft: 1048576 }, { type: "RLIMIT_NPROC", hard: 1048576, soft: 1048576 }]);
    expect(() => gen(["--ulimit", "nofile=30000:30000"])).toThrow("ulimit nofile=30000:30000 exceeds the hard limit 20000 of this process: raising it needs CAP_SYS_RESOURCE");
  });

  test("--network host shares the host's network namespace; a netns path is joined", () => {
    const types = (o: { linux: Record<string, unknown> }) => (o.linux.namespaces as { type: string; path?: string }[]);
    expect(types(gen(["--network", "host"]).ociSpec).map((n) => n.type)).not.toContain("network");
    expect(types(gen([], { netnsPath: "/run/netns/x" }).ociSpec)).toContainEqual({ type: "network", path: "/run/netns/x" });
    expect(types(gen(["--pid", "host", "--ipc", "host", "--uts", "host"]).ociSpec).map((n) => n.type)).toEqual(["network", "mount"]);
    expect(types(gen([], { host: { cgroupVersion: 2 } }).ociSpec).map((n) => n.type)).toContain("cgroup");
  });

  test("the systemd manager gets a slice:prefix:name cgroupsPath", () => {
    expect(gen([], { host: { cgroupManager: "systemd" } }).ociSpec.linux.cgroupsPath).toBe(`machine.slice:skiff:${ID}`);
    expect(gen([]).ociSpec.linux.cgroupsPath).toBe(`/skiff_parent/skiff-${ID}`);
  });

  test("--memory without swap accounting drops the implicit swap silently; --memory-swap warns", () => {
    const noSwap = { host: { memswAvailable: false } };
    const a = gen(["--memory", "64m"], noSwap);
    expect((a.ociSpec.linux.resources as { memory: unknown }).memory).toEqual({ limit: 67108864 });
    expect(a.warnings).toEqual([]);
    const b = gen(["--memory", "64m"]);
    expect((b.ociSpec.linux.resources as { memory: unknown }).memory).toEqual({ limit: 67108864, swap: 134217728 });
  });

  test("a -w folder must exist; the image's WorkingDir is created for the container's user", () => {
    expect(() => gen(["-w", "/nope"])).toThrow(`workdir "/nope" does not exist on container ${ID}`);
    expect(gen(["-w", "/etc"]).ociSpec.process.cwd).toBe("/etc");
    const r = gen(["-u", "nobody"], { image: { Cmd: ["sh"], WorkingDir: "/srv/app/data" } });
    expect(r.ociSpec.process.cwd).toBe("/srv/app/data");
    const st = statSync(join(rootfs, "srv/app/data"));
    expect(st.isDirectory()).toBe(true);
    expect(st.uid).toBe(65534);
    expect(statSync(join(rootfs, "srv")).uid).toBe(65534);
  });

  test("--network host takes the host's hostname unless --hostname is given", () => {
    expect(gen(["--network", "host"]).ociSpec.hostname).toBe(hostname());
    expect(gen(["--network", "host", "--hostname", "h"]).ociSpec.hostname).toBe("h");
  });

  test("--blkio-weight is dropped with Podman's warning where the kernel has no weight", () => {
    expect(gen(["--blkio-weight", "500"]).warnings).toEqual(["Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded."]);
    expect(gen(["--blkio-weight", "500"], { host: { blkioWeightAvailable: true } }).ociSpec.linux.resources).toMatchObject({ blockIO: { weight: 500 } });
  });

  test("security-opt seccomp=unconfined, unmask and mask", () => {
    const linux = gen(["--security-opt", "seccomp=unconfined", "--security-opt", "unmask=/proc/kcore", "--security-opt", "mask=/secret"]).ociSpec.linux;
    expect(linux.seccomp).toBeUndefined();
    expect(linux.maskedPaths).not.toContain("/proc/kcore");
    expect(linux.maskedPaths).toContain("/secret");
    expect(gen(["--security-opt", "unmask=ALL"]).ociSpec.linux.readonlyPaths).toBeUndefined();
    const custom = join(dir, "custom-seccomp.json");
    writeFileSync(custom, JSON.stringify({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 1, excludes: { caps: ["CAP_SYS_ADMIN"] } }] }));
    expect(gen(["--security-opt", `seccomp=${custom}`]).ociSpec.linux.seccomp).toEqual({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }] });
    expect(gen(["--security-opt", `seccomp=${custom}`, "--cap-add", "sys_admin"]).ociSpec.linux.seccomp).toEqual({ defaultAction: "SCMP_ACT_ALLOW" });
    expect(() => gen(["--security-opt", "seccomp=/nope.json"])).toThrow("opening seccomp profile failed: open /nope.json: no such file or directory");
  });

  test("volumes need a source from the caller; image VOLUMEs are bound when the caller made them", () => {
    expect(() => gen(["-v", "data:/data"])).toThrow(`no volume source for volume "data" at /data`);
    const m = gen(["-v", "data:/data:ro"], { volumeSources: { "/data": "/vol/data/_data", "/var/lib/x": "/vol/anon/_data" }, image: { Cmd: ["sh"], Volumes: { "/var/lib/x": {} } } }).ociSpec.mounts;
    expect(m).toContainEqual({ destination: "/data", type: "bind", source: "/vol/data/_data", options: ["ro", "rprivate", "rbind", "nosuid", "nodev"] });
    expect(m).toContainEqual({ destination: "/var/lib/x", type: "bind", source: "/vol/anon/_data", options: ["rprivate", "rbind", "nosuid", "nodev"] });
  });

  test("env: defaults, image, flags; HOME from passwd; --unsetenv", () => {
    const env = gen(["-e", "FOO=bar", "-e", "TERM=dumb", "--unsetenv", "X"], { image: { Cmd: ["sh"], Env: ["X=1", "Y=2"] } }).ociSpec.process.env;
    expect(env).toEqual(["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=dumb", "Y=2", "FOO=bar", "container=podman", `HOSTNAME=${ID.slice(0, 12)}`, "HOME=/root"]);
    expect(() => gen(["--group-add", "nogrp"])).toThrow(`looking up supplemental groups for container ${ID}: Unable to find group nogrp: no matching entries in group file`);
    const nobody = gen(["-u", "nobody"]).ociSpec.process;
    expect(nobody.env).toContain("HOME=/home");
    expect(nobody.user).toEqual({ uid: 65534, gid: 65534, umask: 18, additionalGids: [65534] });
  });
});

describe("processArgs (Docker's entrypoint/cmd interplay)", () => {
  const img: ImageConfig = { Entrypoint: ["/entry"], Cmd: ["default"] };
  test("image entrypoint + cmd", () => expect(processArgs({ image: "i" }, img)).toEqual(["/entry", "default"]));
  test("a command replaces cmd only", () => expect(processArgs({ image: "i", command: ["x"] }, img)).toEqual(["/entry", "x"]));
  test("--entrypoint replaces the entrypoint and drops the image cmd", () => expect(processArgs({ image: "i", entrypoint: ["/bin/sh"] }, img)).toEqual(["/bin/sh"]));
  test("--entrypoint '' with a command runs the command", () => expect(processArgs({ image: "i", entrypoint: [], command: ["ls"] }, img)).toEqual(["ls"]));
  test("nothing to run is an error", () => expect(() => processArgs({ image: "i", entrypoint: [] }, img)).toThrow("no command or entrypoint provided, and no CMD or ENTRYPOINT from image"));
});
