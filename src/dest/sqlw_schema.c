/*
 * sqlw_schema.c - the shape of warehouse tables: creating them from a
 * schema, checking an existing table's key, adding the selected columns
 * it lacks, and the staging table of a REPLACE.
 */
#include "common/kv.h"
#include "dest/sqlw_int.h"

/* What a table already has: column names and primary-key positions. */
struct sqlw_columns {
    char **names;
    int *pk; /* 1-based position in the primary key, 0 if not in it */
    int n;
};

static const char *sql_type(enum table_type t)
{
    switch (t) {
    case TABLE_INT64:
    case TABLE_BOOL:
        return "INTEGER";
    case TABLE_FLOAT64:
        return "REAL";
    default:
        return "TEXT";
    }
}

/* Column names compare without case in SQLite, so the checks do too. */
int sqlw_check_schema(const struct table_schema *s, struct kv_err *err)
{
    if (!s->name || !s->name[0])
        return kv_err_set(err, KV_EUSAGE, "table has no name");
    if (s->nkey < 1 || s->nkey > s->ncols)
        return kv_err_set(err, KV_EUSAGE, "table has no key columns");
    for (int i = 0; i < s->ncols; i++) {
        const char *name = s->cols[i].name;

        if (!sqlite3_stricmp(name, SQLW_SYNCED_AT))
            return kv_err_set(err, KV_EUSAGE, "column name '%s' is "
                              "reserved", name);
        for (int j = 0; j < i; j++)
            if (!sqlite3_stricmp(name, s->cols[j].name))
                return kv_err_set(err, KV_EUSAGE, "columns '%s' and '%s' "
                                  "have the same name in SQLite",
                                  s->cols[j].name, name);
    }
    return KV_OK;
}

/* Appends `"a", "b"` (the key columns of s) to sb. */
void sqlw_key_list(struct sbuf *sb, const struct table_schema *s)
{
    for (int i = 0; i < s->nkey; i++) {
        if (i)
            sbuf_addstr(sb, ", ");
        sqlw_quote(sb, s->cols[i].name);
    }
}

static int create_table(sqlite3 *db, const struct table_schema *s,
                        const char *table, bool if_missing,
                        struct kv_err *err)
{
    struct sbuf sql;
    int rc;

    sbuf_init(&sql, 0);
    sbuf_addstr(&sql, if_missing ? "CREATE TABLE IF NOT EXISTS "
                                 : "CREATE TABLE ");
    sqlw_quote(&sql, table);
    sbuf_addstr(&sql, " (");
    for (int i = 0; i < s->ncols; i++) {
        sqlw_quote(&sql, s->cols[i].name);
        sbuf_addf(&sql, " %s%s, ", sql_type(s->cols[i].type),
                  i < s->nkey ? " NOT NULL" : "");
    }
    sbuf_addstr(&sql, "\"" SQLW_SYNCED_AT "\" TEXT NOT NULL, PRIMARY KEY (");
    sqlw_key_list(&sql, s);
    sbuf_addstr(&sql, "))");
    rc = sqlw_exec(db, sql.buf, err);
    sbuf_release(&sql);
    return rc;
}

static void columns_release(struct sqlw_columns *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->names[i]);
    free(c->names);
    free(c->pk);
    memset(c, 0, sizeof(*c));
}

static void columns_add(struct sqlw_columns *c, const char *name, int pk)
{
    c->names = xrealloc(c->names, sizeof(*c->names) * (size_t)(c->n + 1));
    c->pk = xrealloc(c->pk, sizeof(*c->pk) * (size_t)(c->n + 1));
    c->names[c->n] = xstrdup(name);
    c->pk[c->n] = pk;
    c->n++;
}

static int read_columns(sqlite3 *db, const char *table,
                        struct sqlw_columns *out, struct kv_err *err)
{
    static const char sql[] =
        "SELECT name, pk FROM pragma_table_info(?1, 'main')";
    sqlite3_stmt *st = NULL;
    int rc;
    int step;

    rc = sqlw_prepare(db, sql, &st, err);
    if (rc)
        goto out;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    for (;;) {
        step = sqlite3_step(st);
        if (step != SQLITE_ROW)
            break;
        columns_add(out, (const char *)sqlite3_column_text(st, 0),
                    sqlite3_column_int(st, 1));
    }
    if (step != SQLITE_DONE)
        rc = sqlw_fail(db, err);
out:
    sqlite3_finalize(st);
    return rc;
}

static int find_column(const struct sqlw_columns *c, const char *name)
{
    for (int i = 0; i < c->n; i++)
        if (!sqlite3_stricmp(c->names[i], name))
            return i;
    return -1;
}

/* An upsert keyed differently from the table would write wrong rows. */
static int check_key(const struct sqlw_columns *c,
                     const struct table_schema *s, struct kv_err *err)
{
    int npk = 0;
    bool same = true;
    struct sbuf want;

    for (int i = 0; i < c->n; i++) {
        if (!c->pk[i])
            continue;
        npk++;
        if (c->pk[i] > s->nkey ||
            sqlite3_stricmp(c->names[i], s->cols[c->pk[i] - 1].name))
            same = false;
    }
    if (same && npk == s->nkey)
        return KV_OK;
    sbuf_init(&want, 0);
    sqlw_key_list(&want, s);
    kv_err_set(err, KV_EFAIL, "the existing table's primary key is not "
               "(%s)", want.buf);
    sbuf_release(&want);
    return KV_EFAIL;
}

static int add_column(sqlite3 *db, const char *table, const char *name,
                      const char *type, struct kv_err *err)
{
    struct sbuf sql;
    int rc;

    sbuf_init(&sql, 0);
    sbuf_addstr(&sql, "ALTER TABLE ");
    sqlw_quote(&sql, table);
    sbuf_addstr(&sql, " ADD COLUMN ");
    sqlw_quote(&sql, name);
    sbuf_addf(&sql, " %s", type);
    rc = sqlw_exec(db, sql.buf, err);
    sbuf_release(&sql);
    return rc;
}

/*
 * UPSERT: the table with every selected column.  Columns it has that are
 * not selected stay (incremental tables keep their history, PRODUCT.md).
 */
int sqlw_prepare_target(sqlite3 *db, const struct table_schema *s,
                        struct kv_err *err)
{
    struct sqlw_columns have = {0};
    int rc;

    rc = create_table(db, s, s->name, true, err);
    if (!rc)
        rc = read_columns(db, s->name, &have, err);
    if (!rc)
        rc = check_key(&have, s, err);
    for (int i = s->nkey; !rc && i < s->ncols; i++)
        if (find_column(&have, s->cols[i].name) < 0)
            rc = add_column(db, s->name, s->cols[i].name,
                            sql_type(s->cols[i].type), err);
    /* no NOT NULL here: SQLite adds one only with a default */
    if (!rc && find_column(&have, SQLW_SYNCED_AT) < 0)
        rc = add_column(db, s->name, SQLW_SYNCED_AT, "TEXT", err);
    columns_release(&have);
    return rc;
}

/* REPLACE: a fresh staging table; a crashed run's leftover goes first. */
int sqlw_prepare_stage(sqlite3 *db, const struct table_schema *s,
                       const char *stage, struct kv_err *err)
{
    struct sbuf sql;
    int rc;

    sbuf_init(&sql, 0);
    sbuf_addstr(&sql, "DROP TABLE IF EXISTS ");
    sqlw_quote(&sql, stage);
    rc = sqlw_exec(db, sql.buf, err);
    if (!rc)
        rc = create_table(db, s, stage, false, err);
    sbuf_release(&sql);
    return rc;
}
