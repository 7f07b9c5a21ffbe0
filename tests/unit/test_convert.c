/*
 * test_convert.c - record to row conversion: every type rule, the key,
 * the hash, the report, and the recorded real responses cell by cell.
 */
#include "common/kv.h"
#include "harness.h"
#include "common/mem.h"
#include "source/catalog.h"
#include "source/convert.h"

#include <json-c/json.h>


#define RECORDED "tests/fixtures/recorded-real.json"

/* One expected cell: kind, and the integer or the text. */
struct want {
    const char *column;
    enum table_cell_kind kind;
    int64_t i;
    const char *text;
};

static void schema_from_catalog(struct table_schema *s, const char *table)
{
    const struct catalog_table *t = catalog_find(table);

    CHECK(t);
    memset(s, 0, sizeof(*s));
    s->name = xstrdup(table);
    for (int i = 0; i < t->ncols; i++)
        table_schema_add(s, t->cols[i].name, t->cols[i].type);
    s->nkey = t->nkey;
}

/* Table "t": key id, then one column called "v" of type t. */
static void schema_one(struct table_schema *s, enum table_type t)
{
    memset(s, 0, sizeof(*s));
    s->name = xstrdup("t");
    table_schema_add(s, "id", TABLE_INT64);
    table_schema_add(s, "first_started", TABLE_TIMESTAMP);
    table_schema_add(s, "v", t);
    s->nkey = 1;
}

/*
 * A row's string cells borrow from the record it came from, so the last
 * parsed record is kept until the next one replaces it (each case runs in
 * its own process).
 */
static void hold(struct json_object *rec)
{
    static struct json_object *held;

    json_object_put(held);
    held = rec;
}

/* Parses test JSON the way pages are parsed (any value at the root). */
static struct json_object *parse(const char *json)
{
    enum json_tokener_error why;
    struct json_object *v = json_tokener_parse_verbose(json, &why);

    if (!v && why != json_tokener_success)
        harness_fail(__FILE__, __LINE__, "bad test JSON: %s",
                     json_tokener_error_desc(why));
    return v;
}

static int convert_text(const struct table_schema *s, const char *json,
                        int64_t hint, struct table_row *row,
                        struct convert_report *rep, struct kv_err *err)
{
    struct json_object *rec = parse(json);
    int rc;

    rc = convert_record(s, rec, hint, row, rep, err);
    hold(rec);
    return rc;
}

/* Converts {"id":1,"v":<value>} and returns the cell of v. */
static struct table_cell *value_cell(const struct table_schema *s,
                                     const char *value,
                                     struct table_row *row,
                                     struct convert_report *rep)
{
    char json[512];
    struct kv_err err;

    snprintf(json, sizeof(json), "{\"id\": 1, \"v\": %s}", value);
    memset(rep, 0, sizeof(*rep));
    CHECK_INT(convert_text(s, json, 0, row, rep, &err), KV_OK);
    CHECK_INT(row->ncells, 3);
    return &row->cells[2];
}

static void expect_int(const struct table_schema *s, const char *value,
                       int64_t want)
{
    struct table_row row = {0};
    struct convert_report rep;
    struct table_cell *c = value_cell(s, value, &row, &rep);

    if (c->kind != CELL_INT || c->i != want)
        harness_fail(__FILE__, __LINE__, "%s: kind %d value %" PRId64
                     ", expected %" PRId64, value, (int)c->kind, c->i, want);
    CHECK_INT(rep.bad_values, 0);
    table_row_release(&row);
}

static void expect_text(const struct table_schema *s, const char *value,
                        const char *want)
{
    struct table_row row = {0};
    struct convert_report rep;
    struct table_cell *c = value_cell(s, value, &row, &rep);

    CHECK_INT(c->kind, CELL_TEXT);
    CHECK_STR(c->text, want);
    CHECK_INT(c->len, strlen(want));
    CHECK_INT(rep.bad_values, 0);
    table_row_release(&row);
}

