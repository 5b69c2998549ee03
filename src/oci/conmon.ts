/**
 * Spawning conmon, the per-container monitor, as Podman does: conmon runs
 * `<runtime> create`, holds the container's stdio (k8s-file log, attach
 * socket), writes the exit file and runs the exit command
 * (`skiff container cleanup <id>`) when the container ends. conmon
 * double-forks: the process we spawn exits early while the monitor lives on.
 *
 * Pipes: fd 3 is the sync pipe (`_OCI_SYNCPIPE`) on which conmon reports
 * `{"data": <pid>}` after create, or `{"data": -1, "message": "<runtime error>"}`;
 * fd 4 is the start pipe (`_OCI_STARTPIPE`): conmon waits for one byte on it
 * before creating. conmon's own stdio is /dev/null, so no holder keeps our
 * pipes open (we wait on `exit` and the sync message, never on `close`);
 * with the `passthrough` log driver it is the caller's stdio instead, which
 * conmon hands on to the container (Podman's way: no log, no attach socket).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { SkiffError } from "../lib/errors.ts";
import { classifyCreateError, type RuntimeRef } from "./runtime.ts";

export interface ConmonOptions {
  /** @default "/usr/bin/conmon" (found on PATH) */
  readonly conmonPath?: string;
  readonly runtime: RuntimeRef;
  /** Container ID (also conmon's cuuid). */
  readonly id: string;
  readonly name: string;
  /** OCI bundle folder (config.json inside); conmon puts attach, ctl, winsz here. */
  readonly bundle: string;
  readonly exitDir: string;
  /** Where conmon links <id> → bundle so the attach socket path is short. */
  readonly socketDir: string;
  /** "k8s-file" | "none" | "passthrough". */
  readonly logDriver: string;
  /** Log file for k8s-file. */
  readonly logPath: string;
  /** Bytes; -1 unlimited. */
  readonly logSizeMax: number;
  /** conmon's log level (Podman's --log-level: "debug" passes through, else "warn"). */
  readonly logLevel: string;
  readonly terminal: boolean;
  readonly stdin: boolean;
  /** argv of the exit command (absolute executable first). */
  readonly exitCommand: readonly string[];
  /** Open fds conmon inherits (as fd 5, 6, …) and holds while it lives: published host ports, as Podman hands them. */
  readonly extraFds?: readonly number[];
}

export interface ConmonReport {
  /** Container init pid. */
  readonly pid: number;
  /** The monitor's pid (from --conmon-pidfile). */
  readonly conmonPid: number;
}

/** conmon's argv for `opts` (exported for tests). */
export function conmonArgs(opts: ConmonOptions): string[] {
  const a = [
    "--api-version", "1",
    "-c", opts.id,
    "-u", opts.id,
    "-r", opts.runtime.path,
    "-b", opts.bundle,
    "-p", `${opts.bundle}/pidfile`,
    "-n", opts.name,
    "--exit-dir", opts.exitDir,
    "--socket-dir-path", opts.socketDir,
    "--conmon-pidfile", `${opts.bundle}/conmon.pid`,
    "--runtime-arg", "--root", "--runtime-arg", opts.runtime.stateRoot,
    "--log-level", opts.logLevel === "debug" || opts.logLevel === "trace" ? "debug" : "warning",
  ];
  if (opts.logDriver === "k8s-file") a.push("-l", `k8s-file:${opts.logPath}`);
  else if (opts.logDriver === "passthrough") a.push("-l", "passthrough:");
  else a.push("-l", "none:");
  if (opts.logSizeMax > 0) a.push("--log-size-max", String(opts.logSizeMax));
  if (opts.terminal) a.push("-t");
  if (opts.stdin) a.push("-i");
  const [cmd, ...cmdArgs] = opts.exitCommand;
  if (cmd) {
    a.push("--exit-command", cmd);
    for (const x of cmdArgs) a.push("--exit-command-arg", x);
  }
  return a;
}

/**
 * Starts conmon and waits until the runtime has created the container.
 * @throws SkiffError command-not-found / cannot-invoke / runtime with the runtime's message (see classifyCreateError)
 */
export async function spawnConmon(opts: ConmonOptions): Promise<ConmonReport> {
  const bin = opts.conmonPath ?? Bun.which("conmon", { PATH: `${process.env.PATH ?? ""}:/usr/bin:/usr/libexec/podman:/usr/local/bin` }) ?? "/usr/bin/conmon";
  const env: Record<string, string> = {
    PATH: `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    _OCI_SYNCPIPE: "3",
    _OCI_STARTPIPE: "4",
  };
  for (const k of ["XDG_RUNTIME_DIR", "HOME", "SKIFF_DEBUG", "SKIFF_TRACE", "CONTAINERS_REGISTRIES_CONF"]) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  const child = spawn(bin, conmonArgs(opts), {
    // Extra fds follow the two pipes (5, 6, …): conmon records the fds open at its start and keeps
    // them until the container exits (Podman hands it the published ports the same way).
    stdio: [...(opts.logDriver === "passthrough" ? ["inherit", "inherit", "inherit"] as const : ["ignore", "ignore", "ignore"] as const), "pipe", "pipe", ...(opts.extraFds ?? [])],
    env,
    // conmon writes files into its working folder (an "oom" marker when the kernel's OOM killer hit
    // the container): the bundle, as Podman runs it, never the caller's folder.
    cwd: opts.bundle,
    detached: true, // own session: a Ctrl-C at the terminal must not reach the monitor
  });
  const sync = child.stdio[3] as NodeJS.ReadableStream & { destroy(): void };
  const start = child.stdio[4] as NodeJS.WritableStream & { destroy(): void };
  const message = await new Promise<string>((resolve, reject) => {
    let buf = "";
    let exited = false;
    let exitCode: number | null = null;
    const done = (v: string) => { sync.removeAllListeners("data"); resolve(v); };
    sync.on("data", (d: Buffer) => {
      buf += d.toString();
      // conmon writes one JSON object per message; the first complete one is the create result.
      const end = buf.indexOf("}");
      if (end >= 0) done(buf.slice(0, end + 1));
    });
    sync.on("end", () => {
      if (!buf.includes("}")) reject(new SkiffError("runtime", `conmon exited before reporting the container's pid${exited ? ` (exit status ${exitCode})` : ""}`));
    });
    sync.on("error", () => {});
    child.on("error", (e) => reject(new SkiffError("runtime", `starting conmon "${bin}": ${e.message}`)));
    child.on("exit", (code) => { exited = true; exitCode = code; });
    start.on("error", () => {});
    start.write("\0");
  });
  sync.destroy();
  start.destroy();
  child.unref();
  let parsed: { data?: number; message?: string };
  try { parsed = JSON.parse(message) as typeof parsed; } catch {
    throw new SkiffError("runtime", `conmon sent an unreadable sync message: ${JSON.stringify(message)}`);
  }
  if (typeof parsed.data !== "number" || parsed.data <= 0) {
    throw classifyCreateError(opts.runtime.path.split("/").pop() ?? "crun", (parsed.message ?? "container create failed").trim());
  }
  let conmonPid = 0;
  try { conmonPid = Number(readFileSync(`${opts.bundle}/conmon.pid`, "utf8").trim()); } catch {}
  return { pid: parsed.data, conmonPid };
}
