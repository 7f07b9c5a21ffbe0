/*
 * sqlw_query.c - `kaivo query` over the SQLite warehouse: one read-only
 * statement on a connection that cannot write, with values handed back as
 * text.  Layers: a read-only open, query_only, no attached databases, an
 * authorizer for what a read-only statement can still do to the
 * connection, and sqlite3_stmt_readonly() on the statement itself.
 * NEEDSWORK: a query has no time or row limit here; callers that need one
 * (the MCP server) must bound it themselves.
 */
#include "common/kv.h"
#include "dest/sqlw_int.h"

#define QUERY_BUSY_MS 10000

/* PRAGMAs that only describe the schema; every other one is refused. */
static const char *const allowed_pragmas[] = {
    "table_info", "table_xinfo", "table_list", "index_list", "index_info",
    "index_xinfo", "foreign_key_list",
};

static bool pragma_allowed(const char *name)
{
    for (size_t i = 0; i < KV_ARRAY_LEN(allowed_pragmas); i++)
        if (!sqlite3_stricmp(name, allowed_pragmas[i]))
            return true;
    return false;
}

/*
 * Functions that reach past the data: load_extension loads code, and
 * fts3_tokenizer (compiled into Debian's SQLite) reads and sets raw
 * pointers.
 */
static bool function_refused(const char *name)
{
    return !sqlite3_stricmp(name, "load_extension") ||
           !sqlite3_stricmp(name, "fts3_tokenizer");
}

/*
 * ATTACH would read other files (the workspace's own state among them);
 * BEGIN would pin a snapshot between queries and stall checkpoints.
 * These pass sqlite3_stmt_readonly(), so they are refused here.
 */
static int authorize(void *ctx, int action, const char *a, const char *b,
                     const char *db, const char *trigger)
{
    struct sqlw *w = ctx;

    (void)db;
    (void)trigger;
    if (action == SQLITE_ATTACH || action == SQLITE_DETACH)
        w->denied = "ATTACH and DETACH";
    else if (action == SQLITE_TRANSACTION || action == SQLITE_SAVEPOINT)
        w->denied = "transactions";
    else if (action == SQLITE_PRAGMA && !pragma_allowed(a))
        w->denied = "this PRAGMA";
    else if (action == SQLITE_FUNCTION && function_refused(b))
        w->denied = "this function";
    else
        return SQLITE_OK;
    return SQLITE_DENY;
}

