/*
 * ws_tables.c - table and column selection in the state database.
 */
#include "common/kv.h"
#include "ws/ws_tables.h"
#include "common/mem.h"
#include "source/catalog.h"

static int insert_column(struct ws *ws, const char *table, const char *name,
                         enum table_type type, const char *state,
                         struct kv_err *err)
{
    sqlite3_stmt *st = ws_stmt(ws, "INSERT OR IGNORE INTO columns(tbl, name,"
                               " type, state, position) VALUES(?, ?, ?, ?, "
                               "(SELECT count(*) FROM columns WHERE tbl=?1))",
                               err);

    if (!st)
        return KV_EFAIL;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, table_type_name(type), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, state, -1, SQLITE_STATIC);
    return ws_step(ws, st, err);
}

static int install_table(struct ws *ws, const struct catalog_table *t,
                         struct kv_err *err)
{
    sqlite3_stmt *st = ws_stmt(ws, "INSERT OR IGNORE INTO tables(name, "
                               "selected, mode) VALUES(?, 1, ?)", err);
    int rc;

    if (!st)
        return KV_EFAIL;
    sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, table_mode_name(t->default_mode), -1,
                      SQLITE_STATIC);
    rc = ws_step(ws, st, err);
    for (int i = 0; !rc && i < t->ncols; i++)
        rc = insert_column(ws, t->name, t->cols[i].name, t->cols[i].type,
                           "selected", err);
    return rc;
}

int ws_tables_install_defaults(struct ws *ws, struct kv_err *err)
{
    int n;
    const struct catalog_table *tables = catalog_tables(&n);
    int rc = ws_begin(ws, err);

    for (int i = 0; !rc && i < n; i++)
        rc = install_table(ws, &tables[i], err);
    if (!rc)
        rc = ws_commit(ws, err);
    if (rc)
        ws_rollback(ws);
    return rc;
}

static void read_table_row(sqlite3_stmt *st, struct ws_table_info *out)
{
    const char *mode = (const char *)sqlite3_column_text(st, 2);
    const char *status = (const char *)sqlite3_column_text(st, 4);
    const char *error = (const char *)sqlite3_column_text(st, 5);

    memset(out, 0, sizeof(*out));
    snprintf(out->name, sizeof(out->name), "%s",
             (const char *)sqlite3_column_text(st, 0));
    out->selected = sqlite3_column_int(st, 1) != 0;
    if (!mode || !table_mode_parse(mode, &out->mode))
        out->mode = TABLE_INCREMENTAL;
    out->last_sync_at = sqlite3_column_int64(st, 3);
    snprintf(out->last_status, sizeof(out->last_status), "%s",
             status ? status : "");
    snprintf(out->last_error, sizeof(out->last_error), "%s",
             error ? error : "");
}

#define TABLE_COLS "name, selected, mode, last_sync_at, last_status, " \
                   "last_error"

int ws_table_get(struct ws *ws, const char *name, struct ws_table_info *out,
                 struct kv_err *err)
{
    sqlite3_stmt *st = ws_stmt(ws, "SELECT " TABLE_COLS " FROM tables "
                               "WHERE name=?", err);
    int rc = KV_OK;

    if (!st)
        return KV_EFAIL;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        read_table_row(st, out);
    else
        rc = kv_err_set(err, KV_ENOENT, "unknown table '%s'", name);
    sqlite3_reset(st);
    return rc;
}

int ws_tables_list(struct ws *ws, struct ws_table_info **out, int *n,
                   struct kv_err *err)
{
    int ncat;
    const struct catalog_table *cat = catalog_tables(&ncat);
    struct ws_table_info *list = xcalloc((size_t)ncat, sizeof(*list));
    int count = 0;

    for (int i = 0; i < ncat; i++) {
        int rc = ws_table_get(ws, cat[i].name, &list[count], err);

        if (rc == KV_OK)
            count++;
        else if (rc != KV_ENOENT) {
            free(list);
            return rc;
        }
    }
    kv_err_clear(err);
    *out = list;
    *n = count;
    return KV_OK;
}

