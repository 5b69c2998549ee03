/**
 * The one error class of skiff. The CLI maps kinds to exit codes (Podman's:
 * 125 engine error, 126 cannot invoke, 127 not found), the REST APIs to HTTP
 * statuses. Messages follow Podman's voice: lowercase fragments joined by
 * ": ", each naming what was being done, no trailing period.
 */
export type ErrorKind =
  | "invalid-argument" // bad flag, bad reference, bad value: 125 / HTTP 400
  | "not-found" // no such image/container/volume: 125 / HTTP 404
  | "conflict" // name in use, image in use: 125 / HTTP 409
  | "state" // wrong lifecycle state: 125 / HTTP 409
  | "runtime" // a component (registry, crun, conmon) failed: 125 / HTTP 500
  | "cannot-invoke" // the container command cannot be executed: 126
  | "command-not-found" // the container command does not exist: 127
  | "usage"; // CLI usage error (unknown flag, missing argument): 125

export class SkiffError extends Error {
  override name = "SkiffError";
  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Prefixes `context` to an error's message, keeping its kind (a foreign error
 * becomes kind "runtime") and the original as `cause`.
 * `wrap(e, 'pulling image "x"')` → `pulling image "x": <e.message>`.
 */
export function wrap(cause: unknown, context: string): SkiffError {
  const kind = cause instanceof SkiffError ? cause.kind : "runtime";
  const msg = cause instanceof Error ? cause.message : String(cause);
  return new SkiffError(kind, `${context}: ${msg}`, { cause });
}

/** Exit status for an error, as Podman's CLI: 126/127 for the command, else 125. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof SkiffError) {
    if (err.kind === "cannot-invoke") return 126;
    if (err.kind === "command-not-found") return 127;
  }
  return 125;
}

/** Message of any thrown value, for rendering. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
