/*
 * sqlw.c - the embedded SQLite warehouse: opening the database, the
 * helpers its files share, and the small table operations (check, forget,
 * drop, count).  Loads live in sqlw_load.c, queries in sqlw_query.c.
 */
#include "common/kv.h"
#include "dest/sqlw.h"
#include "dest/sqlw_int.h"
#include "common/util.h"

#include <unistd.h>

/* Long enough to ride out a checkpoint or a reader's snapshot. */
#define SQLW_BUSY_MS 10000

void sqlw_quote(struct sbuf *sb, const char *name)
{
    const char *p = name;

    sbuf_add(sb, "\"", 1);
    for (;;) {
        const char *q = strchr(p, '"');

        if (!q)
            break;
        sbuf_add(sb, p, (size_t)(q - p + 1));
        sbuf_add(sb, "\"", 1);
        p = q + 1;
    }
    sbuf_addstr(sb, p);
    sbuf_add(sb, "\"", 1);
}

int sqlw_fail(sqlite3 *db, struct kv_err *err)
{
    return kv_err_set(err, KV_EFAIL, "%s", sqlite3_errmsg(db));
}

int sqlw_exec(sqlite3 *db, const char *sql, struct kv_err *err)
{
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return sqlw_fail(db, err);
    return KV_OK;
}

int sqlw_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out,
                 struct kv_err *err)
{
    *out = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, out, NULL) != SQLITE_OK)
        return sqlw_fail(db, err);
    return KV_OK;
}

int sqlw_begin(sqlite3 *db, struct kv_err *err)
{
    if (!sqlite3_get_autocommit(db))
        return kv_err_set(err, KV_EFAIL, "another load is in progress on "
                          "this warehouse");
    return sqlw_exec(db, "BEGIN IMMEDIATE", err);
}

void sqlw_rollback(sqlite3 *db)
{
    /* SQLite may already have rolled back on its own (disk full, I/O) */
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

int sqlw_table_exists(sqlite3 *db, const char *table, bool *out,
                      struct kv_err *err)
{
    /* table names compare without case in SQLite, so here too */
    static const char sql[] = "SELECT 1 FROM sqlite_master WHERE "
                              "type = 'table' AND name = ?1 COLLATE NOCASE";
    sqlite3_stmt *st = NULL;
    int rc;
    int step;

    rc = sqlw_prepare(db, sql, &st, err);
    if (rc)
        goto out;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = sqlw_fail(db, err);
        goto out;
    }
    *out = (step == SQLITE_ROW);
out:
    sqlite3_finalize(st);
    return rc;
}

static int make_parent(const char *path, struct kv_err *err)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    int rc = KV_OK;

    if (slash && slash != dir) {
        *slash = '\0';
        /* the warehouse holds customer data: owner only */
        rc = kv_mkdir_p(dir, 0700, err);
    }
    free(dir);
    return rc;
}

/* WAL lets queries read while a sync writes; FULL makes commits durable. */
static int configure(sqlite3 *db, struct kv_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    sqlite3_busy_timeout(db, SQLW_BUSY_MS);
    rc = sqlw_prepare(db, "PRAGMA journal_mode = WAL", &st, err);
    if (rc)
        goto out;
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = sqlw_fail(db, err);
        goto out;
    }
    if (strcmp((const char *)sqlite3_column_text(st, 0), "wal")) {
        rc = kv_err_set(err, KV_EFAIL, "cannot use WAL journal mode");
        goto out;
    }
    /*
     * legacy_alter_table: a REPLACE swap drops the table before renaming
     * the staged one; the modern rename would first re-check every view,
     * and a user's view of the dropped table would fail the swap.
     */
    rc = sqlw_exec(db, "PRAGMA synchronous = FULL; "
                   "PRAGMA foreign_keys = OFF; "
                   "PRAGMA legacy_alter_table = ON", err);
out:
    sqlite3_finalize(st);
    return rc;
}

static int open_db(struct sqlw *w, struct kv_err *err)
{
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    int rc;

    rc = make_parent(w->path, err);
    if (rc)
        return rc;
    if (sqlite3_open_v2(w->path, &w->db, flags, NULL) != SQLITE_OK)
        return sqlw_fail(w->db, err);
    rc = configure(w->db, err);
    if (rc)
        return rc;
    /* SQLite opens a file it may not write read-only, without failing */
    if (sqlite3_db_readonly(w->db, "main") == 1)
        return kv_err_set(err, KV_EFAIL, "the file is read-only");
    return KV_OK;
}

