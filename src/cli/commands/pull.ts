/**
 * `skiff pull [options] IMAGE [IMAGE...]` (also `image pull`): Podman's
 * flags; progress on stderr, the image ID on stdout (one per image, or per
 * tag with --all-tags).
 */
import type { Command } from "../command.ts";
import { SkiffError } from "../../lib/errors.ts";

const cmd: Command = {
  usage: "pull [options] IMAGE [IMAGE...]",
  summary: "Pull an image from a registry",
  minArgs: 1,
  flags: [
    { name: "all-tags", short: "a", type: "bool", help: "Pull all tagged images in the repository" },
    { name: "arch", type: "string", help: "Use ARCH instead of the architecture of the machine for choosing images" },
    { name: "authfile", type: "string", help: "Path of the authentication file" },
    { name: "cert-dir", type: "string", help: "Use certificates at the specified path to access the registry" },
    { name: "creds", type: "string", help: "Use `[username[:password]]` for accessing the registry" },
    { name: "disable-content-trust", type: "bool", hidden: true },
    { name: "os", type: "string", help: "Use OS instead of the running OS for choosing images" },
    { name: "platform", type: "string", help: "Specify the platform for selecting the image" },
    { name: "quiet", short: "q", type: "bool", help: "Suppress output information when pulling images" },
    { name: "retry", type: "int", help: "Number of times to retry in case of failure when performing pull" },
    { name: "retry-delay", type: "string", help: "Delay between retries in case of pull failures" },
    { name: "tls-verify", type: "bool", default: true, help: "Require HTTPS and verify certificates when contacting registries" },
    { name: "variant", type: "string", help: "Use VARIANT instead of the running architecture variant for choosing images" },
  ],
  async run({ global, flags, args, out, err }) {
    const { pullImage } = await import("../../engine/pull.ts");
    const { pullProgress } = await import("../progress.ts");
    const quiet = flags.bool("quiet");
    const retryDelay = flags.str("retry-delay");
    let retryDelayMs: number | undefined;
    if (retryDelay !== undefined) {
      const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(retryDelay);
      if (!m) throw new SkiffError("invalid-argument", `invalid --retry-delay "${retryDelay}": time: invalid duration "${retryDelay}"`);
      retryDelayMs = Number(m[1]) * (m[2] === "ms" ? 1 : m[2] === "m" ? 60_000 : 1000);
    }
    const str = (n: string) => flags.str(n);
    const opts = {
      ...(str("platform") !== undefined ? { platform: str("platform")! } : {}),
      ...(str("arch") !== undefined ? { arch: str("arch")! } : {}),
      ...(str("os") !== undefined ? { os: str("os")! } : {}),
      ...(str("variant") !== undefined ? { variant: str("variant")! } : {}),
      ...(str("creds") !== undefined ? { creds: str("creds")! } : {}),
      ...(str("authfile") !== undefined ? { authfile: str("authfile")! } : {}),
      ...(flags.int("retry") !== undefined ? { retry: flags.int("retry")! } : {}),
      ...(retryDelayMs !== undefined ? { retryDelayMs } : {}),
      tlsVerify: flags.bool("tls-verify"),
      allTags: flags.bool("all-tags"),
      ...(quiet ? {} : { progress: pullProgress(err, process.stderr.isTTY === true) }),
    };
    for (const image of args) {
      const reports = await pullImage(global, image, opts);
      for (const r of reports) out(`${r.id}\n`);
    }
  },
};
export default cmd;
