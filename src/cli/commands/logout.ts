import type { Command } from "../command.ts";

const cmd: Command = {
  usage: "logout [options] [REGISTRY]",
  summary: "Log out of a container registry",
  flags: [
    { name: "all", short: "a", type: "bool", help: "Remove the cached credentials for all registries in the auth file" },
    { name: "authfile", type: "string", help: "path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override" },
  ],
  maxArgs: 1,
  async run({ global, flags, args, out }) {
    const eng = await import("../../engine/login.ts");
    const authfile = flags.str("authfile");
    const opts = authfile !== undefined ? { authfile } : {};
    if (flags.bool("all")) {
      await eng.logout(undefined, { ...opts, all: true });
      out("Removed login credentials for all registries\n");
      return;
    }
    const report = await eng.logout(await eng.loginTarget(global, args[0]), opts);
    if (report.foreignFile !== undefined) {
      out(`Not logged into ${report.key} with current tool. Existing credentials were established via docker login. Please use docker logout instead.\n`);
      return;
    }
    out(`Removed login credentials for ${report.key}\n`);
  },
};
export default cmd;