/* NULL with no issue (reason NULL), or NULL with exactly this issue. */
static void expect_null(const struct table_schema *s, const char *value,
                        const char *reason)
{
    struct table_row row = {0};
    struct convert_report rep;
    struct table_cell *c = value_cell(s, value, &row, &rep);

    if (c->kind != CELL_NULL)
        harness_fail(__FILE__, __LINE__, "%s: kind %d, expected NULL",
                     value, (int)c->kind);
    CHECK_INT(rep.bad_values, reason ? 1 : 0);
    if (reason) {
        CHECK_INT(rep.nexamples, 1);
        CHECK_STR(rep.examples[0].key, "1");
        CHECK_STR(rep.examples[0].column, "v");
        CHECK_STR(rep.examples[0].reason, reason);
    }
    table_row_release(&row);
}

static void test_convert_int64(void)
{
    struct table_schema s;

    schema_one(&s, TABLE_INT64);
    expect_int(&s, "7", 7);
    expect_int(&s, "-12", -12);
    expect_int(&s, "3.0", 3);
    expect_int(&s, "1.0", 1);
    expect_int(&s, "\"25\"", 25);
    expect_int(&s, "\"-4\"", -4);
    expect_int(&s, "\"007\"", 7);
    expect_int(&s, "9223372036854775807", INT64_MAX);
    /* json-c clamps these; the clamp is caught, not stored */
    expect_null(&s, "9223372036854775808",
                "expected INT64, got integer out of range");
    expect_null(&s, "99999999999999999999999",
                "expected INT64, got integer out of range");
    expect_null(&s, "-99999999999999999999999",
                "expected INT64, got integer out of range");
    expect_null(&s, "3.5", "expected INT64, got real with a fraction");
    expect_null(&s, "1.5", "expected INT64, got real with a fraction");
    expect_null(&s, "1e300", "expected INT64, got real out of range");
    expect_null(&s, "\"2x\"", "expected INT64, got string");
    expect_null(&s, "\"\"", "expected INT64, got string");
    expect_null(&s, "\"-\"", "expected INT64, got string");
    expect_null(&s, "\" 5\"", "expected INT64, got string");
    expect_null(&s, "\"+5\"", "expected INT64, got string");
    expect_null(&s, "\"99999999999999999999\"",
                "expected INT64, got string out of range");
    expect_null(&s, "true", "expected INT64, got boolean");
    expect_null(&s, "[1]", "expected INT64, got array");
    expect_null(&s, "{\"a\": 1}", "expected INT64, got object");
    expect_null(&s, "null", NULL);
    table_schema_release(&s);
}

static void test_convert_timestamp(void)
{
    struct table_schema s;

    schema_one(&s, TABLE_TIMESTAMP);
    expect_text(&s, "1692284573", "2023-08-17T15:02:53Z");
    expect_text(&s, "1692284573.0", "2023-08-17T15:02:53Z");
    expect_text(&s, "0", "1970-01-01T00:00:00Z");
    expect_text(&s, "-1", "1969-12-31T23:59:59Z");
    expect_text(&s, "253402300799", "9999-12-31T23:59:59Z");
    expect_null(&s, "253402300800",
                "expected TIMESTAMP, got time outside years 1-9999");
    expect_null(&s, "1692284573.5",
                "expected TIMESTAMP, got real with a fraction");
    expect_null(&s, "\"2023-08-17T15:02:53Z\"",
                "expected TIMESTAMP, got string");
    expect_null(&s, "\"1692284573\"", "expected TIMESTAMP, got string");
    expect_null(&s, "false", "expected TIMESTAMP, got boolean");
    expect_null(&s, "null", NULL);
    table_schema_release(&s);
}

