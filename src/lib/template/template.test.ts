import { describe, expect, test } from "bun:test";
import { compileTemplate, goJson, markStruct, sprintf } from "./index.ts";
import { formatFloatG } from "./fmt.ts";

const run = (src: string, data: unknown = {}): string => compileTemplate(src, "t").execute(data);
const err = (src: string, data: unknown = {}): string => {
  try {
    run(src, data);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`no error for ${src}`);
};

// Expectations recorded from Podman 4.3.1 (`podman version --format …`) or Go's documentation.
describe("template renders like Go's text/template", () => {
  const cases: [string, unknown, string][] = [
    ["plain text", {}, "plain text"],
    ["{{.A}}", { A: "x" }, "x"],
    ["{{.A.B}}", { A: { B: 3 } }, "3"],
    ["{{.A.B}}", { A: {} }, "<no value>"],
    ["{{.A.B.C}}", { A: {} }, "<no value>"],
    ["{{$.A}}{{with .B}}{{$.A}}{{.}}{{end}}", { A: "a", B: "b" }, "aab"],
    ["{{.L}}|{{.M}}|{{.E}}|{{.N}}", { L: ["a", "b"], M: { b: 1, a: "x" }, E: {}, N: null }, "[a b]|map[a:x b:1]|map[]|<nil>"],
    ["{{.T}} {{.F}} {{.I}} {{.R}}", { T: true, F: false, I: 42, R: 1.5 }, "true false 42 1.5"],
    ["{{1234567.5}} {{0.1}} {{0.00001}}", {}, "1.2345675e+06 0.1 1e-05"],
    ["{{/* comment */}}a  {{- \" b \" -}}  c", {}, "a b c"],
    ["{{- /* trimmed */ -}} x ", {}, "x "],
    ["a\n{{- 3}}", {}, "a3"],
    ["{{-3}}", {}, "-3"],
    ['{{"tab\\there" | printf "%q"}}', {}, '"tab\\there"'],
    ["{{`raw\\n`}}", {}, "raw\\n"],
    ["{{'a'}} {{0x1F}} {{1_000}}", {}, "97 31 1000"],
    ["{{$x := 5}}{{$x = 7}}{{$x}}", {}, "7"],
    ["{{$x := .A}}{{if $x}}{{$x}}{{end}}", { A: "v" }, "v"],
    ["{{if eq 1 1}}y{{else if eq 1 2}}n{{else}}z{{end}}", {}, "y"],
    ["{{if .Z}}y{{else if .O}}o{{else}}z{{end}}", { Z: 0, O: [1] }, "o"],
    ['{{with ""}}a{{else}}b{{end}}', {}, "b"],
    ["{{with .A}}{{.B}}{{end}}", { A: { B: "in" } }, "in"],
    ['{{range $i, $e := split "a,b,c" ","}}{{$i}}={{$e}};{{end}}', {}, "0=a;1=b;2=c;"],
    ["{{range $k, $v := .}}{{$k}}:{{$v}} {{end}}", { b: 2, a: 1, c: 3 }, "a:1 b:2 c:3 "],
    ["{{range .}}x{{else}}empty{{end}}", [], "empty"],
    ["{{range .N}}x{{else}}none{{end}}", { N: null }, "none"],
    ['{{range $v := split "" ","}}[{{$v}}]{{else}}empty{{end}}', {}, "[]"],
    ['{{range split "a,b,c" ","}}{{if eq . "b"}}{{continue}}{{end}}{{.}}{{end}}', {}, "ac"],
    ['{{range split "a,b,c" ","}}{{if eq . "b"}}{{break}}{{end}}{{.}}{{end}}', {}, "a"],
    ['{{define "T"}}<{{.}}>{{end}}{{template "T" "x"}}{{block "B" 3}}b{{.}}{{end}}', {}, "<x>b3"],
    ['{{"a" | printf "%s-%s" "b"}}', {}, "b-a"],
    ['{{.A | len}} {{len .L}} {{len .M}} {{len "é"}}', { A: "abc", L: [1, 2], M: { a: 1 } }, "3 2 1 2"],
    ['{{index "abc" 1}} {{index .L 1}} {{index .M "k"}}|{{index .M "no"}}|', { L: [5, 6], M: { k: "v" } }, "98 6 v||"],
    ['{{slice "abcdef" 1 3}} {{slice .L 1}}', { L: [1, 2, 3] }, "bc [2 3]"],
    ["{{print 1 2 \"a\" \"b\" 3}}|{{println 1 \"x\"}}|", {}, "1 2ab3|1 x\n|"],
    ['{{html "<a&>\\"x\'"}}|{{js "<a\'\\"\\n>"}}|{{urlquery "a b&c/d"}}', {}, "&lt;a&amp;&gt;&#34;x&#39;|\\u003Ca\\'\\\"\\u000A\\u003E|a+b%26c%2Fd"],
    ['{{eq 1 2}} {{ne "a" "b"}} {{lt 1 2}} {{and 1 0 2}} {{or 0 "" "x"}} {{not 0}}', {}, "false true true 0 x true"],
    ['{{eq "b" "a" "b"}} {{le 2 2}} {{gt "b" "a"}} {{ge 1 2}}', {}, "true true true false"],
    ["{{and .Missing .Missing.X}}", {}, "<no value>"],
    ['{{(split "a:b" ":") | len}} {{(index .L 0).X}}', { L: [{ X: "x" }] }, "2 x"],
    ["{{.F}} {{.G 2 3}} {{.A | .G 1}}", { F: () => "f", G: (a: number, b: number) => a + b, A: 5 }, "f 5 6"],
    // Podman's functions (containers/common pkg/report).
    ['{{json "<a>&"}}|{{truncate "abcdef" 3}}|{{pad "ab" 1 2}}|{{join (split "a,b" ",") "-"}}|{{title "hello world"}}|{{upper "x"}}', {}, '"<a>&"|abc| ab  |a-b|Hello World|X'],
    ['{{truncate "ab" 5}}|{{title "hello-world foo_bar"}}|{{lower "AbC"}}|{{pad "" 2 2}}', {}, "ab|Hello-World Foo_bar|abc|"],
    ["{{json .}}", { ID: ["ident1", "ident2"], M: {} }, '{"ID":["ident1","ident2"],"M":{}}'],
  ];
  for (const [src, data, want] of cases) {
    test(src, () => expect(run(src, data)).toBe(want));
  }
});

