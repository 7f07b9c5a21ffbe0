/*
 * test_sqlw.c - the SQLite warehouse: upserts, keys, quoting, schema
 * growth, the REPLACE swap (including a crash halfway), forget, the
 * read-only query path, and a throughput figure.
 */
#include "common/kv.h"
#include "harness.h"
#include "common/mem.h"
#include "common/util.h"
#include "dest/sqlw.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define T1 1692284573 /* 2023-08-17T15:02:53Z */
#define T2 1692285687 /* 2023-08-17T15:21:27Z */

static char *db_path(void)
{
    return xasprintf("%s/warehouse/customerio.sqlite", harness_tmpdir());
}

static struct dest *open_dest(void)
{
    char *path = db_path();
    struct dest *d = NULL;
    struct kv_err err;

    kv_err_clear(&err);
    if (sqlw_open(path, &d, &err))
        harness_fail(__FILE__, __LINE__, "sqlw_open: %s", err.msg);
    free(path);
    return d;
}

/* schema_make(s, "t", nkey, "id", TABLE_INT64, "name", ..., NULL) */
static void schema_make(struct table_schema *s, const char *name, int nkey,
                        ...)
{
    va_list ap;
    const char *col;

    memset(s, 0, sizeof(*s));
    s->name = xstrdup(name);
    s->nkey = nkey;
    va_start(ap, nkey);
    for (;;) {
        col = va_arg(ap, const char *);
        if (!col)
            break;
        table_schema_add(s, col, (enum table_type)va_arg(ap, int));
    }
    va_end(ap);
}

static void row_init(struct table_row *r, int n, const char *key)
{
    memset(r, 0, sizeof(*r));
    r->cells = xcalloc((size_t)n, sizeof(*r->cells));
    r->ncells = n;
    r->key = xstrdup(key);
}

static void cell_int(struct table_row *r, int i, int64_t v)
{
    r->cells[i].kind = CELL_INT;
    r->cells[i].i = v;
}

static void cell_real(struct table_row *r, int i, double v)
{
    r->cells[i].kind = CELL_REAL;
    r->cells[i].r = v;
}

static void cell_text(struct table_row *r, int i, const char *s)
{
    free(r->cells[i].text);
    r->cells[i].kind = CELL_TEXT;
    r->cells[i].text = xstrdup(s);
    r->cells[i].len = strlen(s);
}

/* A row of "id" INT64 and one STRING column. */
static void row_id_text(struct table_row *r, int64_t id, const char *text)
{
    char key[32];

    snprintf(key, sizeof(key), "%" PRId64, id);
    row_init(r, 2, key);
    cell_int(r, 0, id);
    if (text)
        cell_text(r, 1, text);
}

static struct dest_load *begin(struct dest *d, const struct table_schema *s,
                               enum dest_load_mode mode, int64_t at)
{
    struct dest_load *l = NULL;
    struct kv_err err;

    kv_err_clear(&err);
    if (d->ops->load_begin(d, s, mode, at, &l, &err))
        harness_fail(__FILE__, __LINE__, "load_begin: %s", err.msg);
    return l;
}

static void put(struct dest_load *l, struct dest *d, struct table_row *r)
{
    struct kv_err err;

    kv_err_clear(&err);
    if (d->ops->load_row(l, r, &err))
        harness_fail(__FILE__, __LINE__, "load_row: %s", err.msg);
    table_row_release(r);
}

static void put_id_text(struct dest_load *l, struct dest *d, int64_t id,
                        const char *text)
{
    struct table_row r;

    row_id_text(&r, id, text);
    put(l, d, &r);
}

static void commit(struct dest *d, struct dest_load *l)
{
    struct kv_err err;

    kv_err_clear(&err);
    if (d->ops->load_commit(l, &err))
        harness_fail(__FILE__, __LINE__, "load_commit: %s", err.msg);
}

static void finish(struct dest *d, struct dest_load *l)
{
    struct kv_err err;

    kv_err_clear(&err);
    if (d->ops->load_finish(l, &err))
        harness_fail(__FILE__, __LINE__, "load_finish: %s", err.msg);
}

static int collect(void *ctx, int n, const char *const *names,
                   const char *const *values)
{
    struct sbuf *sb = ctx;

    (void)names;
    for (int i = 0; i < n; i++) {
        if (i)
            sbuf_add(sb, "|", 1);
        sbuf_addstr(sb, values[i] ? values[i] : "NULL");
    }
    sbuf_add(sb, "\n", 1);
    return 0;
}

/* The rows of sql as "a|b\n" lines; fails the case on an error. */
static char *q(struct dest *d, const char *sql)
{
    struct sbuf sb;
    struct kv_err err;

    sbuf_init(&sb, 0);
    kv_err_clear(&err);
    if (d->ops->query(d, sql, collect, &sb, &err))
        harness_fail(__FILE__, __LINE__, "query %s: %s", sql, err.msg);
    return sbuf_detach(&sb, NULL);
}