/* first_started 0 means "never started": NULL, and not a misfit. */
static void test_convert_first_started_zero(void)
{
    struct table_schema s;
    struct table_row row = {0};
    struct convert_report rep = {0};
    struct kv_err err;

    schema_one(&s, TABLE_TIMESTAMP);
    CHECK_INT(convert_text(&s, "{\"id\": 2, \"first_started\": 0, "
                           "\"v\": 0}", 0, &row, &rep, &err), KV_OK);
    CHECK_INT(row.cells[1].kind, CELL_NULL);
    CHECK_INT(row.cells[2].kind, CELL_TEXT);
    CHECK_STR(row.cells[2].text, "1970-01-01T00:00:00Z");
    CHECK_INT(rep.bad_values, 0);
    CHECK_INT(convert_text(&s, "{\"id\": 2, \"first_started\": 1692284573}",
                           0, &row, &rep, &err), KV_OK);
    CHECK_STR(row.cells[1].text, "2023-08-17T15:02:53Z");
    table_row_release(&row);
    table_schema_release(&s);
}

static void test_convert_bool(void)
{
    struct table_schema s;

    schema_one(&s, TABLE_BOOL);
    expect_int(&s, "true", 1);
    expect_int(&s, "false", 0);
    expect_null(&s, "1", "expected BOOL, got integer");
    expect_null(&s, "\"true\"", "expected BOOL, got string");
    expect_null(&s, "null", NULL);
    table_schema_release(&s);
}

static void test_convert_float64(void)
{
    struct table_schema s;
    struct table_row row = {0};
    struct convert_report rep;
    struct table_cell *c;

    schema_one(&s, TABLE_FLOAT64);
    c = value_cell(&s, "2.5", &row, &rep);
    CHECK_INT(c->kind, CELL_REAL);
    CHECK(c->r == 2.5);
    c = value_cell(&s, "-7", &row, &rep);
    CHECK_INT(c->kind, CELL_REAL);
    CHECK(c->r == -7.0);
    table_row_release(&row);
    expect_null(&s, "\"2.5\"", "expected FLOAT64, got string");
    expect_null(&s, "true", "expected FLOAT64, got boolean");
    expect_null(&s, "1e400", "expected FLOAT64, got real out of range");
    expect_null(&s, "NaN", "expected FLOAT64, got real out of range");
    expect_null(&s, "99999999999999999999",
                "expected FLOAT64, got integer out of range");
    expect_null(&s, "-99999999999999999999",
                "expected FLOAT64, got integer out of range");
    expect_null(&s, "null", NULL);
    table_schema_release(&s);
}

static void test_convert_string(void)
{
    struct table_schema s;

    schema_one(&s, TABLE_STRING);
    expect_text(&s, "\"Order Confirmation\"", "Order Confirmation");
    expect_text(&s, "\"\"", "");
    expect_text(&s, "\"a\\\"b\\\\c\\n\"", "a\"b\\c\n");
    expect_null(&s, "12", "expected STRING, got integer");
    expect_null(&s, "1.5", "expected STRING, got real");
    expect_null(&s, "false", "expected STRING, got boolean");
    expect_null(&s, "[\"a\"]", "expected STRING, got array");
    expect_null(&s, "null", NULL);
    table_schema_release(&s);
}

/* The report names the place and the type, never what the value was. */
static void test_convert_issue_hides_value(void)
{
    struct table_schema s;
    struct table_row row = {0};
    struct convert_report rep;
    struct table_cell *c;
    const struct convert_issue *is;

    schema_one(&s, TABLE_STRING);
    c = value_cell(&s, "{\"password\": \"hunter2-secret\"}", &row, &rep);
    CHECK_INT(c->kind, CELL_NULL);
    CHECK_INT(rep.bad_values, 1);
    is = &rep.examples[0];
    CHECK_STR(is->reason, "expected STRING, got object");
    CHECK(!strstr(is->reason, "hunter2") && !strstr(is->key, "hunter2") &&
          !strstr(is->column, "hunter2"));
    CHECK(!strstr(is->reason, "password"));
    table_row_release(&row);
    table_schema_release(&s);
}

