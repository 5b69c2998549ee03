import type { Command } from "../command.ts";
import { SkiffError } from "../../lib/errors.ts";

const cmd: Command = {
  usage: "exec [options] CONTAINER [COMMAND [ARG...]]",
  summary: "Run a process in a running container",
  flags: [
    { name: "detach", short: "d", type: "bool", help: "Run the exec session in detached mode (backgrounded)" },
    { name: "detach-keys", type: "string", help: "Select the key sequence for detaching a container" },
    { name: "env", short: "e", type: "strings", help: "Set environment variables" },
    { name: "env-file", type: "strings", help: "Read in a file of environment variables" },
    { name: "interactive", short: "i", type: "bool", help: "Keep STDIN open even if not attached" },
    { name: "latest", short: "l", type: "bool", help: "Act on the latest container podman is aware of" },
    { name: "preserve-fds", type: "string", help: "Pass N additional file descriptors to the container" },
    { name: "privileged", type: "bool", help: "Give the process extended Linux capabilities inside the container" },
    { name: "tty", short: "t", type: "bool", help: "Allocate a pseudo-TTY" },
    { name: "user", short: "u", type: "string", help: "Sets the username or UID used and optionally the groupname or GID for the specified command" },
    { name: "workdir", short: "w", type: "string", help: "Working directory inside the container" },
  ],
  interspersed: false,
  async run(ctx) {
    const [{ execInContainer }, { parseEnvArg, parseEnvFileText }] = await Promise.all([import("../../engine/containers.ts"), import("../run-flags.ts")]);
    const f = ctx.flags;
    if (f.str("preserve-fds") !== undefined) throw new SkiffError("invalid-argument", "--preserve-fds is not supported yet");
    const env: Record<string, string> = {};
    const { readFileSync } = await import("node:fs");
    for (const file of f.strs("env-file")) for (const [k, v] of parseEnvFileText(readFileSync(file, "utf8"), process.env)) env[k] = v;
    for (const e of f.strs("env")) for (const [k, v] of parseEnvArg(e, process.env)) env[k] = v;
    // With -l every argument belongs to the command.
    const latest = f.bool("latest");
    if (!latest && ctx.args.length === 0) throw new SkiffError("invalid-argument", "exec requires the name or ID of a container or the --latest flag");
    const ref = latest ? undefined : ctx.args[0];
    const command = latest ? ctx.args : ctx.args.slice(1);
    try {
      return await execInContainer(ctx.global, ref, {
      command,
      interactive: f.bool("interactive"),
      tty: f.bool("tty"),
      detach: f.bool("detach"),
      env,
      privileged: f.bool("privileged"),
      ...(f.str("user") !== undefined ? { user: f.str("user")! } : {}),
      ...(f.str("workdir") !== undefined ? { workdir: f.str("workdir")! } : {}),
      });
    } catch (e) {
      // Podman fails an exec session that cannot begin (bad state, user, command) with 255; an unknown container stays 125.
      if (e instanceof SkiffError && (e.kind === "state" || e.kind === "invalid-argument")) {
        ctx.err(`Error: ${e.message}\n`);
        return 255;
      }
      throw e;
    }
  },
};
export default cmd;