#define CHECK_QUERY(d, sql, want)                                          \
    do {                                                                   \
        char *got_ = q((d), (sql));                                        \
        CHECK_STR(got_, (want));                                           \
        free(got_);                                                        \
    } while (0)

static int64_t count(struct dest *d, const char *table)
{
    struct kv_err err;
    int64_t n = -1;

    kv_err_clear(&err);
    if (d->ops->row_count(d, table, &n, &err))
        harness_fail(__FILE__, __LINE__, "row_count: %s", err.msg);
    return n;
}

static void make_people(struct table_schema *s)
{
    schema_make(s, "people", 1, "id", TABLE_INT64, "name", TABLE_STRING,
                NULL);
}

/* Three rows 1..3 named a, b, c in "people", synced at T1. */
static void load_people(struct dest *d, const struct table_schema *s)
{
    struct dest_load *l = begin(d, s, DEST_UPSERT, T1);

    put_id_text(l, d, 1, "a");
    put_id_text(l, d, 2, "b");
    put_id_text(l, d, 3, "c");
    finish(d, l);
}

static void test_sqlw_upsert_types(void)
{
    struct dest *d = open_dest();
    struct table_schema s;
    struct table_row r;
    struct dest_load *l;

    schema_make(&s, "newsletters", 1, "id", TABLE_INT64, "name",
                TABLE_STRING, "score", TABLE_FLOAT64, "active", TABLE_BOOL,
                "created", TABLE_TIMESTAMP, "tags", TABLE_JSON, NULL);
    l = begin(d, &s, DEST_UPSERT, T1);
    row_init(&r, 6, "7");
    cell_int(&r, 0, 7);
    cell_text(&r, 1, "weekly");
    cell_real(&r, 2, 2.5);
    cell_int(&r, 3, 1);
    cell_text(&r, 4, "2023-08-17T15:02:53Z");
    cell_text(&r, 5, "[\"a\"]");
    put(l, d, &r);
    row_init(&r, 6, "8");
    cell_int(&r, 0, 8);
    put(l, d, &r);
    finish(d, l);
    CHECK_QUERY(d, "SELECT * FROM newsletters ORDER BY id",
                "7|weekly|2.5|1|2023-08-17T15:02:53Z|[\"a\"]|"
                "2023-08-17T15:02:53Z\n"
                "8|NULL|NULL|NULL|NULL|NULL|2023-08-17T15:02:53Z\n");
    CHECK_QUERY(d, "SELECT typeof(id), typeof(name), typeof(score), "
                "typeof(active), typeof(created), typeof(tags) "
                "FROM newsletters WHERE id = 7",
                "integer|text|real|integer|text|text\n");
    CHECK_QUERY(d, "SELECT name, type, \"notnull\", pk FROM "
                "pragma_table_info('newsletters')",
                "id|INTEGER|1|1\nname|TEXT|0|0\nscore|REAL|0|0\n"
                "active|INTEGER|0|0\ncreated|TEXT|0|0\ntags|TEXT|0|0\n"
                "_kaivo_synced_at|TEXT|1|0\n");
    dest_close(d);
    table_schema_release(&s);
}

static void test_sqlw_upsert_replaces_by_key(void)
{
    struct dest *d = open_dest();
    struct table_schema s;
    struct dest_load *l;

    make_people(&s);
    load_people(d, &s);
    l = begin(d, &s, DEST_UPSERT, T2);
    put_id_text(l, d, 2, "B");
    put_id_text(l, d, 4, "d");
    put_id_text(l, d, 4, "D");
    finish(d, l);
    CHECK_INT(count(d, "people"), 4);
    CHECK_QUERY(d, "SELECT * FROM people ORDER BY id",
                "1|a|2023-08-17T15:02:53Z\n2|B|2023-08-17T15:21:27Z\n"
                "3|c|2023-08-17T15:02:53Z\n4|D|2023-08-17T15:21:27Z\n");
    dest_close(d);
    table_schema_release(&s);
}

static void put_action(struct dest_load *l, struct dest *d, int64_t cid,
                       int64_t id, const char *name)
{
    struct table_row r;
    char key[64];

    snprintf(key, sizeof(key), "%" PRId64 ":%" PRId64, cid, id);
    row_init(&r, 3, key);
    cell_int(&r, 0, cid);
    cell_int(&r, 1, id);
    cell_text(&r, 2, name);
    put(l, d, &r);
}

static void make_actions(struct table_schema *s)
{
    schema_make(s, "campaigns_actions", 2, "campaign_id", TABLE_INT64, "id",
                TABLE_INT64, "name", TABLE_STRING, NULL);
}

static void load_actions(struct dest *d, const struct table_schema *s)
{
    struct dest_load *l = begin(d, s, DEST_UPSERT, T1);

    put_action(l, d, 4, 25, "x");
    put_action(l, d, 4, 26, "y");
    put_action(l, d, 5, 25, "z");
    put_action(l, d, 4, 25, "x2");
    finish(d, l);
}

