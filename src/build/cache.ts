/**
 * The build's layer cache, as Podman's `--layers`: every step's result is an
 * (unnamed) intermediate image, and a step is reused when a stored image was
 * made from the same cache key. The key covers the parent image ID, the
 * instruction after expansion, the build args in effect, the format, and for
 * COPY/ADD the digest of the sources' content (`contentDigest`).
 *
 * Keys live as small files `<root>/build/cache/<sha256 of key>` holding the
 * image ID; a key whose image was removed since (`rmi`, `image prune`) is a
 * miss. Writing a key is atomic (temp file + rename), so concurrent builds
 * at worst both make the same step.
 */
import type { Database } from "bun:sqlite";
import { createHash, randomBytes } from "node:crypto";
import { lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildCacheDir, type StoreLayout } from "../storage/layout.ts";

export interface CacheKeyInput {
  /** Image ID the step starts from; "" for scratch. */
  readonly parent: string;
  /** The instruction as it will be executed (after expansion). */
  readonly instruction: string;
  /** Build args in effect at this step, name → value. */
  readonly args: Readonly<Record<string, string>>;
  /** sha256 hex of the sources (COPY/ADD), or of anything else the step reads. */
  readonly contentDigest?: string;
  /** "oci" | "docker": the same steps give different configs per format. */
  readonly format: string;
  /** The creation time forced by `--timestamp`, when given (changes the image ID). */
  readonly timestamp?: number;
}

/** sha256 hex of a canonical JSON of the input. */
export function cacheKey(input: CacheKeyInput): string {
  const args = Object.keys(input.args).sort().map((k) => [k, input.args[k]]);
  return createHash("sha256").update(JSON.stringify([input.parent, input.instruction, args, input.contentDigest ?? "", input.format, input.timestamp ?? null])).digest("hex");
}

/** The image ID stored for `key` when that image still exists. */
export async function lookupCache(store: StoreLayout, db: Database, key: string): Promise<string | undefined> {
  let id: string;
  try {
    id = readFileSync(join(buildCacheDir(store), key), "utf8").trim();
  } catch {
    return undefined;
  }
  const { getImage } = await import("../storage/images.ts");
  return getImage(db, id) ? id : undefined;
}

/** Records that `key` produced image `id`. */
export function storeCache(store: StoreLayout, key: string, id: string): void {
  const dir = buildCacheDir(store);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${key}.${randomBytes(4).toString("hex")}`);
  writeFileSync(tmp, id);
  renameSync(tmp, join(dir, key));
}

/**
 * Digest of a file tree as COPY/ADD read it: relative names, types, modes,
 * link targets and file contents, in name order. `include` filters entries
 * (the ignore file); a file path is digested by itself.
 */
export function treeDigest(path: string, include: (rel: string, isDir: boolean) => boolean = () => true): string {
  const h = createHash("sha256");
  const visit = (abs: string, rel: string) => {
    const st = lstatSync(abs);
    h.update(`${rel}\0${st.mode}\0`);
    if (st.isSymbolicLink()) h.update(readlinkSync(abs));
    else if (st.isFile()) h.update(readFileSync(abs));
    else if (st.isDirectory()) {
      for (const name of readdirSync(abs).sort()) {
        const r = rel ? `${rel}/${name}` : name;
        const child = join(abs, name);
        const isDir = lstatSync(child).isDirectory();
        if (include(r, isDir)) visit(child, r);
      }
    }
    h.update("\0");
  };
  visit(path, "");
  return h.digest("hex");
}
