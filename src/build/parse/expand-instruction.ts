/**
 * Applies Docker's "environment replacement" to an instruction: the
 * instructions and arguments the Dockerfile reference lists (ADD, COPY,
 * ENV, EXPOSE, FROM, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR, ARG, and
 * in BuildKit also RUN --mount values and COPY/ADD --from/--chown/--chmod/
 * --checksum), with BuildKit's word processing (quotes removed). RUN, CMD,
 * ENTRYPOINT, SHELL, HEALTHCHECK, ONBUILD and MAINTAINER come back as they
 * are: the shell, or a later build, expands those.
 */
import { expandHeredoc, expandString, splitWords, type VarLookup } from "../expand.ts";
import { heredocBody } from "./heredoc.ts";
import type { FromInstruction, Heredoc, Instruction, RunMount } from "./types.ts";

/**
 * Returns `instr` with its expandable words expanded against `lookup` (the
 * variables in scope *before* the instruction: for ENV every pair sees the
 * old values, as Docker's "same instruction" rule says).
 * - ENV/LABEL keys and values, ARG names and defaults: quotes and escapes removed.
 * - EXPOSE words may split into several (`EXPOSE $PORTS`).
 * - COPY/ADD heredocs come back final: `<<-` tabs stripped, the body
 *   expanded when its delimiter was unquoted (expandHeredoc), and `chomp`
 *   and `expand` set to false so that a second pass changes nothing.
 * - FROM: expand with the global ARGs (and build args) only.
 * @throws SkiffError "invalid-argument" for a malformed reference
 *   (`processing "${X": syntax error: missing '}'`).
 */
export function expandInstruction<T extends Instruction | FromInstruction>(instr: T, lookup: VarLookup, escape = "\\"): T {
  return expandAny(instr, lookup, escape) as T;
}

function expandAny(i: Instruction | FromInstruction, lookup: VarLookup, escape: string): Instruction | FromInstruction {
  const x = (s: string) => expandString(s, lookup, escape);
  const opt = <K extends string>(key: K, v: string | undefined): Partial<Record<K, string>> =>
    v === undefined ? {} : ({ [key]: x(v) } as Record<K, string>);
  switch (i.kind) {
    case "FROM":
      return { ...i, image: x(i.image), ...opt("platform", i.platform) };
    case "ENV":
    case "LABEL":
      return { ...i, pairs: i.pairs.map((p) => ({ key: x(p.key), value: x(p.value) })) };
    case "ARG":
      return {
        ...i,
        args: i.args.map((a) => (a.default === undefined ? { name: x(a.name) } : { name: x(a.name), default: x(a.default) })),
      };
    case "EXPOSE":
      return { ...i, ports: i.ports.flatMap((p) => splitWords(p, lookup, escape)) };
    case "VOLUME":
      return { ...i, paths: i.paths.map(x) };
    case "WORKDIR":
      return { ...i, path: x(i.path) };
    case "USER":
      return { ...i, user: x(i.user) };
    case "STOPSIGNAL":
      return { ...i, signal: x(i.signal) };
    case "COPY":
    case "ADD": {
      // Bodies come out final (tabs stripped, expanded), flagged so nothing strips or expands them again.
      const heredocs = i.heredocs.map((h): Heredoc => {
        const body = heredocBody(h);
        return { ...h, content: h.expand ? expandHeredoc(body, lookup) : body, chomp: false, expand: false };
      });
      const common = {
        sources: i.sources.map(x),
        dest: x(i.dest),
        heredocs,
        excludes: i.excludes.map(x),
        ...opt("chown", i.chown),
        ...opt("chmod", i.chmod),
      };
      if (i.kind === "COPY") return { ...i, ...common, ...opt("from", i.from) };
      return { ...i, ...common, ...opt("checksum", i.checksum) };
    }
    case "RUN":
      return { ...i, mounts: i.mounts.map((m) => expandMount(m, x)) };
    default:
      return i;
  }
}

function expandMount(m: RunMount, x: (s: string) => string): RunMount {
  const out: Record<string, unknown> = { ...m, target: x(m.target) };
  for (const k of ["source", "from", "id", "env"] as const) {
    const v = m[k];
    if (v !== undefined) out[k] = x(v);
  }
  return out as unknown as RunMount;
}
