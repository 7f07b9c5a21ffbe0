/*
 * fbq_select.c - SELECT for `kaivo query` tests: backtick paths rewritten
 * to SQLite's "dataset"."table", run read-only, tables read reported as
 * referencedTables (from SQLite's authorizer), rows kept for
 * jobs.getQueryResults in BigQuery's f/v shape, all values as strings.
 */
#include "common/kv.h"
#include "fakebq/fbq.h"

#include <strings.h>

#define MAX_ROWS 100000

void fbq_select(struct fbq_server *s, json_t *job, const char *sql,
                bool dry);

struct reads {
    struct fbq_server *s;
    json_t *refs;
};

static void add_ref(json_t *refs, const char *p, const char *d,
                    const char *t)
{
    size_t i;
    json_t *r;

    json_array_foreach(refs, i, r)
        if (!strcmp(json_string_value(json_object_get(r, "datasetId")), d) &&
            !strcmp(json_string_value(json_object_get(r, "tableId")), t))
            return;
    json_array_append_new(refs, json_pack("{s:s, s:s, s:s}", "projectId", p,
                          "datasetId", d, "tableId", t));
}

static int on_auth(void *ctx, int action, const char *a, const char *b,
                   const char *db, const char *trig)
{
    struct reads *rd = ctx;

    (void)b;
    (void)trig;
    if (action == SQLITE_READ && a && db && strcmp(db, "temp"))
        add_ref(rd->refs, rd->s->project, db, a);
    return SQLITE_OK;
}

/* `p.d.t` -> "d"."t"; another project is remembered for the refs. */
static void rewrite(struct fbq_server *s, const char *sql, struct sbuf *out,
                    json_t *refs)
{
    for (const char *p = sql; *p;) {
        size_t n;
        char a[256] = "", b[256] = "", c[256] = "";
        char *seg;
        int k;

        if (*p == '\'') {
            n = strcspn(p + 1, "'") + 2;
            sbuf_add(out, p, strnlen(p, n));
            p += strnlen(p, n);
            continue;
        }
        if (*p != '`') {
            sbuf_add(out, p++, 1);
            continue;
        }
        n = strcspn(p + 1, "`");
        seg = xstrndup(p + 1, n);
        k = sscanf(seg, "%255[^.].%255[^.].%255[^.]", a, b, c);
        if (k == 3 && strcmp(a, s->project))
            add_ref(refs, a, b, c);
        if (k == 3)
            sbuf_addf(out, "\"%s\".\"%s\"", b, c);
        else if (k == 2)
            sbuf_addf(out, "\"%s\".\"%s\"", a, b);
        else
            sbuf_addf(out, "\"%s\"", seg);
        free(seg);
        p += n + (p[n + 1] ? 2 : 1);
    }
}

static const char *type_of(sqlite3_stmt *st, int i)
{
    const char *d = sqlite3_column_decltype(st, i);

    if (d && !strcmp(d, "INT_BOOL"))
        return "BOOLEAN";
    if (d && !strcmp(d, "INT_TIMESTAMP"))
        return "TIMESTAMP";
    if (d && !strcmp(d, "TEXT_JSON"))
        return "JSON";
    if (d && !strcmp(d, "FLOAT64"))
        return "FLOAT";
    if (d && !strcmp(d, "INT64"))
        return "INTEGER";
    if (d)
        return "STRING";
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER: return "INTEGER";
    case SQLITE_FLOAT: return "FLOAT";
    default: return "STRING";
    }
}

static json_t *cell(sqlite3_stmt *st, int i, const char *type)
{
    int64_t v;

    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return json_pack("{s:n}", "v");
    if (!strcmp(type, "TIMESTAMP")) {
        v = sqlite3_column_int64(st, i);
        return json_pack("{s:o}", "v", json_sprintf("%" PRId64 ".%06d",
                         v / 1000000, (int)(v % 1000000)));
    }
    if (!strcmp(type, "BOOLEAN"))
        return json_pack("{s:s}", "v", sqlite3_column_int(st, i) ? "true"
                         : "false");
    return json_pack("{s:s}", "v", (const char *)sqlite3_column_text(st,
                                                                     i));
}

static void collect(json_t *job, sqlite3_stmt *st)
{
    int nc = sqlite3_column_count(st);
    json_t *rows = json_array();
    json_t *schema = json_array();
    int step;

    while ((step = sqlite3_step(st)) == SQLITE_ROW &&
           json_array_size(rows) < MAX_ROWS) {
        json_t *f = json_array();

        if (!json_array_size(schema))
            for (int i = 0; i < nc; i++)
                json_array_append_new(schema, json_pack("{s:s, s:s}",
                                      "name", sqlite3_column_name(st, i),
                                      "type", type_of(st, i)));
        for (int i = 0; i < nc; i++)
            json_array_append_new(f, cell(st, i, json_string_value(
                json_object_get(json_array_get(schema, (size_t)i),
                                "type"))));
        json_array_append_new(rows, json_pack("{s:o}", "f", f));
    }
    for (int i = 0; !json_array_size(schema) && i < nc; i++)
        json_array_append_new(schema, json_pack("{s:s, s:s}", "name",
                              sqlite3_column_name(st, i), "type", "STRING"));
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        fbq_job_fail(job, "invalidQuery", "%s",
                     sqlite3_errmsg(sqlite3_db_handle(st)));
    json_object_set_new(job, "_rows", rows);
    json_object_set_new(job, "_schema", schema);
}

void fbq_select(struct fbq_server *s, json_t *job, const char *sql,
                bool dry)
{
    struct reads rd = {s, json_array()};
    struct sbuf out;
    sqlite3_stmt *st = NULL;

    sbuf_init(&out, 0);
    rewrite(s, sql, &out, rd.refs);
    sqlite3_set_authorizer(s->db, on_auth, &rd);
    if (sqlite3_prepare_v2(s->db, out.buf, -1, &st, NULL) != SQLITE_OK) {
        fbq_job_fail(job, "invalidQuery", "%s", sqlite3_errmsg(s->db));
    } else if (!sqlite3_stmt_readonly(st)) {
        fbq_job_fail(job, "invalidQuery", "fake: unsupported statement");
    } else {
        json_object_set_new(json_object_get(job, "statistics"), "query",
                            json_pack("{s:s, s:O, s:s}", "statementType",
                            "SELECT", "referencedTables", rd.refs,
                            "totalBytesProcessed", "0"));
        if (!dry)
            collect(job, st);
    }
    sqlite3_set_authorizer(s->db, NULL, NULL);
    sqlite3_finalize(st);
    json_decref(rd.refs);
    sbuf_release(&out);
}