describe("printf follows Go's fmt", () => {
  const cases: [string, unknown[], string][] = [
    ["%5d|%-6s|%q|%x|%v|%t|%f|%.2f|%e|%g", [42, "ab", 'q"', 255, 0, true, 1.5, 3.14159, 1000000.5, 1e21], '   42|ab    |"q\\""|ff|0|true|1.500000|3.14|1.000001e+06|1e+21'],
    ["%v|%+v|%v|%5.1f|%05d|%-5d|%x|%X|%o|%b|%c|%U|%8.3s|%q", [1.5, "s", 12345678.5, 3.14159, 42, 7, "hi", 255, 8, 5, 65, 65, "abcdef", 5], "1.5|s|1.23456785e+07|  3.1|00042|7    |6869|FF|10|101|A|U+0041|     abc|'\\x05'"],
    ["%d %s", ["x"], "%!d(string=x) %!s(MISSING)"],
    ["%d", [1, 2], "1%!(EXTRA int=2)"],
    ["%6.2f|%e|%g", [3.14159, 123456.789, 0.00001234], "  3.14|1.234568e+05|1.234e-05"],
    ["%v %v", [["a", "b"], 0.1], "[a b] 0.1"],
    ["%+v|%v", [markStruct({ A: 1, B: "x" }, "T"), markStruct({ A: 1, B: "x" }, "T")], "{A:1 B:x}|{1 x}"],
    ["%q", ["é\x01"], '"é\\x01"'],
    ["100%%", [], "100%"],
    ["%*d|%-*d|", [4, 7, 3, 1], "   7|1  |"],
  ];
  for (const [f, args, want] of cases) test(f, () => expect(sprintf(f, args)).toBe(want));

  test("%.Ng matches strconv's g format", () => {
    expect(formatFloatG(999.9, 3)).toBe("1e+03");
    expect(formatFloatG(5.583, 3)).toBe("5.58");
    expect(formatFloatG(1234.5, 3)).toBe("1.23e+03");
    expect(formatFloatG(0.0001234, 4)).toBe("0.0001234");
    expect(formatFloatG(100, 3)).toBe("100");
    expect(formatFloatG(1e-7, -1)).toBe("1e-07");
    expect(formatFloatG(1e6, -1)).toBe("1e+06");
    expect(formatFloatG(123456, -1)).toBe("123456");
  });
});

