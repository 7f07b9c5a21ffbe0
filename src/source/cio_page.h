/*
 * cio_page.h - parsing one response body of a Customer.io list endpoint.
 * Pure: no I/O, so it is unit-tested and fuzzed on its own.
 */
#ifndef KV_CIO_PAGE_H
#define KV_CIO_PAGE_H

#include "common/kv.h"
#include "common/err.h"
#include "source/cio.h"

struct cio_page {
    struct json_object *root;  /* owned: the parsed document */
    struct json_object *items; /* borrowed from root: array of objects */
    char *next;    /* owned: the next page token, NULL on the last page */
};

/*
 * Parses body (len bytes, need not be NUL-terminated).  The root must be an
 * object; its list key ("campaigns", "actions", "newsletters") must be an
 * array of objects, or null (read as empty); `next` may be absent, null or
 * "" (last page) or a string.  Anything else is KV_EMALFORMED with a
 * message naming the JSON path, as are bodies that are not strict JSON,
 * not well-formed UTF-8, hold \u0000 or nest 2048 levels or more.
 */
int cio_page_parse(enum cio_list list, const char *body, size_t len,
                   struct cio_page *out, struct kv_err *err);

/*
 * The same with a json-c parser kept for many pages (cio_page_tokener(),
 * freed with json_tokener_free()): setting up its nesting stack for every
 * page cost a twentieth of the parse.
 */
struct json_tokener;
struct json_tokener *cio_page_tokener(void);
int cio_page_parse_with(struct json_tokener *tok, enum cio_list list,
                        const char *body, size_t len, struct cio_page *out,
                        struct kv_err *err);
void cio_page_release(struct cio_page *page);

/*
 * The human message of an error body: meta.error, then meta.errors[],
 * then errors[].detail, else the start of the raw body.  Writes into out.
 */
void cio_page_error_text(const char *body, size_t len, char *out,
                         size_t size);

#endif
