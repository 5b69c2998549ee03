import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { expandInstruction, heredocBody, parseContainerfile, parseTrigger, runCommand } from "./index.ts";
import type { Heredoc, Instruction, RunInstruction } from "./types.ts";

const parse = (text: string) => parseContainerfile(text, { file: "Containerfile" });
/** The instructions of the only stage. */
const body = (text: string): Instruction[] => [...(parse(text).stages[0]?.instructions ?? [])];
const one = (line: string): Instruction => {
  const i = body(`FROM scratch\n${line}\n`)[0];
  if (!i) throw new Error("no instruction");
  return i;
};
const err = (text: string): string => {
  try {
    parse(text);
  } catch (e) {
    expect((e as { kind?: string }).kind).toBe("invalid-argument");
    return (e as Error).message;
  }
  throw new Error("no error");
};

describe("parser directives", () => {
  test("syntax and escape at the top, case-insensitive", () => {
    const cf = parse("# syntax=docker/dockerfile:1\n# ESCAPE = `\nFROM scratch\n");
    expect(cf.directives).toEqual({ syntax: "docker/dockerfile:1", escape: "`" });
  });
  test("a directive after a comment, a blank line or an instruction is a comment", () => {
    expect(parse("# hello\n# escape=`\nFROM scratch\n").directives.escape).toBe("\\");
    expect(parse("\n# escape=`\nFROM scratch\n").directives.escape).toBe("\\");
    expect(parse("FROM scratch\n# escape=`\n").directives.escape).toBe("\\");
    expect(parse("# unknown=x\n# escape=`\nFROM scratch\n").directives.escape).toBe("\\");
  });
  test("repeated or invalid directives are errors with their line", () => {
    expect(err("# escape=\\\n# escape=`\nFROM scratch\n")).toBe("Containerfile:2: only one escape parser directive can be used");
    expect(err("# escape=x\nFROM scratch\n")).toBe("Containerfile:1: invalid escape token 'x' does not match ` or \\");
  });
  test("escape=` makes the backtick the continuation character and leaves backslashes alone", () => {
    const [run, copy] = body("# escape=`\nFROM scratch\nRUN dir c:\\ `\n  && echo hi\nCOPY a\\b c:\\dest\\\n");
    expect(run).toMatchObject({ kind: "RUN", command: { form: "shell", command: "dir c:\\   && echo hi" } });
    expect(copy).toMatchObject({ kind: "COPY", sources: ["a\\b"], dest: "c:\\dest\\" });
  });
});

describe("continuations and comments", () => {
  test("case 001: comment lines inside a continuation are dropped, the instruction goes on", () => {
    const text = readFileSync(`${import.meta.dir}/testdata/continuation-comments.Containerfile`, "utf8");
    const [a, b, c] = body(text);
    expect(a).toMatchObject({ line: 2, endLine: 6, command: { command: "printf 'a' > /out1     && printf 'b' >> /out1     && printf 'c' >> /out1" } });
    // a trailing backslash after a shell comment still joins the next line
    expect(b).toMatchObject({ line: 7, command: { command: "printf 'one' > /out2 # this shell comment ends with a backslash RUN printf 'two' >> /out2" } });
    // a line holding only the escape character continues
    expect(c).toMatchObject({ line: 9, endLine: 11, command: { command: "printf 'x' > /out3     && printf 'y' >> /out3" } });
    expect(body(text)).toHaveLength(3);
  });
  test("empty continuation lines are tolerated with a warning", () => {
    const cf = parse("FROM scratch\nRUN a \\\n\n  b\n");
    expect(cf.stages[0]?.instructions[0]).toMatchObject({ original: "RUN a   b" });
    expect(cf.warnings).toHaveLength(1);
  });
  test("whitespace after the continuation character is allowed; an escaped escape is not a continuation", () => {
    expect(body("FROM scratch\nRUN a \\  \t\nb\n")[0]).toMatchObject({ original: "RUN a b" });
    expect(body("FROM scratch\nRUN echo a\\\\\nRUN b\n")).toHaveLength(2);
  });
  test("leading whitespace, CRLF endings and a BOM are ignored; keywords are case-insensitive", () => {
    const [run] = body("\uFEFFfrom scratch\r\n   run   echo hi\r\n");
    expect(run).toMatchObject({ kind: "RUN", line: 2, original: "run   echo hi", command: { command: "echo hi" } });
  });
  test("indented comments and # inside a line", () => {
    const [run] = body("FROM scratch\n   # comment\nRUN echo a#b\n");
    expect(run).toMatchObject({ line: 3, command: { command: "echo a#b" } });
  });
});

