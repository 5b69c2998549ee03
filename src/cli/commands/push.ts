/**
 * `skiff push [options] IMAGE [DESTINATION]` (also `image push`): Podman
 * 4.3's flags; progress on stderr unless -q.
 */
import type { Command } from "../command.ts";

const cmd: Command = {
  usage: "push [options] IMAGE [DESTINATION]",
  summary: "Push an image to a specified destination",
  minArgs: 1,
  maxArgs: 2,
  flags: [
    { name: "authfile", type: "string", help: "Path of the authentication file" },
    { name: "cert-dir", type: "string", help: "Path to a directory containing TLS certificates and keys" },
    { name: "compress", type: "bool", help: "Compress tarball image layers when pushing to a directory using the 'dir' transport" },
    { name: "compression-format", type: "string", help: "compression format to use" },
    { name: "creds", type: "string", help: "`Credentials` (USERNAME:PASSWORD) to use for authenticating to a registry" },
    { name: "digestfile", type: "string", help: "Write the digest of the pushed image to the specified file" },
    { name: "disable-content-trust", type: "bool", hidden: true },
    { name: "format", short: "f", type: "string", help: "Manifest type (oci, v2s2, or v2s1) to use in the destination" },
    { name: "quiet", short: "q", type: "bool", help: "Suppress output information when pushing images" },
    { name: "remove-signatures", type: "bool", help: "Discard any pre-existing signatures in the image" },
    { name: "sign-by", type: "string", hidden: true },
    { name: "tls-verify", type: "bool", default: true, help: "Require HTTPS and verify certificates when contacting registries" },
  ],
  async run({ global, flags, args, err }) {
    const { pushImage } = await import("../../engine/push.ts");
    const str = (n: string) => flags.str(n);
    const report = await pushImage(global, args[0]!, args[1], {
      tlsVerify: flags.bool("tls-verify"),
      ...(str("creds") !== undefined ? { creds: str("creds")! } : {}),
      ...(str("authfile") !== undefined ? { authfile: str("authfile")! } : {}),
      ...(str("format") !== undefined ? { format: str("format")! } : {}),
      ...(str("compression-format") !== undefined ? { compressionFormat: str("compression-format")! } : {}),
      ...(flags.bool("quiet") ? {} : { progress: (l: string) => err(`${l}\n`) }),
    });
    const df = str("digestfile");
    if (df !== undefined) await Bun.write(df, report.digest);
  },
};
export default cmd;
