#!/usr/bin/env bash
# Conformance: Google's official Node client for BigQuery
# (@google-cloud/bigquery, pinned in tests/bq-client, installed by .ci/run)
# drives the fake BigQuery: datasets, tables, tables.list, a resumable
# load, a query job and its results, schema patches.  No host but the
# fake on 127.0.0.1: the client gets a ready token and metadata-server
# detection is off.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/bq_lib.sh"
CLIENT="$E2E_ROOT/tests/bq-client"
[ -d "$CLIENT/node_modules/@google-cloud/bigquery" ] ||
    fail "tests/bq-client/node_modules is missing: run 'npm ci --prefix tests/bq-client --no-audit --no-fund' (.ci/run does)"

bq_setup --pending-polls 1
METADATA_SERVER_DETECTION=none GCE_METADATA_HOST=127.0.0.1:9 \
    GCE_METADATA_IP=127.0.0.1:9 NO_GCE_CHECK=true \
    timeout 120 node "$CLIENT/conformance.js" "$FBQ_URL" "$T/sa.json" \
    >"$T/out" 2>&1 || { cat "$T/out" >&2; tail -20 "$T/fbq.log" >&2; fail "the official client"; }
cat "$T/out" >&2
[ "$(grep -c '^ok - ' "$T/out")" -ge 9 ] || fail "checks missing"
echo "PASS test_bq_node_client"