static void test_convert_unicode_exact(void)
{
    /* two-, three- and four-byte UTF-8, and U+2028 */
    static const char utf8[] = "h\xc3\xa9llo \xe6\x97\xa5\xe6\x9c\xac "
                               "\xf0\x9f\x98\x80 \xe2\x80\xa8.";
    struct table_schema s;
    char json[256];

    schema_one(&s, TABLE_STRING);
    snprintf(json, sizeof(json), "\"%s\"", utf8);
    expect_text(&s, json, utf8);
    expect_text(&s, "\"h\\u00e9llo \\ud83d\\ude00\"",
                "h\xc3\xa9llo \xf0\x9f\x98\x80");
    table_schema_release(&s);
}

/*
 * "\u0000" in a string is valid JSON, but a NUL would cut the text short
 * in some destinations and not others: the value is reported instead.  In
 * a JSON cell it stays escaped, so it is kept there.
 */
static void test_convert_string_with_nul(void)
{
    struct table_schema s;
    struct table_row row = {0};
    struct convert_report rep = {0};
    struct kv_err err;

    schema_one(&s, TABLE_STRING);
    CHECK_INT(convert_text(&s, "{\"id\": 5, \"v\": \"a\\u0000b\"}", 0, &row,
                           &rep, &err), KV_OK);
    CHECK_INT(row.cells[2].kind, CELL_NULL);
    CHECK_INT(rep.bad_values, 1);
    CHECK_STR(rep.examples[0].reason,
              "expected STRING, got string with a NUL character");
    table_row_release(&row);
    table_schema_release(&s);
    schema_one(&s, TABLE_JSON);
    CHECK_INT(convert_text(&s, "{\"id\": 5, \"v\": [\"a\\u0000b\"]}", 0,
                           &row, NULL, &err), KV_OK);
    CHECK_STR(row.cells[2].text, "[\"a\\u0000b\"]");
    table_row_release(&row);
    table_schema_release(&s);
}

static void test_convert_json(void)
{
    struct table_schema s;

    schema_one(&s, TABLE_JSON);
    expect_text(&s, "[1, 2, 3]", "[1,2,3]");
    expect_text(&s, "[]", "[]");
    expect_text(&s, "{\"b\": 1, \"a\": {\"c\": [true, null, 1.5]}}",
                "{\"b\":1,\"a\":{\"c\":[true,null,1.5]}}");
    expect_text(&s, "\"[{\\\"name\\\":\\\"X\\\"}]\"",
                "\"[{\\\"name\\\":\\\"X\\\"}]\"");
    expect_text(&s, "5", "5");
    expect_text(&s, "false", "false");
    expect_text(&s, "[\"\xc3\xa9\"]", "[\"\xc3\xa9\"]");
    /* reals keep the text they came as */
    expect_text(&s, "[0.10, 1E2, -0.0, 1e300]", "[0.10,1E2,-0.0,1e300]");
    expect_text(&s, "[18446744073709551614, -9223372036854775807]",
                "[18446744073709551614,-9223372036854775807]");
    /* clamped by json-c, or past what BigQuery's JSON takes */
    expect_null(&s, "[99999999999999999999]",
                "expected JSON, got integer out of range");
    expect_null(&s, "{\"a\": -99999999999999999999}",
                "expected JSON, got integer out of range");
    expect_null(&s, "[1e400]", "expected JSON, got real out of range");
    expect_text(&s, "[\"a/b\\n\"]", "[\"a/b\\n\"]");
    /* what json-c lets through but JSON does not */
    expect_null(&s, "[NaN]", "expected JSON, got number that is not JSON");
    expect_null(&s, "{\"a\": [-Infinity]}",
                "expected JSON, got number that is not JSON");
    expect_null(&s, "{\"a\": 1.}",
                "expected JSON, got number that is not JSON");
    expect_null(&s, "null", NULL);
    table_schema_release(&s);
}

