/*
 * test_common.c - the common layer: errors, bounded buffers, timestamps,
 * redaction in the logger, option parsing.
 */
#include "common/kv.h"
#include "harness.h"
#include "cli/opts.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/table.h"
#include "common/utf8.h"
#include "common/util.h"

static void test_common_err_prefix_where(void)
{
    struct kv_err err;
    char text[2000];

    kv_err_clear(&err);
    CHECK_INT(kv_err_set(&err, KV_EMALFORMED, "bad '%s'", "x"),
              KV_EMALFORMED);
    kv_err_prefix(&err, "table %s", "t");
    kv_err_where(&err, "GET %s", "/v1/x");
    CHECK_STR(kv_err_text(&err, text, sizeof(text)),
              "table t: bad 'x' (GET /v1/x)");
    CHECK_INT(kv_exit_status(KV_EAUTH), 3);
    CHECK_INT(kv_exit_status(KV_EUSAGE), 2);
    CHECK_INT(kv_exit_status(KV_EMALFORMED), 1);
}

static void test_common_sbuf_cap(void)
{
    struct sbuf sb;

    sbuf_init(&sb, 8);
    CHECK_INT(sbuf_addstr(&sb, "12345678"), 0);
    CHECK_INT(sbuf_addstr(&sb, "9"), -1);
    CHECK_STR(sb.buf, "12345678");
    sbuf_release(&sb);
}

static void test_common_format_utc(void)
{
    char buf[32];

    CHECK(kv_format_utc(1692284573, buf));
    CHECK_STR(buf, "2023-08-17T15:02:53Z");
    CHECK(kv_format_utc(0, buf));
    CHECK_STR(buf, "1970-01-01T00:00:00Z");
    CHECK(!kv_format_utc(INT64_MAX, buf));
}

static void test_common_redact(void)
{
    char *s;

    klog_add_secret("abc");
    klog_add_secret("topsecretkey");
    s = klog_redact("key=topsecretkey; again topsecretkey abc");
    CHECK_STR(s, "key=[redacted]; again [redacted] abc");
    free(s);
    klog_clear_secrets();
}

static void test_common_parse_int(void)
{
    int64_t v;

    CHECK(kv_parse_int64("25", &v) && v == 25);
    CHECK(kv_parse_int64("-3", &v) && v == -3);
    CHECK(!kv_parse_int64("", &v));
    CHECK(!kv_parse_int64("1x", &v));
    CHECK(!kv_parse_int64(" 1", &v));
    CHECK(!kv_parse_int64("99999999999999999999", &v));
}

static bool flag;
static const char *value;

static const struct opts_spec specs[] = {
    {"flag", 'f', OPTS_FLAG, &flag, NULL, "a flag"},
    {"value", 0, OPTS_STRING, &value, "V", "a value"},
    {NULL, 0, OPTS_FLAG, NULL, NULL, NULL},
};

static const struct opts_command cmd = {"kaivo x", "about", specs, 0, 2};

static void test_common_opts(void)
{
    const char *argv[] = {"x", "a", "--value=v", "-f", "-w", "W", "--", "-b",
                    NULL};
    const char *bad[] = {"x", "--value", NULL};
    const char *many[] = {"x", "1", "2", "3", NULL};
    char **pos;
    int npos;
    struct kv_err err;

    CHECK_INT(opts_parse(8, (char **)argv, &cmd, &pos, &npos, &err), KV_OK);
    CHECK(flag);
    CHECK_STR(value, "v");
    CHECK_STR(opts_global.workspace, "W");
    CHECK_INT(npos, 2);
    CHECK_STR(pos[0], "a");
    CHECK_STR(pos[1], "-b");
    free(pos);
    CHECK_INT(opts_parse(2, (char **)bad, &cmd, &pos, &npos, &err), KV_EUSAGE);
    CHECK(strstr(err.msg, "needs a value"));
    CHECK_INT(opts_parse(4, (char **)many, &cmd, &pos, &npos, &err), KV_EUSAGE);
}

/*
 * The row hash is stored in every workspace: its value for a fixed row
 * must never change, or every record would be rewritten after an upgrade.
 * The expected digest was computed by the first implementation (one
 * digest update per field); the 4,999-byte text crosses the buffer the
 * hash is now fed through.
 */
static void test_common_row_hash_is_stable(void)
{
    static char big[5000];
    static char name[] = "Gr\xc3\xbc\xc3\x9f" "e";
    struct table_schema s = {0};
    struct table_cell c[5] = {
        {.kind = CELL_INT, .i = 42},
        {.kind = CELL_REAL, .r = 0.5},
        {.kind = CELL_TEXT, .text = name, .len = 7},
        {.kind = CELL_TEXT, .text = big, .len = 4999},
        {.kind = CELL_NULL},
    };
    struct table_row r = {.cells = c, .ncells = 5};
    char hex[65];

    s.name = xstrdup("t");
    table_schema_add(&s, "id", TABLE_INT64);
    table_schema_add(&s, "ratio", TABLE_FLOAT64);
    table_schema_add(&s, "name", TABLE_STRING);
    table_schema_add(&s, "body", TABLE_STRING);
    table_schema_add(&s, "gone", TABLE_JSON);
    s.nkey = 1;
    for (int i = 0; i < 4999; i++)
        big[i] = "abcdefghij"[i % 10];
    table_row_hash(&s, &r);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", r.hash[i]);
    CHECK_STR(hex, "39970f0c4d6c720ebc82db5026cf5120"
                   "a0f0a5deb5e3fe6b505fc8363ee0ee90");
    table_schema_release(&s);
}

static void utf8_bad_at(const char *s, size_t len, size_t want)
{
    size_t bad = 999;

    CHECK(!kv_utf8_valid(s, len, &bad));
    CHECK_INT(bad, want);
}

/* Well-formed UTF-8 only: json-c lets the three bad kinds below through. */
static void test_common_utf8(void)
{
    const char *ok = "plain ascii, long enough for the word path, "
                     "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf";

    CHECK(kv_utf8_valid(ok, strlen(ok), NULL));
    CHECK(kv_utf8_valid("", 0, NULL));
    CHECK(kv_utf8_valid("a\0b", 3, NULL));
    utf8_bad_at("abc\xff", 4, 3);
    utf8_bad_at("ab\xc0\xaf", 4, 2);             /* overlong '/' */
    utf8_bad_at("\xe0\x80\xaf", 3, 0);          /* overlong, 3 bytes */
    utf8_bad_at("x\xed\xa0\x80", 4, 1);         /* a surrogate */
    utf8_bad_at("\xf4\x90\x80\x80", 4, 0);     /* past U+10FFFF */
    utf8_bad_at("0123456789\xc3", 11, 10);       /* cut short */
    utf8_bad_at("\xc3\x28", 2, 0);              /* not a continuation */
    utf8_bad_at("\x80", 1, 0);                   /* a lone continuation */
}

static const struct harness_case cases[] = {
    HARNESS_CASE(test_common_err_prefix_where),
    HARNESS_CASE(test_common_sbuf_cap),
    HARNESS_CASE(test_common_format_utc),
    HARNESS_CASE(test_common_redact),
    HARNESS_CASE(test_common_parse_int),
    HARNESS_CASE(test_common_opts),
    HARNESS_CASE(test_common_row_hash_is_stable),
    HARNESS_CASE(test_common_utf8),
};

int main(int argc, char **argv)
{
    return harness_main(argc, argv, cases, KV_ARRAY_LEN(cases));
}