int ws_table_set_result(struct ws *ws, const char *name, int64_t at,
                        const char *status, const char *error,
                        struct kv_err *err)
{
    sqlite3_stmt *st = ws_stmt(ws, "UPDATE tables SET last_sync_at="
                               "coalesce(?, last_sync_at), last_status=?, "
                               "last_error=? WHERE name=?", err);

    if (!st)
        return KV_EFAIL;
    if (at)
        sqlite3_bind_int64(st, 1, at);
    sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, error, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, name, -1, SQLITE_STATIC);
    return ws_step(ws, st, err);
}

static bool is_key(const struct catalog_table *cat, const char *name)
{
    for (int k = 0; k < cat->nkey; k++)
        if (!strcmp(cat->key[k], name))
            return true;
    return false;
}

static void add_column(struct table_schema *out, sqlite3_stmt *st)
{
    const char *name = (const char *)sqlite3_column_text(st, 0);
    enum table_type type = TABLE_STRING;
    struct table_column *c;

    table_type_parse((const char *)sqlite3_column_text(st, 1), &type);
    table_schema_add(out, name, type);
    c = &out->cols[out->ncols - 1];
    if (sqlite3_column_int(st, 2)) {
        c->type = TABLE_STRING;
        c->flags |= TABLE_COL_HASHED;
    }
}

static int add_selected(struct ws *ws, const char *table, bool include_gone,
                        const struct catalog_table *cat,
                        struct table_schema *out, struct kv_err *err)
{
    sqlite3_stmt *st = ws_stmt(ws, "SELECT name, type, hashed FROM columns "
                               "WHERE tbl=? AND state='selected' AND "
                               "(gone=0 OR ?) ORDER BY position", err);
    int s;

    if (!st)
        return KV_EFAIL;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, include_gone);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (!is_key(cat, (const char *)sqlite3_column_text(st, 0)))
            add_column(out, st);
    }
    sqlite3_reset(st);
    if (s != SQLITE_DONE)
        return kv_err_set(err, KV_EFAIL, "workspace state: %s",
                          sqlite3_errmsg(ws->db));
    return KV_OK;
}

int ws_schema_load(struct ws *ws, const char *table, bool include_gone,
                   struct table_schema *out, struct kv_err *err)
{
    const struct catalog_table *cat = catalog_find(table);
    int rc;

    memset(out, 0, sizeof(*out));
    if (!cat)
        return kv_err_set(err, KV_EUSAGE, "unknown table '%s'", table);
    out->name = xstrdup(table);
    /* keys are always synced, whatever the column states say */
    for (int k = 0; k < cat->nkey; k++)
        table_schema_add(out, cat->key[k], TABLE_INT64);
    out->nkey = cat->nkey;
    rc = add_selected(ws, table, include_gone, cat, out, err);
    if (rc)
        table_schema_release(out);
    return rc;
}

int ws_columns_list(struct ws *ws, const char *table,
                    struct ws_column **out, int *n, struct kv_err *err)
{
    sqlite3_stmt *st = ws_stmt(ws, "SELECT name, type, state, hashed, gone, "
                               "seen FROM columns WHERE tbl=? ORDER BY "
                               "position", err);
    struct ws_column *cols = NULL;
    int count = 0;

    if (!st)
        return KV_EFAIL;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct ws_column *c;

        cols = xrealloc(cols, sizeof(*cols) * (size_t)(count + 1));
        c = &cols[count++];
        c->name = xstrdup((const char *)sqlite3_column_text(st, 0));
        if (!table_type_parse((const char *)sqlite3_column_text(st, 1),
                              &c->type))
            c->type = TABLE_STRING;
        c->selected = !strcmp((const char *)sqlite3_column_text(st, 2),
                              "selected");
        c->hashed = sqlite3_column_int(st, 3) != 0;
        c->gone = sqlite3_column_int(st, 4) != 0;
        c->seen = sqlite3_column_int(st, 5) != 0;
        snprintf(c->state, sizeof(c->state), "%s", c->gone ? "gone" :
                 c->selected ? "selected" : "available");
    }
    sqlite3_reset(st);
    *out = cols;
    *n = count;
    return KV_OK;
}

void ws_columns_free(struct ws_column *cols, int n)
{
    for (int i = 0; i < n; i++)
        free(cols[i].name);
    free(cols);
}