static void test_convert_absent_is_null(void)
{
    struct table_schema s;
    struct table_row row = {0};
    struct convert_report rep = {0};
    struct kv_err err;

    schema_one(&s, TABLE_JSON);
    CHECK_INT(convert_text(&s, "{\"id\": 9}", 0, &row, &rep, &err), KV_OK);
    CHECK_STR(row.key, "9");
    CHECK_INT(row.cells[0].kind, CELL_INT);
    CHECK_INT(row.cells[0].i, 9);
    CHECK_INT(row.cells[1].kind, CELL_NULL);
    CHECK_INT(row.cells[2].kind, CELL_NULL);
    CHECK_INT(rep.bad_values, 0);
    table_row_release(&row);
    table_schema_release(&s);
}

static void expect_bad_key(const struct table_schema *s, const char *json,
                           int64_t hint, const char *msg_part)
{
    struct table_row row = {0};
    struct kv_err err;

    kv_err_clear(&err);
    CHECK_INT(convert_text(s, json, hint, &row, NULL, &err), KV_EMALFORMED);
    if (!strstr(err.msg, msg_part))
        harness_fail(__FILE__, __LINE__, "message \"%s\" lacks \"%s\"",
                     err.msg, msg_part);
    CHECK(row.cells == NULL && row.key == NULL);
}

static void test_convert_bad_key(void)
{
    struct table_schema s;
    struct kv_err err;
    struct table_row row = {0};

    schema_one(&s, TABLE_STRING);
    expect_bad_key(&s, "{\"v\": \"x\"}", 0, "'id'");
    expect_bad_key(&s, "{\"id\": null}", 0, "'id'");
    expect_bad_key(&s, "{\"id\": \"abc-secret\"}", 0, "got string");
    expect_bad_key(&s, "{\"id\": 1.5}", 0, "got real with a fraction");
    expect_bad_key(&s, "{\"id\": [1]}", 0, "got array");
    expect_bad_key(&s, "[1, 2]", 0, "array, not an object");
    CHECK_INT(convert_text(&s, "{\"id\": \"abc-secret\"}", 0, &row, NULL,
                           &err), KV_EMALFORMED);
    CHECK(!strstr(err.msg, "abc-secret"));
    CHECK(strstr(err.msg, "'id'"));
    table_schema_release(&s);
}

static void test_convert_campaign_hint(void)
{
    struct table_schema s;
    struct table_row row = {0};
    struct kv_err err;

    schema_from_catalog(&s, "campaigns_actions");
    CHECK_INT(convert_text(&s, "{\"id\": \"25\"}", 4, &row, NULL, &err),
              KV_OK);
    CHECK_STR(row.key, "4:25");
    CHECK_INT(row.cells[0].i, 4);
    CHECK_INT(row.cells[1].i, 25);
    CHECK_INT(convert_text(&s, "{\"id\": 26, \"campaign_id\": 4}", 4, &row,
                           NULL, &err), KV_OK);
    CHECK_STR(row.key, "4:26");
    CHECK_INT(convert_text(&s, "{\"id\": 26, \"campaign_id\": null}", 4,
                           &row, NULL, &err), KV_OK);
    CHECK_STR(row.key, "4:26");
    CHECK_INT(convert_text(&s, "{\"id\": 27, \"campaign_id\": 7}", 0, &row,
                           NULL, &err), KV_OK);
    CHECK_STR(row.key, "7:27");
    table_row_release(&row);
    expect_bad_key(&s, "{\"id\": 26, \"campaign_id\": 5}", 4, "campaign");
    expect_bad_key(&s, "{\"id\": 26}", 0, "'campaign_id'");
    expect_bad_key(&s, "{\"campaign_id\": 4}", 4, "'id'");
    table_schema_release(&s);
}

