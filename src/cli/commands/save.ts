/**
 * `skiff save [-o FILE] [--format F] [-m] IMAGE...`: to stdout when no
 * `-o` and stdout is not a terminal (refused on a terminal, as Podman).
 */
import type { Command } from "../command.ts";
import { SkiffError } from "../../lib/errors.ts";

const command: Command = {
  usage: "save [options] IMAGE [IMAGE...]",
  summary: "Save image(s) to an archive",
  minArgs: 1,
  flags: [
    { name: "compress", type: "bool", help: "Compress tarball image layers when saving to a directory using the 'dir' transport. (default is same compression type as source)" },
    { name: "format", type: "string", default: "docker-archive", help: "Save image to oci-archive, oci-dir (directory with oci manifest type), docker-archive, docker-dir (directory with v2s2 manifest type)" },
    { name: "multi-image-archive", short: "m", type: "bool", help: "Interpret additional arguments as images not tags and create a multi-image-archive (only for docker-archive)" },
    { name: "output", short: "o", type: "string", help: "Write to a specified file (default: stdout, which must be redirected)" },
    { name: "quiet", short: "q", type: "bool", help: "Suppress the output" },
    { name: "uncompressed", type: "bool", help: "Accept uncompressed layers when copying OCI images" },
  ],
  async run(ctx) {
    const output = ctx.flags.str("output");
    if (output === undefined && process.stdout.isTTY) {
      throw new SkiffError("invalid-argument", "refusing to save to terminal. Use -o flag or redirect");
    }
    const format = ctx.flags.str("format") ?? "docker-archive";
    if (ctx.flags.bool("multi-image-archive") && format !== "docker-archive") {
      throw new SkiffError("invalid-argument", `unsupported format "${format}" for saving multiple images (only docker-archive)`);
    }
    const { saveImages } = await import("../../engine/save.ts");
    await saveImages(ctx.global, ctx.args, {
      format, multiImage: ctx.flags.bool("multi-image-archive"), ...(output !== undefined ? { output } : {}),
    });
    return 0;
  },
};

export default command;