static void test_sqlw_composite_key(void)
{
    struct dest *d = open_dest();
    struct table_schema s;

    make_actions(&s);
    load_actions(d, &s);
    CHECK_INT(count(d, "campaigns_actions"), 3);
    CHECK_QUERY(d, "SELECT campaign_id, id, name FROM campaigns_actions "
                "ORDER BY campaign_id, id", "4|25|x2\n4|26|y\n5|25|z\n");
    CHECK_QUERY(d, "SELECT name, pk FROM "
                "pragma_table_info('campaigns_actions') WHERE pk > 0 "
                "ORDER BY pk", "campaign_id|1\nid|2\n");
    dest_close(d);
    table_schema_release(&s);
}

static void test_sqlw_keyword_columns(void)
{
    struct dest *d = open_dest();
    struct table_schema s;
    struct table_row r;
    struct dest_load *l;

    schema_make(&s, "order", 1, "select", TABLE_INT64, "from", TABLE_STRING,
                "type", TABLE_STRING, "method", TABLE_STRING, "where",
                TABLE_STRING, NULL);
    l = begin(d, &s, DEST_UPSERT, T1);
    row_init(&r, 5, "1");
    cell_int(&r, 0, 1);
    cell_text(&r, 1, "a@b.c");
    cell_text(&r, 2, "email");
    cell_text(&r, 3, "post");
    cell_text(&r, 4, "here");
    put(l, d, &r);
    finish(d, l);
    CHECK_QUERY(d, "SELECT \"select\", \"from\", type, method, \"where\" "
                "FROM \"order\"", "1|a@b.c|email|post|here\n");
    dest_close(d);
    table_schema_release(&s);
}

/* A field name from the API is hostile text: it must stay a name. */
static void test_sqlw_hostile_column_name(void)
{
    static const char evil[] = "x\" TEXT); DROP TABLE people; --";
    static const char evil2[] = "\"\"; \"";
    struct dest *d = open_dest();
    struct table_schema people, s;
    struct table_row r;
    struct dest_load *l;

    make_people(&people);
    load_people(d, &people);
    schema_make(&s, "t\"; DROP TABLE people; --", 1, "id", TABLE_INT64,
                evil, TABLE_STRING, evil2, TABLE_INT64, NULL);
    l = begin(d, &s, DEST_UPSERT, T1);
    row_init(&r, 3, "1");
    cell_int(&r, 0, 1);
    cell_text(&r, 1, "v");
    cell_int(&r, 2, 9);
    put(l, d, &r);
    finish(d, l);
    CHECK_INT(count(d, "people"), 3);
    CHECK_INT(count(d, s.name), 1);
    CHECK_QUERY(d, "SELECT name FROM pragma_table_info("
                "'t\"; DROP TABLE people; --')",
                "id\nx\" TEXT); DROP TABLE people; --\n\"\"; \"\n"
                "_kaivo_synced_at\n");
    CHECK_QUERY(d, "SELECT \"x\"\" TEXT); DROP TABLE people; --\", "
                "\"\"\"\"\"; \"\"\" FROM \"t\"\"; DROP TABLE people; --\"",
                "v|9\n");
    dest_close(d);
    table_schema_release(&people);
    table_schema_release(&s);
}

static void test_sqlw_alter_adds_selected_columns(void)
{
    struct dest *d = open_dest();
    struct table_schema s1, s2, s3;
    struct table_row r;
    struct dest_load *l;

    make_people(&s1);
    load_people(d, &s1);
    schema_make(&s2, "people", 1, "id", TABLE_INT64, "name", TABLE_STRING,
                "age", TABLE_INT64, NULL);
    l = begin(d, &s2, DEST_UPSERT, T2);
    row_init(&r, 3, "2");
    cell_int(&r, 0, 2);
    cell_text(&r, 1, "b");
    cell_int(&r, 2, 40);
    put(l, d, &r);
    finish(d, l);
    CHECK_QUERY(d, "SELECT id, name, age FROM people ORDER BY id",
                "1|a|NULL\n2|b|40\n3|c|NULL\n");
    /* name is no longer selected: it stays, NULL in new rows */
    schema_make(&s3, "people", 1, "id", TABLE_INT64, "age", TABLE_INT64,
                NULL);
    l = begin(d, &s3, DEST_UPSERT, T2);
    row_init(&r, 2, "1");
    cell_int(&r, 0, 1);
    cell_int(&r, 1, 30);
    put(l, d, &r);
    row_init(&r, 2, "5");
    cell_int(&r, 0, 5);
    cell_int(&r, 1, 50);
    put(l, d, &r);
    finish(d, l);
    CHECK_QUERY(d, "SELECT id, name, age FROM people ORDER BY id",
                "1|a|30\n2|b|40\n3|c|NULL\n5|NULL|50\n");
    dest_close(d);
    table_schema_release(&s1);
    table_schema_release(&s2);
    table_schema_release(&s3);
}