describe("heredocs", () => {
  test("case 003: RUN and COPY heredocs, quoted delimiter, program after the heredoc", () => {
    const text = readFileSync(`${import.meta.dir}/testdata/heredoc.Containerfile`, "utf8");
    const [arg, run1, copy1, copy2, run2, run3] = body(text);
    expect(arg).toMatchObject({ kind: "ARG", args: [{ name: "NAME", default: "world" }] });
    expect(run1).toMatchObject({ kind: "RUN", line: 3, endLine: 6, heredocs: [{ name: "EOF", expand: true, content: "printf 'first\\n' > /h1\nprintf 'second\\n' >> /h1\n" }] });
    expect(runCommand(run1 as never)).toEqual({ form: "shell", script: "printf 'first\\n' > /h1\nprintf 'second\\n' >> /h1\n" });
    expect(copy1).toMatchObject({ kind: "COPY", sources: [], dest: "/g-expanded", heredocs: [{ name: "EOT", expand: true, content: "hello ${NAME}\n" }] });
    expect(copy2).toMatchObject({ kind: "COPY", dest: "/g-literal", heredocs: [{ name: "EOT", expand: false }] });
    const vars = (n: string) => (n === "NAME" ? "world" : undefined);
    expect(expandInstruction(copy1 as Instruction, vars)).toMatchObject({ heredocs: [{ content: "hello world\n" }] });
    expect(expandInstruction(copy2 as Instruction, vars)).toMatchObject({ heredocs: [{ content: "hello ${NAME}\n" }] });
    expect(runCommand(run2 as never)).toEqual({ form: "shell", script: "<<EOF sh\nprintf 'via-sh\\n' > /h2\nEOF" });
    expect(run3).toMatchObject({ line: 16, command: { command: "printf 'after\\n' > /h3" } });
  });
  test("several heredocs on one line are read in order", () => {
    const [run] = body("FROM scratch\nRUN cat <<A <<'B' > /x\na1\nA\nb1\nB\nRUN next\n");
    expect(run).toMatchObject({ endLine: 6, heredocs: [{ name: "A", content: "a1\n", expand: true }, { name: "B", content: "b1\n", expand: false }] });
    expect(body("FROM scratch\nRUN cat <<A <<'B' > /x\na1\nA\nb1\nB\nRUN next\n")).toHaveLength(2);
  });
  test("<<- strips leading tabs from the body and the terminator", () => {
    const [run] = body("FROM scratch\nRUN <<-EOT\n\techo a\n\t\techo b\n\tEOT\n");
    const h = (run as RunInstruction).heredocs[0] as Heredoc;
    expect(h).toMatchObject({ chomp: true, content: "\techo a\n\t\techo b\n" });
    expect(heredocBody(h)).toBe("echo a\necho b\n");
  });
  test("expandInstruction makes COPY heredocs final: tabs stripped, expanded once", () => {
    const [copy] = body("FROM scratch\nCOPY <<-EOF /f\n\tv=$V \\$V\n\tEOF\n");
    const once = expandInstruction(copy as Instruction, (n) => (n === "V" ? "1" : undefined));
    expect(once).toMatchObject({ heredocs: [{ content: "v=1 $V\n", chomp: false, expand: false }] });
    expect(expandInstruction(once, () => "2")).toEqual(once);
  });
  test("a body starting with #! becomes a file to execute", () => {
    const [run] = body("FROM scratch\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n");
    expect(runCommand(run as never)).toEqual({ form: "file", name: "EOF", content: "#!/usr/bin/env python3\nprint(1)\n" });
  });
  test("COPY with several inline files and a path source", () => {
    const [copy] = body("FROM scratch\nCOPY <<a.txt b.txt <<c.txt /dir/\nA\na.txt\nC\nc.txt\n");
    expect(copy).toMatchObject({ sources: ["b.txt"], dest: "/dir/", heredocs: [{ name: "a.txt", content: "A\n" }, { name: "c.txt", content: "C\n" }] });
  });
  test("exec-form RUN and non-heredoc instructions do not read heredocs", () => {
    expect(body('FROM scratch\nRUN ["cat", "<<EOF"]\nRUN x\n')).toHaveLength(2);
    expect(body("FROM scratch\nLABEL a=<<EOF\nRUN x\n")).toHaveLength(2);
  });
  test("an unterminated heredoc is an error at its instruction's line", () => {
    expect(err("FROM scratch\nRUN <<EOF\necho\n")).toBe("Containerfile:2: unterminated heredoc");
    expect(err("FROM scratch\nCOPY /a <<EOF\nx\nEOF\n")).toBe("Containerfile:2: COPY cannot accept a heredoc as a destination");
  });
});

