/*
 * test_bq.c - the BigQuery destination's pure parts: the exact SQL
 * statements of bq_sql.c (the fake implements these shapes and no other),
 * the NDJSON encoding of every column type, the schema checks, and which
 * answers and job errors are retried.
 */
#include "common/kv.h"
#include "harness.h"
#include "common/mem.h"
#include "dest/bq_int.h"

#include <math.h>

static void fake_bq(struct bq *b)
{
    memset(b, 0, sizeof(*b));
    b->project = (char *)"proj-1";
    b->dataset = (char *)"cio";
}

static void schema_two(struct table_schema *s)
{
    memset(s, 0, sizeof(*s));
    s->name = xstrdup("newsletters");
    s->nkey = 1;
    table_schema_add(s, "id", TABLE_INT64);
    table_schema_add(s, "name", TABLE_STRING);
    table_schema_add(s, "from", TABLE_STRING);
}

static void schema_pair(struct table_schema *s)
{
    memset(s, 0, sizeof(*s));
    s->name = xstrdup("campaigns_actions");
    s->nkey = 2;
    table_schema_add(s, "campaign_id", TABLE_INT64);
    table_schema_add(s, "id", TABLE_INT64);
    table_schema_add(s, "subject", TABLE_STRING);
}

#define DEDUP(key, stage)                                                  \
    "SELECT * EXCEPT (_kaivo_seq, _kaivo_rn) FROM (SELECT *, ROW_NUMBER() " \
    "OVER (PARTITION BY " key " ORDER BY _kaivo_seq DESC) AS _kaivo_rn "    \
    "FROM `proj-1.cio." stage "`) WHERE _kaivo_rn = 1"

static void test_bq_sql_merge_one_key(void)
{
    struct bq b;
    struct table_schema s;
    struct sbuf sql;

    fake_bq(&b);
    schema_two(&s);
    sbuf_init(&sql, 0);
    bq_sql_merge(&sql, &b, &s, "stg1");
    CHECK_STR(sql.buf,
        "MERGE `proj-1.cio.newsletters` AS tgt USING (" DEDUP("`id`", "stg1")
        ") AS src ON tgt.`id` = src.`id` WHEN MATCHED THEN UPDATE SET "
        "`name` = src.`name`, `from` = src.`from`, `_kaivo_synced_at` = "
        "src.`_kaivo_synced_at` WHEN NOT MATCHED THEN INSERT (`id`, `name`, "
        "`from`, `_kaivo_synced_at`) VALUES (src.`id`, src.`name`, "
        "src.`from`, src.`_kaivo_synced_at`)");
    sbuf_release(&sql);
    table_schema_release(&s);
}

static void test_bq_sql_merge_two_keys(void)
{
    struct bq b;
    struct table_schema s;
    struct sbuf sql;

    fake_bq(&b);
    schema_pair(&s);
    sbuf_init(&sql, 0);
    bq_sql_merge(&sql, &b, &s, "stg2");
    CHECK(strstr(sql.buf, "PARTITION BY `campaign_id`, `id` ORDER BY"));
    CHECK(strstr(sql.buf, " ON tgt.`campaign_id` = src.`campaign_id` AND "
                 "tgt.`id` = src.`id` WHEN MATCHED THEN UPDATE SET "
                 "`subject` = src.`subject`, `_kaivo_synced_at`"));
    sbuf_release(&sql);
    table_schema_release(&s);
}

static void test_bq_sql_replace(void)
{
    struct bq b;
    struct table_schema s;
    struct sbuf sql;

    fake_bq(&b);
    schema_two(&s);
    sbuf_init(&sql, 0);
    bq_sql_replace(&sql, &b, &s, "stg3");
    CHECK_STR(sql.buf, "CREATE OR REPLACE TABLE `proj-1.cio.newsletters` "
              "AS " DEDUP("`id`", "stg3"));
    sbuf_release(&sql);
    table_schema_release(&s);
}

static void test_bq_sql_delete(void)
{
    static const int64_t one[] = {7, -3};
    static const int64_t two[] = {1, 2, 3, 4};
    struct bq b;
    struct table_schema s1, s2;
    struct sbuf sql;

    fake_bq(&b);
    schema_two(&s1);
    schema_pair(&s2);
    sbuf_init(&sql, 0);
    bq_sql_delete(&sql, &b, &s1, one, 2);
    CHECK_STR(sql.buf, "DELETE FROM `proj-1.cio.newsletters` WHERE "
              "(`id` = 7) OR (`id` = -3)");
    sbuf_reset(&sql);
    bq_sql_delete(&sql, &b, &s2, two, 2);
    CHECK_STR(sql.buf, "DELETE FROM `proj-1.cio.campaigns_actions` WHERE "
              "(`campaign_id` = 1 AND `id` = 2) OR (`campaign_id` = 3 AND "
              "`id` = 4)");
    sbuf_release(&sql);
    table_schema_release(&s1);
    table_schema_release(&s2);
}