static void sqlw_close(struct dest *d)
{
    struct sqlw *w = (struct sqlw *)d;

    if (!w)
        return;
    /* _v2: a load the caller forgot still has a statement open */
    sqlite3_close_v2(w->ro);
    sqlite3_close_v2(w->db);
    free(w->path);
    free(w);
}

/* Writes and removes a scratch table: proves the file takes commits. */
static int sqlw_check(struct dest *d, struct kv_err *err)
{
    struct sqlw *w = (struct sqlw *)d;
    int rc;

    rc = sqlw_begin(w->db, err);
    if (rc)
        goto out;
    rc = sqlw_exec(w->db, "DROP TABLE IF EXISTS \"_kaivo_check\"; "
                   "CREATE TABLE \"_kaivo_check\"(x INTEGER); "
                   "INSERT INTO \"_kaivo_check\" VALUES (1); "
                   "DROP TABLE \"_kaivo_check\"; "
                   "COMMIT", err);
    if (rc)
        sqlw_rollback(w->db);
out:
    if (rc)
        kv_err_prefix(err, "cannot write warehouse '%s'", w->path);
    return rc;
}

static int delete_keys(struct sqlw *w, const struct table_schema *s,
                       const int64_t *vals, size_t n, int64_t *removed,
                       struct kv_err *err)
{
    struct sbuf sql;
    sqlite3_stmt *st = NULL;
    int rc;

    sbuf_init(&sql, 0);
    sbuf_addstr(&sql, "DELETE FROM ");
    sqlw_quote(&sql, s->name);
    for (int i = 0; i < s->nkey; i++) {
        sbuf_addstr(&sql, i ? " AND " : " WHERE ");
        sqlw_quote(&sql, s->cols[i].name);
        sbuf_addf(&sql, " = ?%d", i + 1);
    }
    rc = sqlw_prepare(w->db, sql.buf, &st, err);
    for (size_t k = 0; !rc && k < n; k++) {
        for (int i = 0; i < s->nkey; i++)
            sqlite3_bind_int64(st, i + 1, vals[k * (size_t)s->nkey + i]);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = sqlw_fail(w->db, err);
        else
            *removed += sqlite3_changes(w->db);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    sbuf_release(&sql);
    return rc;
}

/* A table never loaded has nothing to forget: 0 removed, not an error. */
static int sqlw_forget(struct dest *d, const struct table_schema *s,
                       const char *const *keys, size_t n, int64_t *removed,
                       struct kv_err *err)
{
    struct sqlw *w = (struct sqlw *)d;
    int64_t *vals = xcalloc(n ? n : 1, sizeof(*vals) * (size_t)s->nkey);
    bool exists = false;
    int rc = KV_OK;

    *removed = 0;
    for (size_t k = 0; !rc && k < n; k++)
        rc = table_key_parse(s, keys[k], vals + k * (size_t)s->nkey, err);
    if (rc)
        goto out;
    rc = sqlw_table_exists(w->db, s->name, &exists, err);
    if (rc || !exists)
        goto fail;
    rc = sqlw_begin(w->db, err);
    if (rc)
        goto fail;
    rc = delete_keys(w, s, vals, n, removed, err);
    if (!rc)
        rc = sqlw_exec(w->db, "COMMIT", err);
    if (rc)
        sqlw_rollback(w->db);
fail:
    if (rc) {
        *removed = 0;
        kv_err_prefix(err, "cannot forget rows of '%s'", s->name);
    }
out:
    free(vals);
    return rc;
}

/* The table and any staging table a crashed REPLACE left behind. */
static int sqlw_drop_table(struct dest *d, const char *table,
                           struct kv_err *err)
{
    struct sqlw *w = (struct sqlw *)d;
    struct sbuf sql;
    char *stage = xasprintf(SQLW_STAGE_PREFIX "%s", table);
    int rc;