static void test_sqlw_key_mismatch_fails(void)
{
    struct dest *d = open_dest();
    struct table_schema s, other;
    struct dest_load *l = NULL;
    struct kv_err err;

    make_people(&s);
    load_people(d, &s);
    schema_make(&other, "people", 2, "id", TABLE_INT64, "name",
                TABLE_STRING, NULL);
    kv_err_clear(&err);
    CHECK_INT(d->ops->load_begin(d, &other, DEST_UPSERT, T1, &l, &err),
              KV_EFAIL);
    CHECK(l == NULL);
    CHECK(strstr(err.msg, "primary key"));
    CHECK(strstr(err.msg, "people"));
    CHECK_INT(count(d, "people"), 3);
    dest_close(d);
    table_schema_release(&s);
    table_schema_release(&other);
}

static void test_sqlw_bad_schema_refused(void)
{
    struct dest *d = open_dest();
    struct table_schema s;
    struct dest_load *l = NULL;
    struct kv_err err;

    schema_make(&s, "t", 1, "id", TABLE_INT64, "_kaivo_synced_at",
                TABLE_STRING, NULL);
    CHECK_INT(d->ops->load_begin(d, &s, DEST_UPSERT, T1, &l, &err),
              KV_EUSAGE);
    CHECK(strstr(err.msg, "reserved"));
    table_schema_release(&s);
    schema_make(&s, "t", 1, "id", TABLE_INT64, "Name", TABLE_STRING, "name",
                TABLE_STRING, NULL);
    CHECK_INT(d->ops->load_begin(d, &s, DEST_UPSERT, T1, &l, &err),
              KV_EUSAGE);
    table_schema_release(&s);
    schema_make(&s, "t", 0, "id", TABLE_INT64, NULL);
    CHECK_INT(d->ops->load_begin(d, &s, DEST_UPSERT, T1, &l, &err),
              KV_EUSAGE);
    CHECK(l == NULL);
    table_schema_release(&s);
    dest_close(d);
}

static bool has_table(struct dest *d, const char *name)
{
    char sql[256];
    char *got;
    bool yes;

    snprintf(sql, sizeof(sql), "SELECT count(*) FROM sqlite_master WHERE "
             "name = '%s'", name);
    got = q(d, sql);
    yes = !strcmp(got, "1\n");
    free(got);
    return yes;
}

static void test_sqlw_replace_swaps(void)
{
    struct dest *d = open_dest();
    struct table_schema old, s;
    struct table_row r;
    struct dest_load *l;

    schema_make(&old, "campaigns", 1, "id", TABLE_INT64, "name",
                TABLE_STRING, "gone", TABLE_STRING, NULL);
    l = begin(d, &old, DEST_UPSERT, T1);
    for (int i = 1; i <= 3; i++) {
        row_init(&r, 3, "k");
        cell_int(&r, 0, i);
        cell_text(&r, 1, "old");
        cell_text(&r, 2, "g");
        put(l, d, &r);
    }
    finish(d, l);
    make_people(&s);
    free(s.name);
    s.name = xstrdup("campaigns");
    l = begin(d, &s, DEST_REPLACE, T2);
    put_id_text(l, d, 1, "new");
    commit(d, l);
    put_id_text(l, d, 4, "new");
    commit(d, l);
    /* staged and committed, not yet swapped: readers see the old table */
    CHECK_QUERY(d, "SELECT id, name, gone FROM campaigns ORDER BY id",
                "1|old|g\n2|old|g\n3|old|g\n");
    CHECK(has_table(d, "_kaivo_stage_campaigns"));
    finish(d, l);
    CHECK_QUERY(d, "SELECT * FROM campaigns ORDER BY id",
                "1|new|2023-08-17T15:21:27Z\n4|new|2023-08-17T15:21:27Z\n");
    CHECK_QUERY(d, "SELECT group_concat(name, ',') FROM "
                "pragma_table_info('campaigns')",
                "id,name,_kaivo_synced_at\n");
    CHECK(!has_table(d, "_kaivo_stage_campaigns"));
    dest_close(d);
    table_schema_release(&old);
    table_schema_release(&s);
}

/* The first REPLACE of a table creates it. */
static void test_sqlw_replace_new_table(void)
{
    struct dest *d = open_dest();
    struct table_schema s;
    struct dest_load *l;

    make_people(&s);
    l = begin(d, &s, DEST_REPLACE, T1);
    put_id_text(l, d, 1, "a");
    finish(d, l);
    CHECK_QUERY(d, "SELECT id, name FROM people", "1|a\n");
    dest_close(d);
    table_schema_release(&s);
}

