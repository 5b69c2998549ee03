import { expect, test } from "bun:test";
import { healthConfig } from "./healthcheck.ts";

test("healthConfig fills Podman's defaults and converts durations to nanoseconds", () => {
  expect(healthConfig({ test: ["CMD-SHELL", "true"] }, undefined)).toEqual({ Test: ["CMD-SHELL", "true"], Interval: 30e9, Timeout: 30e9, Retries: 3 });
  expect(healthConfig({ test: ["CMD", "x"], interval: "1m30s", timeout: "500ms", startPeriod: "5s", retries: 1 }, undefined))
    .toEqual({ Test: ["CMD", "x"], StartPeriod: 5e9, Interval: 90e9, Timeout: 5e8, Retries: 1 });
});

test("healthConfig: flags override the image's healthcheck field by field; none without a command", () => {
  expect(healthConfig({ retries: 9 }, { Test: ["CMD", "img"], Interval: 10e9 })).toEqual({ Test: ["CMD", "img"], Interval: 10e9, Timeout: 30e9, Retries: 9 });
  expect(healthConfig(undefined, undefined)).toBeNull();
  expect(healthConfig({ test: ["NONE"] }, { Test: ["CMD", "img"] })).toEqual({ Test: ["NONE"] });
});
