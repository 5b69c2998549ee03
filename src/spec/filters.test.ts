import { expect, test } from "bun:test";
import { groupFilters } from "./filters.ts";

test("groupFilters groups values by key, keeps '=' inside values, refuses an entry without '='", () => {
  expect([...groupFilters(["name=a", "label=k=v", "name=b"])]).toEqual([["name", ["a", "b"]], ["label", ["k=v"]]]);
  expect(() => groupFilters(["oops"])).toThrow('invalid filter "oops"');
});