/* Twice, with a two-column key: the staged index names must not clash. */
static void test_sqlw_replace_composite_twice(void)
{
    struct dest *d = open_dest();
    struct table_schema s;
    struct dest_load *l;

    make_actions(&s);
    for (int round = 0; round < 3; round++) {
        l = begin(d, &s, DEST_REPLACE, T1 + round);
        put_action(l, d, 4, 25, "x");
        put_action(l, d, 4, 25 + round, "y");
        commit(d, l);
        put_action(l, d, 5, 1, "z");
        finish(d, l);
    }
    CHECK_QUERY(d, "SELECT campaign_id, id, name, _kaivo_synced_at FROM "
                "campaigns_actions ORDER BY 1, 2",
                "4|25|x|2023-08-17T15:02:55Z\n4|27|y|2023-08-17T15:02:55Z\n"
                "5|1|z|2023-08-17T15:02:55Z\n");
    CHECK_QUERY(d, "SELECT type, name FROM sqlite_master ORDER BY 2",
                "table|campaigns_actions\n"
                "index|sqlite_autoindex_campaigns_actions_1\n");
    dest_close(d);
    table_schema_release(&s);
}

/* A user's view over a table must not stop the swap (legacy rename). */
static void test_sqlw_replace_under_a_view(void)
{
    struct dest *d = open_dest();
    struct table_schema s;
    struct dest_load *l;
    char *path = db_path();
    sqlite3 *db = NULL;

    make_people(&s);
    load_people(d, &s);
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, "CREATE VIEW names AS SELECT name FROM "
                           "people", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    l = begin(d, &s, DEST_REPLACE, T2);
    put_id_text(l, d, 9, "z");
    finish(d, l);
    CHECK_QUERY(d, "SELECT * FROM names", "z\n");
    dest_close(d);
    table_schema_release(&s);
    free(path);
}

static void test_sqlw_abort_keeps_old_table(void)
{
    struct dest *d = open_dest();
    struct table_schema s;
    struct dest_load *l;

    make_people(&s);
    load_people(d, &s);
    l = begin(d, &s, DEST_REPLACE, T2);
    put_id_text(l, d, 7, "x");
    commit(d, l);
    put_id_text(l, d, 8, "y");
    d->ops->load_abort(l);
    CHECK_QUERY(d, "SELECT id, name FROM people ORDER BY id",
                "1|a\n2|b\n3|c\n");
    CHECK(!has_table(d, "_kaivo_stage_people"));
    /* an aborted UPSERT keeps what was committed, drops the rest */
    l = begin(d, &s, DEST_UPSERT, T2);
    put_id_text(l, d, 4, "d");
    commit(d, l);
    put_id_text(l, d, 5, "e");
    d->ops->load_abort(l);
    CHECK_QUERY(d, "SELECT id, name FROM people ORDER BY id",
                "1|a\n2|b\n3|c\n4|d\n");
    dest_close(d);
    table_schema_release(&s);
}

/* A child loads, commits a batch, and dies without finishing. */
static void crash_child(enum dest_load_mode mode)
{
    struct table_schema s;
    struct dest *d;
    struct dest_load *l;

    make_people(&s);
    d = open_dest();
    l = begin(d, &s, mode, T2);
    put_id_text(l, d, 2, "committed");
    put_id_text(l, d, 10, "committed");
    commit(d, l);
    put_id_text(l, d, 11, "lost");
    _exit(0);
}

static void run_crash_child(enum dest_load_mode mode)
{
    pid_t pid;
    int status = 0;

    fflush(NULL);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0)
        crash_child(mode);
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_sqlw_crash_during_replace(void)
{
    struct dest *d = open_dest();
    struct table_schema s;
    struct dest_load *l;

    make_people(&s);
    load_people(d, &s);
    dest_close(d);
    run_crash_child(DEST_REPLACE);
    d = open_dest();
    CHECK_QUERY(d, "SELECT id, name FROM people ORDER BY id",
                "1|a\n2|b\n3|c\n");
    CHECK(has_table(d, "_kaivo_stage_people"));
    CHECK_INT(count(d, "_kaivo_stage_people"), 2);
    l = begin(d, &s, DEST_REPLACE, T2);
    put_id_text(l, d, 20, "fresh");
    finish(d, l);
    CHECK_QUERY(d, "SELECT id, name FROM people", "20|fresh\n");
    CHECK(!has_table(d, "_kaivo_stage_people"));
    dest_close(d);
    table_schema_release(&s);
}

static void test_sqlw_crash_during_upsert(void)
{
    struct dest *d = open_dest();
    struct table_schema s;

    make_people(&s);
    load_people(d, &s);
    dest_close(d);
    run_crash_child(DEST_UPSERT);
    d = open_dest();
    CHECK_QUERY(d, "SELECT id, name FROM people ORDER BY id",
                "1|a\n2|committed\n3|c\n10|committed\n");
    dest_close(d);
    table_schema_release(&s);
}

