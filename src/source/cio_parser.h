/*
 * cio_parser.h - a worker thread that parses response bodies while the
 * calling thread goes on with the network and with the pages already
 * parsed.
 *
 * Why: a sync's CPU goes to two halves of about the same size.  This
 * thread's: parsing JSON (json-c reads about 280 MB/s here), then, through
 * the caller's cio_prepare, converting and hashing the records, and freeing
 * pages done with.  The caller's: the network, and writing rows.  On two
 * cores the halves overlap.  Order needs no care: a stream's next request
 * waits for its page's `next` token, so each stream has at most one task
 * out at a time.
 *
 * A task belongs to its submitter throughout; the parser only fills in
 * its result.  Memory stays bounded by the number of tasks, one per
 * in-flight job, and by the cap on retired pages.
 */
#ifndef KV_CIO_PARSER_H
#define KV_CIO_PARSER_H

#include "common/kv.h"
#include "common/err.h"
#include "source/cio_page.h"

#include <curl/curl.h>

struct cio_parse_task {
    /* in */
    const struct cio_stream *stream; /* its list says how to parse */
    const struct cio_prepare *prep; /* NULL: the page is only parsed */
    char *body;            /* owned by the task; freed once parsed */
    size_t len;            /* kept past the parse: retire reads it */
    void *owner;           /* the submitter's; the parser leaves it be */
    /* out */
    int rc;
    struct cio_page page;  /* owned by the task until retired */
    void *prepared;        /* prep's result for page, owned likewise */
    struct kv_err err;
    /* the parser's */
    struct cio_parse_task *next;
};

struct cio_parser;

/*
 * Starts the worker.  A caller asleep in curl_multi_poll() on wake (see
 * cio_parser_may_sleep) is woken with curl_multi_wakeup() for a result.
 */
int cio_parser_start(CURLM *wake, struct cio_parser **out,
                     struct kv_err *err);
/* Queues t; t->body passes to the parser until t comes back from take. */
void cio_parser_submit(struct cio_parser *p, struct cio_parse_task *t);
/* A finished task, oldest first, or NULL when none is finished yet. */
struct cio_parse_task *cio_parser_take(struct cio_parser *p);
/*
 * Before sleeping in curl_multi_poll(): false when a result is already
 * waiting (do not sleep).  When true, the worker wakes the poll for the
 * next result; call cio_parser_awake() after the poll.  This spares a
 * wake-up, a system call, for every page parsed while the caller works.
 */
bool cio_parser_may_sleep(struct cio_parser *p);
void cio_parser_awake(struct cio_parser *p);
/*
 * Done with t's page.  The page of a small body (most) goes to the worker,
 * which frees it when it has nothing to parse (freeing a tree costs a
 * third of parsing it), or before its next parse once the retired pages'
 * bodies add up to 1 MB; the page of a large body is freed now.
 */
void cio_parser_retire(struct cio_parser *p, struct cio_parse_task *t);
/*
 * Stops and joins the worker.  Tasks never taken keep their results (or
 * their bodies, if never parsed): release them with
 * cio_parse_task_release().  NULL is a no-op.
 */
void cio_parser_stop(struct cio_parser *p);
void cio_parse_task_release(struct cio_parse_task *t);

#endif
