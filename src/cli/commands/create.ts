import type { Command } from "../command.ts";
import { RUN_FLAGS } from "../run-flags.ts";

const cmd: Command = {
  usage: "create [options] IMAGE [COMMAND [ARG...]]",
  summary: "Create but do not start a container",
  flags: RUN_FLAGS,
  interspersed: false,
  minArgs: 1,
  async run(ctx) {
    const { createFromArgv } = await import("./run.ts");
    const { report } = await createFromArgv(ctx);
    ctx.out(`${report.id}\n`);
  },
};
export default cmd;
