/**
 * Options every engine call receives: where the store is, which config files
 * apply. Resolved once by the CLI (flags, environment) or by the API server.
 */
export interface GlobalOptions {
  /** Persistent store: database, blobs, layers, containers. @default "/var/lib/skiff" (root), "$XDG_DATA_HOME/skiff/storage" (rootless) */
  readonly root: string;
  /** Volatile state: locks, runtime state, attach sockets. @default "/run/skiff" (root), "$XDG_RUNTIME_DIR/skiff" (rootless) */
  readonly runroot: string;
  /** OCI runtime name or path. @default "crun" */
  readonly runtime?: string;
  /** Override for registries.conf (also CONTAINERS_REGISTRIES_CONF). */
  readonly registriesConf?: string;
  /** Log level for diagnostics on stderr. @default "warn" */
  readonly logLevel: string;
}

/** Default store folders for the current user, as Podman picks them. */
export function defaultGlobalOptions(env: Record<string, string | undefined> = process.env): GlobalOptions {
  const uid = process.getuid?.() ?? 0;
  if (uid === 0) return { root: "/var/lib/skiff", runroot: "/run/skiff", logLevel: "warn" };
  const home = env.HOME ?? "/tmp";
  const data = env.XDG_DATA_HOME ?? `${home}/.local/share`;
  const run = env.XDG_RUNTIME_DIR ?? `/tmp/skiff-run-${uid}`;
  return { root: `${data}/skiff/storage`, runroot: `${run}/skiff`, logLevel: "warn" };
}
