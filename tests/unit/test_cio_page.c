/*
 * test_cio_page.c - the Customer.io page parser and error-text extractor:
 * the spec's fixtures, every terminal form of `next`, wrong types, hostile
 * nesting, the four error body shapes, and a replay of the fuzz corpus.
 * Run from the repository root (tests/run.sh does).
 */
#include "common/kv.h"
#include "harness.h"
#include "source/cio_page.h"
#include "common/mem.h"
#include "common/util.h"

#include <dirent.h>
#include <json-c/json.h>

#define FIXTURES "tests/fixtures/"
#define CORPUS "tests/fuzz/corpus/cio_page/"

static char *read_fixture(const char *name, size_t *len)
{
    char path[256];
    char *data = NULL;
    struct kv_err err;

    snprintf(path, sizeof(path), FIXTURES "%s", name);
    if (kv_read_file(path, 1 << 24, &data, len, &err))
        harness_fail(__FILE__, __LINE__, "%s", err.msg);
    return data;
}

/* Parses a NUL-terminated body and expects success. */
static void parse_ok(enum cio_list list, const char *body,
                     struct cio_page *page)
{
    struct kv_err err;

    kv_err_clear(&err);
    if (cio_page_parse(list, body, strlen(body), page, &err))
        harness_fail(__FILE__, __LINE__, "parse failed: %s", err.msg);
}

/* Parses a body that must fail with KV_EMALFORMED naming want. */
static void parse_bad(enum cio_list list, const char *body, const char *want)
{
    struct cio_page page;
    struct kv_err err;
    int rc;

    kv_err_clear(&err);
    rc = cio_page_parse(list, body, strlen(body), &page, &err);
    CHECK_INT(rc, KV_EMALFORMED);
    CHECK_INT(err.code, KV_EMALFORMED);
    if (!strstr(err.msg, want))
        harness_fail(__FILE__, __LINE__, "message '%s' lacks '%s'", err.msg,
                     want);
    CHECK(page.root == NULL && page.items == NULL && page.next == NULL);
}

static void check_fixture(const char *name, enum cio_list list,
                          size_t count, const char *next)
{
    struct cio_page page;
    struct kv_err err;
    size_t len;
    char *body = read_fixture(name, &len);

    CHECK_INT(cio_page_parse(list, body, len, &page, &err), KV_OK);
    CHECK_INT(json_object_array_length(page.items), count);
    if (next)
        CHECK_STR(page.next, next);
    else
        CHECK(page.next == NULL);
    cio_page_release(&page);
    cio_page_release(&page);
    free(body);
}

static void test_cio_page_fixtures(void)
{
    check_fixture("campaigns.json", CIO_CAMPAIGNS, 4, NULL);
    check_fixture("campaign_actions.json", CIO_ACTIONS, 4, NULL);
    check_fixture("newsletters.json", CIO_NEWSLETTERS, 3, "MTA");
    check_fixture("newsletters_page2.json", CIO_NEWSLETTERS, 1, NULL);
}

/* The recorded live answers, each re-serialised as a page body. */
static void test_cio_page_recorded_real(void)
{
    static const struct {
        const char *key;
        enum cio_list list;
    } parts[] = {
        {"campaigns", CIO_CAMPAIGNS},
        {"campaign_4_actions", CIO_ACTIONS},
        {"newsletters", CIO_NEWSLETTERS},
    };
    size_t len;
    char *data = read_fixture("recorded-real.json", &len);
    struct json_object *all = json_tokener_parse(data);

    CHECK(all != NULL);
    for (size_t i = 0; i < KV_ARRAY_LEN(parts); i++) {
        struct json_object *part = json_object_object_get(all,
                                                          parts[i].key);
        const char *body = json_object_to_json_string(part);
        struct cio_page page;

        CHECK(body != NULL);
        parse_ok(parts[i].list, body, &page);
        CHECK_INT(json_object_array_length(page.items), 1);
        CHECK(page.next == NULL);
        cio_page_release(&page);
    }
    json_object_put(all);
    free(data);
}

