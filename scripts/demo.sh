#!/usr/bin/env bash
# The main job, from a fresh clone on Debian 12, as root, offline: install
# skiff, start the fixture registry, pull an image from it and run a
# container in it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
[ -x fixtures/host-prep.sh ] && bash fixtures/host-prep.sh
bash fixtures/setup.sh
set -x
skiff pull localhost:5000/debian:bookworm
skiff images
skiff run --rm localhost:5000/debian:bookworm cat /etc/os-release