    sbuf_init(&sql, 0);
    sbuf_addstr(&sql, "DROP TABLE IF EXISTS ");
    sqlw_quote(&sql, table);
    sbuf_addstr(&sql, "; DROP TABLE IF EXISTS ");
    sqlw_quote(&sql, stage);
    sbuf_addstr(&sql, "; COMMIT");
    rc = sqlw_begin(w->db, err);
    if (rc)
        goto out;
    rc = sqlw_exec(w->db, sql.buf, err);
    if (rc)
        sqlw_rollback(w->db);
out:
    if (rc)
        kv_err_prefix(err, "cannot drop table '%s'", table);
    sbuf_release(&sql);
    free(stage);
    return rc;
}

static int column_exists(sqlite3 *db, const char *table, const char *column,
                         bool *out, struct kv_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlw_prepare(db, "SELECT 1 FROM pragma_table_info(?) WHERE "
                          "name = ?", &st, err);

    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
    *out = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return KV_OK;
}

static int sqlw_drop_column(struct dest *d, const char *table,
                            const char *column, struct kv_err *err)
{
    struct sqlw *w = (struct sqlw *)d;
    struct sbuf sql;
    bool exists = false;
    int rc = column_exists(w->db, table, column, &exists, err);

    if (rc || !exists)
        return rc;
    sbuf_init(&sql, 0);
    sbuf_addstr(&sql, "ALTER TABLE ");
    sqlw_quote(&sql, table);
    sbuf_addstr(&sql, " DROP COLUMN ");
    sqlw_quote(&sql, column);
    rc = sqlw_exec(w->db, sql.buf, err);
    if (rc)
        kv_err_prefix(err, "cannot drop column '%s' of '%s'", column, table);
    sbuf_release(&sql);
    return rc;
}

/* Closes both connections, then removes the file and its WAL companions. */
static int sqlw_drop_dataset(struct dest *d, struct kv_err *err)
{
    struct sqlw *w = (struct sqlw *)d;
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    int rc = KV_OK;

    sqlite3_close(w->ro);
    sqlite3_close(w->db);
    w->ro = NULL;
    w->db = NULL;
    for (size_t i = 0; i < KV_ARRAY_LEN(suffixes); i++) {
        char *p = xasprintf("%s%s", w->path, suffixes[i]);

        if (unlink(p) && errno != ENOENT && !rc)
            rc = kv_err_set(err, KV_EFAIL, "cannot remove '%s': %s", p,
                            strerror(errno));
        free(p);
    }
    return rc;
}

static int sqlw_row_count(struct dest *d, const char *table, int64_t *out,
                          struct kv_err *err)
{
    struct sqlw *w = (struct sqlw *)d;
    struct sbuf sql;
    sqlite3_stmt *st = NULL;
    bool exists = false;
    int rc;

    sbuf_init(&sql, 0);
    rc = sqlw_table_exists(w->db, table, &exists, err);
    if (!rc && !exists)
        rc = kv_err_set(err, KV_ENOENT, "table '%s' does not exist", table);
    if (rc)
        goto out;
    sbuf_addstr(&sql, "SELECT count(*) FROM ");
    sqlw_quote(&sql, table);
    rc = sqlw_prepare(w->db, sql.buf, &st, err);
    if (!rc && sqlite3_step(st) != SQLITE_ROW)
        rc = sqlw_fail(w->db, err);
    if (!rc)
        *out = sqlite3_column_int64(st, 0);
out:
    if (rc && rc != KV_ENOENT)
        kv_err_prefix(err, "cannot count rows of '%s'", table);
    sqlite3_finalize(st);
    sbuf_release(&sql);
    return rc;
}

static const struct dest_ops sqlw_ops = {
    .name = "sqlite",
    .check = sqlw_check,
    .load_begin = sqlw_load_begin,
    .load_row = sqlw_load_row,
    .load_commit = sqlw_load_commit,
    .load_finish = sqlw_load_finish,
    .load_abort = sqlw_load_abort,
    .forget = sqlw_forget,
    .drop_table = sqlw_drop_table,
    .drop_column = sqlw_drop_column,
    .drop_dataset = sqlw_drop_dataset,
    .row_count = sqlw_row_count,
    .query = sqlw_query,
    .close = sqlw_close,
};

int sqlw_open(const char *path, struct dest **out, struct kv_err *err)
{
    struct sqlw *w = xcalloc(1, sizeof(*w));
    int rc;

    *out = NULL;
    w->base.ops = &sqlw_ops;
    w->path = xstrdup(path);
    rc = open_db(w, err);
    if (rc) {
        kv_err_prefix(err, "cannot open warehouse '%s'", path);
        sqlw_close(&w->base);
        return rc;
    }
    *out = &w->base;
    return KV_OK;
}