static void test_cio_page_next_forms(void)
{
    static const char *const last[] = {
        "{\"actions\": [{\"id\": \"1\"}]}",
        "{\"actions\": [{\"id\": \"1\"}], \"next\": null}",
        "{\"actions\": [{\"id\": \"1\"}], \"next\": \"\"}",
    };
    struct cio_page page;

    for (size_t i = 0; i < KV_ARRAY_LEN(last); i++) {
        parse_ok(CIO_ACTIONS, last[i], &page);
        CHECK_INT(json_object_array_length(page.items), 1);
        CHECK(page.next == NULL);
        cio_page_release(&page);
    }
    parse_ok(CIO_NEWSLETTERS, "{\"newsletters\": [], \"next\": \"a+b/c=\"}",
             &page);
    CHECK_STR(page.next, "a+b/c=");
    CHECK_INT(json_object_array_length(page.items), 0);
    cio_page_release(&page);
}

static void test_cio_page_null_items(void)
{
    static const char *const empty[] = {
        "{\"actions\": null, \"next\": null}",
        "{\"actions\": [], \"next\": \"\"}",
        "{\"actions\": []}",
    };
    struct cio_page page;

    for (size_t i = 0; i < KV_ARRAY_LEN(empty); i++) {
        parse_ok(CIO_ACTIONS, empty[i], &page);
        CHECK(json_object_is_type(page.items, json_type_array));
        CHECK_INT(json_object_array_length(page.items), 0);
        cio_page_release(&page);
    }
    /* an absent list is no empty list (2026-12-04: it emptied campaigns) */
    parse_bad(CIO_CAMPAIGNS, "{\"newsletters\": [{}]}",
              "$.campaigns is missing");
    parse_bad(CIO_ACTIONS, "{\"next\": \"\"}", "$.actions is missing");
}

static void test_cio_page_campaigns_ignore_next(void)
{
    struct cio_page page;

    parse_ok(CIO_CAMPAIGNS, "{\"campaigns\": [{\"id\": 1}], "
             "\"next\": \"abc\"}", &page);
    CHECK(page.next == NULL);
    CHECK_INT(json_object_array_length(page.items), 1);
    cio_page_release(&page);
    parse_ok(CIO_CAMPAIGNS, "{\"campaigns\": [], \"next\": 7}", &page);
    CHECK(page.next == NULL);
    cio_page_release(&page);
}

static void test_cio_page_wrong_types(void)
{
    parse_bad(CIO_ACTIONS, "[]", "the root is an array");
    parse_bad(CIO_ACTIONS, "\"x\"", "the root is a string");
    parse_bad(CIO_ACTIONS, "{\"actions\": {}}", "$.actions is an object");
    parse_bad(CIO_NEWSLETTERS, "{\"newsletters\": 3}",
              "$.newsletters is a number");
    parse_bad(CIO_CAMPAIGNS, "{\"campaigns\": [{}, \"x\"]}",
              "$.campaigns[1] is a string, expected an object");
    parse_bad(CIO_ACTIONS, "{\"actions\": [null]}", "$.actions[0] is null");
    parse_bad(CIO_ACTIONS, "{\"actions\": [], \"next\": 2}",
              "$.next is a number, expected a string or null");
    parse_bad(CIO_NEWSLETTERS, "{\"newsletters\": [], \"next\": [\"a\"]}",
              "$.next is an array");
    parse_bad(CIO_NEWSLETTERS, "{\"newsletters\": [], \"next\": true}",
              "$.next is a boolean");
}

static void test_cio_page_bad_json(void)
{
    struct cio_page page;

    parse_bad(CIO_ACTIONS, "", "not valid JSON");
    parse_bad(CIO_ACTIONS, "<html>502</html>", "not valid JSON");
    parse_bad(CIO_ACTIONS, "{\"actions\": [", "not valid JSON");
    parse_bad(CIO_ACTIONS, "{\"actions\": []} trailing", "not valid JSON");
    parse_bad(CIO_ACTIONS, "{\"actions\": []} {}", "not valid JSON");
    /* json-c's lenient extensions are off */
    parse_bad(CIO_ACTIONS, "{\"actions\": [],}", "not valid JSON");
    parse_bad(CIO_ACTIONS, "{\"actions\": [] /* c */}", "not valid JSON");
    parse_bad(CIO_ACTIONS, "{\"actions\": [{\"x\": \"\xff\"}]}",
              "invalid utf-8");
    parse_bad(CIO_ACTIONS, "{\"actions\": [{\"x\": 01}]}", "not valid JSON");
    /* json-c would cut a key at a NUL: "id\u0000x" would replace "id" */
    parse_bad(CIO_ACTIONS, "{\"actions\": [{\"id\": 1, \"id\\u0000x\": 2}]}",
              "\\u0000 (a NUL character) is not accepted (at byte 26)");
    parse_bad(CIO_ACTIONS, "{\"actions\": [], \"next\": \"a\\u0000b\"}",
              "\\u0000 (a NUL character) is not accepted");
    /* an escaped backslash before "u0000" is text, not a NUL */
    parse_ok(CIO_ACTIONS, "{\"actions\": [{\"x\": \"a\\\\u0000\"}]}", &page);
    cio_page_release(&page);
    /* what json-c's own UTF-8 check lets through */
    parse_bad(CIO_ACTIONS, "{\"actions\": [{\"x\": \"\xc0\xaf\"}]}",
              "invalid utf-8 string (at byte 20)");
    parse_bad(CIO_ACTIONS, "{\"actions\": [{\"x\": \"\xed\xa0\x80\"}]}",
              "invalid utf-8 string");
    parse_bad(CIO_ACTIONS, "{\"actions\": [{\"x\": \"\xf4\x90\x80\x80\"}]}",
              "invalid utf-8 string");
}

