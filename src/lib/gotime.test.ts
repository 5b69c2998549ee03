import { expect, test } from "bun:test";
import { GoTime } from "./gotime.ts";

test("GoTime prints as Go's Time.String and marshals as RFC3339Nano", () => {
  const t = new GoTime("2024-01-01T00:00:00Z");
  expect(t.toString()).toBe("2024-01-01 00:00:00 +0000 UTC");
  expect(JSON.stringify({ t })).toBe('{"t":"2024-01-01T00:00:00Z"}');
  const n = new GoTime("2023-05-06T07:08:09.123456700+02:00");
  expect(n.toString()).toBe("2023-05-06 07:08:09.1234567 +0200 +0200");
  expect(n.toJSON()).toBe("2023-05-06T07:08:09.1234567+02:00");
  expect(n.toMs()).toBe(Date.parse("2023-05-06T05:08:09.123Z"));
  expect(GoTime.zero().toString()).toBe("0001-01-01 00:00:00 +0000 UTC");
  expect(GoTime.fromMs(1500).toJSON()).toBe("1970-01-01T00:00:01.5Z");
  expect(() => new GoTime("yesterday")).toThrow(/invalid RFC 3339/);
});