static void hash_of(const struct table_schema *s, const char *json,
                    unsigned char out[32])
{
    struct table_row row = {0};
    struct kv_err err;

    CHECK_INT(convert_text(s, json, 0, &row, NULL, &err), KV_OK);
    memcpy(out, row.hash, 32);
    table_row_release(&row);
}

static void test_convert_hash(void)
{
    struct table_schema s;
    unsigned char a[32], b[32], c[32], d[32], e[32];

    memset(&s, 0, sizeof(s));
    s.name = xstrdup("t");
    table_schema_add(&s, "id", TABLE_INT64);
    table_schema_add(&s, "name", TABLE_STRING);
    table_schema_add(&s, "tags", TABLE_JSON);
    s.nkey = 1;
    hash_of(&s, "{\"id\": 1, \"name\": \"x\", \"tags\": [\"a\"]}", a);
    hash_of(&s, "{\"tags\": [\"a\"], \"other\": 5, \"name\": \"x\", "
            "\"id\": 1}", b);
    hash_of(&s, "{\"id\": 1, \"name\": \"y\", \"tags\": [\"a\"]}", c);
    hash_of(&s, "{\"id\": 1, \"name\": \"x\", \"tags\": [\"a\"], "
            "\"other\": 6}", d);
    hash_of(&s, "{\"id\": 1, \"name\": \"x\", \"tags\": [\"b\"]}", e);
    CHECK(!memcmp(a, b, 32));
    CHECK(!memcmp(a, d, 32));
    CHECK(memcmp(a, c, 32));
    CHECK(memcmp(a, e, 32));
    table_schema_release(&s);
}

static void test_convert_report_caps_examples(void)
{
    struct table_schema s;
    struct table_row row = {0};
    struct convert_report rep = {0};
    struct kv_err err;

    schema_one(&s, TABLE_INT64);
    for (int i = 0; i < 25; i++) {
        char json[64];

        snprintf(json, sizeof(json), "{\"id\": %d, \"v\": \"x\"}", i);
        CHECK_INT(convert_text(&s, json, 0, &row, &rep, &err), KV_OK);
    }
    CHECK_INT(rep.bad_values, 25);
    CHECK_INT(rep.nexamples, CONVERT_MAX_EXAMPLES);
    CHECK_STR(rep.examples[19].key, "19");
    table_row_release(&row);
    table_schema_release(&s);
}

static void expect_infer(const char *json, bool ok, enum table_type want)
{
    struct json_object *v = parse(json);
    enum table_type t = TABLE_JSON;

    CHECK_INT(convert_infer_type(v, &t), ok);
    if (ok)
        CHECK_STR(table_type_name(t), table_type_name(want));
    json_object_put(v);
}

static void test_convert_infer_type(void)
{
    enum table_type t;

    expect_infer("12", true, TABLE_INT64);
    expect_infer("1.5", true, TABLE_FLOAT64);
    expect_infer("true", true, TABLE_BOOL);
    expect_infer("false", true, TABLE_BOOL);
    expect_infer("\"x\"", true, TABLE_STRING);
    expect_infer("[1]", true, TABLE_JSON);
    expect_infer("{}", true, TABLE_JSON);
    expect_infer("null", false, TABLE_JSON);
    CHECK(!convert_infer_type(NULL, &t));
}

