import { describe, expect, test } from "bun:test";
import { Flags, parseArgv } from "./argv.ts";
import { RUN_FLAGS, UNSUPPORTED_RUN_FLAGS, isIP, parseEnvFileText, runArgsToSpec } from "./run-flags.ts";
import type { ContainerSpec } from "../spec/container-spec.ts";

const files: Record<string, string> = {
  "/envs": "# comment\n\n  A=1\nB= spaced value \nHOSTVAR\nMISSING\nC=x=y\r\n",
  "/labels": "# c\nk1=v1\nk2\n",
};
const ctx = {
  env: { HOSTVAR: "from-host", PFX_A: "1", PFX_B: "2", http_proxy: "http://proxy:3128" } as Record<string, string | undefined>,
  readFile: (p: string) => {
    const t = files[p];
    if (t === undefined) throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
    return t;
  },
};

function spec(...argv: string[]): ContainerSpec {
  const p = parseArgv(argv, RUN_FLAGS, false);
  return runArgsToSpec(new Flags(p), p.args, ctx);
}
function fails(argv: string[]): string {
  try {
    spec(...argv);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`expected ${argv.join(" ")} to fail`);
}

describe("runArgsToSpec", () => {
  test("flags stop at the image; the rest is the command", () => {
    const s = spec("-d", "--name", "x", "busybox", "ls", "-l", "--rm");
    expect(s).toMatchObject({ image: "busybox", command: ["ls", "-l", "--rm"], detach: true, name: "x" });
    expect(s.remove).toBeUndefined();
  });

  test("clustered shorthands and short forms", () => {
    const s = spec("-itd", "-e", "A=1", "-u", "1000:10", "-w", "/srv", "-h", "box", "-m", "64m", "-c", "512", "-P", "-l", "a=b", "img");
    expect(s).toMatchObject({
      interactive: true, tty: true, detach: true, env: { A: "1" }, user: "1000:10", workdir: "/srv", hostname: "box",
      resources: { memory: 64 * 1024 * 1024, cpuShares: 512 }, publishAll: true, labels: { a: "b" },
    });
  });

  const table: [string[], Partial<ContainerSpec>][] = [
    [["-e", "X", "-e", "HOSTVAR", "-e", "E="], { env: { HOSTVAR: "from-host", E: "", http_proxy: "http://proxy:3128" } }],
    [["-e", "PFX_*", "--http-proxy=false"], { env: { PFX_A: "1", PFX_B: "2" } }],
    [["--env-file", "/envs", "-e", "A=2", "--http-proxy=false"], { env: { A: "2", B: " spaced value ", HOSTVAR: "from-host", C: "x=y" } }],
    [["--label-file", "/labels", "-l", "k2=over"], { labels: { k1: "v1", k2: "over" } }],
    [["--entrypoint", ""], { entrypoint: [] }],
    [["--entrypoint", '["/bin/sh","-c"]'], { entrypoint: ["/bin/sh", "-c"] }],
    [["--entrypoint", "/bin/sh -c"], { entrypoint: ["/bin/sh -c"] }],
    [["--cpus", "1.5"], { resources: { cpuPeriod: 100000, cpuQuota: 150000 } }],
    [["--memory", "1g", "--memory-swap", "-1", "--memory-reservation", "512m"], { resources: { memory: 1073741824, memorySwap: -1, memoryReservation: 536870912 } }],
    [["--pids-limit", "-1", "--cpuset-cpus", "0-1"], { resources: { pidsLimit: -1, cpusetCpus: "0-1" } }],
    [["--ulimit", "nofile=1024:2048", "--ulimit", "nproc=-1"], { ulimits: [{ name: "nofile", soft: 1024, hard: 2048 }, { name: "nproc", soft: -1, hard: -1 }] }],
    [["--restart", "on-failure:3"], { restart: { policy: "on-failure", maxRetries: 3 } }],
    [["--restart", "unless-stopped"], { restart: { policy: "unless-stopped" } }],
    [["--cap-add", "net_admin,CAP_SYS_TIME", "--cap-drop", "all"], { capAdd: ["CAP_NET_ADMIN", "CAP_SYS_TIME"], capDrop: ["ALL"] }],
    [["--security-opt", "no-new-privileges", "--security-opt", "seccomp=unconfined", "--security-opt", "mask=/a:/b", "--security-opt", "unmask=ALL"],
      { security: { noNewPrivileges: true, seccompProfile: "unconfined", mask: ["/a", "/b"], unmask: ["ALL"] } }],
    [["--security-opt", "seccomp:/p.json"], { security: { seccompProfile: "/p.json" } }],
    [["--device", "/dev/fuse", "--device", "/dev/null:/dev/n:r", "--device", "/dev/zero:rw"],
      { devices: [{ source: "/dev/fuse" }, { source: "/dev/null", destination: "/dev/n", permissions: "r" }, { source: "/dev/zero", permissions: "rw" }] }],
    [["--sysctl", "net.ipv4.ip_forward=1", "--sysctl", "kernel.shmmax=100"], { sysctls: { "net.ipv4.ip_forward": "1", "kernel.shmmax": "100" } }],
    [["--health-cmd", "curl -f x", "--health-interval", "5s", "--health-retries", "2"], { healthcheck: { test: ["CMD-SHELL", "curl -f x"], interval: "5s", retries: 2 } }],
    [["--health-cmd", '["/bin/check","-q"]'], { healthcheck: { test: ["CMD", "/bin/check", "-q"] } }],
    [["--no-healthcheck"], { healthcheck: { test: ["NONE"] } }],
    [["--health-interval", "5s"], { healthcheck: { interval: "5s" } }],
    [["--pull", "never", "--cidfile", "/tmp/cid", "--init", "--stop-timeout", "3", "--stop-signal", "kill"],
      { pull: "never", cidfile: "/tmp/cid", init: true, stopTimeout: 3, stopSignal: "SIGKILL" }],
    [["--shm-size", "1m", "--group-add", "wheel,10", "--annotation", "a=b"], { shmSize: 1048576, groupAdd: ["wheel", "10"], annotations: { a: "b" } }],
    [["--add-host", "h:1.2.3.4", "--add-host", "v6:::1", "--add-host", "gw:host-gateway", "--dns", "8.8.8.8"],
      { addHosts: [{ host: "h", ip: "1.2.3.4" }, { host: "v6", ip: "::1" }, { host: "gw", ip: "host-gateway" }], dns: ["8.8.8.8"] }],
    [["--pid", "host", "--ipc", "host", "--uts", "host"], { pid: "host", ipc: "host", uts: "host" }],
    [["--net", "none"], { network: ["none"] }],
    [["--network", "host"], { network: ["host"] }],
    [["--network", "mynet", "-p", "8080:80", "-p", "53:53/udp"], { network: ["mynet"], publish: ["8080:80", "53:53/udp"], portMappings: [
      { host_ip: "", container_port: 80, host_port: 8080, range: 1, protocol: "tcp" },
      { host_ip: "", container_port: 53, host_port: 53, range: 1, protocol: "udp" },
    ] }],
    [["--privileged", "--read-only", "--read-only-tmpfs=false"], { privileged: true, readOnly: true, readOnlyTmpfs: false }],
    [["--log-driver", "none", "--log-opt", "max-size=10m", "--runtime", "runc"], { logDriver: "none", logOpts: { "max-size": "10m" }, runtime: "runc" }],
    [["--sig-proxy=false", "--tls-verify=false"], { sigProxy: false, tlsVerify: false }],
    [["--cgroups", "enabled", "--systemd", "false"], {}],
    [["-v", "/src:/dst:ro,z", "-v", "data:/data", "-v", "/anon", "--tmpfs", "/t:size=1m", "--mount", "type=bind,src=/s,dst=/d,readonly,bind-propagation=rshared"], {
      mounts: [
        { type: "bind", source: "/src", destination: "/dst", readonly: true, createHostPath: true, options: ["z"] },
        { type: "volume", name: "data", destination: "/data", readonly: false },
        { type: "volume", destination: "/anon" },
        { type: "bind", source: "/s", destination: "/d", readonly: true, options: ["rshared"] },
        { type: "tmpfs", destination: "/t", options: ["size=1m"] },
      ],
    }],
    [["--mount", "type=tmpfs,target=/x,tmpfs-size=64m,tmpfs-mode=1777"], { mounts: [{ type: "tmpfs", destination: "/x", options: ["size=64m", "mode=1777"] }] }],
    [["--mount", "type=volume,source=v,destination=/v,ro=true"], { mounts: [{ type: "volume", name: "v", destination: "/v", readonly: true }] }],
  ];
  test("-v ./x and ../x bind relative to the current folder; --mount resolves any relative source", () => {
    const at = (...argv: string[]) => {
      const p = parseArgv(argv, RUN_FLAGS, false);
      return runArgsToSpec(new Flags(p), p.args, { ...ctx, cwd: "/work/here" }).mounts;
    };
    expect(at("-v", "./d:/x", "-v", "../e/f:/y:ro", "-v", ".:/z", "img")).toEqual([
      { type: "bind", source: "/work/here/d", destination: "/x", readonly: false, createHostPath: true },
      { type: "bind", source: "/work/e/f", destination: "/y", readonly: true, createHostPath: true },
      { type: "bind", source: "/work/here", destination: "/z", readonly: false, createHostPath: true },
    ]);
    expect(at("--mount", "type=bind,src=sub/dir,dst=/x", "img")).toEqual([
      { type: "bind", source: "/work/here/sub/dir", destination: "/x", readonly: false },
    ]);
  });
  for (const [argv, want] of table) {
    test(`parses ${argv.join(" ")}`, () => {
      const s = spec(...argv, "img");
      expect(s).toMatchObject({ image: "img", ...want });
      if (want.env) expect(s.env).toEqual(want.env);
    });
  }

  const errors: [string[], string][] = [
    [["--memory", "x"], "invalid value for memory: invalid size: 'x'"],
    [["--memory", "1x"], "invalid value for memory: invalid size: '1x'"],
    [["--cpus", "x"], `invalid argument "x" for "--cpus" flag: strconv.ParseFloat: parsing "x": invalid syntax`],
    [["--cpu-shares", "x"], `invalid argument "x" for "-c, --cpu-shares" flag: strconv.ParseUint: parsing "x": invalid syntax`],
    [["--stop-timeout", "x"], `invalid argument "x" for "--stop-timeout" flag: strconv.ParseUint: parsing "x": invalid syntax`],
    [["--pids-limit", "x"], `invalid argument "x" for "--pids-limit" flag: strconv.ParseInt: parsing "x": invalid syntax`],
    [["--ulimit", "nofile=x"], `ulimit option "nofile=x" requires name=SOFT:HARD, failed to be parsed: strconv.ParseInt: parsing "x": invalid syntax`],
    [["--ulimit", "nofile=100:50"], `ulimit option "nofile=100:50" requires name=SOFT:HARD, failed to be parsed: ulimit soft limit must be less than or equal to hard limit: 100 > 50`],
    [["--ulimit", "foo=1"], `ulimit option "foo=1" requires name=SOFT:HARD, failed to be parsed: invalid ulimit type: foo`],
    [["--restart", "foo"], `running container create option: "foo" is not a valid restart policy: invalid argument`],
    [["--restart", "on-failure:x"], `parsing restart policy retry count: strconv.Atoi: parsing "x": invalid syntax`],
    [["-v", "rel/sub:/y"], `"rel/sub" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`],
    [["-v", ":/y"], `invalid volume specification: ":/y"`],
    [["-v", "/x:y"], `invalid container path "y", must be an absolute path`],
    [["-v", "/x:/y:foo"], `invalid option type "foo"`],
    [["-v", "/x:/y:ro,rw"], "cannot pass 'ro' and 'rw' options more than once"],
    [["--mount", "type=foo"], `invalid filesystem type "foo"`],
    [["--mount", "type=bind,src=/x"], "must set volume destination"],
    [["--tmpfs", "x"], `invalid container path "x", must be an absolute path`],
    [["--device", "/dev/null:rel"], "invalid device mode: rel"],
    [["--device", "/dev/null:/dev/n:xyz"], "invalid device mode: xyz"],
    [["--cap-add", "FOO"], `"CAP_FOO": unknown capability`],
    [["--cap-drop", "foo"], `"CAP_FOO": unknown capability`],
    [["--shm-size", "x"], "unable to translate --shm-size: invalid size: 'x'"],
    [["--sysctl", "x"], "x is invalid, sysctl values must be in the form of KEY=VALUE"],
    [["--sysctl", "foo.bar=1"], "sysctl 'foo.bar' is not allowed"],
    [["--network", "host", "--sysctl", "net.ipv4.ip_forward=1"], "sysctl 'net.ipv4.ip_forward' is not allowed in the hosts network namespace"],
    [["--security-opt", "foo"], `invalid --security-opt 1: "foo"`],
    [["--add-host", "x"], `bad format for add-host: "x"`],
    [["--add-host", "h:x"], `invalid IP address in add-host: "x"`],
    [["--pull", "x"], `unsupported pull policy "x"`],
    [["--log-driver", "x"], "running container create option: invalid log driver: invalid argument"],
    [["--log-opt", "x"], `invalid log option "x"`],
    [["--env-file", "/nope"], `parsing env file "/nope": open /nope: no such file or directory`],
    [["--label-file", "/nope"], "unable to process labels: open /nope: no such file or directory"],
    [["-e", "=x"], `invalid environment variable: "=x"`],
    [["--pid", "foo"], "unrecognized namespace mode foo passed"],
    [["--stop-signal", "FOO"], "invalid signal: FOO"],
    [["--userns", "keep-id"], "--userns is not supported yet"],
    [["--pod", "p"], "--pod is not supported yet"],
    [["--systemd", "always"], "--systemd is not supported yet"],
    [["--mount", "src=/x,dst=/y"], "incorrect mount format: should be --mount type=<bind|tmpfs|volume>,[src=<host-dir|volume-name>,]target=<ctr-dir>[,options]"],
    [["--annotation", "x"], "annotations must be formatted KEY=VALUE"],
    [["--dns", "x"], "x is not an ip address"],
    [["--cpus", "1", "--cpu-period", "1000"], "--cpu-period and --cpus cannot be set together"],
    [["--cpus", "1", "--cpu-quota", "1000"], "--cpu-quota and --cpus cannot be set together"],
    [["--device-cgroup-rule", "x"], `invalid device cgroup rule requires type, major:Minor, and access rules: "x"`],
    [["-w", "rel"], `invalid container path "rel", must be an absolute path`],
  ];
  for (const [argv, msg] of errors) {
    test(`refuses ${argv.join(" ")}`, () => {
      expect(fails([...argv, "img"])).toBe(msg);
    });
  }

  test("no image is a usage error", () => {
    expect(fails([])).toBe("requires at least 1 arg(s), only received 0");
  });

  test("unknown flags are usage errors (cobra's wording)", () => {
    expect(fails(["--bogus", "img"])).toBe("unknown flag: --bogus");
  });

  test("every unsupported flag is a real flag", () => {
    const names = new Set(RUN_FLAGS.map((f) => f.name));
    for (const n of UNSUPPORTED_RUN_FLAGS) expect(names.has(n)).toBe(true);
  });

  test("run flags have unique names and shorthands", () => {
    const names = RUN_FLAGS.map((f) => f.name);
    const shorts = RUN_FLAGS.flatMap((f) => (f.short ? [f.short] : []));
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(shorts).size).toBe(shorts.length);
  });
});

describe("helpers", () => {
  test("env files keep values verbatim and refuse names with spaces", () => {
    expect(parseEnvFileText("A=  x  \n", {})).toEqual([["A", "  x  "]]);
    expect(() => parseEnvFileText("A B=1\n", {})).toThrow("variable 'A B' contains whitespaces");
  });

  test("isIP accepts v4 and v6 literals only", () => {
    for (const ok of ["1.2.3.4", "::1", "fe80::1", "2001:db8::8:800:200c:417a", "::ffff:1.2.3.4"]) expect(isIP(ok)).toBe(true);
    for (const bad of ["1.2.3", "256.1.1.1", "x", "1::2::3", "host"]) expect(isIP(bad)).toBe(false);
  });
});
