/*
 * sqlw_load.c - loading rows into the SQLite warehouse.  UPSERT writes
 * into the table itself; REPLACE builds `_kaivo_stage_<table>` and swaps it
 * in with a drop and a rename in one transaction, so a reader sees the old
 * table or the new one, never none and never half.
 */
#include "common/kv.h"
#include "dest/sqlw_int.h"
#include "common/util.h"

/*
 * A load in progress.  A transaction is always open on w->db between
 * calls; load_commit ends it and opens the next.  Handed out as a
 * struct dest_load *, which dest.h leaves incomplete.
 */
struct sqlw_load {
    struct sqlw *w;
    char *table;           /* target table, owned */
    char *stage;           /* REPLACE: staging table, owned; else NULL */
    int ncols;             /* schema columns, without _kaivo_synced_at */
    char synced_at[32];    /* bound once: the insert's last parameter */
    sqlite3_stmt *insert;  /* the upsert, prepared once per load */
    bool began;            /* our BEGIN succeeded: the transaction is ours */
};

/*
 * INSERT ... ON CONFLICT (key) DO UPDATE SET every other column: the last
 * row loaded for a key wins, in the table and in the staging table alike.
 */
static void build_insert(struct sbuf *sql, const struct table_schema *s,
                         const char *into)
{
    sbuf_addstr(sql, "INSERT INTO ");
    sqlw_quote(sql, into);
    sbuf_addstr(sql, " (");
    for (int i = 0; i < s->ncols; i++) {
        sqlw_quote(sql, s->cols[i].name);
        sbuf_addstr(sql, ", ");
    }
    sbuf_addstr(sql, "\"" SQLW_SYNCED_AT "\") VALUES (");
    for (int i = 0; i <= s->ncols; i++)
        sbuf_addf(sql, "%s?%d", i ? ", " : "", i + 1);
    sbuf_addstr(sql, ") ON CONFLICT (");
    sqlw_key_list(sql, s);
    sbuf_addstr(sql, ") DO UPDATE SET ");
    for (int i = s->nkey; i < s->ncols; i++) {
        sqlw_quote(sql, s->cols[i].name);
        sbuf_addstr(sql, " = excluded.");
        sqlw_quote(sql, s->cols[i].name);
        sbuf_addstr(sql, ", ");
    }
    sbuf_addstr(sql, "\"" SQLW_SYNCED_AT "\" = excluded.\""
                SQLW_SYNCED_AT "\"");
}

static int prepare_insert(struct sqlw_load *l, const struct table_schema *s,
                          struct kv_err *err)
{
    struct sbuf sql;
    int rc = KV_OK;

    sbuf_init(&sql, 0);
    build_insert(&sql, s, l->stage ? l->stage : l->table);
    if (sqlite3_prepare_v3(l->w->db, sql.buf, -1, SQLITE_PREPARE_PERSISTENT,
                           &l->insert, NULL) != SQLITE_OK)
        rc = sqlw_fail(l->w->db, err);
    else
        sqlite3_bind_text(l->insert, s->ncols + 1, l->synced_at, -1,
                          SQLITE_STATIC);
    sbuf_release(&sql);
    return rc;
}

/* Ends l's transaction without keeping it and frees l. */
static void load_free(struct sqlw_load *l, bool drop_stage)
{
    struct sbuf sql;

    if (!l)
        return;
    sqlite3_finalize(l->insert);
    if (l->began)
        sqlw_rollback(l->w->db);
    if (drop_stage && l->stage) {
        /*
         * Best effort: batches already committed stay staged if this
         * fails, and the next REPLACE of the table drops them first.
         */
        sbuf_init(&sql, 0);
        sbuf_addstr(&sql, "DROP TABLE IF EXISTS ");
        sqlw_quote(&sql, l->stage);
        sqlite3_exec(l->w->db, sql.buf, NULL, NULL, NULL);
        sbuf_release(&sql);
    }
    free(l->table);
    free(l->stage);
    free(l);
}

int sqlw_load_begin(struct dest *d, const struct table_schema *s,
                    enum dest_load_mode mode, int64_t synced_at,
                    struct dest_load **out, struct kv_err *err)
{
    struct sqlw_load *l = xcalloc(1, sizeof(*l));
    int rc;

