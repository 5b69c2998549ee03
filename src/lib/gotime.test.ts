import { expect, test } from "bun:test";
import { rfc3339Nano, rfc3339NanoFromMs, ZERO_TIME } from "./gotime.ts";

test("rfc3339Nano writes Go's RFC3339Nano layout", () => {
  expect(rfc3339Nano("2024-01-01T00:00:00Z")).toBe("2024-01-01T00:00:00Z");
  expect(rfc3339Nano("2023-05-06T07:08:09.123456700+02:00")).toBe("2023-05-06T07:08:09.1234567+02:00");
  expect(rfc3339Nano("2023-05-06T07:08:09.000+00:00")).toBe("2023-05-06T07:08:09Z");
  expect(rfc3339Nano("2023-05-06T07:08:09.1234567891Z")).toBe("2023-05-06T07:08:09.123456789Z");
  expect(rfc3339Nano(undefined)).toBe(ZERO_TIME);
  expect(rfc3339Nano("yesterday")).toBe(ZERO_TIME);
});

test("rfc3339NanoFromMs is UTC, and the zero time for never", () => {
  expect(rfc3339NanoFromMs(1500)).toBe("1970-01-01T00:00:01.5Z");
  expect(rfc3339NanoFromMs(0)).toBe("0001-01-01T00:00:00Z");
  expect(rfc3339NanoFromMs(undefined)).toBe("0001-01-01T00:00:00Z");
});
