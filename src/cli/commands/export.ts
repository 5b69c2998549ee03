/**
 * `skiff export [-o FILE] CONTAINER` (also `container export`): a tar of
 * the container's filesystem, to stdout only when it is not a terminal.
 */
import type { Command } from "../command.ts";
import { SkiffError } from "../../lib/errors.ts";

const cmd: Command = {
  usage: "export [options] CONTAINER",
  summary: "Export container's filesystem contents as a tar archive",
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { name: "output", short: "o", type: "string", help: "Write to a specified file (default: stdout, which must be redirected)" },
  ],
  async run(ctx) {
    const output = ctx.flags.str("output");
    if (output === undefined && process.stdout.isTTY) {
      throw new SkiffError("invalid-argument", "refusing to export to terminal. Use -o flag or redirect");
    }
    const { exportContainer } = await import("../../engine/container-fs.ts");
    const { createWriteStream } = await import("node:fs");
    await exportContainer(ctx.global, ctx.args[0]!, output !== undefined ? createWriteStream(output) : process.stdout);
    return 0;
  },
};
export default cmd;
