/*
 * cio_page.c - turns one Customer.io list response into its items and its
 * next-page token, and pulls a readable message out of an error body.
 * Pure functions: the HTTP client and the fuzzer both drive them.
 */
#include "common/kv.h"
#include "source/cio_page.h"
#include "common/mem.h"
#include "common/utf8.h"

#include <json-c/json.h>
#include <limits.h>

/*
 * A page token is an opaque short string (base64 of a few bytes in every
 * recorded answer).  A server sending kilobytes is broken or hostile, and
 * the token goes into a URL, so it is bounded.
 */
#define TOKEN_MAX 4096

/*
 * Nesting of this many levels or more is refused.  json-c keeps its parse
 * stack on the heap, but freeing a tree recurses once per level, so the
 * cap guards the stack.
 */
#define DEPTH_MAX 2048

static const char *list_key(enum cio_list list)
{
    switch (list) {
    case CIO_CAMPAIGNS:
        return "campaigns";
    case CIO_ACTIONS:
        return "actions";
    case CIO_NEWSLETTERS:
        return "newsletters";
    }
    return "items";
}

/* json-c reads JSON null as a NULL pointer, which names "null" here. */
static const char *type_name(struct json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_object:
        return "an object";
    case json_type_array:
        return "an array";
    case json_type_string:
        return "a string";
    case json_type_int:
    case json_type_double:
        return "a number";
    case json_type_boolean:
        return "a boolean";
    case json_type_null:
        return "null";
    }
    return "unknown";
}

/*
 * Where body holds the escape \u0000 (a backslash after an even number of
 * backslashes), or len.  json-c would cut an object's key at that NUL,
 * so that "id\u0000x" overwrote "id" (jansson refused the escape too).
 */
static size_t find_nul_escape(const char *body, size_t len)
{
    const char *end = body + len;
    const char *p = body;

    while ((p = memmem(p, (size_t)(end - p), "\\u0000", 6))) {
        size_t slashes = 0;

        while (p - slashes > body && p[-1 - (ptrdiff_t)slashes] == '\\')
            slashes++;
        if (slashes % 2 == 0)
            return (size_t)(p - body);
        p++;
    }
    return len;
}

/*
 * Parses a whole body as one JSON document, strictly (no comments, no
 * trailing commas, well-formed UTF-8, no \u0000), with nothing after it
 * but white space.  json-c still takes single-quoted strings, raw control
 * characters in strings and a lone surrogate escape (read as U+FFFD):
 * none of them can make a wrong row.  The NUL fed after the body ends a
 * document json-c would otherwise wait on (a bare number) and turns a
 * cut-off one into an error.  *why says what is wrong, *at where.
 */
static struct json_object *parse_strict(struct json_tokener *tok,
                                        const char *body, size_t len,
                                        const char **why, size_t *at)
{
    enum json_tokener_error jerr;
    struct json_object *root;

    *at = 0;
    *why = json_tokener_error_desc(json_tokener_error_size);
    if (len >= INT_MAX || !tok)
        return NULL;
    if (!kv_utf8_valid(body, len, at)) {
        *why = "invalid utf-8 string";
        return NULL;
    }
    *at = find_nul_escape(body, len);
    if (*at < len) {
        *why = "\\u0000 (a NUL character) is not accepted";
        return NULL;
    }
    json_tokener_reset(tok);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
                           JSON_TOKENER_VALIDATE_UTF8);
    root = json_tokener_parse_ex(tok, body, (int)len);
    jerr = json_tokener_get_error(tok);
    *at = json_tokener_get_parse_end(tok);
    if (!root && jerr == json_tokener_continue) {
        root = json_tokener_parse_ex(tok, "", 1);
        jerr = json_tokener_get_error(tok);
    }
    /* json-c stops early at a NUL byte inside the body */
    if (root && *at < len) {
        json_object_put(root);
        root = NULL;
        jerr = json_tokener_error_parse_unexpected;
    }
    *why = json_tokener_error_desc(jerr);
    return root;
}

struct json_tokener *cio_page_tokener(void)
{
    return json_tokener_new_ex(DEPTH_MAX);
}

static int load(struct json_tokener *tok, const char *body, size_t len,
                struct json_object **out, struct kv_err *err)
{
    const char *why;
    size_t at;

    *out = parse_strict(tok, body, len, &why, &at);
    if (*out)
        return KV_OK;
    return kv_err_set(err, KV_EMALFORMED, "page is not valid JSON: %s "
                      "(at byte %zu)", why, at);
}

/*
 * Points page->items at the list.  null reads as empty (Customer.io has
 * answered other empty lists so); an absent key does not: a 200 whose body
 * lacks the list (a maintenance page, an error object) would otherwise
 * empty a full-refresh table.
 */
static int find_items(enum cio_list list, struct cio_page *page,
                      struct kv_err *err)
{
    const char *key = list_key(list);
    struct json_object *items;
    size_t n;

    if (!json_object_object_get_ex(page->root, key, &items))
        return kv_err_set(err, KV_EMALFORMED, "malformed page: $.%s is "
                          "missing", key);
    if (!items) {
        /* kept inside root so that items stays borrowed from it */
        items = json_object_new_array();
        json_object_object_add(page->root, key, items);
    }
    if (!json_object_is_type(items, json_type_array))
        return kv_err_set(err, KV_EMALFORMED, "malformed page: $.%s is %s, "
                          "expected an array", key, type_name(items));
    n = json_object_array_length(items);
    for (size_t i = 0; i < n; i++) {
        struct json_object *item = json_object_array_get_idx(items, i);

        if (!json_object_is_type(item, json_type_object))
            return kv_err_set(err, KV_EMALFORMED, "malformed page: "
                              "$.%s[%zu] is %s, expected an object", key,
                              i, type_name(item));
    }
    page->items = items;
    return KV_OK;
}

