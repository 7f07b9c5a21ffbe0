/*
 * cio.h - the Customer.io App API client, on libcurl's multi interface.
 *
 * It reads the three list endpoints as "streams" of pages: one stream for
 * GET /campaigns, one per campaign for GET /campaigns/{id}/actions (paged
 * by start/next, 10 a page), one for GET /newsletters?limit=100.  Up to
 * max_in_flight streams are read at once, request starts are paced to stay
 * at or under `rate` per second, and every page is handed to the caller's
 * callback in the calling thread, one at a time, then freed.  Bodies are
 * parsed on a thread of their own meanwhile; memory holds at most one
 * body or page per in-flight stream, whatever the account's size.
 *
 * Retries: 429 waits Retry-After (seconds or an HTTP date) when present,
 * otherwise exponential backoff with full jitter; 408, 5xx, timeouts,
 * resets, empty replies and truncated bodies back off the same way.  Each
 * request has a cap on attempts and on total waiting.  401/403 stop
 * everything at once with KV_EAUTH.  A 404 on one campaign's actions is
 * reported as CIO_EV_SKIPPED and the sync goes on.
 *
 * The API key is sent only in the Authorization header; it never appears
 * in a URL, an error message or a stats field.
 */
#ifndef KV_CIO_H
#define KV_CIO_H

#include "common/kv.h"
#include "common/err.h"

#include <signal.h>

/* A page's parsed tree is json-c's; only cio_page.c and the code that
 * reads records include <json-c/json.h> (see the Makefile's note). */
struct json_object;

#define CIO_US_URL "https://api.customer.io/v1"
#define CIO_EU_URL "https://api-eu.customer.io/v1"

struct cio_config {
    const char *base_url; /* region URL or --api-url, no trailing '/' */
    const char *api_key;  /* trimmed App API key */
    double rate;          /* request starts per second, default 10 */
    int max_in_flight;    /* streams read at once, default 4 */
    int max_attempts;     /* per request, default 8 */
    int64_t max_wait_ms;  /* total backoff per request, default 10 min */
    int64_t retry_base_ms; /* first backoff, default 500 */
    int64_t retry_cap_ms; /* one backoff at most, default 30 s */
    size_t max_body;      /* bytes per response, default 64 MiB */
    long timeout_ms;      /* per request, default 60 s */
    /* When non-NULL and set, cio_fetch stops with KV_ECANCEL. */
    volatile sig_atomic_t *cancel;
};

/* Fills cfg with the defaults above (base_url US, api_key NULL). */
void cio_config_defaults(struct cio_config *cfg);

enum cio_list {
    CIO_CAMPAIGNS,
    CIO_ACTIONS,
    CIO_NEWSLETTERS,
};

/* One paged list to read. */
struct cio_stream {
    enum cio_list list;
    int64_t campaign_id; /* CIO_ACTIONS only */
};

enum cio_event_kind {
    CIO_EV_PAGE,    /* a page of records arrived */
    CIO_EV_SKIPPED, /* a campaign's actions answered 404 */
};

struct cio_event {
    enum cio_event_kind kind;
    enum cio_list list;
    int64_t campaign_id;
    const char *url;  /* the request, host included, no secret */
    struct json_object *items; /* PAGE: borrowed array of objects */
    void *prepared;   /* PAGE: what cio_prepare made of items, or NULL */
    int page_no;      /* 1-based within the stream */
    bool last;        /* PAGE: the stream has no more pages */
};

/*
 * Called for every event.  A non-zero return stops cio_fetch, which then
 * returns that code with the callback's err.
 */
typedef int (*cio_event_fn)(void *ctx, const struct cio_event *ev,
                            struct kv_err *err);

/*
 * Optional work on every page, done on the parser thread right after the
 * parse, so that it overlaps the caller's own step (see cio_parser.h).
 * fn makes something of a page's items and must read nothing the caller
 * changes during the fetch; the callback gets it as ev->prepared (and may
 * change it), and release frees it, on either thread, before the items.
 */
struct cio_prepare {
    void *(*fn)(void *ctx, const struct cio_stream *s,
                struct json_object *items);
    void (*release)(void *prepared);
    void *ctx;
};

struct cio_stats {
    int64_t requests;  /* HTTP requests sent, retries included */
    int64_t retries;   /* of which were retries */
    int64_t throttled; /* 429 answers */
    int64_t bytes;     /* response body bytes */
    int64_t pages;     /* pages handed to the callback */
    int64_t first_ms;  /* kv_now_ms() of the first request start */
    int64_t last_ms;   /* kv_now_ms() of the last request start */
};

struct cio_client;

/* Copies what it needs of cfg.  Free with cio_client_free(). */
int cio_client_new(const struct cio_config *cfg, struct cio_client **out,
                   struct kv_err *err);
void cio_client_free(struct cio_client *c);
const struct cio_stats *cio_client_stats(const struct cio_client *c);

/*
 * Reads every page of every stream and calls cb for each event.  Returns
 * KV_OK, or the first failure: KV_EAUTH (401/403, message naming the likely
 * causes: a Track key instead of an App key, the wrong region, an IP
 * allow-list), KV_EMALFORMED (bad JSON, wrong types, a repeated `next`;
 * where = the URL), KV_EFAIL (retries exhausted, body over max_body, other
 * statuses), KV_ECANCEL, or the callback's code.  On failure the transfers
 * still running are abandoned.
 */
int cio_fetch(struct cio_client *c, const struct cio_stream *streams,
              size_t nstreams, cio_event_fn cb, void *ctx,
              struct kv_err *err);
/* cio_fetch with prep (NULL: none) run on every page before cb. */
int cio_fetch_prepared(struct cio_client *c,
                       const struct cio_stream *streams, size_t nstreams,
                       const struct cio_prepare *prep, cio_event_fn cb,
                       void *ctx, struct kv_err *err);

/* One cheap request (GET /newsletters?limit=1) to verify key and host. */
int cio_check(struct cio_client *c, struct kv_err *err);

#endif
