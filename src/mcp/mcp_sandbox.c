/*
 * mcp_sandbox.c - the engine-enforced confinement of model SQL (see
 * mcp_sandbox.h).  Each layer would stop a write on its own; they are
 * stacked because every public escape from a database MCP server went
 * through a single text check or a single read-only transaction.
 */
#include "common/kv.h"
#include "mcp/mcp_sandbox.h"
#include "common/mem.h"
#include "common/util.h"
#include "mcp/mcp_cell.h"

#include <limits.h>
#include <sqlite3.h>

#define SANDBOX_BUSY_MS 2000
#define SANDBOX_PROGRESS_OPS 1000

/* Per-connection limits: far above what the dataset needs. */
#define SANDBOX_MAX_LENGTH (16 * 1024 * 1024)
#define SANDBOX_MAX_SQL 100000
#define SANDBOX_MAX_COLUMNS 500
#define SANDBOX_MAX_EXPR_DEPTH 200
#define SANDBOX_MAX_COMPOUND 64
#define SANDBOX_MAX_FUNCTION_ARGS 32
#define SANDBOX_MAX_LIKE_PATTERN 2000

static const char *const dataset_tables[] = {
    "campaigns", "campaigns_actions", "newsletters",
};

/* Table-valued functions that only read their arguments. */
static const char *const pure_vtabs[] = {"json_each", "json_tree"};

/*
 * Functions that compute from their arguments alone.  Anything absent is
 * refused: load_extension, fts3_tokenizer, readfile/writefile/edit (the
 * shell's), sqlite_* introspection, randomblob/zeroblob (no analytic use,
 * only a way to burn memory), and printf/format: in SQLite 3.40 a `%c`
 * with a huge precision loops over it inside one call, past the length
 * limit and out of the progress handler's reach (10 s per row for
 * printf('%.*c', 2000000000, 'x'), whatever the deadline).
 */
static const char *const pure_functions[] = {
    "abs", "char", "coalesce", "concat", "concat_ws",
    "glob", "hex", "unhex", "ifnull", "iif", "if", "instr", "length",
    "octet_length", "like", "likely", "unlikely", "likelihood", "lower",
    "upper", "ltrim", "rtrim", "trim", "max", "min", "nullif", "quote",
    "replace", "round", "sign", "soundex", "substr", "substring", "typeof",
    "unicode", "random",
    "date", "time", "datetime", "julianday", "unixepoch", "strftime",
    "timediff", "current_date", "current_time", "current_timestamp",
    "avg", "count", "group_concat", "string_agg", "sum", "total",
    "row_number", "rank", "dense_rank", "percent_rank", "cume_dist",
    "ntile", "lag", "lead", "first_value", "last_value", "nth_value",
    "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "ceil",
    "ceiling", "cos", "cosh", "degrees", "exp", "floor", "ln", "log",
    "log10", "log2", "mod", "pi", "pow", "power", "radians", "sin",
    "sinh", "sqrt", "tan", "tanh", "trunc",
    "json", "json_array", "json_array_length", "json_extract",
    "json_insert", "json_object", "json_patch", "json_remove",
    "json_replace", "json_set", "json_type", "json_valid", "json_quote",
    "json_group_array", "json_group_object", "json_error_position",
    "json_pretty", "->", "->>",
};

/* A connection and what its callbacks report. */
struct box {
    sqlite3 *db;
    const char *denied;    /* what the authorizer refused, for the model */
    char denied_name[128]; /* the object it named */
    bool internal;         /* our own metadata SQL: table_info allowed */
    int64_t deadline;      /* kv_now_ms() value */
    bool timed_out;
    volatile sig_atomic_t *cancel;
    struct sbuf real;      /* "\nname\n..." of main's tables and views */
};

static bool in_list(const char *name, const char *const *list, size_t n)
{
    if (!name)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!sqlite3_stricmp(name, list[i]))
            return true;
    return false;
}

bool mcp_sandbox_is_dataset_table(const char *name)
{
    for (size_t i = 0; i < KV_ARRAY_LEN(dataset_tables); i++)
        if (!strcmp(name, dataset_tables[i]))
            return true;
    return false;
}

/* Whether name is a table or view of the warehouse file. */
static bool real_table(const struct box *b, const char *name)
{
    char *key = xasprintf("\n%s\n", name);
    bool found = b->real.buf && strcasestr(b->real.buf, key);

    free(key);
    return found;
}