static int setup_ro(sqlite3 *ro, struct sqlw *w, struct kv_err *err)
{
    int rc;

    sqlite3_busy_timeout(ro, QUERY_BUSY_MS);
    sqlite3_limit(ro, SQLITE_LIMIT_ATTACHED, 0);
    sqlite3_db_config(ro, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(ro, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    sqlite3_db_config(ro, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
    sqlite3_db_config(ro, SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, 0, NULL);
    rc = sqlw_exec(ro, "PRAGMA query_only = ON", err);
    if (!rc)
        sqlite3_set_authorizer(ro, authorize, w);
    return rc;
}

static int open_ro(struct sqlw *w, struct kv_err *err)
{
    sqlite3 *ro = NULL;
    int rc = KV_OK;

    if (w->ro)
        return KV_OK;
    if (sqlite3_open_v2(w->path, &ro, SQLITE_OPEN_READONLY, NULL)
        != SQLITE_OK)
        rc = sqlw_fail(ro, err);
    if (!rc)
        rc = setup_ro(ro, w, err);
    if (rc) {
        kv_err_prefix(err, "cannot open warehouse '%s' for reading",
                      w->path);
        sqlite3_close_v2(ro);
        return rc;
    }
    w->ro = ro;
    return KV_OK;
}

/* Whether s holds only white space, semicolons and comments. */
static bool only_trailer(const char *s)
{
    while (*s) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' ||
            *s == '\f' || *s == '\v' || *s == ';') {
            s++;
        } else if (s[0] == '-' && s[1] == '-') {
            s += strcspn(s, "\n");
        } else if (s[0] == '/' && s[1] == '*') {
            const char *end = strstr(s + 2, "*/");

            /* SQLite ends an unterminated comment at the end of input */
            s = end ? end + 2 : s + strlen(s);
        } else {
            return false;
        }
    }
    return true;
}

/*
 * The error of a failed prepare or step (code: its SQLite result).  The
 * authorizer also runs during a step: a pragma_*() table prepares its
 * PRAGMA then.
 */
static int query_fail(struct sqlw *w, int code, struct kv_err *err)
{
    if (w->denied)
        return kv_err_set(err, KV_EUSAGE, "only read-only statements are "
                          "allowed (%s refused)", w->denied);
    if (code == SQLITE_READONLY)
        return kv_err_set(err, KV_EUSAGE, "only read-only statements are "
                          "allowed");
    if (code == SQLITE_ERROR || code == SQLITE_AUTH)
        return kv_err_set(err, KV_EUSAGE, "%s", sqlite3_errmsg(w->ro));
    return kv_err_set(err, KV_EFAIL, "%s", sqlite3_errmsg(w->ro));
}

static int prepare_one(struct sqlw *w, const char *sql, sqlite3_stmt **out,
                       struct kv_err *err)
{
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    int code;
    int rc = KV_OK;

    w->denied = NULL;
    code = sqlite3_prepare_v2(w->ro, sql, -1, &st, &tail);
    if (code != SQLITE_OK) {
        rc = query_fail(w, code, err);
    } else if (!st) {
        rc = kv_err_set(err, KV_EUSAGE, "no statement to run");
    } else if (!only_trailer(tail)) {
        rc = kv_err_set(err, KV_EUSAGE, "only one statement is allowed");
    } else if (!sqlite3_stmt_readonly(st)) {
        rc = kv_err_set(err, KV_EUSAGE, "only read-only statements are "
                        "allowed");
    }
    if (rc)
        sqlite3_finalize(st);
    else
        *out = st;
    return rc;
}

static char *hex_blob(const unsigned char *p, int n)
{
    static const char digits[] = "0123456789abcdef";
    char *out = xmalloc((size_t)n * 2 + 1);

    for (int i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
    return out;
}

/*
 * Points names and values at row's columns; blobs become lowercase hex in
 * hex[i] (freed by the caller).
 */
static void read_row(sqlite3_stmt *st, int n, const char **names,
                     const char **values, char **hex)
{
    for (int i = 0; i < n; i++) {
        int type = sqlite3_column_type(st, i);

        names[i] = sqlite3_column_name(st, i);
        free(hex[i]);
        hex[i] = NULL;
        if (type == SQLITE_NULL) {
            values[i] = NULL;
        } else if (type == SQLITE_BLOB) {
            hex[i] = hex_blob(sqlite3_column_blob(st, i),
                              sqlite3_column_bytes(st, i));
            values[i] = hex[i];
        } else {
            values[i] = (const char *)sqlite3_column_text(st, i);
        }
    }
}

/* The arrays read_row fills, sized for n columns. */
struct query_row {
    int n;
    const char **names;
    const char **values;
    char **hex;
};

static void query_row_init(struct query_row *r, int n)
{
    r->n = n;
    r->names = xcalloc((size_t)n, sizeof(*r->names));
    r->values = xcalloc((size_t)n, sizeof(*r->values));
    r->hex = xcalloc((size_t)n, sizeof(*r->hex));
}

static void query_row_release(struct query_row *r)
{
    for (int i = 0; i < r->n; i++)
        free(r->hex[i]);
    free(r->hex);
    free(r->values);
    free(r->names);
}

/*
 * The column count is read after the first step: a statement prepared
 * against a stale schema (a REPLACE swapped a table since the last query)
 * is re-prepared there, and `*` may then stand for other columns.
 */
static int run(struct sqlw *w, sqlite3_stmt *st, dest_row_fn fn, void *ctx,
               struct kv_err *err)
{
    struct query_row row = {0};
    int step;
    int rc = KV_OK;

    for (;;) {
        step = sqlite3_step(st);
        if (step != SQLITE_ROW)
            break;
        if (!row.names)
            query_row_init(&row, sqlite3_column_count(st));
        read_row(st, row.n, row.names, row.values, row.hex);
        if (fn(ctx, row.n, row.names, row.values))
            break;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = query_fail(w, step, err);
    if (row.names)
        query_row_release(&row);
    return rc;
}

int sqlw_query(struct dest *d, const char *sql, dest_row_fn fn, void *ctx,
               struct kv_err *err)
{
    struct sqlw *w = (struct sqlw *)d;
    sqlite3_stmt *st = NULL;
    int rc;

    rc = open_ro(w, err);
    if (!rc)
        rc = prepare_one(w, sql, &st, err);
    if (!rc)
        rc = run(w, st, fn, ctx, err);
    /* finalizing ends the read transaction: no snapshot outlives a query */
    sqlite3_finalize(st);
    return rc;
}