describe("exec and shell forms", () => {
  test("a JSON array is the exec form; anything else is shell form (case 011)", () => {
    expect(one('CMD ["echo", "base-cmd"]')).toMatchObject({ command: { form: "exec", args: ["echo", "base-cmd"] } });
    expect(one("CMD ['echo', 'single-quoted']")).toMatchObject({ command: { form: "shell", command: "['echo', 'single-quoted']" } });
    expect(one("ENTRYPOINT echo shell-ep")).toMatchObject({ kind: "ENTRYPOINT", command: { form: "shell", command: "echo shell-ep" } });
    expect(one('RUN ["a", "b" ')).toMatchObject({ command: { form: "shell", command: '["a", "b"' } });
    expect(one("CMD []")).toMatchObject({ command: { form: "exec", args: [] } });
    expect(one('RUN ["echo", "a\\"b"]')).toMatchObject({ command: { form: "exec", args: ["echo", 'a"b'] } });
  });
  test("non-string JSON elements are an error", () => {
    expect(err('FROM scratch\nCMD ["a", 1]\n')).toBe("Containerfile:2: when using JSON array syntax, arrays must be comprised of strings only");
  });
  test("SHELL needs the JSON form", () => {
    expect(one('SHELL ["/bin/bash", "-c"]')).toMatchObject({ kind: "SHELL", shell: ["/bin/bash", "-c"] });
    expect(err("FROM scratch\nSHELL /bin/bash -c\n")).toBe("Containerfile:2: SHELL requires the arguments to be in JSON form");
    expect(err("FROM scratch\nSHELL []\n")).toBe("Containerfile:2: SHELL requires at least one argument");
  });
});

describe("FROM and stages", () => {
  test("stages with names, platform, global ARGs", () => {
    const cf = parse("ARG BASE=debian\nARG V\nFROM --platform=$BUILDPLATFORM ${BASE}:${V} AS Build\nRUN make\nFROM scratch\nCOPY --from=build /out /\n");
    expect(cf.globalArgs.map((a) => a.args)).toEqual([[{ name: "BASE", default: "debian" }], [{ name: "V" }]]);
    expect(cf.stages).toHaveLength(2);
    expect(cf.stages[0]).toMatchObject({ index: 0, name: "build", from: { image: "${BASE}:${V}", platform: "$BUILDPLATFORM", stageName: "build" } });
    expect(cf.stages[1]).toMatchObject({ index: 1, from: { image: "scratch" }, instructions: [{ kind: "COPY", from: "build", sources: ["/out"], dest: "/" }] });
    const from = expandInstruction(cf.stages[0]!.from, (n) => ({ BASE: "debian", V: "12", BUILDPLATFORM: "linux/amd64" })[n]);
    expect(from).toMatchObject({ image: "debian:12", platform: "linux/amd64" });
  });
  test("FROM argument errors", () => {
    expect(err("FROM a b\n")).toBe("Containerfile:1: FROM requires either one or three arguments");
    expect(err("FROM a AS 1x\n")).toBe('Containerfile:1: invalid name for build stage: "1x", name can\'t start with a number or contain symbols');
    expect(err("FROM a AS x\nFROM b AS X\n")).toBe('Containerfile:2: duplicate stage name "x"');
  });
  test("instructions before FROM other than ARG, empty files, files without FROM", () => {
    expect(err("RUN x\nFROM a\n")).toBe("Containerfile:1: no build stage in current context");
    expect(err("# only a comment\n\n")).toBe("Containerfile: file with no instructions");
    expect(err("ARG X\n")).toBe("Containerfile: dockerfile contains no stages to build");
  });
  test("an unknown instruction names the file and line", () => {
    expect(err("FROM scratch\nRUN true\n\nFOOBAR x\n")).toBe("Containerfile:4: unknown instruction: FOOBAR");
  });
});

