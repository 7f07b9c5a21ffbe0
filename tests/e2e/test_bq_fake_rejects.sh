#!/usr/bin/env bash
# The fake BigQuery refuses what BigQuery refuses: no or bad token, a bad
# JWT signature, unknown body fields (discovery document), bad schemas,
# schema patches that drop or retype columns, a reused job id, the CSV
# default for NDJSON, legacy SQL, and statements outside the templates.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/bq_lib.sh"

bq_setup --pending-polls 0
B="$FBQ_URL/bigquery/v2/projects/kaivo-test"
JWT=$(python3 - "$T/sa.json" "$FBQ_URL/token" <<'PY'
import base64, json, subprocess, sys, time
k = json.load(open(sys.argv[1]))
b = lambda x: base64.urlsafe_b64encode(x).rstrip(b"=").decode()
now = int(time.time())
h = b(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
c = b(json.dumps({"iss": k["client_email"], "aud": sys.argv[2],
    "scope": "https://www.googleapis.com/auth/bigquery", "iat": now,
    "exp": now + 3600}).encode())
open("/dev/stdout", "w")
sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", sys.argv[1].replace("sa.json", "sa.pem")],
    input=(h + "." + c).encode(), capture_output=True).stdout
print(h + "." + c + "." + b(sig))
PY
)
code() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }
tokreq() { code -X POST -H 'Content-Type: application/x-www-form-urlencoded' \
    --data "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=$1" "$FBQ_URL/token"; }

