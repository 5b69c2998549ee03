import { expect, test } from "bun:test";
import { validateSpec, type ContainerSpec } from "./container-spec.ts";
import { fromHumanSize, ramInBytes } from "../lib/units.ts";
import { parseSignal, signalName } from "./signals.ts";

const base: ContainerSpec = { image: "busybox" };
const msg = (s: Partial<ContainerSpec>) => {
  try {
    validateSpec({ ...base, ...s });
    return "ok";
  } catch (e) {
    return (e as Error).message;
  }
};

test("validateSpec accepts a plain spec and compatible options", () => {
  expect(msg({})).toBe("ok");
  expect(msg({ remove: true, restart: { policy: "no" } })).toBe("ok");
  expect(msg({ restart: { policy: "on-failure", maxRetries: 3 } })).toBe("ok");
  expect(msg({ resources: { memory: 100, memorySwap: -1 } })).toBe("ok");
  expect(msg({ resources: { memory: 100, memorySwap: 200 } })).toBe("ok");
  expect(msg({ hostname: "h", uts: "private" })).toBe("ok");
});

test("validateSpec names conflicting flags in Podman's words", () => {
  expect(msg({ remove: true, restart: { policy: "always" } })).toBe(`the --rm option conflicts with --restart, when the restartPolicy is not "" and "no"`);
  expect(msg({ restart: { policy: "always", maxRetries: 3 } })).toBe("restart policy retries can only be specified with on-failure restart policy");
  expect(msg({ hostname: "h", uts: "host" })).toBe("invalid config provided: cannot set hostname when running in the host UTS namespace: invalid configuration");
  expect(msg({ resources: { memorySwap: 100 } })).toBe("you should always set a memory limit when using a memoryswap limit, see usage");
  expect(msg({ resources: { memory: 200, memorySwap: 100 } })).toBe("minimum memoryswap limit should be larger than memory limit, see usage");
  expect(msg({ resources: { memory: 100, memoryReservation: 200 } })).toBe("minimum memory limit cannot be less than memory reservation limit, see usage");
  expect(msg({ network: ["none", "mynet"] })).toBe("cannot set multiple networks without bridge network mode, selected mode none: invalid argument");
  expect(msg({ oomScoreAdj: 5000 })).toBe("oom_score_adj: must be in range -1000..1000: 5000");
  expect(msg({ mounts: [{ type: "tmpfs", destination: "/x" }, { type: "volume", destination: "/x/" }] })).toBe("/x: duplicate mount destination");
  expect(msg({ mounts: [{ type: "bind", source: "/a", destination: "/x" }, { type: "bind", source: "/a", destination: "/x" }] })).toBe("ok");
  expect(msg({ resources: { memorySwappiness: 200 } })).toBe("invalid value: 200, valid memory swappiness range is 0-100");
});

test("ramInBytes follows go-units (binary multiples, optional b/ib, fractions)", () => {
  expect(ramInBytes("64m")).toBe(67108864);
  expect(ramInBytes("1.5g")).toBe(1610612736);
  expect(ramInBytes("512")).toBe(512);
  expect(ramInBytes("10KiB")).toBe(10240);
  expect(ramInBytes("1 MB")).toBe(1048576);
  expect(fromHumanSize("1k")).toBe(1000);
  expect(() => ramInBytes("x")).toThrow("invalid size: 'x'");
  expect(() => ramInBytes("-1")).toThrow("invalid size: '-1'");
});

test("signals parse by name, number and real-time offset", () => {
  expect(parseSignal("SIGTERM")).toBe(15);
  expect(parseSignal("kill")).toBe(9);
  expect(parseSignal("2")).toBe(2);
  expect(parseSignal("RTMIN+2")).toBe(36);
  expect(signalName(15)).toBe("SIGTERM");
  expect(signalName(36)).toBe("SIGRTMIN+2");
  expect(() => parseSignal("FOO")).toThrow("invalid signal: FOO");
  expect(() => parseSignal("0")).toThrow("invalid signal: 0");
});