/*
 * A read of no column with no database (count(*) over a CTE or a
 * subquery) reads no stored data unless it names a real table, which
 * must then be one of the dataset's.
 */
static bool read_allowed(const struct box *b, const char *table,
                         const char *column, const char *db)
{
    bool dataset = in_list(table, dataset_tables,
                           KV_ARRAY_LEN(dataset_tables));

    if (in_list(table, pure_vtabs, KV_ARRAY_LEN(pure_vtabs)))
        return true;
    if (!db && column && !*column)
        return dataset || !real_table(b, table);
    return db && !strcmp(db, "main") && dataset;
}

static int deny(struct box *b, const char *what, const char *name)
{
    b->denied = what;
    snprintf(b->denied_name, sizeof(b->denied_name), "%s",
             name ? name : "");
    return SQLITE_DENY;
}

/* The words for a refused action code. */
static const char *action_words(int action)
{
    switch (action) {
    case SQLITE_ATTACH:
    case SQLITE_DETACH:
        return "ATTACH and DETACH";
    case SQLITE_PRAGMA:
        return "PRAGMA";
    case SQLITE_TRANSACTION:
    case SQLITE_SAVEPOINT:
        return "transactions";
    case SQLITE_INSERT:
    case SQLITE_UPDATE:
    case SQLITE_DELETE:
        return "writing";
    default:
        return "this kind of statement";
    }
}

/*
 * The allow-list: a SELECT, reads of the dataset's tables in the main
 * database, pure functions, recursive CTEs.  Everything else, including
 * codes added by future SQLite versions, is refused.  The 6th argument
 * (trigger or view) is not consulted: views are disabled on the handle.
 */
static int authorize(void *ctx, int action, const char *a, const char *b,
                     const char *db, const char *inner)
{
    struct box *bx = ctx;

    (void)inner;
    if (action == SQLITE_SELECT || action == SQLITE_RECURSIVE)
        return SQLITE_OK;
    if (action == SQLITE_READ)
        return read_allowed(bx, a, b, db) ? SQLITE_OK :
               deny(bx, "reading", a);
    if (action == SQLITE_FUNCTION)
        return in_list(b, pure_functions, KV_ARRAY_LEN(pure_functions)) ?
               SQLITE_OK : deny(bx, "the function", b);
    if (action == SQLITE_PRAGMA && bx->internal &&
        !sqlite3_stricmp(a, "table_info"))
        return SQLITE_OK;
    return deny(bx, action_words(action), a);
}

static int progress(void *ctx)
{
    struct box *b = ctx;

    if ((b->cancel && *b->cancel) || kv_now_ms() >= b->deadline) {
        b->timed_out = true;
        return 1;
    }
    return 0;
}

void mcp_sandbox_heap_limit(int64_t bytes)
{
    sqlite3_hard_heap_limit64(bytes);
}

static void set_limits(sqlite3 *db)
{
    sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
    sqlite3_limit(db, SQLITE_LIMIT_LENGTH, SANDBOX_MAX_LENGTH);
    sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, SANDBOX_MAX_SQL);
    sqlite3_limit(db, SQLITE_LIMIT_COLUMN, SANDBOX_MAX_COLUMNS);
    sqlite3_limit(db, SQLITE_LIMIT_EXPR_DEPTH, SANDBOX_MAX_EXPR_DEPTH);
    sqlite3_limit(db, SQLITE_LIMIT_COMPOUND_SELECT, SANDBOX_MAX_COMPOUND);
    sqlite3_limit(db, SQLITE_LIMIT_FUNCTION_ARG, SANDBOX_MAX_FUNCTION_ARGS);
    sqlite3_limit(db, SQLITE_LIMIT_LIKE_PATTERN_LENGTH,
                  SANDBOX_MAX_LIKE_PATTERN);
    sqlite3_limit(db, SQLITE_LIMIT_TRIGGER_DEPTH, 1);
}

static void set_config(sqlite3 *db)
{
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, 0, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
}

/*
 * The first use of an eponymous virtual table (json_each) makes SQLite
 * ask the authorizer about writing sqlite_master while it sets the table
 * up; doing that once before the authorizer is installed keeps the
 * allow-list free of any write.
 */
#define WARM_UP "SELECT count(*) FROM json_each('[]'), json_tree('[]')"

