#!/usr/bin/env bash
# Installs what Kaivo needs to build and test, from Debian's packages, and
# only what is missing.  Safe to run again.  Needs root (or sudo).
set -eu
pkgs=(build-essential pkg-config libcurl4-openssl-dev libjansson-dev
      libjson-c-dev libsqlite3-dev libssl-dev libmicrohttpd-dev sqlite3
      curl python3 clang libclang-rt-14-dev)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing+=("$p")
done
# node and npm run the official MCP and BigQuery clients in the tests; a
# machine that has them from elsewhere needs no Debian copy
command -v npm >/dev/null || missing+=(nodejs npm)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