static int forget(struct dest *d, const struct table_schema *s,
                  const char *const *keys, size_t n, int64_t *removed,
                  struct kv_err *err)
{
    kv_err_clear(err);
    return d->ops->forget(d, s, keys, n, removed, err);
}

static void test_sqlw_forget(void)
{
    static const char *const keys[] = {"4:25", "5:25", "9:9"};
    static const char *const bad[] = {"4:26", "4"};
    static const char *const bad2[] = {"4:x"};
    static const char *const one[] = {"2", "3"};
    static const char *const bad3[] = {"2:3"};
    struct dest *d = open_dest();
    struct table_schema s, p;
    struct kv_err err;
    int64_t removed = -1;

    make_actions(&s);
    load_actions(d, &s);
    CHECK_INT(forget(d, &s, bad, 2, &removed, &err), KV_EUSAGE);
    CHECK(strstr(err.msg, "'4'"));
    CHECK(strstr(err.msg, "CAMPAIGN_ID:ID"));
    CHECK_INT(forget(d, &s, bad2, 1, &removed, &err), KV_EUSAGE);
    CHECK_INT(count(d, "campaigns_actions"), 3);
    CHECK_INT(forget(d, &s, keys, 3, &removed, &err), KV_OK);
    CHECK_INT(removed, 2);
    CHECK_QUERY(d, "SELECT campaign_id, id FROM campaigns_actions",
                "4|26\n");
    make_people(&p);
    CHECK_INT(forget(d, &p, one, 2, &removed, &err), KV_OK);
    CHECK_INT(removed, 0);
    load_people(d, &p);
    CHECK_INT(forget(d, &p, bad3, 1, &removed, &err), KV_EUSAGE);
    CHECK_INT(forget(d, &p, one, 2, &removed, &err), KV_OK);
    CHECK_INT(removed, 2);
    CHECK_QUERY(d, "SELECT id FROM people", "1\n");
    dest_close(d);
    table_schema_release(&s);
    table_schema_release(&p);
}

static void expect_refused(struct dest *d, const char *sql, const char *msg)
{
    struct sbuf sb;
    struct kv_err err;

    sbuf_init(&sb, 0);
    kv_err_clear(&err);
    if (d->ops->query(d, sql, collect, &sb, &err) != KV_EUSAGE)
        harness_fail(__FILE__, __LINE__, "not refused: %s", sql);
    if (msg && !strstr(err.msg, msg))
        harness_fail(__FILE__, __LINE__, "%s: message \"%s\" lacks \"%s\"",
                     sql, err.msg, msg);
    sbuf_release(&sb);
}

static void test_sqlw_query_refuses_writes(void)
{
    struct dest *d = open_dest();
    struct table_schema s;
    char *attach = xasprintf("ATTACH '%s/other.db' AS o", harness_tmpdir());
    char *vacuum = xasprintf("VACUUM INTO '%s/copy.db'", harness_tmpdir());

    make_people(&s);
    load_people(d, &s);
    expect_refused(d, "INSERT INTO people VALUES (9, 'x', 'y')",
                   "only read-only statements are allowed");
    expect_refused(d, "DELETE FROM people", "read-only");
    expect_refused(d, "DROP TABLE people", "read-only");
    expect_refused(d, "CREATE TABLE x (a)", "read-only");
    expect_refused(d, "CREATE TEMP TABLE x (a)", NULL);
    expect_refused(d, attach, "read-only");
    expect_refused(d, "DETACH o", NULL);
    expect_refused(d, vacuum, NULL);
    expect_refused(d, "BEGIN", "read-only");
    expect_refused(d, "PRAGMA query_only = 0", "read-only");
    expect_refused(d, "PRAGMA journal_mode = DELETE", "read-only");
    expect_refused(d, "SELECT load_extension('/tmp/x.so')", "read-only");
    expect_refused(d, "SELECT fts3_tokenizer('simple')", "read-only");
    expect_refused(d, "SELECT 1; SELECT 2",
                   "only one statement is allowed");
    expect_refused(d, "SELECT 1; DROP TABLE people",
                   "only one statement is allowed");
    expect_refused(d, "SELEC 1", "syntax error");
    expect_refused(d, "SELECT * FROM nowhere", "no such table");
    expect_refused(d, "  -- nothing\n", NULL);
    CHECK(!kv_file_exists(strchr(vacuum, '\'') + 1));
    CHECK_INT(count(d, "people"), 3);
    dest_close(d);
    table_schema_release(&s);
    free(attach);
    free(vacuum);
}

static int first_only(void *ctx, int n, const char *const *names,
                      const char *const *values)
{
    int *calls = ctx;

    CHECK_INT(n, 2);
    CHECK_STR(names[0], "id");
    CHECK_STR(names[1], "who");
    CHECK(values[0] != NULL);
    (*calls)++;
    return 1;
}