/* Every column of s: the wanted cell, or NULL when not listed. */
static void expect_row(const struct table_schema *s,
                       const struct table_row *row, const struct want *w,
                       size_t nw)
{
    CHECK_INT(row->ncells, s->ncols);
    for (size_t k = 0; k < nw; k++)
        if (table_schema_find(s, w[k].column) < 0)
            harness_fail(__FILE__, __LINE__, "no column %s", w[k].column);
    for (int i = 0; i < s->ncols; i++) {
        const struct table_cell *c = &row->cells[i];
        const struct want *x = NULL;

        for (size_t k = 0; k < nw; k++)
            if (!strcmp(w[k].column, s->cols[i].name))
                x = &w[k];
        if (!x) {
            if (c->kind != CELL_NULL)
                harness_fail(__FILE__, __LINE__, "%s: kind %d, expected "
                             "NULL", s->cols[i].name, (int)c->kind);
            continue;
        }
        if (c->kind != x->kind)
            harness_fail(__FILE__, __LINE__, "%s: kind %d, expected %d",
                         x->column, (int)c->kind, (int)x->kind);
        if (c->kind == CELL_INT && c->i != x->i)
            harness_fail(__FILE__, __LINE__, "%s: %" PRId64 ", expected %"
                         PRId64, x->column, c->i, x->i);
        if (c->kind == CELL_TEXT && (strcmp(c->text, x->text) ||
                                     c->len != strlen(x->text)))
            harness_fail(__FILE__, __LINE__, "%s: \"%s\", expected \"%s\"",
                         x->column, c->text, x->text);
    }
}

/* Converts the first element of recorded[section][list]. */
static void convert_recorded(const char *table, const char *section,
                             const char *list, int64_t hint,
                             struct table_schema *s, struct table_row *row)
{
    struct json_object *root = json_object_from_file(RECORDED);
    struct json_object *rec;
    struct convert_report rep = {0};
    struct kv_err err;

    if (!root)
        harness_fail(__FILE__, __LINE__, "%s: %s", RECORDED,
                     json_util_get_last_err());
    rec = json_object_array_get_idx(
        json_object_object_get(json_object_object_get(root, section), list),
        0);
    CHECK(rec);
    schema_from_catalog(s, table);
    kv_err_clear(&err);
    if (convert_record(s, rec, hint, row, &rep, &err))
        harness_fail(__FILE__, __LINE__, "convert: %s", err.msg);
    CHECK_INT(rep.bad_values, 0);
    hold(root);
}

static void test_convert_recorded_campaign(void)
{
    static const struct want w[] = {
        {"id", CELL_INT, 4, NULL},
        {"deduplicate_id", CELL_TEXT, 0, "4:1692284670"},
        {"name", CELL_TEXT, 0, "Order Confirmation"},
        {"type", CELL_TEXT, 0, "event"},
        {"state", CELL_TEXT, 0, "draft"},
        {"active", CELL_INT, 0, NULL},
        {"created", CELL_TEXT, 0, "2023-08-17T15:02:53Z"},
        {"updated", CELL_TEXT, 0, "2023-08-17T15:04:30Z"},
        {"tags", CELL_TEXT, 0, "[\"Sample\"]"},
        {"actions", CELL_TEXT, 0,
         "[{\"id\":25,\"type\":\"attribute_update\"},"
         "{\"id\":26,\"type\":\"email\"},{\"id\":29,\"type\":\"email\"}]"},
        {"event_name", CELL_TEXT, 0, "purchase"},
    };
    struct table_schema s;
    struct table_row row = {0};

    convert_recorded("campaigns", "campaigns", "campaigns", 0, &s, &row);
    CHECK_STR(row.key, "4");
    CHECK_INT(s.ncols, 25);
    expect_row(&s, &row, w, KV_ARRAY_LEN(w));
    table_row_release(&row);
    table_schema_release(&s);
}

