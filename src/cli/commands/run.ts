import type { Command, CommandContext } from "../command.ts";
import { RUN_FLAGS } from "../run-flags.ts";

/**
 * Creates a container from `run`/`create` argv; prints warnings on stderr.
 * Shared by `run` and `create`.
 */
export async function createFromArgv(ctx: CommandContext) {
  const [{ runArgsToSpec }, { createContainerFromSpec }] = await Promise.all([import("../run-flags.ts"), import("../../engine/containers.ts")]);
  const spec = runArgsToSpec(ctx.flags, ctx.args, { env: process.env });
  const report = await createContainerFromSpec(ctx.global, spec);
  for (const w of report.warnings) ctx.err(`WARNING: ${w}\n`);
  return { spec, report };
}

const cmd: Command = {
  usage: "run [options] IMAGE [COMMAND [ARG...]]",
  summary: "Run a command in a new container",
  flags: RUN_FLAGS,
  interspersed: false,
  minArgs: 1,
  async run(ctx) {
    const { spec, report } = await createFromArgv(ctx);
    const eng = await import("../../engine/containers.ts");
    if (spec.detach) {
      try {
        await eng.startDetached(ctx.global, report.id);
      } catch (e) {
        if (spec.remove) await eng.removeContainers(ctx.global, [report.id], { force: true, ignore: true, volumes: true });
        throw e;
      }
      ctx.out(`${report.id}\n`);
      return 0;
    }
    const tty = spec.tty === true && process.stdin.isTTY === true;
    if (spec.tty && !process.stdin.isTTY) ctx.err("The input device is not a TTY. The --tty and --interactive flags might not work properly\n");
    // -a limits the streams relayed (Podman: all three by default, stdin only with -i).
    const attached = (name: string) => spec.attach === undefined || spec.attach.includes(name);
    const stdin = spec.interactive && attached("stdin") ? process.stdin : undefined;
    if (tty) process.stdin.setRawMode(true);
    try {
      const code = await eng.startAttached(ctx.global, report.id, {
        stdout: (d) => { if (attached("stdout")) process.stdout.write(d); },
        stderr: (d) => { if (attached("stderr")) (spec.tty ? process.stdout : process.stderr).write(d); },
        ...(stdin ? { stdin: stdin as AsyncIterable<Uint8Array> } : {}),
        ...(tty ? {
          terminalSize: () => ({ rows: process.stdout.rows ?? 24, cols: process.stdout.columns ?? 80 }),
          onResize: (cb: () => void) => { process.stdout.on("resize", cb); return () => process.stdout.off("resize", cb); },
        } : {}),
        sigProxy: spec.sigProxy ?? true,
      });
      return code < 0 ? 255 : code;
    } catch (e) {
      if (spec.remove) await eng.removeContainers(ctx.global, [report.id], { force: true, ignore: true, volumes: true });
      throw e;
    } finally {
      if (tty) process.stdin.setRawMode(false);
      if (stdin) process.stdin.pause();
    }
  },
};
export default cmd;