int ws_column_note(struct ws *ws, const char *table, const char *name,
                   enum table_type type, struct kv_err *err)
{
    return insert_column(ws, table, name, type, "available", err);
}

int ws_table_set_selected(struct ws *ws, const char *name, bool selected,
                          struct kv_err *err)
{
    sqlite3_stmt *st = ws_stmt(ws, "UPDATE tables SET selected=? WHERE "
                               "name=?", err);

    if (!st)
        return KV_EFAIL;
    sqlite3_bind_int(st, 1, selected);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    return ws_step(ws, st, err);
}

int ws_table_set_mode(struct ws *ws, const char *name, enum table_mode mode,
                      struct kv_err *err)
{
    sqlite3_stmt *st = ws_stmt(ws, "UPDATE tables SET mode=? WHERE name=?",
                               err);

    if (!st)
        return KV_EFAIL;
    sqlite3_bind_text(st, 1, table_mode_name(mode), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    return ws_step(ws, st, err);
}

/* Runs an UPDATE of one column; KV_ENOENT when it matched none. */
static int update_column(struct ws *ws, sqlite3_stmt *st, const char *table,
                         const char *name, struct kv_err *err)
{
    int rc;

    sqlite3_bind_text(st, 2, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    rc = ws_step(ws, st, err);
    if (!rc && sqlite3_changes(ws->db) == 0)
        rc = kv_err_set(err, KV_ENOENT, "table '%s' has no column '%s' "
                        "(see 'kaivo columns %s')", table, name, table);
    return rc;
}

int ws_column_set_selected(struct ws *ws, const char *table,
                           const char *name, bool selected,
                           struct kv_err *err)
{
    sqlite3_stmt *st = ws_stmt(ws, "UPDATE columns SET state=? WHERE tbl=? "
                               "AND name=?", err);

    if (!st)
        return KV_EFAIL;
    sqlite3_bind_text(st, 1, selected ? "selected" : "available", -1,
                      SQLITE_STATIC);
    return update_column(ws, st, table, name, err);
}

int ws_column_set_hashed(struct ws *ws, const char *table, const char *name,
                         struct kv_err *err)
{
    sqlite3_stmt *st = ws_stmt(ws, "UPDATE columns SET hashed=? WHERE tbl=? "
                               "AND name=?", err);

    if (!st)
        return KV_EFAIL;
    sqlite3_bind_int(st, 1, 1);
    return update_column(ws, st, table, name, err);
}

int ws_column_set_type(struct ws *ws, const char *table, const char *name,
                       enum table_type type, struct kv_err *err)
{
    sqlite3_stmt *st = ws_stmt(ws, "UPDATE columns SET type=? WHERE tbl=? "
                               "AND name=?", err);

    if (!st)
        return KV_EFAIL;
    sqlite3_bind_text(st, 1, table_type_name(type), -1, SQLITE_STATIC);
    return update_column(ws, st, table, name, err);
}

static int mark_seen(struct ws *ws, const char *table, const char *name,
                     struct kv_err *err)
{
    sqlite3_stmt *st = ws_stmt(ws, "UPDATE columns SET gone=0, seen=1 "
                               "WHERE tbl=? AND name=?", err);

    if (!st)
        return KV_EFAIL;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    return ws_step(ws, st, err);
}

int ws_columns_set_seen(struct ws *ws, const char *table,
                        char *const *seen, size_t n, struct kv_err *err)
{
    const struct catalog_table *cat = catalog_find(table);
    sqlite3_stmt *st;
    int rc = ws_begin(ws, err);

    /* only a field sent before can stop being sent: the catalog's columns
     * that no record ever carried stay as they are */
    st = rc ? NULL : ws_stmt(ws, "UPDATE columns SET gone=1 WHERE tbl=? "
                             "AND seen=1", err);
    if (!rc && !st)
        rc = KV_EFAIL;
    if (!rc) {
        sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
        rc = ws_step(ws, st, err);
    }
    for (size_t i = 0; !rc && i < n; i++)
        rc = mark_seen(ws, table, seen[i], err);
    for (int k = 0; !rc && cat && k < cat->nkey; k++)
        rc = mark_seen(ws, table, cat->key[k], err);
    if (!rc)
        rc = ws_commit(ws, err);
    if (rc)
        ws_rollback(ws);
    return rc;
}