/*
 * query_only makes the engine refuse any write even if a layer above it
 * failed; temp_store=MEMORY keeps sorts and temporary b-trees in the heap,
 * where the hard heap limit bounds them, instead of in temporary files.
 */
static int pragmas(sqlite3 *db, struct kv_err *err)
{
    char *msg = NULL;
    int code = sqlite3_exec(db, "PRAGMA query_only = ON; "
                            "PRAGMA temp_store = MEMORY; " WARM_UP, NULL,
                            NULL, &msg);

    if (code != SQLITE_OK)
        kv_err_set(err, KV_EFAIL, "cannot set up the sandbox: %s",
                   msg ? msg : sqlite3_errstr(code));
    sqlite3_free(msg);
    return code == SQLITE_OK ? KV_OK : KV_EFAIL;
}

/* Refuses a warehouse configured inside the workspace's private folder. */
static int check_path(const struct mcp_sandbox *sb, struct kv_err *err)
{
    char real[PATH_MAX], priv[PATH_MAX];
    size_t n;

    if (!realpath(sb->path, real))
        return kv_err_set(err, KV_ENOENT, "no data has been synced yet "
                          "(the warehouse does not exist)");
    if (!sb->forbid_dir || !realpath(sb->forbid_dir, priv))
        return KV_OK;
    n = strlen(priv);
    if (!strncmp(real, priv, n) && (real[n] == '/' || !real[n]))
        return kv_err_set(err, KV_EUSAGE, "the warehouse lies inside the "
                          "workspace's private folder; refusing to open it");
    return KV_OK;
}