static void test_bq_sql_drop_column(void)
{
    struct bq b;
    struct sbuf sql;

    fake_bq(&b);
    sbuf_init(&sql, 0);
    bq_sql_drop_column(&sql, &b, "campaigns", "timezone");
    CHECK_STR(sql.buf, "ALTER TABLE `proj-1.cio.campaigns` DROP COLUMN IF "
              "EXISTS `timezone`");
    sbuf_release(&sql);
}

static void schema_all(struct table_schema *s)
{
    memset(s, 0, sizeof(*s));
    s->name = xstrdup("t");
    s->nkey = 1;
    table_schema_add(s, "id", TABLE_INT64);
    table_schema_add(s, "big", TABLE_INT64);
    table_schema_add(s, "neg", TABLE_INT64);
    table_schema_add(s, "ok", TABLE_BOOL);
    table_schema_add(s, "no", TABLE_BOOL);
    table_schema_add(s, "x", TABLE_FLOAT64);
    table_schema_add(s, "nan", TABLE_FLOAT64);
    table_schema_add(s, "s", TABLE_STRING);
    table_schema_add(s, "ts", TABLE_TIMESTAMP);
    table_schema_add(s, "j", TABLE_JSON);
    table_schema_add(s, "gone", TABLE_STRING);
    table_schema_add(s, "empty", TABLE_STRING);
}

static void set_int(struct table_cell *c, int64_t v)
{
    c->kind = CELL_INT;
    c->i = v;
}

static void set_text(struct table_cell *c, const char *v)
{
    c->kind = CELL_TEXT;
    c->text = v ? xstrdup(v) : NULL;
    c->len = v ? strlen(v) : 0;
}

static void test_bq_ndjson_every_type(void)
{
    struct table_schema s;
    struct table_row row;
    struct sbuf sb;

    schema_all(&s);
    memset(&row, 0, sizeof(row));
    row.ncells = s.ncols;
    row.cells = xcalloc((size_t)s.ncols, sizeof(*row.cells));
    set_int(&row.cells[0], 42);
    set_int(&row.cells[1], (1LL << 53) + 1);
    set_int(&row.cells[2], -(1LL << 60));
    set_int(&row.cells[3], 1);
    set_int(&row.cells[4], 0);
    row.cells[5].kind = CELL_REAL;
    row.cells[5].r = 2.5;
    row.cells[6].kind = CELL_REAL;
    row.cells[6].r = NAN;
    set_text(&row.cells[7], "a \"q\"\n\x01\xc3\xa9");
    set_text(&row.cells[8], "2023-08-17T15:02:53Z");
    set_text(&row.cells[9], "{\"a\":[1,null]}");
    /* cells[10] stays CELL_NULL */
    set_text(&row.cells[11], NULL);
    sbuf_init(&sb, 0);
    bq_ndjson_row(&sb, &s, &row, "2024-01-02T03:04:05Z", 9);
    CHECK_STR(sb.buf, "{\"id\":42,\"big\":\"9007199254740993\","
              "\"neg\":\"-1152921504606846976\",\"ok\":true,\"no\":false,"
              "\"x\":2.5,\"s\":\"a \\\"q\\\"\\n\\u0001\xc3\xa9\","
              "\"ts\":\"2023-08-17T15:02:53Z\",\"j\":{\"a\":[1,null]},"
              "\"_kaivo_synced_at\":\"2024-01-02T03:04:05Z\","
              "\"_kaivo_seq\":9}\n");
    sbuf_release(&sb);
    table_row_release(&row);
    table_schema_release(&s);
}

/* Every line parses as JSON with the values BigQuery will coerce. */
static void test_bq_ndjson_parses(void)
{
    struct table_schema s;
    struct table_row row;
    struct sbuf sb;
    json_t *j;

    schema_two(&s);
    memset(&row, 0, sizeof(row));
    row.ncells = s.ncols;
    row.cells = xcalloc((size_t)s.ncols, sizeof(*row.cells));
    set_int(&row.cells[0], 1);
    set_text(&row.cells[1], "tab\there \\ back");
    sbuf_init(&sb, 0);
    bq_ndjson_row(&sb, &s, &row, "2024-01-02T03:04:05Z", 1);
    CHECK(sb.buf[sb.len - 1] == '\n');
    CHECK(memchr(sb.buf, '\n', sb.len - 1) == NULL);
    j = json_loadb(sb.buf, sb.len, 0, NULL);
    CHECK(j != NULL);
    CHECK_STR(json_string_value(json_object_get(j, "name")),
              "tab\there \\ back");
    CHECK(json_object_get(j, "from") == NULL);
    CHECK_INT(json_integer_value(json_object_get(j, "id")), 1);
    json_decref(j);
    sbuf_release(&sb);
    table_row_release(&row);
    table_schema_release(&s);
}