/* A NUL byte inside the body ends nothing early: the whole body counts. */
static void test_cio_page_nul_byte(void)
{
    const char body[] = "{\"actions\": []}\0{\"x\": 1}";
    struct cio_page page;
    struct kv_err err;

    CHECK_INT(cio_page_parse(CIO_ACTIONS, body, sizeof(body) - 1, &page,
                             &err), KV_EMALFORMED);
    CHECK(strstr(err.msg, "not valid JSON") != NULL);
}

/* len bounds the parse: the bytes after it are never read. */
static void test_cio_page_not_nul_terminated(void)
{
    const char body[] = "{\"actions\": [{}], \"next\": \"t\"}GARBAGE";
    size_t len = strlen(body) - strlen("GARBAGE");
    char *copy = xmalloc(len);
    struct cio_page page;
    struct kv_err err;

    memcpy(copy, body, len);
    CHECK_INT(cio_page_parse(CIO_ACTIONS, copy, len, &page, &err), KV_OK);
    CHECK_STR(page.next, "t");
    cio_page_release(&page);
    free(copy);
}

static char *nested(size_t depth, const char *prefix, const char *suffix)
{
    struct sbuf sb;

    sbuf_init(&sb, 0);
    sbuf_addstr(&sb, prefix);
    for (size_t i = 0; i < depth; i++)
        sbuf_add(&sb, "[", 1);
    for (size_t i = 0; i < depth; i++)
        sbuf_add(&sb, "]", 1);
    sbuf_addstr(&sb, suffix);
    return sbuf_detach(&sb, NULL);
}

static void test_cio_page_deep_nesting(void)
{
    char *deep = nested(100000, "{\"actions\": [{\"x\": ", "}]}");
    char *bare = nested(100000, "", "");
    char *fine = nested(500, "{\"actions\": [{\"x\": ", "}]}");
    struct cio_page page;
    char text[128];

    parse_bad(CIO_ACTIONS, deep, "not valid JSON");
    parse_bad(CIO_ACTIONS, bare, "not valid JSON");
    parse_ok(CIO_ACTIONS, fine, &page);
    CHECK_INT(json_object_array_length(page.items), 1);
    cio_page_release(&page);
    cio_page_error_text(deep, strlen(deep), text, sizeof(text));
    CHECK(!strncmp(text, "{\"actions\": [{\"x\": [[[", 22));
    free(deep);
    free(bare);
    free(fine);
}

static void test_cio_page_long_token(void)
{
    struct sbuf sb;
    struct cio_page page;

    sbuf_init(&sb, 0);
    sbuf_addstr(&sb, "{\"actions\": [], \"next\": \"");
    for (int i = 0; i < 4096; i++)
        sbuf_add(&sb, "A", 1);
    sbuf_addstr(&sb, "\"}");
    parse_ok(CIO_ACTIONS, sb.buf, &page);
    CHECK_INT(strlen(page.next), 4096);
    cio_page_release(&page);
    sb.len -= 2;
    sbuf_addstr(&sb, "A\"}");
    parse_bad(CIO_ACTIONS, sb.buf, "$.next is 4097 bytes long");
    sbuf_release(&sb);
}

static void error_text_is(const char *body, const char *want)
{
    char text[512];

    cio_page_error_text(body, strlen(body), text, sizeof(text));
    CHECK_STR(text, want);
}

