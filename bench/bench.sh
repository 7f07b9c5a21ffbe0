#!/usr/bin/env bash
# make bench: throughput, request rate and memory figures, printed side by
# side.  Runs the real binary against the simulator on 127.0.0.1.
set -eu
cd "$(dirname "$0")/.."
exec python3 bench/bench.py "${1:-build}"