describe("template errors read as Go's", () => {
  const cases: [string, unknown, string][] = [
    ["{{.Foo}}", markStruct({}, "*define.Version"), 'template: t:1:2: executing "t" at <.Foo>: can\'t evaluate field Foo in type *define.Version'],
    ["{{.A.Foo}}", markStruct({ A: "s" }, "*T"), 'template: t:1:4: executing "t" at <.A.Foo>: can\'t evaluate field Foo in type string'],
    ["{{$x := 1}}{{$x.Foo}}", {}, 'template: t:1:15: executing "t" at <$x.Foo>: can\'t evaluate field Foo in type int'],
    ["{{if}}", {}, "template: t:1: missing value for if"],
    ["{{.Client", {}, "template: t:1: unclosed action"],
    ["{{foo}}", {}, 'template: t:1: function "foo" not defined'],
    ["{{$x}}", {}, 'template: t:1: undefined variable "$x"'],
    ["{{with $x := 3}}{{$x}}{{end}}{{$x}}", {}, 'template: t:1: undefined variable "$x"'],
    ["{{nil}}", {}, 'template: t:1:2: executing "t" at <nil>: nil is not a command'],
    ['{{"a" 1}}', {}, 'template: t:1:2: executing "t" at <"a">: can\'t give argument to non-function "a"'],
    ['{{index (split "a,b" ",") 5}}', {}, 'template: t:1:2: executing "t" at <index (split "a,b" ",") 5>: error calling index: index out of range: 5'],
    ["{{len 3}}", {}, 'template: t:1:2: executing "t" at <len 3>: error calling len: len of type int'],
    ['{{eq "a" 1}}', {}, 'template: t:1:2: executing "t" at <eq "a" 1>: error calling eq: incompatible types for comparison'],
    ["{{lt true false}}", {}, 'template: t:1:2: executing "t" at <lt true false>: error calling lt: invalid type for comparison'],
    ["{{printf}}", {}, 'template: t:1:2: executing "t" at <printf>: wrong number of args for printf: want at least 1 got 0'],
    ["{{len}}", {}, 'template: t:1:2: executing "t" at <len>: wrong number of args for len: want 1 got 0'],
    ["{{range 5}}{{end}}", {}, 'template: t:1:8: executing "t" at <5>: range can\'t iterate over 5'],
    ["a\n{{.X.Y}}", { X: null }, 'template: t:2:4: executing "t" at <.X.Y>: nil pointer evaluating interface {}.Y'],
    ["{{break}}", {}, "template: t:1: {{break}} outside {{range}}"],
    ["{{if 1}}x", {}, "template: t:1: unexpected EOF"],
    ["{{end}}", {}, "template: t:1: unexpected {{end}}"],
    ["{{/* x }}", {}, "template: t:1: unclosed comment"],
  ];
  for (const [src, data, want] of cases) test(src, () => expect(err(src, data)).toBe(want));

  test("errors are SkiffError invalid-argument", () => {
    expect(() => run("{{.X}}", markStruct({}, "T"))).toThrow(expect.objectContaining({ kind: "invalid-argument" }));
  });
});

describe("goJson encodes like Go's encoding/json", () => {
  test("escapes HTML and control characters by default", () => {
    expect(goJson({ a: "<x>&\u2028\x01\n" })).toBe('{"a":"\\u003cx\\u003e\\u0026\\u2028\\u0001\\n"}');
    expect(goJson({ a: "<x>" }, { escapeHtml: false })).toBe('{"a":"<x>"}');
  });
  test("MarshalIndent layout and empty containers", () => {
    expect(goJson([{ A: 1, L: [], M: {}, S: ["x"] }], { indent: "    " })).toBe(
      '[\n    {\n        "A": 1,\n        "L": [],\n        "M": {},\n        "S": [\n            "x"\n        ]\n    }\n]',
    );
    expect(goJson([{ Labels: {} }], { indent: "  ", jsoniterEmptyObjects: true })).toBe('[\n  {\n    "Labels": {\n      \n    }\n  }\n]');
  });
  test("numbers and omitted undefined", () => {
    expect(goJson({ a: 1e21, b: 1e-7, c: 0.5, d: undefined, e: null })).toBe('{"a":1e+21,"b":1e-7,"c":0.5,"e":null}');
  });
});

test("a compiled template executes repeatedly with fresh state", () => {
  const t = compileTemplate("{{$x := .}}{{$x}}", "t");
  expect(t.execute("a")).toBe("a");
  expect(t.execute("b")).toBe("b");
});