# a signature character in the middle changed (the last one may carry
# only padding bits), and one with non-zero padding bits
mid=$(( ${#JWT} - 20 ))
c=${JWT:$mid:1}; [ "$c" = B ] && d=C || d=B
assert_eq "$(tokreq "${JWT:0:$mid}$d${JWT:$((mid + 1))}")" 400 "tampered signature accepted"
grep -q invalid_grant "$T/body" || fail "no invalid_grant"
last=${JWT: -1}; [ "$last" = P ] && d=O || d=P
assert_eq "$(tokreq "${JWT%?}$d")" 400 "non-canonical base64url accepted"
grep -q invalid_grant "$T/body" || fail "no invalid_grant"
assert_eq "$(tokreq "$JWT")" 200 "good JWT refused"
TOK=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["access_token"])' "$T/body")
AUTH="Authorization: Bearer $TOK"
J='Content-Type: application/json'

assert_eq "$(code "$B/datasets/x")" 401 "no token"
grep -q '"required"' "$T/body" || fail "reason required"
assert_eq "$(code -H 'Authorization: Bearer nope' "$B/datasets/x")" 401 "bad token"
assert_eq "$(code -H "$AUTH" -H "$J" -d '{"datasetReference":{"projectId":"kaivo-test","datasetId":"d"},"locaton":"US"}' "$B/datasets")" 400 "unknown field"
grep -q 'Unknown name' "$T/body" || fail "unknown-field text"
assert_eq "$(code -H "$AUTH" -H "$J" -d '{"datasetReference":{"projectId":"kaivo-test","datasetId":"d"},"location":"US"}' "$B/datasets")" 200 "dataset insert"
assert_eq "$(code -H "$AUTH" -H "$J" -d '{"datasetReference":{"projectId":"kaivo-test","datasetId":"d"}}' "$B/datasets")" 409 "duplicate dataset"
assert_eq "$(code -H "$AUTH" -H "$J" -d '{"tableReference":{"projectId":"kaivo-test","datasetId":"d","tableId":"t"},"schema":{"fields":[{"name":"id","type":"INT65"}]}}' "$B/datasets/d/tables")" 400 "bad type"
assert_eq "$(code -H "$AUTH" -H "$J" -d '{"tableReference":{"projectId":"kaivo-test","datasetId":"d","tableId":"t"},"schema":{"fields":[{"name":"id","type":"INT64"},{"name":"ID","type":"STRING"}]}}' "$B/datasets/d/tables")" 400 "case-insensitive duplicate column"
assert_eq "$(code -H "$AUTH" -H "$J" -d '{"tableReference":{"projectId":"kaivo-test","datasetId":"d","tableId":"t"},"schema":{"fields":[{"name":"id","type":"INT64"},{"name":"x","type":"FLOAT"}]}}' "$B/datasets/d/tables")" 200 "table insert"
assert_eq "$(code -X PATCH -H "$AUTH" -H "$J" -d '{"schema":{"fields":[{"name":"id","type":"INT64"}]}}' "$B/datasets/d/tables/t")" 400 "patch drops a column"
grep -q 'Field x is missing in new schema' "$T/body" || fail "drop text"
assert_eq "$(code -X PATCH -H "$AUTH" -H "$J" -d '{"schema":{"fields":[{"name":"id","type":"INT64"},{"name":"x","type":"INTEGER"}]}}' "$B/datasets/d/tables/t")" 400 "patch retypes"
grep -q 'has changed type from FLOAT to INTEGER' "$T/body" || fail "type text"
assert_eq "$(code -X PATCH -H "$AUTH" -H "$J" -d '{"schema":{"fields":[{"name":"id","type":"INT64"},{"name":"x","type":"FLOAT"},{"name":"y","type":"STRING","mode":"REQUIRED"}]}}' "$B/datasets/d/tables/t")" 400 "patch adds required"
grep -q 'Cannot add required fields' "$T/body" || fail "required text"
assert_eq "$(code -X DELETE -H "$AUTH" "$B/datasets/d")" 400 "non-empty dataset delete"
grep -q resourceInUse "$T/body" || fail "resourceInUse"

q() { code -H "$AUTH" -H "$J" -d "{\"jobReference\":{\"projectId\":\"kaivo-test\",\"jobId\":\"$1\"},\"configuration\":{\"query\":$2}}" "$B/jobs"; }
assert_eq "$(q j1 '{"query":"DELETE FROM `kaivo-test.d.t` WHERE (`id` = 1)"}')" 200 "legacy job insert"
grep -q 'useLegacySql must be false' "$T/body" || fail "legacy SQL accepted"
assert_eq "$(q j1 '{"query":"SELECT 1","useLegacySql":false}')" 409 "duplicate job id"
assert_eq "$(q j2 '{"query":"UPDATE `kaivo-test.d.t` SET x = 1 WHERE TRUE","useLegacySql":false}')" 200 "update insert"
grep -q 'unsupported statement' "$T/body" || fail "unsupported statement accepted"
assert_eq "$(code -H "$AUTH" -H "$J" -d '{"configuration":{"query":{"query":"SELECT 1","useLegacySql":false}}}' "$B/jobs")" 400 "job without id"
assert_eq "$(code -H "$AUTH" "$B/jobs/nosuch")" 404 "unknown job"

# a load without sourceFormat is CSV and fails; framing is checked
M="$T/mp"
printf -- '--b1\r\nContent-Type: application/json\r\n\r\n{"jobReference":{"projectId":"kaivo-test","jobId":"l1"},"configuration":{"load":{"destinationTable":{"projectId":"kaivo-test","datasetId":"d","tableId":"t"}}}}\r\n--b1\r\nContent-Type: application/octet-stream\r\n\r\n{"id":1}\r\n--b1--\r\n' >"$M"
assert_eq "$(code -H "$AUTH" -H 'Content-Type: multipart/related; boundary="b1"' --data-binary @"$M" "$FBQ_URL/upload/bigquery/v2/projects/kaivo-test/jobs?uploadType=multipart")" 200 "csv load insert"
grep -q 'CSV' "$T/body" || fail "CSV default accepted"
sed -i 's/--b1--/--b1/' "$M"
assert_eq "$(code -H "$AUTH" -H 'Content-Type: multipart/related; boundary=b1' --data-binary @"$M" "$FBQ_URL/upload/bigquery/v2/projects/kaivo-test/jobs?uploadType=multipart")" 400 "no closing delimiter"
printf -- '--b1\r\nContent-Type: application/json\r\n\r\n{"jobReference":{"projectId":"kaivo-test","jobId":"l2"},"configuration":{"load":{"destinationTable":{"projectId":"kaivo-test","datasetId":"d","tableId":"t"},"sourceFormat":"NEWLINE_DELIMITED_JSON"}}}\r\n--b1\r\nContent-Type: */*\r\n\r\n{"id":1,"nope":2}\r\n--b1--\r\n' >"$M"
assert_eq "$(code -H "$AUTH" -H 'Content-Type: multipart/related; boundary=b1' --data-binary @"$M" "$FBQ_URL/upload/bigquery/v2/projects/kaivo-test/jobs?uploadType=multipart")" 200 "bad row insert"
grep -q 'No such field: nope' "$T/body" || fail "unknown NDJSON key accepted"
echo "PASS test_bq_fake_rejects"