describe("ENV, LABEL, ARG", () => {
  test("case 005: ENV pairs are expanded with the values from before the instruction", () => {
    const text = readFileSync(`${import.meta.dir}/testdata/env-substitution.Containerfile`, "utf8");
    const vars = new Map<string, string>();
    const lookup = (n: string) => vars.get(n);
    for (const i of body(text)) {
      const x = expandInstruction(i, lookup);
      if (x.kind === "ENV") for (const p of x.pairs) vars.set(p.key, p.value);
      if (x.kind === "ARG") for (const a of x.args) vars.set(a.name, a.default ?? "");
      if (x.kind === "WORKDIR") vars.set("<workdir>", x.path);
    }
    expect(Object.fromEntries(vars)).toMatchObject({
      A: "value", B: "fallback", C: "alt", D: "", E: "empty-fallback", G: "$SET_VAR", H: "value-suffix", I: "${SET_VAR}",
      abc: "bye", def: "hello", ghi: "bye", "<workdir>": "/w/value",
    });
  });
  test("the legacy `ENV key value` form takes the rest of the line", () => {
    const env = expandInstruction(one('ENV MY_NAME "John Doe" jr'), () => undefined);
    expect(env).toMatchObject({ pairs: [{ key: "MY_NAME", value: "John Doe jr" }] });
  });
  test("case 015: LABEL keys and values with quotes, several pairs, old form", () => {
    const l = expandInstruction(one('LABEL "com.example.multi word"="value with spaces" simple=one quoted="a \\"quoted\\" word"'), () => undefined);
    expect(l).toMatchObject({ pairs: [{ key: "com.example.multi word", value: "value with spaces" }, { key: "simple", value: "one" }, { key: "quoted", value: 'a "quoted" word' }] });
    expect(one("LABEL version 1.0 beta")).toMatchObject({ pairs: [{ key: "version", value: "1.0 beta" }] });
  });
  test("ENV/LABEL errors", () => {
    expect(err("FROM a\nENV\n")).toBe("Containerfile:2: ENV requires at least one argument");
    expect(err("FROM a\nENV x\n")).toBe("Containerfile:2: ENV must have two arguments");
    expect(err("FROM a\nENV a=b c\n")).toBe('Containerfile:2: Syntax error - can\'t find = in "c". Must be of the form: name=value');
    expect(err("FROM a\nLABEL =x\n")).toBe("Containerfile:2: LABEL names can not be blank");
  });
  test("ARG with several names, defaults and quoted values", () => {
    const a = expandInstruction(one('ARG A B=2 C="x y" D='), () => undefined);
    expect(a).toMatchObject({ args: [{ name: "A" }, { name: "B", default: "2" }, { name: "C", default: "x y" }, { name: "D", default: "" }] });
    expect(err("FROM a\nARG\n")).toBe("Containerfile:2: ARG requires at least one argument");
  });
});

describe("COPY and ADD", () => {
  test("flags, JSON form, several sources", () => {
    expect(one("COPY --from=build --chown=1000:1000 --chmod=0755 --link a b /dst/")).toMatchObject({
      kind: "COPY", from: "build", chown: "1000:1000", chmod: "0755", link: true, sources: ["a", "b"], dest: "/dst/",
      flags: ["--from=build", "--chown=1000:1000", "--chmod=0755", "--link"],
    });
    expect(one('COPY ["a b", "/c d/"]')).toMatchObject({ sources: ["a b"], dest: "/c d/" });
    expect(one("ADD --checksum=sha256:abc https://x/y.tar /z")).toMatchObject({ kind: "ADD", checksum: "sha256:abc", sources: ["https://x/y.tar"] });
    expect(one("COPY --exclude=*.md --exclude=.git . /app")).toMatchObject({ excludes: ["*.md", ".git"] });
  });
  test("expansion of sources, destination and flags", () => {
    const env = (n: string) => ({ SRC: "src dir", U: "app", D: "/opt" })[n];
    expect(expandInstruction(one("COPY --chown=$U:$U ${SRC} $D/"), env)).toMatchObject({ sources: ["src dir"], dest: "/opt/", chown: "app:app" });
  });
  test("argument and flag errors", () => {
    expect(err("FROM a\nCOPY x\n")).toBe("Containerfile:2: COPY requires at least two arguments, but only one was provided. Destination could not be determined");
    expect(err("FROM a\nCOPY --bogus=1 a b\n")).toBe("Containerfile:2: unknown flag: bogus (COPY accepts --from, --chown, --chmod, --link, --parents, --exclude)");
    expect(err("FROM a\nADD --from=x a b\n")).toMatch(/^Containerfile:2: unknown flag: from/);
    expect(err("FROM a\nCOPY --from a b\n")).toBe("Containerfile:2: missing a value on flag: from");
    expect(err("FROM a\nCOPY --link=maybe a b\n")).toBe("Containerfile:2: expecting boolean value for flag link, not: maybe");
    expect(err("FROM a\nCOPY --from=a --from=b a b\n")).toBe("Containerfile:2: duplicate flag specified: from");
  });
});

