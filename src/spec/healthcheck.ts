/**
 * The healthcheck a container runs with, in the image config's shape
 * (Docker's Schema2HealthConfig, which Podman's inspect shows as
 * Config.Healthcheck): the `--health-*` flags over the image's HEALTHCHECK,
 * with Podman's defaults filled in when a command is set.
 */
import { parseDuration } from "../lib/units.ts";
import type { HealthcheckSpec } from "./container-spec.ts";

/** Durations in nanoseconds; zero fields are left out, as Go's `omitempty` does. */
export interface HealthConfig {
  Test?: string[];
  StartPeriod?: number;
  Interval?: number;
  Timeout?: number;
  Retries?: number;
}

const SECOND_NS = 1_000_000_000;

function ns(v: string | undefined, fallback: number | undefined): number | undefined {
  if (v === undefined) return fallback;
  return v === "disable" ? 0 : parseDuration(v);
}

/**
 * Merges `spec` over the image's healthcheck. With a command from either,
 * Podman's defaults apply to what neither sets: interval 30s, timeout 30s,
 * retries 3, start period 0. Returns null when there is no command (also for
 * `--no-healthcheck`, whose Test is ["NONE"]: that one is returned as is).
 * @throws SkiffError "invalid-argument" for a duration Go's time.ParseDuration refuses
 */
export function healthConfig(spec: HealthcheckSpec | undefined, image: HealthConfig | undefined): HealthConfig | null {
  const test = spec?.test ?? image?.Test;
  if (!test || test.length === 0) return null;
  if (test[0] === "NONE") return { Test: ["NONE"] };
  const out: HealthConfig = { Test: [...test] };
  const set = (k: keyof Omit<HealthConfig, "Test">, v: number | undefined) => { if (v) out[k] = v; };
  set("StartPeriod", ns(spec?.startPeriod, image?.StartPeriod));
  set("Interval", ns(spec?.interval, image?.Interval) ?? 30 * SECOND_NS);
  set("Timeout", ns(spec?.timeout, image?.Timeout) ?? 30 * SECOND_NS);
  set("Retries", spec?.retries ?? image?.Retries ?? 3);
  return out;
}
