#!/usr/bin/env bash
# The first command of the README: install what is missing, build, and run
# the demo (the bundled Customer.io simulator on 127.0.0.1, synced into
# ./kaivo-demo).
set -eu
cd "$(dirname "$0")"
bash scripts/install-deps.sh
make -j2 all >/dev/null
exec ./build/kaivo demo "${1:-kaivo-demo}"
