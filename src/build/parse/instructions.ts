/**
 * A logical line → a typed instruction, with the argument rules and error
 * messages of BuildKit's dockerfile parser (instructions/parse.go,
 * line_parsers.go). FROM is handled here too; stage assembly is in index.ts.
 */
import { parseDuration } from "../../lib/units.ts";
import { parseHeredocWord, splitCommand, type LogicalLine } from "./lexer.ts";
import type {
  CommandLine,
  FromInstruction,
  Heredoc,
  HealthcheckInstruction,
  Instruction,
  InstructionBase,
  KeyValue,
  RunMount,
} from "./types.ts";
import { InstructionError, parseFlags, parseJsonArray, parseMount, parseWords, splitWhitespace } from "./words.ts";

const fail = (msg: string): never => {
  throw new InstructionError(msg);
};

const atLeastOne = (kw: string) => `${kw} requires at least one argument`;
const exactlyOne = (kw: string) => `${kw} requires exactly one argument`;

const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

/** Instruction keywords, uppercase; FROM included. */
export const KEYWORDS = new Set([
  "FROM", "RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "ENV", "ARG", "WORKDIR", "USER",
  "EXPOSE", "VOLUME", "LABEL", "STOPSIGNAL", "HEALTHCHECK", "ONBUILD", "MAINTAINER",
]);

/** Shell or exec form; the empty shell form is "" (BuildKit's handleJSONArgs). */
function commandLine(rest: string): CommandLine {
  const json = parseJsonArray(rest);
  if (json !== undefined) return { form: "exec", args: json };
  return { form: "shell", command: rest };
}

function keyValues(rest: string, kw: "ENV" | "LABEL", escape: string): KeyValue[] {
  const words = parseWords(rest, escape);
  if (words.length === 0) fail(atLeastOne(kw));
  // The legacy `KEY name value` form is chosen when the first word has no "=".
  if (!(words[0] as string).includes("=")) {
    const m = /^(\S+)[\t\v\f\r ]+([\s\S]*)$/u.exec(rest.trim());
    if (!m || m[2] === "") fail(`${kw} must have two arguments`);
    return [{ key: (m as RegExpExecArray)[1] as string, value: (m as RegExpExecArray)[2] as string }];
  }
  return words.map((w) => {
    const eq = w.indexOf("=");
    if (eq < 0) fail(`Syntax error - can't find = in ${JSON.stringify(w)}. Must be of the form: name=value`);
    const key = w.slice(0, eq);
    if (key === "") fail(`${kw} names can not be blank`);
    return { key, value: w.slice(eq + 1) };
  });
}

function healthcheck(base: InstructionBase, rest: string, flagWords: readonly string[]): HealthcheckInstruction {
  const m = /^(\S+)\s*([\s\S]*)$/u.exec(rest);
  if (!m) return fail(atLeastOne("HEALTHCHECK"));
  const typ = (m[1] as string).toUpperCase();
  const args = m[2] as string;
  const zero = { interval: 0, timeout: 0, startPeriod: 0, startInterval: 0, retries: 0 };
  if (typ === "NONE") {
    if (args.trim() !== "") fail("HEALTHCHECK NONE takes no arguments");
    return { kind: "HEALTHCHECK", ...base, test: ["NONE"], ...zero };
  }
  const f = parseFlags(
    flagWords,
    { interval: "string", timeout: "string", "start-period": "string", "start-interval": "string", retries: "string" },
    "HEALTHCHECK",
  );
  if (typ !== "CMD") fail(`Unknown type ${JSON.stringify(typ)} in HEALTHCHECK (try CMD)`);
  const cmd = commandLine(args);
  let test: string[];
  if (cmd.form === "exec") {
    if (cmd.args.length === 0) fail("Missing command after HEALTHCHECK CMD");
    test = ["CMD", ...cmd.args];
  } else {
    if (cmd.command === "") fail("Missing command after HEALTHCHECK CMD");
    test = ["CMD-SHELL", cmd.command];
  }
  const duration = (name: string): number => {
    const v = f.strings.get(name);
    if (v === undefined || v === "") return 0;
    let ns: number;
    try {
      ns = parseDuration(v);
    } catch (e) {
      return fail(e instanceof Error ? e.message : String(e));
    }
    if (ns === 0) return 0;
    if (ns < 1e6) fail(`Interval ${JSON.stringify(name)} cannot be less than 1ms`);
    return ns;
  };
  let retries = 0;
  const r = f.strings.get("retries");
  if (r !== undefined && r !== "") {
    if (!/^[+-]?\d+$/.test(r)) fail(`strconv.ParseInt: parsing ${JSON.stringify(r)}: invalid syntax`);
    retries = Number(r);
    if (retries < 0) fail(`--retries cannot be negative (${retries})`);
  }
  return {
    kind: "HEALTHCHECK",
    ...base,
    test,
    interval: duration("interval"),
    timeout: duration("timeout"),
    startPeriod: duration("start-period"),
    startInterval: duration("start-interval"),
    retries,
  };
}

