/**
 * The OCI runtime CLI (crun by default, runc with `--runtime runc`), driven
 * with `--root <runroot>/runtime` so skiff's containers stay apart from
 * Podman's. conmon runs `create`; skiff runs start/kill/delete/pause/resume/
 * exec/state directly.
 */
import { accessSync, constants as fsConstants, statSync } from "node:fs";
import { SkiffError } from "../lib/errors.ts";

export interface RuntimeRef {
  /** Runtime binary path, e.g. "/usr/bin/crun". */
  readonly path: string;
  /** Runtime state folder (--root). */
  readonly stateRoot: string;
}

/** Resolves `crun`/`runc`/a path to an absolute binary path. @throws SkiffError invalid-argument when not found */
export function resolveRuntimePath(name = "crun"): string {
  if (name.includes("/")) {
    // Checked at create: a container with an unusable runtime could never be started nor cleaned up.
    if (!isExecutable(name)) throw new SkiffError("invalid-argument", `cannot find OCI runtime "${name}": no such file or directory`);
    return name;
  }
  const found = Bun.which(name, { PATH: `${process.env.PATH ?? ""}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` });
  if (!found) throw new SkiffError("invalid-argument", `cannot find OCI runtime "${name}": no such file or directory`);
  return found;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export interface RunResult { readonly code: number; readonly stderr: string; readonly stdout: string }

/** Runs `<runtime> --root <stateRoot> <args>`; returns code and output. */
export async function runtimeCall(rt: RuntimeRef, args: readonly string[]): Promise<RunResult> {
  const p = Bun.spawn([rt.path, "--root", rt.stateRoot, ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

/** The runtime's error text without its log decoration (crun prints JSON lines or plain text). */
export function runtimeMessage(stderr: string): string {
  const lines = stderr.trim().split("\n").filter(Boolean).map((l) => {
    try { const j = JSON.parse(l) as { msg?: string }; return j.msg ?? l; } catch { return l; }
  });
  return lines.join(": ").replace(/^(crun|runc): /, "").replace(/^time="[^"]*" level=\w+ msg="(.*)"$/, "$1");
}

async function must(rt: RuntimeRef, args: readonly string[], what: string): Promise<void> {
  const r = await runtimeCall(rt, args);
  if (r.code !== 0) throw new SkiffError("runtime", `${what}: ${runtimeMessage(r.stderr) || `exit status ${r.code}`}`);
}

export const startContainer = (rt: RuntimeRef, id: string) => must(rt, ["start", id], `${rt.path.split("/").pop()} start`);
export const pauseContainer = (rt: RuntimeRef, id: string) => must(rt, ["pause", id], "pausing container");
export const resumeContainer = (rt: RuntimeRef, id: string) => must(rt, ["resume", id], "unpausing container");

/**
 * Sends a signal (number) to the container's init, or to all its processes.
 * A container that already stopped is not an error (returns false).
 */
export async function killContainer(rt: RuntimeRef, id: string, signal: number, all = false): Promise<boolean> {
  const r = await runtimeCall(rt, ["kill", ...(all ? ["--all"] : []), id, String(signal)]);
  if (r.code === 0) return true;
  const msg = runtimeMessage(r.stderr);
  if (/not running|no such process|does not exist|container not running|ESRCH/i.test(msg)) return false;
  throw new SkiffError("runtime", `sending signal ${signal} to container ${id}: ${msg}`);
}

/** `delete --force`: removes the runtime's state; absent state is fine. */
export async function deleteContainer(rt: RuntimeRef, id: string): Promise<void> {
  // A runtime that is gone (uninstalled, or a bad path from an older skiff) holds no state to delete.
  if (!isExecutable(rt.path)) return;
  const r = await runtimeCall(rt, ["delete", "--force", id]);
  if (r.code !== 0 && !/does not exist|not found|No such file/i.test(r.stderr)) {
    throw new SkiffError("runtime", `removing container ${id} from runtime: ${runtimeMessage(r.stderr)}`);
  }
}

/**
 * Maps the runtime's create error text to skiff's error kinds, as Podman
 * does: "executable file not found"/"no such file" → 127 (command-not-found),
 * "permission denied" → 126 (cannot-invoke), else runtime (125).
 */
export function classifyCreateError(runtimeName: string, message: string): SkiffError {
  const m = `${runtimeName}: ${message.replace(/^(crun|runc): /, "")}`;
  if (/executable file .* not found|no such file or directory|not found in \$PATH/i.test(m)) {
    return new SkiffError("command-not-found", `${m}: OCI runtime attempted to invoke a command that was not found`);
  }
  if (/permission denied|is a directory|exec format error/i.test(m)) return new SkiffError("cannot-invoke", `${m}: OCI permission denied`);
  return new SkiffError("runtime", `${m}: OCI runtime error`);
}
