#!/usr/bin/env bash
# Installs the pinned npm packages the tests drive Kaivo with (the official
# MCP SDK client and inspector; Google's BigQuery client), from their
# lockfiles, when they are missing or older than the lockfile.
set -eu
cd "$(dirname "$0")/.."
command -v npm >/dev/null || {
    echo "install-node-deps: npm is missing: run scripts/install-deps.sh" >&2
    exit 1
}
for dir in tests/mcp-client tests/bq-client; do
    lock="$dir/package-lock.json"
    stamp="$dir/node_modules/.package-lock.json"
    if [ ! -f "$stamp" ] || [ "$lock" -nt "$stamp" ]; then
        npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
    fi
done
