import type { Command } from "../command.ts";
import { SkiffError } from "../../lib/errors.ts";

/** Reads one line from the terminal; `hidden` turns echo off (raw mode). */
async function promptLine(label: string, hidden: boolean, out: (s: string) => void): Promise<string> {
  out(label);
  const stdin = process.stdin;
  if (hidden) stdin.setRawMode(true);
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let buf = "";
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString("utf8")) {
          if (ch === "\r" || ch === "\n") { done(); resolve(buf); return; }
          if (ch === "\u0003") { done(); reject(new SkiffError("runtime", "interrupted")); return; }
          if (ch === "\u007f" || ch === "\b") { buf = buf.slice(0, -1); continue; }
          if (ch === "\u0004" && buf === "") { done(); reject(new SkiffError("runtime", "EOF")); return; }
          buf += ch;
        }
      };
      const done = () => { stdin.off("data", onData); };
      stdin.on("data", onData);
    });
  } finally {
    if (hidden) { stdin.setRawMode(false); out("\n"); }
    stdin.pause();
  }
}

const cmd: Command = {
  usage: "login [options] [REGISTRY]",
  summary: "Log in to a container registry",
  flags: [
    { name: "authfile", type: "string", help: "path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override" },
    { name: "cert-dir", type: "string", help: "use certificates at the specified path to access the registry" },
    { name: "get-login", type: "bool", help: "Return the current login user for the registry" },
    { name: "password", short: "p", type: "string", help: "Password for registry" },
    { name: "password-stdin", type: "bool", help: "Take the password from stdin" },
    { name: "tls-verify", type: "bool", default: true, help: "require HTTPS and verify certificates when contacting registries" },
    { name: "username", short: "u", type: "string", help: "Username for registry" },
    { name: "verbose", short: "v", type: "bool", help: "Write more detailed information to stdout" },
  ],
  maxArgs: 1,
  async run({ global, flags, args, out }) {
    const eng = await import("../../engine/login.ts");
    const authfile = flags.str("authfile");
    const tlsVerify = flags.changed("tls-verify") ? flags.bool("tls-verify") : undefined;
    let username = flags.str("username");
    let password = flags.str("password");
    if (flags.bool("password-stdin")) {
      if (password !== undefined) throw new SkiffError("invalid-argument", "can't specify both --password-stdin and --password");
      if (username === undefined || username === "") throw new SkiffError("invalid-argument", "must provide --username with --password-stdin");
      password = (await Bun.stdin.text()).replace(/\r?\n$/, "");
    }
    const target = await eng.loginTarget(global, args[0]);
    if (flags.bool("get-login")) {
      out(`${await eng.getLogin(target, authfile)}\n`);
      return;
    }
    const tty = process.stdin.isTTY === true;
    if (username === undefined && password === undefined) {
      const existing = await eng.storedLogin(target, authfile);
      if (existing && existing.username !== "") {
        out(`Authenticating with existing credentials for ${target.key}\n`);
        try {
          await eng.verifyLogin(target, existing, tlsVerify);
          out(`Existing credentials are valid. Already logged in to ${target.key}\n`);
          return;
        } catch (e) {
          if (!(e instanceof SkiffError) || !e.message.endsWith("invalid username/password")) throw e;
          out("Existing credentials are invalid, please enter valid username and password\n");
        }
      }
    }
    if (username === undefined || username === "") {
      if (!tty) throw new SkiffError("invalid-argument", "cannot prompt for a username without a terminal: use --username");
      username = (await promptLine("Username: ", false, out)).trim();
      if (username === "") throw new SkiffError("invalid-argument", "username can't be empty");
    }
    if (password === undefined) {
      if (!tty) throw new SkiffError("invalid-argument", "cannot prompt for a password without a terminal: use --password or --password-stdin");
      password = await promptLine("Password: ", true, out);
    }
    if (password === "") throw new SkiffError("invalid-argument", "password can't be empty");
    const report = await eng.login(target, {
      username, password,
      ...(authfile !== undefined ? { authfile } : {}),
      ...(tlsVerify !== undefined ? { tlsVerify } : {}),
    });
    if (flags.bool("verbose")) out(`Used: ${report.authFile}\n`);
    out("Login Succeeded!\n");
  },
};
export default cmd;
