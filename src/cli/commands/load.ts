/** `skiff load [-i FILE]`: images from an archive (or stdin); prints `Loaded image: <name>` per name. */
import type { Command } from "../command.ts";
import { SkiffError } from "../../lib/errors.ts";

const command: Command = {
  usage: "load [options]",
  summary: "Load image(s) from a tar archive",
  maxArgs: 0,
  flags: [
    { name: "input", short: "i", type: "string", help: "Read from specified archive file (default: stdin)" },
    { name: "quiet", short: "q", type: "bool", help: "Suppress the output" },
    { name: "signature-policy", type: "string", hidden: true },
  ],
  async run(ctx) {
    const input = ctx.flags.str("input");
    if (input === undefined && process.stdin.isTTY) {
      throw new SkiffError("invalid-argument", "cannot read from terminal, use command-line redirection or the --input flag");
    }
    const { loadImages } = await import("../../engine/load.ts");
    const r = await loadImages(ctx.global, input !== undefined ? { input } : {});
    for (const n of r.loaded) ctx.out(`Loaded image: ${n}\n`);
    return 0;
  },
};

export default command;
