/**
 * A RUN step: the command runs in a real container, made the way `skiff run
 * --rm --rootfs` makes one (engine/containers.ts: createContainerFromSpec +
 * startAttached, i.e. conmon + the OCI runtime, the default network, the
 * same runtime spec), on the build step's mounted overlay rootfs. Its
 * output streams to the build's output; it leaves no container behind.
 *
 * Mount targets the runtime had to create (/etc/hosts, /etc/resolv.conf,
 * /etc/hostname, /run/.containerenv, RUN --mount targets) are removed
 * again when they were not in the image and are still empty, so they do
 * not end up in the layer.
 */
import { existsSync, lstatSync, readdirSync, rmdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { SkiffError } from "../lib/errors.ts";
import type { GlobalOptions } from "../engine/options.ts";
import type { ContainerSpec, MountSpec, UlimitSpec } from "../spec/container-spec.ts";

export interface RunStepOptions {
  /** The mounted rootfs of the step (overlay merged folder). */
  readonly rootfs: string;
  /** The process argv (SHELL + command, or the exec form). */
  readonly argv: readonly string[];
  /** NAME → value: the image's Env then the build args in effect (Env wins). */
  readonly env: Readonly<Record<string, string>>;
  readonly user?: string;
  /** @default "/" */
  readonly workdir?: string;
  /** "none" | "host" | undefined (the default bridge) or a network name. */
  readonly network?: string;
  readonly mounts: readonly MountSpec[];
  readonly capAdd?: readonly string[];
  readonly ulimits?: readonly UlimitSpec[];
  readonly stdout: (b: Uint8Array) => void;
  readonly stderr: (b: Uint8Array) => void;
}

const RUNTIME_TARGETS = ["/etc/hosts", "/etc/resolv.conf", "/etc/hostname", "/run/.containerenv"];

/** Paths (inside rootfs) that do not exist yet, parents first, for each target. */
function missing(rootfs: string, targets: readonly string[]): string[] {
  const out: string[] = [];
  for (const t of targets) {
    const parts = t.split("/").filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const p = "/" + parts.slice(0, i).join("/");
      if (!out.includes(p) && !existsSync(join(rootfs, p))) out.push(p);
    }
  }
  return out;
}

function removeIfEmpty(rootfs: string, paths: readonly string[]): void {
  for (const p of [...paths].reverse()) {
    const host = join(rootfs, p);
    try {
      const st = lstatSync(host);
      if (st.isDirectory()) {
        if (readdirSync(host).length === 0) rmdirSync(host);
      } else if (st.isFile() && st.size === 0) unlinkSync(host);
    } catch {}
  }
}

/**
 * Runs one RUN command to completion.
 * @returns the exit code of the command
 * @throws SkiffError when the container cannot be created or started
 */
export async function runStep(g: GlobalOptions, o: RunStepOptions): Promise<number> {
  const { createContainerFromSpec, startAttached } = await import("../engine/containers.ts");
  const spec: ContainerSpec = {
    image: o.rootfs,
    rootfs: true,
    command: [...o.argv],
    entrypoint: [],
    env: o.env,
    remove: true,
    workdir: o.workdir ?? "/",
    ...(o.user ? { user: o.user } : {}),
    network: [o.network ?? "bridge"],
    mounts: o.mounts,
    ...(o.capAdd?.length ? { capAdd: o.capAdd } : {}),
    ...(o.ulimits?.length ? { ulimits: o.ulimits } : {}),
    logDriver: "k8s-file",
  };
  const created = missing(o.rootfs, [...RUNTIME_TARGETS, ...o.mounts.map((m) => m.destination)]);
  try {
    const { id } = await createContainerFromSpec(g, spec);
    return await startAttached(g, id, { stdout: o.stdout, stderr: o.stderr });
  } catch (e) {
    if (e instanceof SkiffError) throw e;
    throw new SkiffError("runtime", (e as Error).message);
  } finally {
    removeIfEmpty(o.rootfs, created);
  }
}
