import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { LiveHostFacts, containerCgroupPath, parseProcLimits } from "./resources.ts";

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max stack size            8388608              unlimited            bytes
Max processes             96365                96365                processes
Max open files            20000                20000                files
Max locked memory         8388608              8388608              bytes
Max nice priority         0                    0
Max realtime timeout      unlimited            unlimited            us
`;

test("parseProcLimits reads hard limits by rlimit name, unlimited as -1", () => {
  expect(parseProcLimits(LIMITS)).toEqual({ cpu: -1, stack: -1, nproc: 96365, nofile: 20000, memlock: 8388608, nice: 0, rttime: -1 });
});

test("live host facts agree with /proc and /sys", () => {
  const h = new LiveHostFacts();
  const limits = readFileSync("/proc/self/limits", "utf8");
  const nofile = /Max open files\s+\S+\s+(\S+)/.exec(limits)![1]!;
  expect(h.rlimitHard.nofile).toBe(nofile === "unlimited" ? -1 : Number(nofile));
  expect(h.boundingCapabilities).toContain("CAP_CHOWN");
  expect([1, 2]).toContain(h.cgroupVersion);
  expect(["cgroupfs", "systemd"]).toContain(h.cgroupManager);
  expect(typeof h.memswAvailable).toBe("boolean");
  expect(h.arch).toBe(process.arch === "x64" ? "amd64" : process.arch);
  expect(h.kernelVersion).toMatch(/^\d+\.\d+/);
  // Memoised: the same object on the second read.
  expect(h.rlimitHard).toBe(h.rlimitHard);
});

test("containerCgroupPath uses the manager's syntax", () => {
  expect(containerCgroupPath("abc", "cgroupfs")).toBe("/skiff_parent/skiff-abc");
  expect(containerCgroupPath("abc", "systemd")).toBe("machine.slice:skiff:abc");
  expect(containerCgroupPath("abc", "cgroupfs", "/mine")).toBe("/mine/skiff-abc");
  expect(containerCgroupPath("abc", "systemd", "my.slice")).toBe("my.slice:skiff:abc");
});
