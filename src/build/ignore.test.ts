import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IgnoreMatcher, cleanPath, loadIgnore, readIgnoreFile, walkContext } from "./ignore.ts";

const m = (...patterns: string[]) => new IgnoreMatcher(patterns);

describe("patterns as moby/patternmatcher matches them", () => {
  // [pattern, path, excluded] from patternmatcher_test.go's TestMatches table
  const cases: [string, string, boolean][] = [
    ["**", "file", true], ["**", "file/", true], ["**/", "file", true], ["**/", "file/", true],
    ["**", "dir/file", true], ["**/", "dir/file", true], ["**/**", "dir/file", true],
    ["dir/**", "dir/file", true], ["dir/**", "dir/dir2/file", true],
    ["**/dir", "dir", true], ["**/dir", "dir/file", true],
    ["**/dir2/*", "dir/dir2/file", true], ["**/dir2/*", "dir/dir2/file/", true],
    ["**/dir2/**", "dir/dir2/dir3/file", true],
    ["**file", "file", true], ["**file", "dir/file", true], ["**/file", "dir/file", true],
    ["**file", "dir/dir/file", true], ["**/file", "dir/dir/file", true],
    ["**/file*", "dir/dir/file", true], ["**/file*", "dir/dir/file.txt", true],
    ["**/file*txt", "dir/dir/file.txt", true], ["**/file*.txt", "dir/dir/file.txt", true],
    ["**/file*.txt*", "dir/dir/file.txt", true], ["**/**/*.txt", "dir/dir/file.txt", true],
    ["**/**/*.txt2", "dir/dir/file.txt", false], ["**/*.txt", "file.txt", true], ["**/**/*.txt", "file.txt", true],
    ["a**/*.txt", "a/file.txt", true], ["a**/*.txt", "a/dir/file.txt", true], ["a**/*.txt", "a/dir/dir/file.txt", true],
    ["a/*.txt", "a/dir/file.txt", false], ["a/*.txt", "a/file.txt", true], ["a/*.txt**", "a/file.txt", true],
    ["a[b-d]e", "ae", false], ["a[b-d]e", "ace", true], ["a[b-d]e", "aae", false], ["a[^b-d]e", "aze", true],
    [".*", ".foo", true], [".*", "foo", false], ["abc.def", "abcdef", false], ["abc.def", "abc.def", true],
    ["abc.def", "abcZdef", false], ["abc?def", "abcZdef", true], ["abc?def", "abcdef", false],
    ["**/foo/bar", "foo/bar", true], ["**/foo/bar", "dir/foo/bar", true], ["**/foo/bar", "dir/dir2/foo/bar", true],
    ["abc/**", "abc", false], ["abc/**", "abc/def", true], ["abc/**", "abc/def/ghi", true],
    ["**/.foo", ".foo", true], ["**/.foo", "bar.foo", false],
    ["a(b)c/def", "a(b)c/def", true], ["a(b)c/def", "a(b)c/xyz", false], ["a.|)$(}+{bc", "a.|)$(}+{bc", true],
    ["dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true],
    ["a\\*b", "a*b", true], ["a\\*b", "ab", false],
    // filepath.Match cases
    ["*", "abc", true], ["*c", "abc", true], ["a*", "a", true], ["a*/b", "abc/b", true], ["a*/b", "a/c/b", false],
    ["a*b*c*d*e*/f", "axbxcxdxe/f", true], ["a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false],
    ["ab[^c]", "abc", false], ["a?b", "a☺b", true], ["a???b", "a☺b", false], ["a?b", "a/b", false], ["a*b", "a/b", false],
    ["[\\]a]", "]", true], ["[\\-]", "-", true], ["[x\\-]", "x", true], ["[x\\-]", "z", false],
    // a folder pattern excludes what is inside
    ["docs", "docs/README.md", true], ["docs/", "docs/a/b", true], ["*.go", "fileutils.go", true],
  ];
  for (const [pattern, path, want] of cases) {
    test(`${pattern} ${want ? "excludes" : "keeps"} ${path}`, () => {
      expect(m(pattern).ignored(path)).toBe(want);
    });
  }

  test("exceptions: last match wins, a file inside an excluded folder can come back", () => {
    expect(m("docs", "!docs/README.md").ignored("docs/README.md")).toBe(false);
    expect(m("docs", "!docs/README.md").ignored("docs/other.md")).toBe(true);
    expect(m("docs/*", "!docs/README.md").ignored("docs/README.md")).toBe(false);
    expect(m("*.go", "!fileutils.go").ignored("fileutils.go")).toBe(false);
    expect(m("!fileutils.go", "*.go").ignored("fileutils.go")).toBe(true);
    expect(m("**", "!util/docker/web").ignored("util/docker/web/foo")).toBe(false);
    expect(m("**", "!util/docker/web", "util/docker/web/foo").ignored("util/docker/web/foo")).toBe(true);
    expect(m("**", "!dist/*.whl").ignored("dist/a-1.0+g08-py3.whl")).toBe(false);
    expect(m("*.md", "!README*.md", "README-secret.md").ignored("README-secret.md")).toBe(true);
    expect(m("*.md", "!README*.md", "README-secret.md").ignored("README-public.md")).toBe(false);
  });

  test("the context root itself is never excluded", () => {
    expect(m("*", "**").ignored(".")).toBe(false);
  });

  test("bad patterns are errors", () => {
    expect(() => m("!")).toThrow('illegal exclusion pattern: "!"');
    expect(() => m("[")).toThrow(/syntax error in pattern/);
    expect(() => m("a[")).toThrow(/syntax error in pattern/);
    expect(() => m("[]a]")).toThrow(/syntax error in pattern/);
    expect(() => m("[x-]")).toThrow(/syntax error in pattern/);
    expect(() => m("\\")).toThrow(/syntax error in pattern/);
  });

  test("mayContainIncluded tells a walker when to enter an excluded folder", () => {
    const x = m("docs", "!docs/api/*.md", "node_modules", "**/tmp", "!**/keep");
    expect(x.mayContainIncluded("docs")).toBe(true);
    expect(x.mayContainIncluded("docs/api")).toBe(true);
    expect(x.mayContainIncluded("node_modules")).toBe(true); // **/keep could be anywhere
    expect(m("docs", "!docs/README.md").mayContainIncluded("other")).toBe(false);
    expect(m("docs", "!docs/README.md").mayContainIncluded("docs/sub")).toBe(false);
    expect(m("*", "!*.go").mayContainIncluded("src")).toBe(false);
    expect(m("node_modules").mayContainIncluded("node_modules")).toBe(false);
  });
});

describe("reading ignore files", () => {
  test("comments only in the first column, trimming, cleaning, leading slash dropped", () => {
    const text = "\uFEFF# comment\n  # not a comment\n\n /abs/path \n!  keep/../kept \nsub//dir/./x\n*.tmp\r\n";
    expect(readIgnoreFile(text)).toEqual(["# not a comment", "abs/path", "!kept", "sub/dir/x", "*.tmp"]);
  });
  test("cleanPath follows Go's path.Clean", () => {
    expect(cleanPath("a/../../b")).toBe("../b");
    expect(cleanPath("/../a/")).toBe("/a");
    expect(cleanPath("./")).toBe(".");
    expect(cleanPath("")).toBe(".");
  });
});

describe("loadIgnore and walkContext on a real folder", () => {
  const root = mkdtempSync(join(tmpdir(), "skiff-ignore-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const ctx = (name: string, files: Record<string, string>) => {
    const dir = join(root, name);
    for (const [p, content] of Object.entries(files)) {
      mkdirSync(join(dir, p, ".."), { recursive: true });
      writeFileSync(join(dir, p), content);
    }
    return dir;
  };

  test(".containerignore is preferred over .dockerignore", () => {
    const dir = ctx("both", { ".containerignore": "a\n", ".dockerignore": "b\n", a: "", b: "" });
    const x = loadIgnore(dir);
    expect(x.source).toBe(join(dir, ".containerignore"));
    expect([x.ignored("a"), x.ignored("b")]).toEqual([true, false]);
  });
  test("<Containerfile>.dockerignore beside the Containerfile comes first", () => {
    const dir = ctx("perfile", { ".dockerignore": "a\n", "build/app.Containerfile.dockerignore": "b\n", a: "", b: "" });
    const x = loadIgnore(dir, "build/app.Containerfile");
    expect([x.ignored("a"), x.ignored("b")]).toEqual([false, true]);
    expect(loadIgnore(dir, "other").ignored("a")).toBe(true);
  });
  test("no ignore file ignores nothing; a bad pattern names the file", () => {
    const dir = ctx("none", { f: "" });
    expect(loadIgnore(dir).ignored("f")).toBe(false);
    const bad = ctx("bad", { ".dockerignore": "[\n" });
    expect(() => loadIgnore(bad)).toThrow(`${join(bad, ".dockerignore")}: syntax error in pattern`);
  });
  test("walkContext skips excluded folders but enters them for exceptions; patterns are anchored", () => {
    const dir = ctx("walk", {
      ".dockerignore": "node_modules\ndocs\n!docs/keep.md\n*.log\n",
      "node_modules/x/index.js": "", "docs/keep.md": "", "docs/drop.md": "", "src/a.ts": "", "src/debug.log": "", "top.log": "",
    });
    const paths = walkContext(dir, loadIgnore(dir)).map((e) => `${e.type}:${e.path}`);
    // "*.log" is anchored at the root: src/debug.log stays, top.log goes
    expect(paths).toEqual(["file:.dockerignore", "dir:docs", "file:docs/keep.md", "dir:src", "file:src/a.ts", "file:src/debug.log"]);
  });
});
