/**
 * What skiff persists about a container: the immutable `ContainerConfig`
 * (written once at create) and the mutable `ContainerState` (changed under
 * the container's lock by every lifecycle step, in whichever process runs
 * it: the CLI, or `container cleanup` started by conmon).
 */

/** Podman's container states, as `inspect` names them. */
export type ContainerStatus =
  | "configured" // in the database only (Podman also shows this as "created")
  | "created" // `crun create` done, process not started
  | "running"
  | "paused"
  | "stopped" // process gone, cleanup not done yet
  | "exited" // process gone, rootfs unmounted, exit code recorded
  | "removing";

export interface RestartPolicy {
  /** "no" | "on-failure" | "always" | "unless-stopped". @default "no" */
  readonly name: string;
  /** Retries for on-failure; 0 means unlimited. @default 0 */
  readonly maxRetries?: number;
}

/** Immutable record written at create time. */
export interface ContainerConfig {
  /** 64 hex chars. */
  readonly id: string;
  readonly name: string;
  /** Unix ms. */
  readonly created: number;
  /** Image ID (64 hex) or null for a `--rootfs` container. */
  readonly imageId: string | null;
  /** The image reference as resolved (shown by ps as IMAGE). */
  readonly imageName: string;
  /** Overlay lower dirs as short links under <root>/layers/l/, top → base; [] with `rootfs`. */
  readonly lowerLinks: readonly string[];
  /** A user-given root filesystem folder (`--rootfs`), used directly instead of an overlay. */
  readonly rootfs?: string;
  /**
   * The image config's `config` object ({} for --rootfs). The runtime spec is
   * generated from it and `spec` at each start, once the rootfs is mounted
   * (users and groups are looked up in the rootfs).
   */
  readonly imageConfig: Readonly<Record<string, unknown>>;
  /** Entrypoint + command as run (ps COMMAND). */
  readonly command: readonly string[];
  /** OCI runtime binary path (crun or runc). */
  readonly runtime: string;
  readonly terminal: boolean;
  readonly stdin: boolean;
  /** `--rm`. */
  readonly autoRemove: boolean;
  readonly restartPolicy: RestartPolicy;
  /** Signal number sent by `stop`. @default 15 */
  readonly stopSignal: number;
  /** Seconds `stop` waits before SIGKILL. @default 10 */
  readonly stopTimeout: number;
  /** "k8s-file" | "none" | "passthrough". @default "k8s-file" */
  readonly logDriver: string;
  /** Bytes; -1 unlimited. @default -1 */
  readonly logSizeMax: number;
  readonly labels: Readonly<Record<string, string>>;
  /** The user's spec as given. */
  readonly spec: import("../spec/container-spec.ts").ContainerSpec;
  /** Names of the volumes used, named and anonymous (in-use checks query this). */
  readonly volumes?: readonly string[];
  /** Every volume mount with its volume (spec mounts, then image VOLUMEs); `anonymous` ones go with `rm -v` and `--rm`. */
  readonly volumeMounts?: readonly { readonly name: string; readonly destination: string; readonly anonymous: boolean; readonly noCopy?: boolean }[];
}

/** Mutable state; every field is rewritten as a whole under the container's lock. */
export interface ContainerState {
  readonly status: ContainerStatus;
  /** Container init pid while running. */
  readonly pid?: number;
  /** Field 22 of /proc/<pid>/stat at start: a pid alone is not an identity. */
  readonly pidStartTime?: number;
  readonly conmonPid?: number;
  /** Unix ms. */
  readonly startedAt?: number;
  /** Unix ms. */
  readonly finishedAt?: number;
  readonly exitCode?: number;
  /** How the rootfs is mounted now: "overlay" (kernel), "fuse" (fuse-overlayfs), "none". */
  readonly mount?: "overlay" | "fuse" | "none";
  /** User mounts (`skiff mount`) holding the rootfs; teardown keeps it mounted while > 0 (core/rootfs-mount.ts). */
  readonly mountCount?: number;
  readonly restartCount?: number;
  /** Set by stop/kill by the user: restart policies (except always) do not apply. */
  readonly stoppedByUser?: boolean;
  readonly oomKilled?: boolean;
  /** Last lifecycle error text (inspect State.Error). */
  readonly error?: string;
  /** A foreground `run` that waits for the exit and cleans up itself (pid + start time); conmon's exit command defers to it while it lives. */
  readonly cleanupBy?: { readonly pid: number; readonly startTime: number };
}

export interface ContainerRecord {
  readonly config: ContainerConfig;
  readonly state: ContainerState;
}
