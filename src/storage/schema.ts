/**
 * The state database's schema, as an ordered list of steps applied under
 * PRAGMA user_version (db.ts). Steps are appended, never edited or
 * reordered: a store made by an older skiff is brought forward by the steps
 * it has not seen. All steps live here, not in the modules that own the
 * tables, so that a process that loads only some modules (commands load
 * lazily) still migrates a store completely and in order.
 */
export const migrations: readonly string[] = [
  // 1: image side: layers, images, names
  `
  CREATE TABLE layers (
    chain_id TEXT PRIMARY KEY,                 -- "sha256:<hex>": identity of the layer stack up to here
    diff_id TEXT NOT NULL,                     -- "sha256:<hex>" of the uncompressed tar
    parent TEXT REFERENCES layers(chain_id),   -- chain ID of the layer below, NULL for the base
    link TEXT NOT NULL UNIQUE,                 -- short name under <root>/layers/l/ (overlay option length)
    uncompressed_size INTEGER NOT NULL,        -- bytes of the uncompressed tar
    compressed_digest TEXT,                    -- blob it was unpacked from ("sha256:<hex>")
    compressed_size INTEGER,                   -- bytes
    media_type TEXT,                           -- media type of that blob
    created INTEGER NOT NULL                   -- unix ms
  );
  CREATE TABLE images (
    id TEXT PRIMARY KEY,                       -- hex of the config digest (the image ID)
    top_layer TEXT REFERENCES layers(chain_id),-- NULL for an image with no layers
    manifest_digest TEXT NOT NULL,             -- "sha256:<hex>" of the image manifest (bytes in blobs/)
    manifest_media_type TEXT NOT NULL,
    digests TEXT NOT NULL DEFAULT '[]',        -- JSON array of every manifest digest this image is known by (incl. an index's)
    size INTEGER NOT NULL,                     -- bytes, as Podman reports it
    created INTEGER NOT NULL,                  -- image creation from config.created, unix ms
    added INTEGER NOT NULL,                    -- when stored, unix ms
    read_only INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE image_names (
    name TEXT PRIMARY KEY,                     -- fully qualified "host/repo:tag" (a name points at one image)
    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    added INTEGER NOT NULL
  );
  CREATE INDEX image_names_by_image ON image_names(image_id);
  `,
  // 2: containers and the exit codes of removed ones (core/store.ts)
  `
  CREATE TABLE containers (
    id TEXT PRIMARY KEY,              -- 64 hex
    name TEXT NOT NULL UNIQUE,
    image_id TEXT,                    -- images.id, NULL for --rootfs containers (no FK: images.ts checks users)
    image_name TEXT NOT NULL,
    created INTEGER NOT NULL,         -- unix ms
    config TEXT NOT NULL,             -- ContainerConfig JSON, immutable
    status TEXT NOT NULL,             -- ContainerState.status
    exit_code INTEGER,                -- ContainerState.exitCode
    pid INTEGER,                      -- ContainerState.pid
    state TEXT NOT NULL               -- ContainerState JSON
  );
  CREATE INDEX containers_by_image ON containers(image_id);
  CREATE TABLE container_exit_codes (
    id TEXT PRIMARY KEY,
    exit_code INTEGER NOT NULL,
    recorded INTEGER NOT NULL         -- unix ms; rows older than 5 minutes are pruned
  );
  `,
  // 3: named volumes (core/volumes.ts)
  `
  CREATE TABLE volumes (
    name TEXT PRIMARY KEY,
    driver TEXT NOT NULL,              -- "local"
    options TEXT NOT NULL,             -- JSON object: the local driver's -o keys (type, device, o, uid, gid, …)
    labels TEXT NOT NULL,              -- JSON object
    created INTEGER NOT NULL,          -- unix ms
    mountpoint TEXT NOT NULL,          -- host path of _data
    anonymous INTEGER NOT NULL DEFAULT 0,
    needs_copy_up INTEGER NOT NULL DEFAULT 1,
    needs_chown INTEGER NOT NULL DEFAULT 1,
    mounted_by TEXT NOT NULL DEFAULT '[]' -- JSON array of container IDs holding the volume mounted
  );
  `,
  // 4: container networks and IP leases (network/store.ts)
  `
  CREATE TABLE container_networks (
    container_id TEXT PRIMARY KEY REFERENCES containers(id) ON DELETE CASCADE,
    attachments TEXT NOT NULL,        -- Attachment[] JSON: the networks joined, in order
    setup TEXT                        -- NetworkSetup JSON while the namespace is set up, else NULL
  );
  CREATE TABLE network_leases (
    network TEXT NOT NULL,            -- network name
    address TEXT NOT NULL,            -- canonical IP text
    container_id TEXT NOT NULL,
    PRIMARY KEY (network, address)
  );
  CREATE INDEX network_leases_by_container ON network_leases(container_id);
  `,
];