static void test_cio_page_error_shapes(void)
{
    error_text_is("{\"meta\":{\"error\":\"Unauthorized request\"}}",
                  "Unauthorized request");
    error_text_is("{\"meta\":{\"errors\":[\"bad id\",\"no such thing\"]}}",
                  "bad id; no such thing");
    error_text_is("{\"errors\":[{\"detail\":\"Unauthorized\","
                  "\"status\":\"401\"},{\"status\":\"x\"},"
                  "{\"detail\":\"second\"}]}", "Unauthorized; second");
    /* meta.error wins over the rest */
    error_text_is("{\"meta\":{\"error\":\"first\",\"errors\":[\"no\"]},"
                  "\"errors\":[{\"detail\":\"no\"}]}", "first");
    /* unknown JSON shapes fall back to the raw text */
    error_text_is("{\"message\":\"x\"}", "{\"message\":\"x\"}");
    error_text_is("{\"meta\":{\"error\":5}}", "{\"meta\":{\"error\":5}}");
    error_text_is("[1,2]", "[1,2]");
}

static void test_cio_page_error_raw(void)
{
    char text[16];
    const char *html = "<html>\r\n  <body>\tBad   Gateway</body>\n</html>";

    error_text_is(html, "<html> <body> Bad Gateway</body> </html>");
    error_text_is("", "");
    error_text_is("\n\n", "");
    error_text_is("{\"meta\":{\"error\":\"line\\none\"}}", "line one");
    cio_page_error_text(html, strlen(html), text, sizeof(text));
    CHECK_STR(text, "<html> <body> B");
    /* a cut never leaves half a UTF-8 character: "é" is two bytes */
    cio_page_error_text("\xc3\xa9\xc3\xa9\xc3\xa9", 6, text, 6);
    CHECK_STR(text, "\xc3\xa9\xc3\xa9");
    cio_page_error_text("ab\xe2\x82\xac", 5, text, 5);
    CHECK_STR(text, "ab");
    cio_page_error_text("abc", 3, text, 1);
    CHECK_STR(text, "");
    cio_page_error_text(NULL, 0, text, sizeof(text));
    CHECK_STR(text, "");
}

static void replay_one(const char *path)
{
    static const enum cio_list lists[] = {
        CIO_CAMPAIGNS, CIO_ACTIONS, CIO_NEWSLETTERS,
    };
    char *data = NULL;
    size_t len = 0;
    struct kv_err err;
    char text[256];

    if (kv_read_file(path, 1 << 24, &data, &len, &err))
        harness_fail(__FILE__, __LINE__, "%s", err.msg);
    for (size_t i = 0; i < KV_ARRAY_LEN(lists); i++) {
        struct cio_page page;
        int rc = cio_page_parse(lists[i], data, len, &page, &err);

        CHECK(rc == KV_OK || rc == KV_EMALFORMED);
        CHECK(rc || json_object_is_type(page.items, json_type_array));
        cio_page_release(&page);
    }
    cio_page_error_text(data, len, text, sizeof(text));
    CHECK(strlen(text) < sizeof(text));
    free(data);
}

/* The fuzz seeds (and any crash reproducer added there) as a test. */
static void test_cio_page_corpus_replay(void)
{
    DIR *dir = opendir(CORPUS);
    int n = 0;

    if (!dir)
        harness_fail(__FILE__, __LINE__, "cannot open %s", CORPUS);
    for (;;) {
        struct dirent *de = readdir(dir);
        char path[512];

        if (!de)
            break;
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), CORPUS "%s", de->d_name);
        replay_one(path);
        n++;
    }
    closedir(dir);
    CHECK(n > 0);
}

static const struct harness_case cases[] = {
    HARNESS_CASE(test_cio_page_fixtures),
    HARNESS_CASE(test_cio_page_recorded_real),
    HARNESS_CASE(test_cio_page_next_forms),
    HARNESS_CASE(test_cio_page_null_items),
    HARNESS_CASE(test_cio_page_campaigns_ignore_next),
    HARNESS_CASE(test_cio_page_wrong_types),
    HARNESS_CASE(test_cio_page_bad_json),
    HARNESS_CASE(test_cio_page_nul_byte),
    HARNESS_CASE(test_cio_page_not_nul_terminated),
    HARNESS_CASE(test_cio_page_deep_nesting),
    HARNESS_CASE(test_cio_page_long_token),
    HARNESS_CASE(test_cio_page_error_shapes),
    HARNESS_CASE(test_cio_page_error_raw),
    HARNESS_CASE(test_cio_page_corpus_replay),
};

int main(int argc, char **argv)
{
    return harness_main(argc, argv, cases, KV_ARRAY_LEN(cases));
}
