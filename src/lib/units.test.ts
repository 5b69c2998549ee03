import { describe, expect, test } from "bun:test";
import {
  BytesSize, FromHumanSize, HumanDuration, HumanSize, HumanSizeWithPrecision, PodmanSize, RAMInBytes,
  parseDuration, parseInputTime, parseTimestamp,
} from "./units.ts";

// Expectations from docker/go-units' documented behaviour and tests.
describe("sizes print as go-units", () => {
  const cases: [number, string][] = [
    [0, "0B"], [999, "999B"], [1000, "1kB"], [1024, "1.024kB"], [5583457, "5.583MB"], [1e9, "1GB"],
    [3.42e12, "3.42TB"], [1e30, "1e+06YB"],
  ];
  for (const [n, want] of cases) test(`HumanSize(${n})`, () => expect(HumanSize(n)).toBe(want));
  test("precision 3 rounds as Go's %g", () => {
    expect(HumanSizeWithPrecision(5583457, 3)).toBe("5.58MB");
    expect(HumanSizeWithPrecision(999950, 3)).toBe("1e+03kB");
  });
  test("BytesSize uses binary units", () => {
    expect(BytesSize(1536)).toBe("1.5KiB");
    expect(BytesSize(1024 * 1024 * 1024)).toBe("1GiB");
    expect(BytesSize(100)).toBe("100B");
  });
  test("PodmanSize puts a space before the unit", () => {
    expect(PodmanSize(5583457)).toBe("5.58 MB");
    expect(PodmanSize(0)).toBe("0 B");
    expect(PodmanSize(1234)).toBe("1.23 kB");
  });
});

describe("HumanDuration as go-units", () => {
  const s = 1000;
  const m = 60 * s;
  const h = 60 * m;
  const d = 24 * h;
  const cases: [number, string][] = [
    [0, "Less than a second"], [-5 * s, "Less than a second"], [1 * s, "1 second"], [59 * s, "59 seconds"],
    [60 * s, "About a minute"], [119 * s, "About a minute"], [2 * m, "2 minutes"], [59 * m, "59 minutes"],
    [60 * m, "About an hour"], [89 * m, "About an hour"], [90 * m, "2 hours"], [47 * h, "47 hours"],
    [48 * h, "2 days"], [13 * d, "13 days"], [14 * d, "2 weeks"], [59 * d, "8 weeks"], [60 * d, "2 months"],
    [729 * d, "24 months"], [730 * d, "2 years"], [3 * 365 * d, "3 years"],
  ];
  for (const [ms, want] of cases) test(`${ms} ms → ${want}`, () => expect(HumanDuration(ms)).toBe(want));
});

describe("size parsing as go-units", () => {
  test("RAMInBytes is binary and case-insensitive", () => {
    expect(RAMInBytes("64m")).toBe(64 * 1024 * 1024);
    expect(RAMInBytes("1g")).toBe(1024 ** 3);
    expect(RAMInBytes("512k")).toBe(512 * 1024);
    expect(RAMInBytes("1.5GiB")).toBe(1.5 * 1024 ** 3);
    expect(RAMInBytes("32kb")).toBe(32768);
    expect(RAMInBytes("10 M")).toBe(10 * 1024 * 1024);
    expect(RAMInBytes("100")).toBe(100);
  });
  test("FromHumanSize is decimal", () => {
    expect(FromHumanSize("1k")).toBe(1000);
    expect(FromHumanSize("2.5MB")).toBe(2_500_000);
  });
  test("bad sizes are go-units' error", () => {
    for (const bad of ["x", "", "-1", "1x", "1.2.3", "1kk"]) {
      expect(() => RAMInBytes(bad)).toThrow(`invalid size: '${bad}'`);
    }
  });
});

describe("parseDuration as Go's time.ParseDuration", () => {
  const cases: [string, number][] = [
    ["0", 0], ["10s", 10e9], ["1h30m", 5400e9], ["1.5h", 5400e9], ["300ms", 300e6], ["-2m", -120e9],
    ["+5us", 5000], ["1µs", 1000], ["2ns", 2], [".5s", 5e8], ["1.s", 1e9], ["1h2m3.5s", 3723.5e9],
  ];
  for (const [s, ns] of cases) test(s, () => expect(parseDuration(s)).toBe(ns));
  test("errors read as Go's", () => {
    expect(() => parseDuration("x")).toThrow('time: invalid duration "x"');
    expect(() => parseDuration("")).toThrow('time: invalid duration ""');
    expect(() => parseDuration("1")).toThrow('time: missing unit in duration "1"');
    expect(() => parseDuration("1d")).toThrow('time: unknown unit "d" in duration "1d"');
    expect(() => parseDuration(".s")).toThrow('time: invalid duration ".s"');
  });
});

describe("time parsing for --since/--until", () => {
  test("RFC 3339 and date forms", () => {
    expect(parseTimestamp("2024-01-02T15:04:05Z")?.toISOString()).toBe("2024-01-02T15:04:05.000Z");
    expect(parseTimestamp("2024-01-02T15:04:05.5+02:00")?.toISOString()).toBe("2024-01-02T13:04:05.500Z");
    expect(parseTimestamp("2024-01-02T15:04:05.123456789Z")?.toISOString()).toBe("2024-01-02T15:04:05.123Z");
    expect(parseTimestamp("2024-01-02T15:04:05")?.toISOString()).toBe("2024-01-02T15:04:05.000Z");
    expect(parseTimestamp("2024-01-02")?.toISOString()).toBe("2024-01-02T00:00:00.000Z");
    expect(parseTimestamp("2024-02-30")).toBeUndefined();
    expect(parseTimestamp("yesterday")).toBeUndefined();
  });
  test("Unix seconds and durations", () => {
    const now = Date.UTC(2024, 0, 2);
    expect(parseInputTime("1700000000.5", true, now).getTime()).toBe(1700000000500);
    expect(parseInputTime("10m", true, now).getTime()).toBe(now - 600_000);
    expect(parseInputTime("1h", false, now).getTime()).toBe(now + 3_600_000);
    expect(() => parseInputTime("soon", true, now)).toThrow("unable to interpret time value");
  });
});
