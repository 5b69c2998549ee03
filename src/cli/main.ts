/**
 * CLI entry: global flags, command lookup, per-command flag parsing, error
 * rendering and exit codes (Podman's: 125 engine, 126 cannot invoke,
 * 127 not found, else the container's). Commands load lazily.
 */
import { parseArgv, Flags, type FlagSpec } from "./argv.ts";
import type { Command } from "./command.ts";
import { SkiffError, exitCodeOf, messageOf } from "../lib/errors.ts";
import { defaultGlobalOptions, type GlobalOptions } from "../engine/options.ts";
import { commandTable, commandGroups } from "./table.ts";

export { VERSION } from "../lib/version.ts";
import { VERSION } from "../lib/version.ts";

const globalFlags: FlagSpec[] = [
  { name: "root", type: "string", help: "Path to the root directory in which data, including images, is stored" },
  { name: "runroot", type: "string", help: "Path to the 'run directory' where all state information is stored" },
  { name: "runtime", type: "string", help: "Path to the OCI-compatible binary used to run containers" },
  { name: "log-level", type: "string", default: "warn", help: "Log messages above specified level" },
  { name: "registries-conf", type: "string", hidden: true },
  { name: "storage-driver", type: "string", hidden: true },
  { name: "cgroup-manager", type: "string", hidden: true },
  { name: "events-backend", type: "string", hidden: true },
  { name: "help", short: "h", type: "bool", help: "Help for skiff" },
  { name: "version", short: "v", type: "bool", help: "Version of skiff" },
];

const helpFlag: FlagSpec = { name: "help", short: "h", type: "bool", help: "Help for this command" };

function renderHelp(path: string, cmd: Command): string {
  const lines = [cmd.summary, "", "Usage:", `  skiff ${cmd.usage}`, ""];
  const visible = cmd.flags.filter((f) => !f.hidden);
  if (visible.length) {
    lines.push("Options:");
    for (const f of visible) {
      const names = f.short ? `-${f.short}, --${f.name}` : `    --${f.name}`;
      const ty = f.type === "bool" ? "" : f.type === "int" ? " int" : f.type === "strings" ? " stringArray" : " string";
      lines.push(`  ${(names + ty).padEnd(34)} ${f.help ?? ""}`);
    }
  }
  void path;
  return lines.join("\n") + "\n";
}

function renderTopHelp(): string {
  const lines = ["Manage pods, containers and images", "", "Usage:", "  skiff [options] [command]", "", "Available Commands:"];
  for (const [name, summary] of commandGroups()) lines.push(`  ${name.padEnd(16)} ${summary}`);
  lines.push("", "Options:");
  for (const f of globalFlags.filter((f) => !f.hidden)) {
    lines.push(`  ${(f.short ? `-${f.short}, --${f.name}` : `    --${f.name}`).padEnd(24)} ${f.help ?? ""}`);
  }
  return lines.join("\n") + "\n";
}

/** Runs the CLI with `argv` (without the executable). Returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const out = (s: string) => { process.stdout.write(s); };
  const err = (s: string) => { process.stderr.write(s); };
  let cmdPath = "";
  try {
    const g = parseArgv(argv, globalFlags, false);
    const gf = new Flags(g);
    if (gf.bool("version")) { out(`skiff version ${VERSION}\n`); return 0; }
    const rest = g.args;
    if (rest.length === 0) { out(renderTopHelp()); return gf.bool("help") ? 0 : 125; }
    // Longest match of one or two words: "image ls" before "image".
    let loader = rest.length > 1 ? commandTable[`${rest[0]} ${rest[1]}`] : undefined;
    let used = 2;
    if (!loader) { loader = commandTable[rest[0]!]; used = 1; }
    if (!loader) {
      const subcommands = Object.keys(commandTable).filter((k) => k.startsWith(`${rest[0]} `)).map((k) => k.slice(rest[0]!.length + 1));
      if (subcommands.length > 0) {
        // `skiff volume`, `skiff volume --help`: the group's commands, as Podman lists them.
        const wantsHelp = rest[1] === "--help" || rest[1] === "-h" || gf.bool("help");
        if (rest.length === 1 || wantsHelp) {
          const lines = [`Manage ${rest[0]}s`, "", "Usage:", `  skiff ${rest[0]} [command]`, "", "Available Commands:"];
          for (const c of [...new Set(subcommands)].sort()) lines.push(`  ${c}`);
          (wantsHelp ? out : err)(lines.join("\n") + "\n" + (wantsHelp ? "" : "\n"));
          if (wantsHelp) return 0;
        }
        throw new SkiffError("usage", rest.length === 1 ? `missing command '${"skiff " + rest[0]} COMMAND'` : `unrecognized command \`skiff ${rest[0]} ${rest[1]}\``);
      }
      throw new SkiffError("usage", `unrecognized command \`skiff ${rest[0]}\``);
    }
    cmdPath = rest.slice(0, used).join(" ");
    const cmd: Command = (await loader()).default;
    // run/create use -h for --hostname (as Podman): --help then has no shorthand.
    const help = cmd.flags.some((f) => f.short === "h") ? { name: "help", type: "bool", help: "Help for this command" } as const : helpFlag;
    const p = parseArgv(rest.slice(used), [...cmd.flags, help], cmd.interspersed ?? true);
    const flags = new Flags(p);
    if (flags.bool("help")) { out(renderHelp(cmdPath, cmd)); return 0; }
    const n = p.args.length;
    if (cmd.minArgs !== undefined && n < cmd.minArgs) {
      throw new SkiffError("usage", cmd.minArgs === 1 && cmd.maxArgs === 1
        ? `accepts 1 arg(s), received ${n}`
        : `requires at least ${cmd.minArgs} arg(s), only received ${n}`);
    }
    if (cmd.maxArgs !== undefined && n > cmd.maxArgs) {
      throw new SkiffError("usage", `accepts at most ${cmd.maxArgs} arg(s), received ${n}`);
    }
    const defaults = defaultGlobalOptions();
    const global: GlobalOptions = {
      root: gf.str("root") ?? process.env.SKIFF_ROOT ?? defaults.root,
      runroot: gf.str("runroot") ?? process.env.SKIFF_RUNROOT ?? defaults.runroot,
      logLevel: gf.str("log-level") ?? "warn",
      ...(gf.str("runtime") !== undefined ? { runtime: gf.str("runtime")! } : {}),
      ...(gf.str("registries-conf") !== undefined ? { registriesConf: gf.str("registries-conf")! } : {}),
    };
    const code = await cmd.run({ global, flags, args: p.args, out, err });
    return code ?? 0;
  } catch (e) {
    err(`Error: ${messageOf(e)}\n`);
    if (e instanceof SkiffError && e.kind === "usage" && cmdPath) err(`See 'skiff ${cmdPath} --help'\n`);
    if (!(e instanceof SkiffError) && process.env.SKIFF_DEBUG) err(`${(e as Error)?.stack ?? ""}\n`);
    return exitCodeOf(e);
  }
}