static void test_sqlw_query_values(void)
{
    struct dest *d = open_dest();
    struct table_schema s;
    struct kv_err err;
    int calls = 0;

    make_people(&s);
    load_people(d, &s);
    CHECK_QUERY(d, "SELECT 1, 2.5, NULL, 'x', x'00ff', -3",
                "1|2.5|NULL|x|00ff|-3\n");
    CHECK_QUERY(d, "SELECT id FROM people ORDER BY id; -- trailing\n"
                " /* more */ ;; ", "1\n2\n3\n");
    CHECK_QUERY(d, "SELECT name FROM pragma_table_info('people')",
                "id\nname\n_kaivo_synced_at\n");
    CHECK_QUERY(d, "PRAGMA table_info(people)",
                "0|id|INTEGER|1|NULL|1\n1|name|TEXT|0|NULL|0\n"
                "2|_kaivo_synced_at|TEXT|1|NULL|0\n");
    CHECK_INT(d->ops->query(d, "SELECT id, name AS who FROM people",
                            first_only, &calls, &err), KV_OK);
    CHECK_INT(calls, 1);
    dest_close(d);
    table_schema_release(&s);
}

static void test_sqlw_row_count_and_drop(void)
{
    struct dest *d = open_dest();
    struct table_schema s;
    struct kv_err err;
    int64_t n = 0;

    CHECK_INT(d->ops->row_count(d, "people", &n, &err), KV_ENOENT);
    CHECK(strstr(err.msg, "people"));
    make_people(&s);
    load_people(d, &s);
    CHECK_INT(count(d, "people"), 3);
    CHECK_INT(count(d, "PEOPLE"), 3);
    CHECK_INT(d->ops->drop_table(d, "people", &err), KV_OK);
    CHECK_INT(d->ops->row_count(d, "people", &n, &err), KV_ENOENT);
    CHECK_INT(d->ops->drop_table(d, "people", &err), KV_OK);
    dest_close(d);
    table_schema_release(&s);
}

/* drop_table also removes what a crashed REPLACE staged. */
static void test_sqlw_drop_removes_stage(void)
{
    struct dest *d = open_dest();
    struct table_schema s;
    struct kv_err err;

    make_people(&s);
    load_people(d, &s);
    dest_close(d);
    run_crash_child(DEST_REPLACE);
    d = open_dest();
    CHECK(has_table(d, "_kaivo_stage_people"));
    CHECK_INT(d->ops->drop_table(d, "people", &err), KV_OK);
    CHECK(!has_table(d, "_kaivo_stage_people"));
    CHECK(!has_table(d, "people"));
    dest_close(d);
    table_schema_release(&s);
}

static void test_sqlw_open_and_check(void)
{
    struct dest *d = open_dest();
    struct kv_err err;
    char *file = xasprintf("%s/plain-file", harness_tmpdir());
    char *bad = xasprintf("%s/sub/db.sqlite", file);
    char *dir = xasprintf("%s/warehouse", harness_tmpdir());
    struct stat st;
    struct dest dummy;
    char garbage[4096];

    kv_err_clear(&err);
    CHECK_INT(d->ops->check(d, &err), KV_OK);
    CHECK_STR(d->ops->name, "sqlite");
    CHECK_QUERY(d, "SELECT count(*) FROM sqlite_master", "0\n");
    CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
    dest_close(d);
    memset(garbage, 'x', sizeof(garbage));
    CHECK_INT(kv_write_file_atomic(file, garbage, sizeof(garbage), 0600,
                                   &err), KV_OK);
    d = &dummy;
    CHECK_INT(sqlw_open(bad, &d, &err), KV_EFAIL);
    CHECK(d == NULL);
    CHECK(strstr(err.msg, "cannot open warehouse"));
    CHECK(strstr(err.msg, "plain-file"));
    CHECK_INT(sqlw_open(file, &d, &err), KV_EFAIL);
    CHECK(d == NULL);
    free(file);
    free(bad);
    free(dir);
}

static void test_sqlw_journal_is_wal(void)
{
    struct dest *d = open_dest();
    char *path = db_path();
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;

    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_INT(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL),
              SQLITE_OK);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);
    /* the query connection refuses the PRAGMA that would change it */
    expect_refused(d, "SELECT * FROM pragma_journal_mode", "read-only");
    dest_close(d);
    free(path);
}

static void test_sqlw_row_width_checked(void)
{
    struct dest *d = open_dest();
    struct table_schema s;
    struct dest_load *l;
    struct table_row r;
    struct kv_err err;

    make_people(&s);
    l = begin(d, &s, DEST_UPSERT, T1);
    row_init(&r, 1, "1");
    cell_int(&r, 0, 1);
    CHECK_INT(d->ops->load_row(l, &r, &err), KV_EUSAGE);
    d->ops->load_abort(l);
    table_row_release(&r);
    dest_close(d);
    table_schema_release(&s);
}

