import { expect, test } from "bun:test";
import { rfc3339Nano } from "./logs.ts";

test("rfc3339Nano formats conmon's timestamps as Go's RFC3339Nano", () => {
  expect(rfc3339Nano("2026-11-29T17:46:15.397595160+00:00")).toBe("2026-11-29T17:46:15.39759516Z");
  expect(rfc3339Nano("2026-11-29T17:46:15.000000000+02:00")).toBe("2026-11-29T17:46:15+02:00");
});