describe("RUN flags", () => {
  test("--mount types with their options and defaults", () => {
    const run = one(
      "RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=bind,source=/src,from=build,target=/mnt " +
        "--mount=type=tmpfs,dst=/tmp,size=64m --mount=type=secret,id=tok,required --mount=target=/ctx,rw --network=none make",
    );
    expect(run).toMatchObject({
      kind: "RUN",
      network: "none",
      command: { form: "shell", command: "make" },
      mounts: [
        { type: "cache", target: "/var/cache/apt", sharing: "locked", id: "/var/cache/apt", mode: 0o755, readOnly: false },
        { type: "bind", source: "/src", from: "build", target: "/mnt", readOnly: true },
        { type: "tmpfs", target: "/tmp", size: 64 * 1024 * 1024, readOnly: false },
        { type: "secret", id: "tok", target: "/run/secrets/tok", required: true, mode: 0o400, uid: 0, gid: 0 },
        { type: "bind", target: "/ctx", readOnly: false },
      ],
    });
  });
  test("a quoted CSV field and a secret named by its target", () => {
    const run = one("RUN --mount='type=secret,\"target=/etc/a,b\"' cat /etc/a,b");
    expect(run).toMatchObject({ mounts: [{ type: "secret", target: "/etc/a,b", id: "a,b" }] });
  });
  test("bad mounts and networks are errors", () => {
    expect(err("FROM a\nRUN --mount=type=nfs,target=/x true\n")).toBe('Containerfile:2: unsupported mount type "nfs"');
    expect(err("FROM a\nRUN --mount=type=cache true\n")).toBe("Containerfile:2: mount destination not set");
    expect(err("FROM a\nRUN --mount=type=cache,target=/x,sharing=all true\n")).toBe('Containerfile:2: unsupported sharing value "all"');
    expect(err("FROM a\nRUN --mount=type=cache,target=/x,foo=1 true\n")).toBe("Containerfile:2: unexpected key 'foo' in 'foo=1'");
    expect(err("FROM a\nRUN --network=bridge true\n")).toBe('Containerfile:2: unsupported network mode "bridge"');
  });
  test("a lone -- ends the flags", () => {
    expect(one("RUN -- --not-a-flag")).toMatchObject({ command: { command: "--not-a-flag" }, mounts: [] });
  });
});

