/*
 * dest.h - the destination interface.  A destination (SQLite, later
 * BigQuery and PostgreSQL) receives typed rows per table and guarantees:
 *   - upsert by key: a row with an existing key replaces that row;
 *   - a commit is durable when load_commit/load_finish return KV_OK, so
 *     the sync state may advance after it (and only after it);
 *   - DEST_REPLACE builds the new table aside and swaps it in atomically
 *     in load_finish; until then the old table stays whole and queryable;
 *   - every table row carries `_kaivo_synced_at` (the load's synced_at).
 * A struct dest is created by a backend's open function and freed with
 * dest_close().
 */
#ifndef KV_DEST_H
#define KV_DEST_H

#include "common/kv.h"
#include "common/err.h"
#include "common/table.h"

struct dest;
struct dest_load;

enum dest_load_mode {
    DEST_UPSERT,  /* add and replace rows by key, keep the others */
    DEST_REPLACE, /* the table becomes exactly the rows loaded */
};

/*
 * Called once per result row of dest_query.  names and values have ncols
 * entries; a NULL value is SQL NULL.  Return non-zero to stop early.
 */
typedef int (*dest_row_fn)(void *ctx, int ncols, const char *const *names,
                           const char *const *values);

struct dest_ops {
    const char *name; /* "sqlite" */

    /* Verifies the destination can be reached and written. */
    int (*check)(struct dest *d, struct kv_err *err);

    /*
     * Starts loading rows of schema into its table, creating the table or
     * adding selected columns it lacks.  *out is freed by load_finish or
     * load_abort, exactly one of which must be called.
     */
    int (*load_begin)(struct dest *d, const struct table_schema *schema,
                      enum dest_load_mode mode, int64_t synced_at,
                      struct dest_load **out, struct kv_err *err);
    int (*load_row)(struct dest_load *l, const struct table_row *row,
                    struct kv_err *err);
    /* Makes the rows so far durable (UPSERT: visible; REPLACE: staged). */
    int (*load_commit)(struct dest_load *l, struct kv_err *err);
    /* Commits the rest (REPLACE: swaps the table in) and frees l. */
    int (*load_finish)(struct dest_load *l, struct kv_err *err);
    /* Drops what was not committed (REPLACE: the staged table), frees l. */
    void (*load_abort)(struct dest_load *l);

    /* Deletes the rows with these keys (row key text); *removed counts. */
    int (*forget)(struct dest *d, const struct table_schema *schema,
                  const char *const *keys, size_t n, int64_t *removed,
                  struct kv_err *err);
    int (*drop_table)(struct dest *d, const char *table, struct kv_err *err);
    /* Removes column from table; KV_OK when either does not exist. */
    int (*drop_column)(struct dest *d, const char *table, const char *column,
                       struct kv_err *err);
    /*
     * Deletes the dataset itself (SQLite: the database file; BigQuery: the
     * dataset).  The caller decides whether Kaivo created it; after this
     * the only valid call is close.
     */
    int (*drop_dataset)(struct dest *d, struct kv_err *err);
    /* KV_ENOENT when the table does not exist. */
    int (*row_count)(struct dest *d, const char *table, int64_t *out,
                     struct kv_err *err);
    /* Runs one read-only statement; refuses anything that writes. */
    int (*query)(struct dest *d, const char *sql, dest_row_fn fn, void *ctx,
                 struct kv_err *err);
    void (*close)(struct dest *d);
};

/* Backends embed this as their first member. */
struct dest {
    const struct dest_ops *ops;
};

/* Frees d (NULL is allowed). */
void dest_close(struct dest *d);

#endif