static void test_convert_recorded_action(void)
{
    static const struct want w[] = {
        {"campaign_id", CELL_INT, 4, NULL},
        {"id", CELL_INT, 25, NULL},
        {"deduplicate_id", CELL_TEXT, 0, "11:1692284573"},
        {"name", CELL_TEXT, 0, "Update order count"},
        {"type", CELL_TEXT, 0, "attribute_update"},
        {"created", CELL_TEXT, 0, "2023-08-17T15:02:53Z"},
        {"updated", CELL_TEXT, 0, "2023-08-17T15:02:53Z"},
        {"layout", CELL_TEXT, 0, ""},
        {"language", CELL_TEXT, 0, ""},
        {"editor", CELL_TEXT, 0, ""},
        {"recipient", CELL_TEXT, 0, ""},
        {"body", CELL_TEXT, 0, ""},
    };
    struct table_schema s;
    struct table_row row = {0};

    convert_recorded("campaigns_actions", "campaign_4_actions", "actions", 4,
                     &s, &row);
    CHECK_STR(row.key, "4:25");
    CHECK_INT(s.ncols, 29);
    expect_row(&s, &row, w, KV_ARRAY_LEN(w));
    table_row_release(&row);
    table_schema_release(&s);
}

static void test_convert_recorded_newsletter(void)
{
    static const struct want w[] = {
        {"id", CELL_INT, 1, NULL},
        {"deduplicate_id", CELL_TEXT, 0, "1:1692285687"},
        {"name", CELL_TEXT, 0, "weekly"},
        {"type", CELL_TEXT, 0, "email"},
        {"created", CELL_TEXT, 0, "2023-08-17T15:21:09Z"},
        {"updated", CELL_TEXT, 0, "2023-08-17T15:21:27Z"},
        {"content_ids", CELL_TEXT, 0, "[18]"},
        {"tags", CELL_TEXT, 0, "[]"},
    };
    struct table_schema s;
    struct table_row row = {0};

    convert_recorded("newsletters", "newsletters", "newsletters", 0, &s,
                     &row);
    CHECK_STR(row.key, "1");
    CHECK_INT(s.ncols, 11);
    expect_row(&s, &row, w, KV_ARRAY_LEN(w));
    table_row_release(&row);
    table_schema_release(&s);
}

/* recipient_environment_id is not selected: not a cell, not in one. */
static void test_convert_unselected_never_copied(void)
{
    struct table_schema s;
    struct table_row row = {0};

    convert_recorded("campaigns_actions", "campaign_4_actions", "actions", 4,
                     &s, &row);
    CHECK_INT(table_schema_find(&s, "recipient_environment_id"), -1);
    for (int i = 0; i < row.ncells; i++) {
        const struct table_cell *c = &row.cells[i];

        CHECK(c->kind != CELL_INT || c->i != 144601);
        CHECK(c->kind != CELL_TEXT || (!strstr(c->text, "144601") &&
                                       !strstr(c->text, "recipient_env")));
    }
    CHECK(!strstr(row.key, "144601"));
    table_row_release(&row);
    table_schema_release(&s);
}

int main(int argc, char **argv)
{
    static const struct harness_case cases[] = {
        HARNESS_CASE(test_convert_int64),
        HARNESS_CASE(test_convert_timestamp),
        HARNESS_CASE(test_convert_first_started_zero),
        HARNESS_CASE(test_convert_bool),
        HARNESS_CASE(test_convert_float64),
        HARNESS_CASE(test_convert_string),
        HARNESS_CASE(test_convert_issue_hides_value),
        HARNESS_CASE(test_convert_unicode_exact),
        HARNESS_CASE(test_convert_string_with_nul),
        HARNESS_CASE(test_convert_json),
        HARNESS_CASE(test_convert_absent_is_null),
        HARNESS_CASE(test_convert_bad_key),
        HARNESS_CASE(test_convert_campaign_hint),
        HARNESS_CASE(test_convert_hash),
        HARNESS_CASE(test_convert_report_caps_examples),
        HARNESS_CASE(test_convert_infer_type),
        HARNESS_CASE(test_convert_recorded_campaign),
        HARNESS_CASE(test_convert_recorded_action),
        HARNESS_CASE(test_convert_recorded_newsletter),
        HARNESS_CASE(test_convert_unselected_never_copied),
    };

    return harness_main(argc, argv, cases, KV_ARRAY_LEN(cases));
}