static int find_next(struct cio_page *page, struct kv_err *err)
{
    struct json_object *next = json_object_object_get(page->root, "next");
    size_t len;

    if (!next)
        return KV_OK;
    if (!json_object_is_type(next, json_type_string))
        return kv_err_set(err, KV_EMALFORMED, "malformed page: $.next is "
                          "%s, expected a string or null", type_name(next));
    len = (size_t)json_object_get_string_len(next);
    if (len > TOKEN_MAX)
        return kv_err_set(err, KV_EMALFORMED, "malformed page: $.next is "
                          "%zu bytes long, more than %d", len, TOKEN_MAX);
    if (len)
        page->next = xstrndup(json_object_get_string(next), len);
    return KV_OK;
}

int cio_page_parse(enum cio_list list, const char *body, size_t len,
                   struct cio_page *out, struct kv_err *err)
{
    struct json_tokener *tok = cio_page_tokener();
    int rc = cio_page_parse_with(tok, list, body, len, out, err);

    json_tokener_free(tok);
    return rc;
}

int cio_page_parse_with(struct json_tokener *tok, enum cio_list list,
                        const char *body, size_t len, struct cio_page *out,
                        struct kv_err *err)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = load(tok, body, len, &out->root, err);
    if (rc)
        goto out;
    if (!json_object_is_type(out->root, json_type_object)) {
        rc = kv_err_set(err, KV_EMALFORMED, "malformed page: the root is "
                        "%s, expected an object", type_name(out->root));
        goto out;
    }
    rc = find_items(list, out, err);
    if (rc)
        goto out;
    /* GET /campaigns is not paged: a stray `next` there means nothing */
    if (list != CIO_CAMPAIGNS)
        rc = find_next(out, err);
out:
    if (rc)
        cio_page_release(out);
    return rc;
}

void cio_page_release(struct cio_page *page)
{
    if (!page)
        return;
    json_object_put(page->root);
    free(page->next);
    page->root = NULL;
    page->items = NULL;
    page->next = NULL;
}

/*
 * The length to keep of out[0 .. len) so that it does not end inside a
 * UTF-8 sequence.
 */
static size_t utf8_cut(const char *out, size_t len)
{
    size_t start = len;
    size_t need;
    unsigned char lead;

    while (start > 0 && ((unsigned char)out[start - 1] & 0xc0) == 0x80 &&
           len - start < 3)
        start--;
    if (start == 0)
        return len;
    lead = (unsigned char)out[start - 1];
    if (lead < 0xc0)
        return len;
    need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    return len - (start - 1) < need ? start - 1 : len;
}

/*
 * Appends n bytes of s to out (size bytes, NUL-terminated), turning control
 * characters and runs of white space into one space so that a message
 * stays on one line whatever the server sent.  A cut at the end of out
 * falls on a UTF-8 character boundary.
 */
static void put_text(char *out, size_t size, const char *s, size_t n)
{
    size_t len = strlen(out);
    size_t i;

    for (i = 0; i < n && len + 1 < size; i++) {
        unsigned char ch = (unsigned char)s[i];
        bool blank = ch <= ' ' || ch == 0x7f;

        if (blank && (len == 0 || out[len - 1] == ' '))
            continue;
        out[len++] = blank ? ' ' : (char)ch;
    }
    if (i < n)
        len = utf8_cut(out, len);
    out[len] = '\0';
}

static void put_sep(char *out, size_t size)
{
    if (out[0])
        put_text(out, size, "; ", 2);
}

static void put_json_string(char *out, size_t size, struct json_object *s)
{
    put_sep(out, size);
    put_text(out, size, json_object_get_string(s),
             (size_t)json_object_get_string_len(s));
}

/* Puts every string of list, or with field, every list[].field string. */
static void put_error_list(char *out, size_t size, struct json_object *list,
                           const char *field)
{
    size_t n;

    if (!json_object_is_type(list, json_type_array))
        return;
    n = json_object_array_length(list);
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(list, i);
        struct json_object *s = field ? json_object_object_get(e, field) : e;

        if (json_object_is_type(s, json_type_string))
            put_json_string(out, size, s);
    }
}

static void from_json(struct json_object *root, char *out, size_t size)
{
    struct json_object *meta = json_object_object_get(root, "meta");
    struct json_object *msg = json_object_object_get(meta, "error");

    if (json_object_is_type(msg, json_type_string)) {
        put_json_string(out, size, msg);
        return;
    }
    put_error_list(out, size, json_object_object_get(meta, "errors"), NULL);
    if (out[0])
        return;
    put_error_list(out, size, json_object_object_get(root, "errors"),
                   "detail");
}

void cio_page_error_text(const char *body, size_t len, char *out,
                         size_t size)
{
    struct json_tokener *tok;
    struct json_object *root;
    const char *why;
    size_t at;

    if (!out || !size)
        return;
    out[0] = '\0';
    if (!body || !len)
        return;
    tok = cio_page_tokener();
    root = parse_strict(tok, body, len, &why, &at);
    json_tokener_free(tok);
    if (json_object_is_type(root, json_type_object))
        from_json(root, out, size);
    json_object_put(root);
    if (!out[0])
        put_text(out, size, body, len);
    len = strlen(out);
    if (len > 0 && out[len - 1] == ' ')
        out[len - 1] = '\0';
}
