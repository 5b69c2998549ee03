#!/usr/bin/env bash
# Installs what skiff and its tests need on a Debian 12 machine, as root,
# idempotently: Debian packages, the npm dependencies (Bun among them), the
# compiled `skiff` executable on PATH (/usr/local/bin/skiff).
# Reaches only Debian's mirror and the npm registry.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  crun runc conmon catatonit fuse-overlayfs uidmap slirp4netns netavark aardvark-dns iptables
  golang-github-containers-common
  docker-registry skopeo umoci debootstrap busybox-static apache2-utils openssl
  podman zstd tmux jq curl python3 iproute2 attr libcap2-bin ca-certificates xz-utils hyperfine
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -x node_modules/.bin/bun ] || [ "$(cat node_modules/.skiff-lock 2>/dev/null)" != "$lock_sum" ]; then
  echo "==> npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > node_modules/.skiff-lock
fi
export PATH="$PWD/node_modules/.bin:$PATH"

echo "==> building dist/skiff"
bun build --compile --bytecode --format=esm --minify --splitting src/bin/skiff.ts --outfile dist/skiff >/dev/null
install -m 0755 dist/skiff /usr/local/bin/skiff
echo "==> skiff installed: $(command -v skiff) ($(skiff --version))"
