/*
 * tload.h - loading one table during a sync: records in, rows out to the
 * destination, hashes into the workspace state, in batches.
 *
 * Order per batch: the destination commits, then the state records the
 * hashes of the rows it committed.  A crash between the two makes the next
 * sync rewrite those rows (same key, same values): never a lost or a
 * duplicated row.  In replace mode (full refresh) rows go to a staged table
 * and hashes to a staged set; both are swapped in only when the table is
 * complete.
 */
#ifndef KV_TLOAD_H
#define KV_TLOAD_H

#include "common/kv.h"
#include "common/table.h"
#include "dest/dest.h"
#include "source/cio.h"
#include "source/convert.h"
#include "ws/ws.h"


/* Rows per batch: bounds memory and the work a crash can make us redo. */
#define TLOAD_BATCH_ROWS 5000
/*
 * Pages of more records than this (only the unpaged campaign list can
 * have them) are converted record by record on the main thread instead.
 */
#define TLOAD_PREPARE_MAX_RECORDS 5000
/* A power of two over four times TLOAD_BATCH_ROWS: short probes. */
#define TLOAD_PENDING_SLOTS 32768

/* What one table's sync did; also the source of the run's summary. */
struct tload_stats {
    int64_t records;   /* records read from Customer.io */
    int64_t written;   /* rows written to the destination */
    int64_t unchanged; /* rows skipped: same content as stored */
    int64_t new_fields; /* fields seen for the first time */
    int64_t forgotten; /* records skipped: deleted on request */
    struct convert_report report; /* values that did not fit */
};

struct tload_pending {
    char *key; /* owned */
    unsigned char hash[32];
};

/* A column the workspace knows, and what this load saw of it. */
struct tload_known {
    char *name; /* owned */
    enum table_type type;
    bool selected;
    bool seen;  /* present in a record of this load */
    bool seen_before; /* present in a record of an earlier load */
};

struct tload {
    struct ws *ws;
    struct dest *dest;
    struct table_schema schema;
    struct dest_load *load;
    bool replace;
    bool any_forgotten; /* the state forgets some key of this table */
    bool any_hashes;    /* the state holds some hash of this table */
    struct tload_known *known; /* owned, sorted by name up to nsorted */
    size_t nknown;
    size_t nsorted;
    size_t known_cap;
    /*
     * Where the last record's n-th field was found in known: records of
     * one list share their field order, so one comparison mostly does.
     */
    size_t *field_at; /* owned */
    size_t nfield_at;
    char *hmac_key; /* owned: the workspace's key for hashed columns */
    struct tload_pending *pending; /* owned, TLOAD_BATCH_ROWS at most */
    size_t npending;
    /*
     * pending's keys, hashed: slot -> 1 + the index of the key's latest
     * row (0: empty).  A record Customer.io lists twice in one sync is
     * compared with the row just written, not the stored one.
     */
    size_t *pending_slots; /* owned, TLOAD_PENDING_SLOTS of them */
    struct tload_stats *stats; /* the caller's */
};

/*
 * Starts loading table.  replace: rebuild the table (full refresh) instead
 * of upserting changed rows.  stats is zeroed and filled as it goes.
 */
int tload_begin(struct tload *tl, struct ws *ws, struct dest *dest,
                const char *table, bool replace, int64_t synced_at,
                struct tload_stats *stats, struct kv_err *err);

/*
 * The conversion of a page's records to rows, for cio_prepare: run on the
 * parser thread, it reads only tl's schema, fixed for the whole load.
 * tload_prepare returns a page for tload_records (NULL for a page of more
 * than TLOAD_PREPARE_MAX_RECORDS); tload_page_free frees it.
 */
void *tload_prepare(void *tl, const struct cio_stream *s,
                    struct json_object *items);
void tload_page_free(void *page);

/*
 * Loads a page of records (a JSON array of objects): notes their fields
 * and writes their rows, taken from prepared (tload_prepare's page of the
 * same items) or, when it is NULL, converted here.  campaign_id > 0 fills
 * the records' campaign_id (the actions endpoint is per campaign).
 */
int tload_records(struct tload *tl, struct json_object *items,
                  int64_t campaign_id, void *prepared, struct kv_err *err);

/* Commits the rest and, in replace mode, swaps the table in.  Frees tl. */
int tload_finish(struct tload *tl, struct kv_err *err);
/* Drops what was not committed; the previous data stays.  Frees tl. */
void tload_abort(struct tload *tl);

#endif
