/**
 * `skiff commit [options] CONTAINER [IMAGE]` (also `container commit`):
 * Podman 4.3's flags; progress on stderr unless -q, the image ID on stdout.
 */
import type { Command } from "../command.ts";
import { SkiffError } from "../../lib/errors.ts";

const cmd: Command = {
  usage: "commit [options] CONTAINER [IMAGE]",
  summary: "Create new image based on the changed container",
  minArgs: 1,
  maxArgs: 2,
  flags: [
    { name: "author", short: "a", type: "string", help: "Set the author for the image committed" },
    { name: "change", short: "c", type: "strings", help: "Apply the following possible instructions to the created image (default []): CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | ONBUILD | STOPSIGNAL | USER | VOLUME | WORKDIR" },
    { name: "format", short: "f", type: "string", default: "oci", help: "`Format` of the image manifest and metadata" },
    { name: "iidfile", type: "string", help: "`file` to write the image ID to" },
    { name: "include-volumes", type: "bool", help: "Include container volumes as image volumes" },
    { name: "message", short: "m", type: "string", help: "Set commit message for imported image" },
    { name: "pause", short: "p", type: "bool", default: true, help: "Pause container during commit" },
    { name: "quiet", short: "q", type: "bool", help: "Suppress output" },
    { name: "squash", short: "s", type: "bool", help: "squash newly built layers into a single new layer" },
  ],
  async run({ global, flags, args, out, err }) {
    const { commitContainer } = await import("../../engine/commit.ts");
    const format = flags.str("format")!;
    if (format !== "oci" && format !== "docker") {
      throw new SkiffError("invalid-argument", `unrecognized image type "${format}"`);
    }
    if (flags.bool("squash")) throw new SkiffError("invalid-argument", "--squash is not supported yet");
    const report = await commitContainer(global, args[0]!, {
      format,
      changes: flags.strs("change"),
      pause: flags.bool("pause"),
      ...(args[1] !== undefined ? { name: args[1] } : {}),
      ...(flags.str("author") !== undefined ? { author: flags.str("author")! } : {}),
      ...(flags.str("message") !== undefined ? { message: flags.str("message")! } : {}),
      ...(flags.bool("quiet") ? {} : { progress: (l: string) => err(`${l}\n`) }),
    });
    const iid = flags.str("iidfile");
    if (iid !== undefined) await Bun.write(iid, `sha256:${report.id}`);
    out(`${report.id}\n`);
  },
};
export default cmd;
