/**
 * `--filter key=value` lists as Podman groups them: values of one key are
 * OR-ed, different keys AND-ed (the caller applies that rule).
 */
import { SkiffError } from "../lib/errors.ts";

/**
 * Groups `key=value` filters by key, values in the order given.
 * @throws SkiffError invalid-argument `invalid filter "x"` for an entry without "="
 */
export function groupFilters(filters: readonly string[]): Map<string, string[]> {
  const by = new Map<string, string[]>();
  for (const f of filters) {
    const eq = f.indexOf("=");
    if (eq < 0) throw new SkiffError("invalid-argument", `invalid filter "${f}"`);
    const k = f.slice(0, eq);
    by.set(k, [...(by.get(k) ?? []), f.slice(eq + 1)]);
  }
  return by;
}
