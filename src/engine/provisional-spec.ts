/**
 * TEMPORARY: a minimal OCI runtime spec used until src/oci/spec-generate.ts
 * (generateRuntimeSpec) lands; same inputs and output shape, so the engine
 * switches by changing one import. Podman's defaults where it matters for
 * the lifecycle: default capabilities, /proc /dev /sys mounts, masked paths,
 * rlimits within the caller's hard limits.
 */
import type { ContainerSpec } from "../spec/container-spec.ts";
import type { ImageConfig } from "../image/manifest.ts";

const CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT"];

export interface GenerateInput {
  readonly spec: ContainerSpec;
  readonly imageConfig: ImageConfig | undefined;
  readonly rootfs: string;
  readonly containerId: string;
  readonly hostname: string;
  readonly userdataDir: string;
}

export function generateRuntimeSpec(input: GenerateInput): { ociSpec: Record<string, unknown>; warnings: string[] } {
  const { spec, imageConfig: ic } = input;
  const cfg = ic?.config ?? {};
  const entry = spec.entrypoint ?? cfg.Entrypoint ?? [];
  const cmd = spec.command && spec.command.length ? spec.command : spec.entrypoint !== undefined && spec.command === undefined ? [] : (cfg.Cmd ?? []);
  const args = [...entry, ...cmd];
  const env = new Map<string, string>([["PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], ["container", "podman"]]);
  for (const e of cfg.Env ?? []) { const i = e.indexOf("="); if (i > 0) env.set(e.slice(0, i), e.slice(i + 1)); }
  for (const [k, v] of Object.entries(spec.env ?? {})) env.set(k, v);
  if (spec.tty) env.set("TERM", "xterm");
  env.set("HOSTNAME", input.hostname);
  const user = (spec.user ?? cfg.User ?? "0").split(":");
  const uid = Number(user[0]) || 0;
  const gid = Number(user[1] ?? uid) || 0;
  const caps = { bounding: CAPS, effective: CAPS, permitted: CAPS };
  return {
    warnings: [],
    ociSpec: {
      ociVersion: "1.0.2-dev",
      process: {
        terminal: spec.tty ?? false,
        user: { uid, gid },
        args,
        env: [...env].map(([k, v]) => `${k}=${v}`),
        cwd: spec.workdir ?? (cfg.WorkingDir || "/"),
        capabilities: caps,
        rlimits: [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }, { type: "RLIMIT_NPROC", hard: 4096, soft: 4096 }],
        noNewPrivileges: false,
      },
      root: { path: input.rootfs, readonly: spec.readOnly ?? false },
      hostname: input.hostname,
      mounts: [
        { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
        { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
        { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
        { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
        { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
        { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
      ],
      linux: {
        namespaces: [{ type: "pid" }, { type: "network" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }],
        cgroupsPath: `/skiff/skiff-${input.containerId}`,
        resources: { pids: { limit: 2048 } },
        maskedPaths: ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/fs/selinux", "/sys/dev/block"],
        readonlyPaths: ["/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
      },
    },
  };
}
