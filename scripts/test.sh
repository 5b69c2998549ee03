#!/usr/bin/env bash
# The whole test suite, from a fresh clone on Debian 12, as root:
# install, prepare the host and the offline fixture world, type-check, test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export PATH="$PWD/node_modules/.bin:$PATH"
[ -x fixtures/host-prep.sh ] && bash fixtures/host-prep.sh
bash fixtures/setup.sh
export SKIFF_BIN="$PWD/dist/skiff"
echo "==> tsc --noEmit"
tsc --noEmit
echo "==> bun test"
bun test --timeout 60000 "$@"
