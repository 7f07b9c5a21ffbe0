/*
 * sqlw_int.h - what the files of the SQLite warehouse share (sqlw.c:
 * connection and table upkeep, sqlw_schema.c: table shapes, sqlw_load.c:
 * loads, sqlw_query.c: the read-only query path).  Nothing outside
 * src/dest/sqlw*.c includes it.
 */
#ifndef KV_SQLW_INT_H
#define KV_SQLW_INT_H

#include "common/kv.h"
#include "common/err.h"
#include "common/mem.h"
#include "dest/dest.h"

#include <sqlite3.h>

/* The column every table gets (dest.h), and the REPLACE staging prefix. */
#define SQLW_SYNCED_AT "_kaivo_synced_at"
#define SQLW_STAGE_PREFIX "_kaivo_stage_"

/*
 * One open warehouse.  db does every write; ro, opened on the first
 * query, can only read, so a query cannot write whatever SQL it holds.
 * One load, forget or drop runs at a time: they share db's transaction.
 */
struct sqlw {
    struct dest base;   /* first, so a struct dest * is a struct sqlw * */
    char *path;         /* owned */
    sqlite3 *db;        /* read-write connection */
    sqlite3 *ro;        /* read-only connection, or NULL until needed */
    const char *denied; /* what ro's authorizer refused last, or NULL */
};

/* Appends name to sb as a double-quoted SQL identifier. */
void sqlw_quote(struct sbuf *sb, const char *name);

/*
 * Sets err to db's last error message with code KV_EFAIL and returns it;
 * callers put their context in front with kv_err_prefix().
 */
int sqlw_fail(sqlite3 *db, struct kv_err *err);

/* Runs sql, which returns no rows, on db. */
int sqlw_exec(sqlite3 *db, const char *sql, struct kv_err *err);

/* Prepares sql on db into *out (finalize with sqlite3_finalize). */
int sqlw_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out,
                 struct kv_err *err);

/*
 * BEGIN IMMEDIATE: takes the write lock now, not at the first write.
 * Fails, touching nothing, when db already has a transaction open (a
 * load in progress); so only a successful sqlw_begin may be rolled back.
 */
int sqlw_begin(sqlite3 *db, struct kv_err *err);

/* Rolls back db's open transaction, if any. */
void sqlw_rollback(sqlite3 *db);

/* Sets *out to whether the main database has a table called table. */
int sqlw_table_exists(sqlite3 *db, const char *table, bool *out,
                      struct kv_err *err);

/*
 * Refuses a schema SQLite cannot hold as one table: no key, a column
 * called _kaivo_synced_at, two names equal but for case (KV_EUSAGE).
 */
int sqlw_check_schema(const struct table_schema *s, struct kv_err *err);

/* Appends the quoted key columns of s, comma-separated, to sb. */
void sqlw_key_list(struct sbuf *sb, const struct table_schema *s);

/*
 * UPSERT: creates s->name if missing, else checks its primary key and
 * adds the selected columns it lacks (sqlw_schema.c).
 */
int sqlw_prepare_target(sqlite3 *db, const struct table_schema *s,
                        struct kv_err *err);

/* REPLACE: (re)creates the staging table stage with exactly s's columns. */
int sqlw_prepare_stage(sqlite3 *db, const struct table_schema *s,
                       const char *stage, struct kv_err *err);

/* The load operations of dest.h (sqlw_load.c). */
int sqlw_load_begin(struct dest *d, const struct table_schema *schema,
                    enum dest_load_mode mode, int64_t synced_at,
                    struct dest_load **out, struct kv_err *err);
int sqlw_load_row(struct dest_load *dl, const struct table_row *row,
                  struct kv_err *err);
int sqlw_load_commit(struct dest_load *dl, struct kv_err *err);
int sqlw_load_finish(struct dest_load *dl, struct kv_err *err);
void sqlw_load_abort(struct dest_load *dl);

/* dest.h's query (sqlw_query.c). */
int sqlw_query(struct dest *d, const char *sql, dest_row_fn fn, void *ctx,
               struct kv_err *err);

#endif