/* A second load, or a forget, during a load fails and spoils nothing. */
static void test_sqlw_one_load_at_a_time(void)
{
    static const char *const keys[] = {"1"};
    struct dest *d = open_dest();
    struct table_schema s, a;
    struct dest_load *l, *l2 = NULL;
    struct kv_err err;
    int64_t removed = -1;

    make_people(&s);
    make_actions(&a);
    load_people(d, &s);
    l = begin(d, &s, DEST_UPSERT, T2);
    put_id_text(l, d, 4, "d");
    CHECK_INT(d->ops->load_begin(d, &a, DEST_REPLACE, T2, &l2, &err),
              KV_EFAIL);
    CHECK(strstr(err.msg, "another load"));
    CHECK(l2 == NULL);
    CHECK_INT(forget(d, &s, keys, 1, &removed, &err), KV_EFAIL);
    CHECK_INT(d->ops->drop_table(d, "people", &err), KV_EFAIL);
    CHECK_INT(d->ops->check(d, &err), KV_EFAIL);
    put_id_text(l, d, 5, "e");
    finish(d, l);
    CHECK_QUERY(d, "SELECT id, name FROM people ORDER BY id",
                "1|a\n2|b\n3|c\n4|d\n5|e\n");
    CHECK(!has_table(d, "campaigns_actions"));
    CHECK(!has_table(d, "_kaivo_stage_campaigns_actions"));
    dest_close(d);
    table_schema_release(&s);
    table_schema_release(&a);
}

/* 30,000 rows of a realistic width; prints the rate for the report. */
static void test_sqlw_throughput(void)
{
    enum { NROWS = 30000, BATCH = 5000 };
    struct dest *d = open_dest();
    struct table_schema s;
    struct dest_load *l;
    struct table_row r;
    int64_t t0 = kv_now_ms();
    int64_t ms;

    schema_make(&s, "bulk", 1, "id", TABLE_INT64, "name", TABLE_STRING,
                "created", TABLE_TIMESTAMP, "score", TABLE_FLOAT64, "tags",
                TABLE_JSON, NULL);
    row_init(&r, 5, "0");
    cell_text(&r, 1, "Order Confirmation");
    cell_text(&r, 2, "2023-08-17T15:02:53Z");
    cell_real(&r, 3, 1.5);
    cell_text(&r, 4, "[\"Sample\",\"Other\"]");
    l = begin(d, &s, DEST_REPLACE, T1);
    for (int i = 0; i < NROWS; i++) {
        struct kv_err err;

        cell_int(&r, 0, i);
        if (d->ops->load_row(l, &r, &err))
            harness_fail(__FILE__, __LINE__, "load_row: %s", err.msg);
        if ((i + 1) % BATCH == 0)
            commit(d, l);
    }
    finish(d, l);
    ms = kv_now_ms() - t0;
    fprintf(stderr, "sqlw: %d rows in %" PRId64 " ms (%.0f rows/s)\n",
            NROWS, ms, NROWS * 1000.0 / (double)(ms ? ms : 1));
    CHECK_INT(count(d, "bulk"), NROWS);
    table_row_release(&r);
    dest_close(d);
    table_schema_release(&s);
}

int main(int argc, char **argv)
{
    static const struct harness_case cases[] = {
        HARNESS_CASE(test_sqlw_upsert_types),
        HARNESS_CASE(test_sqlw_upsert_replaces_by_key),
        HARNESS_CASE(test_sqlw_composite_key),
        HARNESS_CASE(test_sqlw_keyword_columns),
        HARNESS_CASE(test_sqlw_hostile_column_name),
        HARNESS_CASE(test_sqlw_alter_adds_selected_columns),
        HARNESS_CASE(test_sqlw_key_mismatch_fails),
        HARNESS_CASE(test_sqlw_bad_schema_refused),
        HARNESS_CASE(test_sqlw_replace_swaps),
        HARNESS_CASE(test_sqlw_replace_new_table),
        HARNESS_CASE(test_sqlw_replace_composite_twice),
        HARNESS_CASE(test_sqlw_replace_under_a_view),
        HARNESS_CASE(test_sqlw_abort_keeps_old_table),
        HARNESS_CASE(test_sqlw_crash_during_replace),
        HARNESS_CASE(test_sqlw_crash_during_upsert),
        HARNESS_CASE(test_sqlw_forget),
        HARNESS_CASE(test_sqlw_query_refuses_writes),
        HARNESS_CASE(test_sqlw_query_values),
        HARNESS_CASE(test_sqlw_row_count_and_drop),
        HARNESS_CASE(test_sqlw_drop_removes_stage),
        HARNESS_CASE(test_sqlw_open_and_check),
        HARNESS_CASE(test_sqlw_journal_is_wal),
        HARNESS_CASE(test_sqlw_row_width_checked),
        HARNESS_CASE(test_sqlw_one_load_at_a_time),
        HARNESS_CASE(test_sqlw_throughput),
    };

    return harness_main(argc, argv, cases, KV_ARRAY_LEN(cases));
}