    *out = NULL;
    l->w = (struct sqlw *)d;
    l->ncols = s->ncols;
    l->table = xstrdup(s->name ? s->name : "");
    if (mode == DEST_REPLACE)
        l->stage = xasprintf(SQLW_STAGE_PREFIX "%s", l->table);
    rc = sqlw_check_schema(s, err);
    if (!rc && !kv_format_utc(synced_at, l->synced_at))
        rc = kv_err_set(err, KV_EUSAGE, "synced_at is out of range");
    if (!rc)
        rc = sqlw_begin(l->w->db, err);
    l->began = !rc;
    if (!rc && l->stage)
        rc = sqlw_prepare_stage(l->w->db, s, l->stage, err);
    else if (!rc)
        rc = sqlw_prepare_target(l->w->db, s, err);
    if (!rc)
        rc = prepare_insert(l, s, err);
    if (rc) {
        kv_err_prefix(err, "cannot load table '%s'", l->table);
        load_free(l, false);
        return rc;
    }
    *out = (struct dest_load *)l;
    return KV_OK;
}

static int bind_cell(sqlite3_stmt *st, int i, const struct table_cell *c)
{
    switch (c->kind) {
    case CELL_INT:
        return sqlite3_bind_int64(st, i, c->i);
    case CELL_REAL:
        return sqlite3_bind_double(st, i, c->r);
    case CELL_TEXT:
        /*
         * No copy: SQLite reads a bound value only while stepping, the
         * row outlives the step, and every cell is bound again per row.
         */
        return sqlite3_bind_text64(st, i, c->text, c->len, SQLITE_STATIC,
                                   SQLITE_UTF8);
    default:
        return sqlite3_bind_null(st, i);
    }
}

int sqlw_load_row(struct dest_load *dl, const struct table_row *row,
                  struct kv_err *err)
{
    struct sqlw_load *l = (struct sqlw_load *)dl;
    int rc = SQLITE_OK;

    if (row->ncells != l->ncols)
        return kv_err_set(err, KV_EUSAGE, "row has %d cells, table '%s' "
                          "has %d columns", row->ncells, l->table, l->ncols);
    for (int i = 0; rc == SQLITE_OK && i < row->ncells; i++)
        rc = bind_cell(l->insert, i + 1, &row->cells[i]);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(l->insert);
    if (rc != SQLITE_DONE) {
        kv_err_set(err, KV_EFAIL, "cannot write row '%s' to '%s': %s",
                   row->key ? row->key : "", l->table,
                   sqlite3_errmsg(l->w->db));
        sqlite3_reset(l->insert);
        return KV_EFAIL;
    }
    sqlite3_reset(l->insert);
    return KV_OK;
}

/* Batches keep the transaction, and so memory and the WAL, bounded. */
int sqlw_load_commit(struct dest_load *dl, struct kv_err *err)
{
    struct sqlw_load *l = (struct sqlw_load *)dl;
    int rc;

    rc = sqlw_exec(l->w->db, "COMMIT; BEGIN IMMEDIATE", err);
    if (rc)
        kv_err_prefix(err, "cannot commit rows of '%s'", l->table);
    return rc;
}

/* Drop and rename in the transaction the last rows are in. */
static int swap_in(struct sqlw_load *l, struct kv_err *err)
{
    struct sbuf sql;
    int rc;

    sbuf_init(&sql, 0);
    sbuf_addstr(&sql, "DROP TABLE IF EXISTS ");
    sqlw_quote(&sql, l->table);
    sbuf_addstr(&sql, "; ALTER TABLE ");
    sqlw_quote(&sql, l->stage);
    sbuf_addstr(&sql, " RENAME TO ");
    sqlw_quote(&sql, l->table);
    rc = sqlw_exec(l->w->db, sql.buf, err);
    sbuf_release(&sql);
    return rc;
}

int sqlw_load_finish(struct dest_load *dl, struct kv_err *err)
{
    struct sqlw_load *l = (struct sqlw_load *)dl;
    int rc = KV_OK;

    /* a statement on the staging table would block its rename */
    sqlite3_finalize(l->insert);
    l->insert = NULL;
    if (l->stage)
        rc = swap_in(l, err);
    if (!rc)
        rc = sqlw_exec(l->w->db, "COMMIT", err);
    if (rc)
        kv_err_prefix(err, "cannot finish loading '%s'", l->table);
    load_free(l, rc != KV_OK);
    return rc;
}

void sqlw_load_abort(struct dest_load *dl)
{
    load_free((struct sqlw_load *)dl, true);
}
