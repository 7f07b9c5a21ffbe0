/*
 * err.h - the one result type of Kaivo and the error detail that travels
 * with it.  Every fallible function returns an enum kv_rc (0 is success) and
 * fills a caller-owned struct kv_err; nothing below the CLI prints.
 */
#ifndef KV_ERR_H
#define KV_ERR_H

#include "common/kv.h"

enum kv_rc {
    KV_OK = 0,
    KV_EFAIL = 1,      /* the work failed: network, disk, bad data */
    KV_EUSAGE = 2,     /* the user asked for something that cannot be */
    KV_EAUTH = 3,      /* the source or destination refused our key */
    KV_ENOENT = 4,     /* a thing asked for does not exist */
    KV_EBUSY = 5,      /* another sync holds the workspace lock */
    KV_EMALFORMED = 6, /* a response or record does not parse */
    KV_ECANCEL = 7,    /* stopped on request (signal) */
};

/*
 * Detail of a failure.  msg says what went wrong, problem first, lowercase,
 * no final period; where names the request URL and/or JSON path involved.
 * Both are always NUL-terminated; an empty string means "not set".
 */
struct kv_err {
    int code;
    char msg[1024];
    char where[512];
};

/* Empties e (NULL is allowed). */
void kv_err_clear(struct kv_err *e);

/*
 * Sets code and message and returns code, so a failure is reported in one
 * statement: `return kv_err_set(err, KV_EFAIL, "cannot open '%s'", p);`.
 * e may be NULL.  An earlier `where` is kept.
 */
int kv_err_set(struct kv_err *e, int code, const char *fmt, ...)
    KV_PRINTF(3, 4);

/* Sets where (the request, the record path) and returns e->code. */
int kv_err_where(struct kv_err *e, const char *fmt, ...) KV_PRINTF(2, 3);

/* Puts "context: " in front of the message and returns e->code. */
int kv_err_prefix(struct kv_err *e, const char *fmt, ...) KV_PRINTF(2, 3);

/* The process exit status for a result: 0, 1, 2 or 3 (PRODUCT.md). */
int kv_exit_status(int code);

/*
 * Formats "msg (where)" into out, which has room for size bytes.
 * Returns out.
 */
const char *kv_err_text(const struct kv_err *e, char *out, size_t size);

#endif