static void test_bq_fields_and_types(void)
{
    struct table_schema s;
    json_t *f;

    schema_pair(&s);
    f = bq_fields(&s, true);
    CHECK_INT(json_array_size(f), 5);
    CHECK_STR(json_string_value(json_object_get(json_array_get(f, 3),
              "name")), "_kaivo_synced_at");
    CHECK_STR(json_string_value(json_object_get(json_array_get(f, 3),
              "type")), "TIMESTAMP");
    CHECK_STR(json_string_value(json_object_get(json_array_get(f, 4),
              "name")), "_kaivo_seq");
    CHECK_STR(json_string_value(json_object_get(json_array_get(f, 0),
              "mode")), "NULLABLE");
    json_decref(f);
    CHECK_STR(bq_canon_type("INTEGER"), "INT64");
    CHECK_STR(bq_canon_type("BOOLEAN"), "BOOL");
    CHECK_STR(bq_canon_type("FLOAT"), "FLOAT64");
    CHECK_STR(bq_canon_type("JSON"), "JSON");
    table_schema_release(&s);
}

static void test_bq_check_schema_refuses(void)
{
    struct table_schema s;
    struct kv_err err;

    schema_two(&s);
    kv_err_clear(&err);
    CHECK_INT(bq_check_schema(&s, &err), KV_OK);
    table_schema_add(&s, "Name", TABLE_STRING);
    CHECK_INT(bq_check_schema(&s, &err), KV_EUSAGE);
    CHECK(strstr(err.msg, "collide"));
    table_schema_release(&s);
    schema_two(&s);
    table_schema_add(&s, "_kaivo_x", TABLE_STRING);
    CHECK_INT(bq_check_schema(&s, &err), KV_EUSAGE);
    table_schema_release(&s);
    schema_two(&s);
    table_schema_add(&s, "a-b", TABLE_STRING);
    CHECK_INT(bq_check_schema(&s, &err), KV_EUSAGE);
    table_schema_release(&s);
}

static bool retry_of(long status, const char *reason)
{
    struct bq_resp r;
    bool yes;

    bq_resp_init(&r);
    r.status = status;
    snprintf(r.reason, sizeof(r.reason), "%s", reason);
    yes = bq_retryable(&r);
    bq_resp_release(&r);
    return yes;
}

static void test_bq_retry_classification(void)
{
    CHECK(retry_of(0, ""));                     /* transport failure */
    CHECK(retry_of(429, ""));
    CHECK(retry_of(500, "internalError"));
    CHECK(retry_of(502, ""));
    CHECK(retry_of(503, "backendError"));
    CHECK(retry_of(403, "rateLimitExceeded"));
    CHECK(retry_of(400, "backendError"));
    CHECK(!retry_of(200, ""));
    CHECK(!retry_of(400, "invalid"));
    CHECK(!retry_of(400, "invalidQuery"));
    CHECK(!retry_of(401, "authError"));
    CHECK(!retry_of(403, "accessDenied"));
    CHECK(!retry_of(403, "quotaExceeded"));
    CHECK(!retry_of(404, "notFound"));
    CHECK(!retry_of(409, "duplicate"));
}

static void test_bq_job_error_classification(void)
{
    CHECK(bq_job_transient("backendError"));
    CHECK(bq_job_transient("rateLimitExceeded"));
    CHECK(bq_job_transient("internalError"));
    CHECK(bq_job_transient("jobRateLimitExceeded"));
    CHECK(!bq_job_transient("invalid"));
    CHECK(!bq_job_transient("invalidQuery"));
    CHECK(!bq_job_transient("quotaExceeded"));
    CHECK(!bq_job_transient(""));
}

static void test_bq_fail_codes(void)
{
    struct bq_resp r;
    struct kv_err err;

    bq_resp_init(&r);
    kv_err_clear(&err);
    r.status = 401;
    CHECK_INT(bq_fail(&r, "u", &err), KV_EAUTH);
    r.status = 403;
    snprintf(r.reason, sizeof(r.reason), "accessDenied");
    CHECK_INT(bq_fail(&r, "u", &err), KV_EAUTH);
    r.status = 404;
    snprintf(r.reason, sizeof(r.reason), "notFound");
    snprintf(r.message, sizeof(r.message), "Not found: Table x");
    CHECK_INT(bq_fail(&r, "u", &err), KV_ENOENT);
    CHECK(strstr(err.msg, "HTTP 404 notFound: Not found: Table x"));
    r.status = 400;
    snprintf(r.reason, sizeof(r.reason), "invalid");
    CHECK_INT(bq_fail(&r, "u", &err), KV_EFAIL);
    bq_resp_release(&r);
}

int main(int argc, char **argv)
{
    static const struct harness_case cases[] = {
        HARNESS_CASE(test_bq_sql_merge_one_key),
        HARNESS_CASE(test_bq_sql_merge_two_keys),
        HARNESS_CASE(test_bq_sql_replace),
        HARNESS_CASE(test_bq_sql_delete),
        HARNESS_CASE(test_bq_sql_drop_column),
        HARNESS_CASE(test_bq_ndjson_every_type),
        HARNESS_CASE(test_bq_ndjson_parses),
        HARNESS_CASE(test_bq_fields_and_types),
        HARNESS_CASE(test_bq_check_schema_refuses),
        HARNESS_CASE(test_bq_retry_classification),
        HARNESS_CASE(test_bq_job_error_classification),
        HARNESS_CASE(test_bq_fail_codes),
    };

    return harness_main(argc, argv, cases, KV_ARRAY_LEN(cases));
}