/* Notes the file's table names, before the authorizer would refuse it. */
static int list_tables(struct box *b, struct kv_err *err)
{
    sqlite3_stmt *st = NULL;
    int code = sqlite3_prepare_v2(b->db, "SELECT name FROM sqlite_schema "
                                  "WHERE type IN ('table', 'view')", -1,
                                  &st, NULL);

    sbuf_addstr(&b->real, "\n");
    while (code == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        sbuf_addf(&b->real, "%s\n", sqlite3_column_text(st, 0));
    if (code == SQLITE_OK)
        code = sqlite3_finalize(st);
    if (code != SQLITE_OK)
        return kv_err_set(err, KV_EFAIL, "cannot read the warehouse: %s",
                          sqlite3_errmsg(b->db));
    return KV_OK;
}

static int box_open(const struct mcp_sandbox *sb, struct box *b,
                    int64_t timeout_ms, struct kv_err *err)
{
    int rc;

    memset(b, 0, sizeof(*b));
    sbuf_init(&b->real, 0);
    b->cancel = sb->cancel;
    b->deadline = kv_now_ms() + timeout_ms;
    rc = check_path(sb, err);
    if (rc)
        return rc;
    if (sqlite3_open_v2(sb->path, &b->db, SQLITE_OPEN_READONLY, NULL)) {
        rc = kv_err_set(err, KV_EFAIL, "cannot open the warehouse: %s",
                        b->db ? sqlite3_errmsg(b->db) : "out of memory");
        return rc;
    }
    sqlite3_busy_timeout(b->db, SANDBOX_BUSY_MS);
    set_limits(b->db);
    set_config(b->db);
    rc = pragmas(b->db, err);
    if (!rc)
        rc = list_tables(b, err);
    if (rc)
        return rc;
    sqlite3_set_authorizer(b->db, authorize, b);
    sqlite3_progress_handler(b->db, SANDBOX_PROGRESS_OPS, progress, b);
    return KV_OK;
}

static void box_close(struct box *b)
{
    sqlite3_close_v2(b->db);
    b->db = NULL;
    sbuf_release(&b->real);
}

/* The error for a failed prepare or step, worded for the model. */
static int box_fail(struct box *b, int code, struct kv_err *err)
{
    if (b->denied && b->denied_name[0])
        return kv_err_set(err, KV_EUSAGE, "refused: %s '%s' is not allowed; "
                          "only one SELECT over campaigns, campaigns_actions "
                          "and newsletters is", b->denied, b->denied_name);
    if (b->denied)
        return kv_err_set(err, KV_EUSAGE, "refused: %s is not allowed; only "
                          "one SELECT over campaigns, campaigns_actions and "
                          "newsletters is", b->denied);
    if (b->timed_out || code == SQLITE_INTERRUPT)
        return kv_err_set(err, KV_ECANCEL, "the query ran past its time "
                          "limit and was stopped");
    if (code == SQLITE_NOMEM || code == SQLITE_TOOBIG)
        return kv_err_set(err, KV_EUSAGE, "the query needs more memory "
                          "than allowed (%s)", sqlite3_errmsg(b->db));
    if (code == SQLITE_ERROR || code == SQLITE_AUTH ||
        code == SQLITE_READONLY)
        return kv_err_set(err, KV_EUSAGE, "%s", sqlite3_errmsg(b->db));
    return kv_err_set(err, KV_EFAIL, "%s", sqlite3_errmsg(b->db));
}

/*
 * Whether the text after the first statement holds another one.  The
 * engine decides: the rest is prepared (never stepped) until it is used
 * up; white space, comments and semicolons prepare to no statement.
 */
static bool more_statements(struct box *b, const char *tail)
{
    while (*tail) {
        sqlite3_stmt *st = NULL;
        const char *next = NULL;
        int code = sqlite3_prepare_v2(b->db, tail, -1, &st, &next);

        sqlite3_finalize(st);
        if (code != SQLITE_OK || st || !next || next == tail)
            return true;
        tail = next;
    }
    return false;
}

static int box_prepare(struct box *b, const char *sql, sqlite3_stmt **out,
                       struct kv_err *err)
{
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    int code = sqlite3_prepare_v2(b->db, sql, -1, &st, &tail);
    int rc = KV_OK;

    if (code != SQLITE_OK)
        rc = box_fail(b, code, err);
    else if (!st)
        rc = kv_err_set(err, KV_EUSAGE, "no statement to run");
    else if (more_statements(b, tail))
        rc = kv_err_set(err, KV_EUSAGE, "refused: only one statement is "
                        "allowed");
    else if (!sqlite3_stmt_readonly(st) || sqlite3_stmt_isexplain(st))
        rc = kv_err_set(err, KV_EUSAGE, "refused: only a read-only SELECT "
                        "is allowed");
    if (rc)
        sqlite3_finalize(st);
    else
        *out = st;
    return rc;
}

/* The result being built, and how much room is left. */
struct result {
    json_t *rows;
    int row_count;
    int cut_cells;
    size_t bytes;
    bool truncated;
};

static json_t *cell(sqlite3_stmt *st, int i, int max_chars, size_t *bytes,
                    int *cut_cells)
{
    bool cut = false;
    json_t *v;

    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
        *bytes += 21;
        return json_integer(sqlite3_column_int64(st, i));
    case SQLITE_FLOAT:
        *bytes += 24;
        return mcp_cell_real(sqlite3_column_double(st, i));
    case SQLITE_TEXT:
        v = mcp_cell_text((const char *)sqlite3_column_text(st, i),
                          (size_t)sqlite3_column_bytes(st, i), max_chars,
                          &cut);
        *bytes += json_string_length(v) + 4;
        *cut_cells += cut;
        return v;
    case SQLITE_BLOB:
        *bytes += 32;
        return json_sprintf("(blob, %d bytes)", sqlite3_column_bytes(st, i));
    default:
        *bytes += 4;
        return json_null();
    }
}

/* Adds the current row, or marks the result truncated when full. */
static void add_row(const struct mcp_sandbox *sb, sqlite3_stmt *st,
                    struct result *r)
{
    int n = sqlite3_column_count(st);
    size_t bytes = r->bytes;
    int cut = 0;
    json_t *row = json_array();

    for (int i = 0; i < n; i++)
        json_array_append_new(row, cell(st, i, sb->max_cell_chars, &bytes,
                                        &cut));
    if (r->row_count >= sb->max_rows || bytes > sb->max_bytes) {
        r->truncated = true;
        json_decref(row);
        return;
    }
    json_array_append_new(r->rows, row);
    r->row_count++;
    r->cut_cells += cut;
    r->bytes = bytes;
}

static json_t *columns_json(sqlite3_stmt *st)
{
    json_t *cols = json_array();
    int n = sqlite3_column_count(st);

    for (int i = 0; i < n; i++) {
        const char *type = sqlite3_column_decltype(st, i);

        json_array_append_new(cols, json_pack("{s:s, s:s}", "name",
                              sqlite3_column_name(st, i), "type",
                              type ? type : ""));
    }
    return cols;
}

static int box_run(const struct mcp_sandbox *sb, struct box *b,
                   sqlite3_stmt *st, struct result *r, struct kv_err *err)
{
    int code;

    for (;;) {
        code = sqlite3_step(st);
        if (code != SQLITE_ROW)
            break;
        add_row(sb, st, r);
        if (r->truncated)
            return KV_OK;
    }
    return code == SQLITE_DONE ? KV_OK : box_fail(b, code, err);
}

