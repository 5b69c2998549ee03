import { expect, test } from "bun:test";
import { goDurationString } from "./go-duration.ts";

test("goDurationString prints as Go's time.Duration.String", () => {
  expect(goDurationString(0)).toBe("0s");
  expect(goDurationString(850)).toBe("850ns");
  expect(goDurationString(1500)).toBe("1.5µs");
  expect(goDurationString(4_933_000)).toBe("4.933ms");
  expect(goDurationString(12_875_965)).toBe("12.875965ms");
  expect(goDurationString(2e9)).toBe("2s");
  expect(goDurationString(279_028_579_000)).toBe("4m39.028579s");
  expect(goDurationString(3_723_500_000_000)).toBe("1h2m3.5s");
  expect(goDurationString(3600e9)).toBe("1h0m0s");
  expect(goDurationString(-1500)).toBe("-1.5µs");
});