/** Splits COPY/ADD arguments into sources, inline (heredoc) files and destination. */
function copyArgs(kw: string, rest: string, heredocs: readonly Heredoc[]) {
  const json = parseJsonArray(rest);
  const args = json ?? splitWhitespace(rest);
  if (args.length === 0) fail(`${kw} requires at least two arguments`);
  if (args.length < 2) fail(`${kw} requires at least two arguments, but only one was provided. Destination could not be determined`);
  const dest = args[args.length - 1] as string;
  if (json === undefined && parseHeredocWord(dest)) fail(`${kw} cannot accept a heredoc as a destination`);
  const sources: string[] = [];
  const inline: Heredoc[] = [];
  let next = 0;
  for (const src of args.slice(0, -1)) {
    if (json === undefined && parseHeredocWord(src)) {
      const h = heredocs[next++];
      if (h) inline.push(h);
    } else sources.push(src);
  }
  return { sources, heredocs: inline, dest };
}

/**
 * Types one logical line.
 * @throws InstructionError with BuildKit's message (no file/line prefix)
 *   for an unknown instruction, missing or extra arguments, a bad flag.
 */
export function parseInstruction(ll: LogicalLine, escape: string): Instruction | FromInstruction {
  const kw = ll.keyword.toUpperCase();
  const base: InstructionBase = { line: ll.startLine, endLine: ll.endLine, original: ll.text, flags: ll.flags };
  const rest = ll.rest;
  const noFlags = () => parseFlags(ll.flags, {}, kw);
  switch (kw) {
    case "FROM": {
      const f = parseFlags(ll.flags, { platform: "string" }, kw);
      const args = splitWhitespace(rest);
      let stageName: string | undefined;
      if (args.length === 3 && (args[1] as string).toLowerCase() === "as") {
        stageName = (args[2] as string).toLowerCase();
        if (!STAGE_NAME.test(stageName)) {
          fail(`invalid name for build stage: ${JSON.stringify(args[2])}, name can't start with a number or contain symbols`);
        }
      } else if (args.length !== 1) fail("FROM requires either one or three arguments");
      const platform = f.strings.get("platform");
      return {
        kind: "FROM",
        ...base,
        image: args[0] as string,
        ...(platform !== undefined && platform !== "" ? { platform } : {}),
        ...(stageName !== undefined ? { stageName } : {}),
      };
    }
    case "RUN": {
      const f = parseFlags(ll.flags, { mount: "strings", network: "string", security: "string" }, kw);
      const mounts: RunMount[] = (f.lists.get("mount") ?? []).map(parseMount);
      const network = f.strings.get("network");
      if (network !== undefined && network !== "default" && network !== "none" && network !== "host") {
        fail(`unsupported network mode "${network}"`);
      }
      const security = f.strings.get("security");
      if (security !== undefined && security !== "sandbox" && security !== "insecure") {
        fail(`unsupported security mode "${security}"`);
      }
      return {
        kind: "RUN",
        ...base,
        command: commandLine(rest),
        mounts,
        ...(network !== undefined ? { network: network as "default" | "none" | "host" } : {}),
        ...(security !== undefined ? { security: security as "sandbox" | "insecure" } : {}),
        heredocs: ll.heredocs,
      };
    }
    case "CMD":
      noFlags();
      return { kind: "CMD", ...base, command: commandLine(rest) };
    case "ENTRYPOINT":
      noFlags();
      return { kind: "ENTRYPOINT", ...base, command: commandLine(rest) };
    case "SHELL": {
      noFlags();
      const json = parseJsonArray(rest);
      if (json === undefined) fail("SHELL requires the arguments to be in JSON form");
      if ((json as string[]).length === 0) fail("SHELL requires at least one argument");
      return { kind: "SHELL", ...base, shell: json as string[] };
    }
    case "COPY": {
      const f = parseFlags(
        ll.flags,
        { from: "string", chown: "string", chmod: "string", link: "bool", parents: "bool", exclude: "strings" },
        kw,
      );
      const a = copyArgs(kw, rest, ll.heredocs);
      const from = f.strings.get("from");
      const chown = f.strings.get("chown");
      const chmod = f.strings.get("chmod");
      return {
        kind: "COPY",
        ...base,
        ...a,
        ...(from !== undefined && from !== "" ? { from } : {}),
        ...(chown !== undefined && chown !== "" ? { chown } : {}),
        ...(chmod !== undefined && chmod !== "" ? { chmod } : {}),
        link: f.bools.get("link") ?? false,
        parents: f.bools.get("parents") ?? false,
        excludes: f.lists.get("exclude") ?? [],
      };
    }
    case "ADD": {
      const f = parseFlags(
        ll.flags,
        { chown: "string", chmod: "string", link: "bool", checksum: "string", "keep-git-dir": "bool", exclude: "strings" },
        kw,
      );
      const a = copyArgs(kw, rest, ll.heredocs);
      const chown = f.strings.get("chown");
      const chmod = f.strings.get("chmod");
      const checksum = f.strings.get("checksum");
      return {
        kind: "ADD",
        ...base,
        ...a,
        ...(chown !== undefined && chown !== "" ? { chown } : {}),
        ...(chmod !== undefined && chmod !== "" ? { chmod } : {}),
        ...(checksum !== undefined && checksum !== "" ? { checksum } : {}),
        link: f.bools.get("link") ?? false,
        keepGitDir: f.bools.get("keep-git-dir") ?? false,
        excludes: f.lists.get("exclude") ?? [],
      };
    }
    case "ENV":
      noFlags();
      return { kind: "ENV", ...base, pairs: keyValues(rest, "ENV", escape) };
    case "LABEL":
      noFlags();
      return { kind: "LABEL", ...base, pairs: keyValues(rest, "LABEL", escape) };
    case "ARG": {
      noFlags();
      const words = parseWords(rest, escape);
      if (words.length === 0) fail(atLeastOne("ARG"));
      return {
        kind: "ARG",
        ...base,
        args: words.map((w) => {
          const eq = w.indexOf("=");
          return eq < 0 ? { name: w } : { name: w.slice(0, eq), default: w.slice(eq + 1) };
        }),
      };
    }
    case "WORKDIR":
      noFlags();
      if (rest === "") fail(exactlyOne(kw));
      return { kind: "WORKDIR", ...base, path: rest };
    case "USER":
      noFlags();
      if (rest === "") fail(exactlyOne(kw));
      return { kind: "USER", ...base, user: rest };
    case "STOPSIGNAL":
      noFlags();
      if (rest === "") fail(exactlyOne(kw));
      return { kind: "STOPSIGNAL", ...base, signal: rest };
    case "MAINTAINER":
      noFlags();
      if (rest === "") fail(exactlyOne(kw));
      return { kind: "MAINTAINER", ...base, maintainer: rest };
    case "EXPOSE": {
      noFlags();
      const ports = splitWhitespace(rest);
      if (ports.length === 0) fail(atLeastOne(kw));
      return { kind: "EXPOSE", ...base, ports };
    }
    case "VOLUME": {
      noFlags();
      const paths = (parseJsonArray(rest) ?? splitWhitespace(rest)).map((p) => p.trim());
      if (paths.length === 0) fail(atLeastOne(kw));
      if (paths.some((p) => p === "")) fail("VOLUME specified can not be an empty string");
      return { kind: "VOLUME", ...base, paths };
    }
    case "HEALTHCHECK":
      return healthcheck(base, rest, ll.flags);
    case "ONBUILD": {
      noFlags();
      if (rest === "") fail(atLeastOne(kw));
      const sub = splitCommand(rest);
      const subKw = sub.keyword.toUpperCase();
      if (subKw === "ONBUILD") fail("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
      if (subKw === "MAINTAINER" || subKw === "FROM") fail(`${subKw} isn't allowed as an ONBUILD trigger`);
      let trigger = ll.text.replace(/^\s*ONBUILD\s*/i, "");
      for (const h of ll.heredocs) trigger += `\n${h.content}${h.name}`;
      const instruction = parseInstruction(
        { ...ll, keyword: sub.keyword, flags: sub.flags, rest: sub.rest, text: ll.text.replace(/^\s*ONBUILD\s*/i, "") },
        escape,
      ) as Instruction;
      return { kind: "ONBUILD", ...base, trigger, instruction };
    }
    default:
      return fail(`unknown instruction: ${ll.keyword.toUpperCase()}`);
  }
}
