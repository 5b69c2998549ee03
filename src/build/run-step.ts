/**
 * A RUN step: the command runs in a real container, made the way `skiff run
 * --rm --rootfs` makes one (engine/containers.ts: createContainerFromSpec +
 * startAttached, i.e. conmon + the OCI runtime, the default network, the
 * same runtime spec), on the build step's mounted overlay rootfs. Its
 * output streams to the build's output; it leaves no container behind.
 *
 * Mount targets the runtime had to create are removed again when they
 * were not in the image and are still empty, so they do not end up in the
 * layer: the files the runtime binds (/etc/hosts, /etc/resolv.conf,
 * /etc/hostname, /run/.containerenv) and the RUN --mount targets, with
 * their new parents (Buildah 1.28 leaves some of these behind; Docker does
 * not). The working folder is created when missing, owned by the
 * step's user, as Buildah does at RUN time.
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
  const [{ prepareWorkdir }, { resolveUser }] = await Promise.all([import("../oci/spec-generate.ts"), import("../oci/user.ts")]);
  const who = resolveUser(o.rootfs, o.user ?? "");
  prepareWorkdir(o.rootfs, o.workdir ?? "/", false, "", who.uid, who.gid);
  let id: string | undefined;
  try {
    id = (await createContainerFromSpec(g, spec)).id;
    const code = await startAttached(g, id, { stdout: o.stdout, stderr: o.stderr });
    id = undefined; // removed by --rm
    return code;
  } catch (e) {
    if (e instanceof SkiffError) throw e;
    throw new SkiffError("runtime", (e as Error).message);
  } finally {
    if (id !== undefined) {
      const { removeContainers } = await import("../engine/containers.ts");
      await removeContainers(g, [id], { force: true }).catch(() => {});
    }
    removeIfEmpty(o.rootfs, created);
  }
}
