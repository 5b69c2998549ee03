/**
 * How JS values stand in for Go values inside the template engine.
 *
 * Data comes from JSON-like objects, which carry no Go type. The mapping:
 * - `undefined`: Go's invalid reflect.Value (a missing map key), printed "<no value>".
 * - `null`: a nil interface/pointer, printed "<nil>".
 * - number: an `int` when integer-valued, else a `float64`.
 * - array: a slice; plain object: a `map[string]…` (missing key → "<no value>",
 *   printed `map[k:v]` in sorted key order).
 * - struct: a class instance, or a plain object marked with {@link markStruct}
 *   (missing field → "can't evaluate field X in type T", printed `{v1 v2}`).
 * - function: a method; called with the action's arguments.
 */

/** Values that print and behave as Go's time.Time. */
const isTime = (v: unknown): boolean => v instanceof Date;

const STRUCT_TYPE: unique symbol = Symbol("skiff.goStructType");

type Marked = { [STRUCT_TYPE]?: string };

/**
 * Marks a plain object as a Go struct of type `typeName` (e.g.
 * "*entities.VolumeListReport") so templates treat a missing field as an
 * error, as Podman does, and `{{.}}` prints `{v1 v2}`. Returns the same object.
 * The mark is a non-enumerable symbol: JSON output is unaffected.
 */
export function markStruct<T extends object>(obj: T, typeName: string): T {
  Object.defineProperty(obj, STRUCT_TYPE, { value: typeName, enumerable: false, configurable: true });
  return obj;
}

/** Go type name of a struct-like value, or undefined when `v` is not one. */
export function structTypeOf(v: object): string | undefined {
  const mark = (v as Marked)[STRUCT_TYPE];
  if (mark !== undefined) return mark;
  const proto = Object.getPrototypeOf(v) as object | null;
  if (proto === null || proto === Object.prototype || Array.isArray(v) || isTime(v)) return undefined;
  const ctor = (proto as { constructor?: { name?: string } }).constructor;
  return ctor?.name ? `*${ctor.name}` : "struct";
}

export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !isTime(v) && structTypeOf(v) === undefined;
}

export function isStruct(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !isTime(v) && structTypeOf(v) !== undefined;
}

/** Go's type name for error messages ("string", "int", "[]string", "map[string]string"…). */
export function goTypeName(v: unknown): string {
  if (v === undefined || v === null) return "<nil>";
  switch (typeof v) {
    case "string":
      return "string";
    case "boolean":
      return "bool";
    case "number":
      return Number.isInteger(v) ? "int" : "float64";
    case "bigint":
      return "int64";
    case "function":
      return "func";
  }
  if (Array.isArray(v)) return v.length > 0 && v.every((e) => typeof e === "string") ? "[]string" : "[]interface {}";
  if (isTime(v)) return "time.Time";
  const st = structTypeOf(v as object);
  if (st !== undefined) return st;
  const vals = Object.values(v as object);
  return vals.length > 0 && vals.every((e) => typeof e === "string") ? "map[string]string" : "map[string]interface {}";
}

/** Go's template truth: false, 0, "", nil, empty slices and maps are false; structs are true. */
export function isTrue(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  switch (typeof v) {
    case "boolean":
      return v;
    case "number":
      return v !== 0;
    case "bigint":
      return v !== 0n;
    case "string":
      return v.length > 0;
    case "function":
      return true;
  }
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
}

/** Keys of a map in Go's iteration order for templates and fmt: sorted. */
export function sortedKeys(m: object): string[] {
  return Object.keys(m).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The zero value Go returns for a missing map entry through `index`: "" for string maps. */
export function mapZero(m: Record<string, unknown>): unknown {
  for (const k in m) return typeof m[k] === "string" ? "" : null;
  return "";
}
