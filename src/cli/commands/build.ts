/**
 * `skiff build [options] [CONTEXT]` (also `image build`, `buildx build`):
 * Podman's flags and output. Progress (STEP lines, RUN output, `--> id`,
 * COMMIT, Successfully tagged) goes to stdout, then the full image ID;
 * with -q only the ID.
 */
import type { Command } from "../command.ts";
import { SkiffError } from "../../lib/errors.ts";

function keyValues(list: readonly string[], flag: string, env?: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list) {
    const i = kv.indexOf("=");
    if (i < 0) {
      // `--build-arg NAME` takes the value from the environment (Docker's rule); others get "".
      if (env) { const v = env[kv]; if (v !== undefined) out[kv] = v; continue; }
      out[kv] = "";
      continue;
    }
    if (i === 0) throw new SkiffError("invalid-argument", `invalid ${flag} "${kv}"`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

function parseSecret(v: string): [string, string] {
  const fields = Object.fromEntries(v.split(",").map((f) => { const i = f.indexOf("="); return i < 0 ? [f, ""] : [f.slice(0, i), f.slice(i + 1)]; }));
  const id = fields.id;
  const src = fields.src ?? fields.source;
  if (!id || !src) throw new SkiffError("invalid-argument", `invalid secret "${v}": id= and src= are required`);
  if (fields.type !== undefined && fields.type !== "file") throw new SkiffError("invalid-argument", `invalid secret "${v}": only type=file is supported`);
  return [id, src];
}

/** Podman build flags parsed but refused (docs/compatibility.md, "build"). */
const UNSUPPORTED = [
  "add-host", "all-platforms", "arch", "authfile", "cache-from", "cache-to", "cache-ttl", "cert-dir", "cgroup-parent", "cgroupns",
  "cpu-period", "cpu-quota", "cpu-shares", "cpuset-cpus", "cpuset-mems", "creds", "decryption-key", "device", "disable-compression",
  "dns", "dns-option", "dns-search", "env", "from", "http-proxy", "identity-label", "ignorefile", "ipc", "isolation", "jobs", "logfile",
  "manifest", "memory", "memory-swap", "no-hosts", "omit-history", "os", "output", "pid", "runtime", "security-opt", "shm-size",
  "sign-by", "skip-unused-stages", "ssh", "userns", "uts", "variant", "volume",
] as const;

const cmd: Command = {
  usage: "build [options] [CONTEXT]",
  summary: "Build an image using instructions from Containerfiles",
  maxArgs: 1,
  flags: [
    { name: "annotation", type: "strings", help: "Set metadata for an image (default [])" },
    { name: "build-arg", type: "strings", help: "`argument=value` to supply to the builder" },
    { name: "build-arg-file", type: "strings", help: "`argfile.conf` containing lines of argument=value to supply to the builder" },
    { name: "cap-add", type: "strings", help: "Add the specified capability when running (default [])" },
    { name: "cap-drop", type: "strings", hidden: true },
    { name: "compress", type: "bool", hidden: true },
    { name: "file", short: "f", type: "strings", help: "`pathname or URL` of a Dockerfile" },
    { name: "force-rm", type: "bool", default: true, help: "Always remove intermediate containers after a build, even if the build is unsuccessful." },
    { name: "format", type: "string", help: "`format` of the built image's manifest and metadata. Use BUILDAH_FORMAT environment variable to override." },
    { name: "iidfile", type: "string", help: "`file` to write the image ID to" },
    { name: "label", type: "strings", help: "Set metadata for an image (default [])" },
    { name: "layers", type: "bool", default: true, help: "Cache intermediate layers during build. Use BUILDAH_LAYERS environment variable to override." },
    { name: "network", type: "string", help: "Set the networking mode for the RUN instructions" },
    { name: "no-cache", type: "bool", help: "Do not use existing cached images for the container build. Build from the start with a new set of cached layers." },
    { name: "platform", type: "strings", help: "Set the OS/ARCH[/VARIANT] of the image to the provided value instead of the current operating system and architecture of the host (for example \"linux/arm\")" },
    { name: "pull", type: "string", help: "Pull image policy (\"always\"|\"missing\"|\"never\"|\"newer\")" },
    { name: "pull-always", type: "bool", hidden: true },
    { name: "pull-never", type: "bool", hidden: true },
    { name: "quiet", short: "q", type: "bool", help: "Refrain from announcing build instructions and image read/write progress" },
    { name: "rm", type: "bool", default: true, help: "Remove intermediate containers after a successful build" },
    { name: "secret", type: "strings", help: "Secret file to expose to the build" },
    { name: "squash", type: "bool", help: "Squash newly built layers into a single new layer" },
    { name: "squash-all", type: "bool", help: "Squash all layers into a single layer" },
    { name: "tag", short: "t", type: "strings", help: "`name` to assign to the resulting image, if the build process completes successfully" },
    { name: "target", type: "string", help: "Set the target build stage to build" },
    { name: "timestamp", type: "int", help: "Set created timestamp to the specified epoch seconds to allow for deterministic builds, defaults to current time" },
    { name: "tls-verify", type: "bool", default: true, help: "Require HTTPS and verify certificates when accessing the registry" },
    { name: "ulimit", type: "strings", help: "Ulimit options" },
    ...UNSUPPORTED.map((name) => ({ name, type: "strings" as const, hidden: true })),
  ],
  async run({ global, flags, args, out, err }) {
    for (const f of UNSUPPORTED) if (flags.changed(f)) throw new SkiffError("invalid-argument", `--${f} is not supported yet`);
    const { buildImage, writeIidFile, RunFailedError } = await import("../../engine/build.ts");
    const { readFileSync } = await import("node:fs");
    const quiet = flags.bool("quiet");
    const format = (flags.str("format") ?? process.env.BUILDAH_FORMAT ?? "oci").toLowerCase();
    if (format !== "oci" && format !== "docker") throw new SkiffError("invalid-argument", `unrecognized image type "${format}"`);
    const arch = ({ x64: "amd64", arm64: "arm64" } as Record<string, string>)[process.arch] ?? process.arch;
    for (const p of flags.strs("platform").flatMap((x) => x.split(","))) {
      if (p !== `linux/${arch}` && p !== "linux" && p !== arch) {
        throw new SkiffError("invalid-argument", `building for platform "${p}": only the host platform linux/${arch} is supported (no emulation)`);
      }
    }
    let pull = flags.str("pull") ?? "missing";
    if (pull === "true") pull = "always";
    if (pull === "false") pull = "missing";
    if (flags.bool("pull-always")) pull = "always";
    if (flags.bool("pull-never")) pull = "never";
    if (!["always", "missing", "never", "newer", "ifmissing", "ifnewer"].includes(pull)) throw new SkiffError("invalid-argument", `invalid pull policy "${pull}"`);
    pull = pull.replace(/^if/, "");
    const buildArgs: Record<string, string> = {};
    for (const file of flags.strs("build-arg-file")) {
      const lines = readFileSync(file, "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
      Object.assign(buildArgs, keyValues(lines, "--build-arg-file", process.env));
    }
    Object.assign(buildArgs, keyValues(flags.strs("build-arg"), "--build-arg", process.env));
    const { parseUlimitArg } = await import("../run-flags.ts");
    const { normalizeCapability } = await import("../../spec/capabilities.ts");
    const sde = process.env.SOURCE_DATE_EPOCH;
    const report = await buildImage(global, {
      ...(args[0] !== undefined ? { context: args[0] } : {}),
      files: flags.strs("file"),
      tags: flags.strs("tag"),
      buildArgs,
      labels: keyValues(flags.strs("label"), "--label"),
      annotations: keyValues(flags.strs("annotation"), "--annotation"),
      format,
      ...(flags.str("target") !== undefined ? { target: flags.str("target")! } : {}),
      noCache: flags.bool("no-cache"),
      layers: process.env.BUILDAH_LAYERS === "false" && !flags.changed("layers") ? false : flags.bool("layers"),
      pull,
      ...(flags.int("timestamp") !== undefined ? { timestamp: flags.int("timestamp")! } : {}),
      ...(sde !== undefined && /^\d+$/.test(sde) ? { sourceDateEpoch: Number(sde) } : {}),
      ...(flags.str("network") !== undefined ? { network: flags.str("network")! } : {}),
      secrets: Object.fromEntries(flags.strs("secret").map(parseSecret)),
      capAdd: flags.strs("cap-add").map((c) => normalizeCapability(c)),
      ulimits: flags.strs("ulimit").map(parseUlimitArg),
      squash: flags.bool("squash"),
      squashAll: flags.bool("squash-all"),
      tlsVerify: flags.bool("tls-verify"),
      readStdin: async () => new Uint8Array(await Bun.stdin.arrayBuffer()),
    }, {
      line: (s) => { if (!quiet) out(s); },
      warn: (s) => err(`WARN[0000] ${s}\n`),
      stdout: (b) => { if (!quiet) out(new TextDecoder().decode(b)); },
      stderr: (b) => { if (!quiet) process.stderr.write(b); },
    }).catch((e: unknown) => {
      // A failed RUN ends the build with that RUN's exit status (Podman's behaviour), not 125.
      if (e instanceof RunFailedError) return e;
      throw e;
    });
    if (report instanceof RunFailedError) {
      err(`Error: ${report.message}\n`);
      return report.exitCode;
    }
    if (!quiet) for (const n of report.names) out(`Successfully tagged ${n}\n`);
    out(`${report.id}\n`);
    const iid = flags.str("iidfile");
    if (iid !== undefined) writeIidFile(iid, report.id);
  },
};
export default cmd;
