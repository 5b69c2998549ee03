import { describe, expect, test } from "bun:test";
import { expandHeredoc, expandString, expandWords, splitWords } from "./expand.ts";

const env: Record<string, string> = { SET: "value", EMPTY: "", PWD: "/home", SPACED: "a b  c", path: "/usr/local/bin" };
const lookup = (n: string) => env[n];

describe("expandString follows Docker's environment replacement", () => {
  const cases: [string, string][] = [
    ["$SET", "value"],
    ["${SET}", "value"],
    ["x${SET}y", "xvaluey"],
    ["$SET-suffix", "value-suffix"],
    ["$UNSET", ""],
    ["${UNSET}", ""],
    ["${SET:-word}", "value"],
    ["${UNSET:-word}", "word"],
    ["${EMPTY:-word}", "word"],
    ["${EMPTY-word}", ""],
    ["${UNSET-word}", "word"],
    ["${SET:+word}", "word"],
    ["${UNSET:+word}", ""],
    ["${EMPTY:+word}", ""],
    ["${EMPTY+word}", "word"],
    ["${UNSET:-$SET}", "value"],
    ["${UNSET:-${SET}x}", "valuex"],
    ["\\$SET", "$SET"],
    ["\\${SET}", "${SET}"],
    ['"${SET}-q"', "value-q"],
    ["'${SET}'", "${SET}"],
    ["'a\\b'", "a\\b"],
    ['"a\\"b"', 'a"b'],
    ['"a\\b"', "a\\b"],
    ['"a\\$SET"', "a$SET"],
    ["a\\ b", "a b"],
    ["$", "$"],
    ["a$", "a$"],
    ["$1", ""],
    ["${path#/usr}", "/local/bin"],
    ["${path##*/}", "bin"],
    ["${path#*/}", "usr/local/bin"],
    ["${path%/*}", "/usr/local"],
    ["${path%%/l*}", "/usr"],
    ["${path/usr/opt}", "/opt/local/bin"],
    ["${path//\\//_}", "_usr_local_bin"],
    ["${SPACED}", "a b  c"],
    ["hello world", "hello world"],
  ];
  for (const [input, want] of cases) {
    test(`${input} → ${JSON.stringify(want)}`, () => {
      expect(expandString(input, lookup)).toBe(want);
    });
  }

  test("the backtick is the escape character under # escape=`", () => {
    expect(expandString("`$SET", lookup, "`")).toBe("$SET");
    expect(expandString("C:\\path\\$SET", lookup, "`")).toBe("C:\\path\\value");
  });

  test("malformed references are errors naming the text", () => {
    expect(() => expandString("${SET", lookup)).toThrow(/processing "\$\{SET": syntax error: missing '}'/);
    expect(() => expandString("${}", lookup)).toThrow(/bad substitution/);
    expect(() => expandString("${:x}", lookup)).toThrow(/bad substitution/);
    expect(() => expandString("'abc", lookup)).toThrow(/matching single-quote/);
    expect(() => expandString('"abc', lookup)).toThrow(/matching double-quote/);
    expect(() => expandString("${SET:=x}", lookup)).toThrow(/unsupported modifier \(:=\)/);
    expect(() => expandString("${UNSET:?must be set}", lookup)).toThrow(/UNSET: must be set/);
    expect(() => expandString("${EMPTY:?}", lookup)).toThrow(/EMPTY: is not allowed to be empty/);
    expect(expandString("${EMPTY?}", lookup)).toBe("");
  });
});

describe("splitWords (EXPOSE) splits after expansion", () => {
  test("unquoted whitespace, also from values, separates words", () => {
    expect(splitWords("$SPACED 9000/udp", lookup)).toEqual(["a", "b", "c", "9000/udp"]);
    expect(splitWords('"$SPACED" x', lookup)).toEqual(["a b  c", "x"]);
    expect(splitWords("  80   443 ", lookup)).toEqual(["80", "443"]);
  });
});

describe("expandWords", () => {
  test("expands each word without splitting", () => {
    expect(expandWords(["$SET", "${SPACED}", "'$SET'"], lookup)).toEqual(["value", "a b  c", "$SET"]);
  });
});

describe("expandHeredoc keeps quotes, substitutes variables", () => {
  test("quotes are literal and variables inside them are expanded", () => {
    expect(expandHeredoc("hello ${SET}\n'$SET' \"$SET\"\n", lookup)).toBe("hello value\n'value' \"value\"\n");
  });
  test("a backslash escapes the next character", () => {
    expect(expandHeredoc("cost \\$5\n", lookup)).toBe("cost $5\n");
  });
});