describe("other instructions", () => {
  test("HEALTHCHECK forms and flags", () => {
    expect(one("HEALTHCHECK NONE")).toMatchObject({ test: ["NONE"] });
    expect(one("HEALTHCHECK --interval=30s --timeout=3s --start-period=1m --retries=3 CMD curl -f http://localhost/ || exit 1")).toMatchObject({
      test: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], interval: 30e9, timeout: 3e9, startPeriod: 60e9, retries: 3,
    });
    expect(one('HEALTHCHECK cmd ["/bin/check", "x"]')).toMatchObject({ test: ["CMD", "/bin/check", "x"], interval: 0, retries: 0 });
    expect(err("FROM a\nHEALTHCHECK --foo=1 CMD x\n")).toMatch(/^Containerfile:2: unknown flag: foo/);
    expect(err("FROM a\nHEALTHCHECK NONE x\n")).toBe("Containerfile:2: HEALTHCHECK NONE takes no arguments");
    expect(err("FROM a\nHEALTHCHECK RUN x\n")).toBe('Containerfile:2: Unknown type "RUN" in HEALTHCHECK (try CMD)');
    expect(err("FROM a\nHEALTHCHECK --interval=1us CMD x\n")).toBe('Containerfile:2: Interval "interval" cannot be less than 1ms');
    expect(err("FROM a\nHEALTHCHECK CMD\n")).toBe("Containerfile:2: Missing command after HEALTHCHECK CMD");
  });
  test("EXPOSE, VOLUME, USER, WORKDIR, STOPSIGNAL, MAINTAINER", () => {
    expect(one("EXPOSE 80 8080/udp")).toMatchObject({ ports: ["80", "8080/udp"] });
    expect(expandInstruction(one("EXPOSE $PORTS"), (n) => (n === "PORTS" ? "80 443/tcp" : undefined))).toMatchObject({ ports: ["80", "443/tcp"] });
    expect(one('VOLUME ["/a", "/b"]')).toMatchObject({ paths: ["/a", "/b"] });
    expect(one("VOLUME /a /b")).toMatchObject({ paths: ["/a", "/b"] });
    expect(one("USER app:staff")).toMatchObject({ user: "app:staff" });
    expect(one("WORKDIR /path with space")).toMatchObject({ path: "/path with space" });
    expect(one("STOPSIGNAL SIGQUIT")).toMatchObject({ signal: "SIGQUIT" });
    expect(one("MAINTAINER Jane <j@example.com>")).toMatchObject({ maintainer: "Jane <j@example.com>" });
    expect(err("FROM a\nWORKDIR\n")).toBe("Containerfile:2: WORKDIR requires exactly one argument");
    expect(err("FROM a\nEXPOSE\n")).toBe("Containerfile:2: EXPOSE requires at least one argument");
    expect(err('FROM a\nVOLUME [""]\n')).toBe("Containerfile:2: VOLUME specified can not be an empty string");
    expect(err("FROM a\nUSER --x=1 a\n")).toMatch(/^Containerfile:2: unknown flag: x \(USER takes no flags\)/);
  });
  test("instructions Docker does not expand are left as written", () => {
    const vars = () => "X";
    expect(expandInstruction(one("RUN echo $HOME"), vars)).toMatchObject({ command: { command: "echo $HOME" } });
    expect(expandInstruction(one("CMD echo $HOME"), vars)).toMatchObject({ command: { command: "echo $HOME" } });
    expect(expandInstruction(one("ONBUILD RUN echo $HOME"), vars)).toMatchObject({ trigger: "RUN echo $HOME" });
  });
  test("ONBUILD keeps the trigger text and refuses chaining, FROM and MAINTAINER", () => {
    const t = readFileSync(`${import.meta.dir}/testdata/onbuild.Containerfile`, "utf8");
    const [, a, b] = body(t);
    expect(a).toMatchObject({ kind: "ONBUILD", trigger: "RUN echo fired >> /trig/log", instruction: { kind: "RUN" } });
    expect(b).toMatchObject({ kind: "ONBUILD", trigger: "COPY marker.txt /trig/marker.txt", instruction: { kind: "COPY", sources: ["marker.txt"] } });
    expect(err("FROM a\nONBUILD ONBUILD RUN x\n")).toBe("Containerfile:2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    expect(err("FROM a\nONBUILD FROM b\n")).toBe("Containerfile:2: FROM isn't allowed as an ONBUILD trigger");
    expect(err("FROM a\nONBUILD maintainer b\n")).toBe("Containerfile:2: MAINTAINER isn't allowed as an ONBUILD trigger");
    expect(err("FROM a\nONBUILD FOO b\n")).toBe("Containerfile:2: unknown instruction: FOO");
  });
  test("ONBUILD with a heredoc stores the body in the trigger, and parseTrigger reads it back", () => {
    const [ob] = body("FROM a\nONBUILD RUN <<EOF\necho hi\nEOF\n");
    expect(ob).toMatchObject({ trigger: "RUN <<EOF\necho hi\nEOF" });
    const again = parseTrigger((ob as { trigger: string }).trigger);
    expect(again).toMatchObject({ kind: "RUN", heredocs: [{ name: "EOF", content: "echo hi\n" }] });
    expect(parseTrigger("COPY --chown=1:1 a /b")).toMatchObject({ kind: "COPY", chown: "1:1" });
    expect(() => parseTrigger("FROM x")).toThrow("ONBUILD trigger:1: FROM isn't allowed as an ONBUILD trigger");
  });
});
