/*
 * sync.h - one sync: bring the selected tables of a workspace up to date
 * with Customer.io.  Holds the workspace lock for its whole run, records
 * the run in the history, and syncs tables in catalog order (campaigns
 * first: the actions endpoint needs the campaign ids).  A table that fails
 * does not stop the others, except when the source refuses the key.
 */
#ifndef KV_SYNC_H
#define KV_SYNC_H

#include "common/kv.h"
#include "common/err.h"
#include "source/cio.h"
#include "sync/tload.h"
#include "ws/ws.h"

#include <signal.h>

#define SYNC_MAX_TABLES 8
#define SYNC_MAX_SKIPPED 50

/*
 * Where a running sync stands, for a progress display.  Counts cover the
 * whole sync so far.  streams_total is the number of campaigns whose
 * actions are read (known once the campaign list is in) during the
 * actions phase, 0 in the other phases.
 */
struct sync_progress {
    const char *table;      /* the table being read */
    int64_t requests;       /* HTTP requests sent, retries included */
    int64_t records;        /* records read */
    int64_t bytes;          /* response body bytes */
    int64_t elapsed_ms;     /* since the sync started */
    int64_t phase_ms;       /* since this table started */
    int64_t streams_done;   /* campaigns whose actions are all read */
    int64_t streams_total;
};

struct sync_options {
    const char *const *tables; /* names to sync; NULL/0: every selected */
    int ntables;
    bool full_refresh;         /* rebuild these tables from scratch */
    volatile sig_atomic_t *cancel; /* set by a signal handler to stop */
    /*
     * Called after every page, in the syncing thread, and once with
     * p == NULL when the sync ends.  May be NULL.  It must not call
     * back into the sync; the engine itself never prints.
     */
    void (*progress)(void *ctx, const struct sync_progress *p);
    void *progress_ctx;
};

struct sync_table_result {
    char name[64];
    int rc;            /* KV_OK, or why the table failed */
    char error[1200];
    bool replaced;     /* loaded as a full refresh */
    struct tload_stats stats;
    int64_t skipped;   /* campaigns whose actions answered 404 */
    int64_t skipped_ids[SYNC_MAX_SKIPPED];
};

struct sync_result {
    int64_t run_id;
    int64_t started_at; /* Unix seconds */
    int64_t elapsed_ms;
    struct sync_table_result tables[SYNC_MAX_TABLES];
    int ntables;
    struct cio_stats http;
};

/*
 * Runs one sync.  res is filled even on failure (what was done so far).
 * Returns KV_OK when every table synced; KV_EAUTH when the source refused
 * the key; KV_EBUSY when another sync holds the workspace; KV_EUSAGE for a
 * table that is unknown or not selected; otherwise KV_EFAIL naming the
 * first table that failed.
 */
int sync_run(struct ws *ws, const struct sync_options *opt,
             struct sync_result *res, struct kv_err *err);

/* The run's summary as a JSON object text (free()). */
char *sync_result_json(const struct sync_result *res);

#endif
