/**
 * `skiff import [options] PATH [REFERENCE]` (also `image import`): a
 * tarball file, an http(s) URL or `-` (stdin) as a one-layer image;
 * progress on stderr unless -q, `sha256:<id>` on stdout as Podman prints it.
 */
import type { Command } from "../command.ts";

const cmd: Command = {
  usage: "import [options] PATH [REFERENCE]",
  summary: "Import a tarball to create a filesystem image",
  minArgs: 1,
  maxArgs: 2,
  flags: [
    { name: "arch", type: "string", help: "Set the architecture of the imported image" },
    { name: "change", short: "c", type: "strings", help: "Apply the following possible instructions to the created image (default []): CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | ONBUILD | STOPSIGNAL | USER | VOLUME | WORKDIR" },
    { name: "message", short: "m", type: "string", help: "Set commit message for imported image" },
    { name: "os", type: "string", help: "Set the OS of the imported image" },
    { name: "quiet", short: "q", type: "bool", help: "Suppress output" },
    { name: "signature-policy", type: "string", hidden: true },
    { name: "variant", type: "string", help: "Set the variant of the imported image" },
  ],
  async run({ global, flags, args, out, err }) {
    const { importImage } = await import("../../engine/import.ts");
    const report = await importImage(global, {
      source: args[0]!,
      changes: flags.strs("change"),
      ...(args[1] !== undefined ? { name: args[1] } : {}),
      ...(flags.str("message") !== undefined ? { message: flags.str("message")! } : {}),
      ...(flags.bool("quiet") ? {} : { progress: (l: string) => err(`${l}\n`) }),
    });
    out(`sha256:${report.id}\n`);
  },
};
export default cmd;