static json_t *result_json(sqlite3_stmt *st, struct result *r,
                           int64_t elapsed)
{
    json_t *o = mcp_cell_result(columns_json(st), r->rows, r->row_count,
                                r->truncated, r->cut_cells, elapsed);

    r->rows = NULL;
    return o;
}

int mcp_sandbox_query(const struct mcp_sandbox *sb, const char *sql,
                      json_t **out, struct kv_err *err)
{
    struct result r = {json_array(), 0, 0, 0, false};
    struct box b;
    sqlite3_stmt *st = NULL;
    int64_t start = kv_now_ms();
    int rc;

    rc = box_open(sb, &b, sb->timeout_ms, err);
    if (rc)
        goto out;
    rc = box_prepare(&b, sql, &st, err);
    if (rc)
        goto out;
    rc = box_run(sb, &b, st, &r, err);
    if (rc)
        goto out;
    *out = result_json(st, &r, kv_now_ms() - start);
out:
    json_decref(r.rows);
    sqlite3_finalize(st);
    box_close(&b);
    return rc;
}

/* Our own fixed SQL, under the same handle and limits. */
static int internal_prepare(const struct mcp_sandbox *sb, struct box *b,
                            const char *sql, sqlite3_stmt **st,
                            struct kv_err *err)
{
    int rc = box_open(sb, b, sb->timeout_ms, err);

    if (rc)
        return rc;
    b->internal = true;
    if (sqlite3_prepare_v2(b->db, sql, -1, st, NULL) != SQLITE_OK)
        return box_fail(b, sqlite3_errcode(b->db), err);
    return KV_OK;
}

int mcp_sandbox_row_count(const struct mcp_sandbox *sb, const char *table,
                          int64_t *out, struct kv_err *err)
{
    struct box b = {0};
    sqlite3_stmt *st = NULL;
    char *sql = NULL;
    int rc;

    if (!mcp_sandbox_is_dataset_table(table))
        return kv_err_set(err, KV_ENOENT, "no table '%s'", table);
    /* the name comes from the fixed list above, never from the model */
    sql = xasprintf("SELECT count(*) FROM \"%s\"", table);
    rc = internal_prepare(sb, &b, sql, &st, err);
    if (rc)
        goto out;
    if (sqlite3_step(st) == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        rc = box_fail(&b, sqlite3_errcode(b.db), err);
out:
    if (rc && strstr(err->msg, "no such table"))
        rc = kv_err_set(err, KV_ENOENT, "table '%s' has not been synced",
                        table);
    sqlite3_finalize(st);
    box_close(&b);
    free(sql);
    return rc;
}

static int read_columns(sqlite3_stmt *st, json_t *cols)
{
    for (;;) {
        int code = sqlite3_step(st);
        const char *type;

        if (code != SQLITE_ROW)
            return code;
        type = (const char *)sqlite3_column_text(st, 2);
        json_array_append_new(cols, json_pack("{s:s, s:s, s:b}", "name",
                              (const char *)sqlite3_column_text(st, 1),
                              "sqlite_type", type ? type : "",
                              "nullable", !sqlite3_column_int(st, 3)));
    }
}

int mcp_sandbox_columns(const struct mcp_sandbox *sb, const char *table,
                        json_t **out, struct kv_err *err)
{
    struct box b = {0};
    sqlite3_stmt *st = NULL;
    json_t *cols = json_array();
    char *sql = NULL;
    int rc;

    if (!mcp_sandbox_is_dataset_table(table))
        return kv_err_set(err, KV_ENOENT, "no table '%s'", table);
    sql = xasprintf("PRAGMA main.table_info(\"%s\")", table);
    rc = internal_prepare(sb, &b, sql, &st, err);
    if (!rc && read_columns(st, cols) != SQLITE_DONE)
        rc = box_fail(&b, sqlite3_errcode(b.db), err);
    if (!rc && !json_array_size(cols))
        rc = kv_err_set(err, KV_ENOENT, "table '%s' has not been synced",
                        table);
    if (!rc) {
        *out = cols;
        cols = NULL;
    }
    json_decref(cols);
    sqlite3_finalize(st);
    box_close(&b);
    free(sql);
    return rc;
}
