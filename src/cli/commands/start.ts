import type { Command } from "../command.ts";
import { SkiffError } from "../../lib/errors.ts";
import { renderBulk } from "./bulk.ts";

const cmd: Command = {
  usage: "start [options] CONTAINER [CONTAINER...]",
  summary: "Start one or more containers",
  flags: [
    { name: "attach", short: "a", type: "bool", help: "Attach container's STDOUT and STDERR" },
    { name: "interactive", short: "i", type: "bool", help: "Make STDIN available to the contained process" },
    { name: "sig-proxy", type: "bool", help: "Proxy received signals to the process (default true if attaching, false otherwise)" },
    { name: "detach-keys", type: "string", help: "Select the key sequence for detaching a container" },
  ],
  minArgs: 1,
  async run(ctx) {
    const eng = await import("../../engine/containers.ts");
    if (ctx.flags.bool("attach")) {
      if (ctx.args.length > 1) throw new SkiffError("invalid-argument", "you cannot start and attach multiple containers at once");
      const id = await eng.resolveContainer(ctx.global, ctx.args[0]!);
      const view = await eng.containerView(ctx.global, id);
      const tty = view.config.terminal && process.stdin.isTTY === true;
      if (tty) process.stdin.setRawMode(true);
      try {
        const code = await eng.startAttached(ctx.global, id, {
          stdout: (d) => { process.stdout.write(d); },
          stderr: (d) => { process.stderr.write(d); },
          ...(ctx.flags.bool("interactive") ? { stdin: process.stdin as AsyncIterable<Uint8Array> } : {}),
          ...(tty ? {
            terminalSize: () => ({ rows: process.stdout.rows ?? 24, cols: process.stdout.columns ?? 80 }),
            onResize: (cb: () => void) => { process.stdout.on("resize", cb); return () => process.stdout.off("resize", cb); },
          } : {}),
          sigProxy: ctx.flags.changed("sig-proxy") ? ctx.flags.bool("sig-proxy") : true,
        });
        return code < 0 ? 255 : code;
      } finally {
        if (tty) process.stdin.setRawMode(false);
        process.stdin.pause();
      }
    }
    return renderBulk(ctx, await eng.startContainers(ctx.global, ctx.args));
  },
};
export default cmd;
