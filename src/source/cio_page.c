/*
 * cio_page.c - turns one Customer.io list response into its items and its
 * next-page token, and pulls a readable message out of an error body.
 * Pure functions: the HTTP client and the fuzzer both drive them.
 */
#include "common/kv.h"
#include "source/cio_page.h"
#include "common/mem.h"

/*
 * A page token is an opaque short string (base64 of a few bytes in every
 * recorded answer).  A server sending kilobytes is broken or hostile, and
 * the token goes into a URL, so it is bounded.
 */
#define TOKEN_MAX 4096

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

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "unknown";
}

static int load(const char *body, size_t len, json_t **out,
                struct kv_err *err)
{
    json_error_t jerr;

    /*
     * jansson refuses documents nested deeper than JSON_PARSER_MAX_DEPTH
     * (2048) with an error, so a hostile body cannot exhaust the stack.
     */
    *out = json_loadb(body, len, JSON_DECODE_ANY, &jerr);
    if (*out)
        return KV_OK;
    return kv_err_set(err, KV_EMALFORMED, "page is not valid JSON: %s "
                      "(line %d, column %d)", jerr.text, jerr.line,
                      jerr.column);
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
    json_t *items = json_object_get(page->root, key);
    size_t i;
    json_t *item;

    if (!items)
        return kv_err_set(err, KV_EMALFORMED, "malformed page: $.%s is "
                          "missing", key);
    if (json_is_null(items)) {
        /* kept inside root so that items stays borrowed from it */
        items = json_array();
        json_object_set_new(page->root, key, items);
    }
    if (!json_is_array(items))
        return kv_err_set(err, KV_EMALFORMED, "malformed page: $.%s is %s, "
                          "expected an array", key, type_name(items));
    json_array_foreach(items, i, item) {
        if (!json_is_object(item))
            return kv_err_set(err, KV_EMALFORMED, "malformed page: "
                              "$.%s[%zu] is %s, expected an object", key,
                              i, type_name(item));
    }
    page->items = items;
    return KV_OK;
}

static int find_next(struct cio_page *page, struct kv_err *err)
{
    json_t *next = json_object_get(page->root, "next");
    size_t len;

    if (!next || json_is_null(next))
        return KV_OK;
    if (!json_is_string(next))
        return kv_err_set(err, KV_EMALFORMED, "malformed page: $.next is "
                          "%s, expected a string or null", type_name(next));
    len = json_string_length(next);
    if (len > TOKEN_MAX)
        return kv_err_set(err, KV_EMALFORMED, "malformed page: $.next is "
                          "%zu bytes long, more than %d", len, TOKEN_MAX);
    if (len)
        page->next = xstrndup(json_string_value(next), len);
    return KV_OK;
}

int cio_page_parse(enum cio_list list, const char *body, size_t len,
                   struct cio_page *out, struct kv_err *err)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = load(body, len, &out->root, err);
    if (rc)
        goto out;
    if (!json_is_object(out->root)) {
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
    json_decref(page->root);
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

static void put_json_string(char *out, size_t size, const json_t *s)
{
    put_sep(out, size);
    put_text(out, size, json_string_value(s), json_string_length(s));
}

/* Puts every string of list, or with field, every list[].field string. */
static void put_error_list(char *out, size_t size, const json_t *list,
                           const char *field)
{
    size_t i;
    json_t *e;

    if (!json_is_array(list))
        return;
    json_array_foreach(list, i, e) {
        const json_t *s = field ? json_object_get(e, field) : e;

        if (json_is_string(s))
            put_json_string(out, size, s);
    }
}

static void from_json(const json_t *root, char *out, size_t size)
{
    const json_t *meta = json_object_get(root, "meta");
    const json_t *msg = json_object_get(meta, "error");

    if (json_is_string(msg)) {
        put_json_string(out, size, msg);
        return;
    }
    put_error_list(out, size, json_object_get(meta, "errors"), NULL);
    if (out[0])
        return;
    put_error_list(out, size, json_object_get(root, "errors"), "detail");
}

void cio_page_error_text(const char *body, size_t len, char *out,
                         size_t size)
{
    json_t *root;

    if (!out || !size)
        return;
    out[0] = '\0';
    if (!body || !len)
        return;
    root = json_loadb(body, len, 0, NULL);
    if (json_is_object(root))
        from_json(root, out, size);
    json_decref(root);
    if (!out[0])
        put_text(out, size, body, len);
    len = strlen(out);
    if (len > 0 && out[len - 1] == ' ')
        out[len - 1] = '\0';
}
