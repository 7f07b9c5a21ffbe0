/*
 * fbq_ctl.c - the fake's control API under /_fake/ (no token needed):
 * fault injection, token expiry, counters, and table dumps for tests.
 */
#include "common/kv.h"
#include "fakebq/fbq.h"

static int arg_int(struct fbq_req *rq, const char *name, int def)
{
    const char *v = fbq_arg(rq, name);

    return v ? atoi(v) : def;
}

static void copy_arg(struct fbq_req *rq, const char *name, char *out,
                     size_t n)
{
    const char *v = fbq_arg(rq, name);

    snprintf(out, n, "%s", v ? v : "");
}

static void add_fault(struct fbq_server *s, struct fbq_req *rq,
                      struct fbq_resp *r)
{
    struct fbq_fault *f;

    if (s->nfaults >= (int)KV_ARRAY_LEN(s->faults)) {
        fbq_error(r, 400, "invalid", "too many faults");
        return;
    }
    f = &s->faults[s->nfaults++];
    memset(f, 0, sizeof(*f));
    copy_arg(rq, "method", f->method, sizeof(f->method));
    copy_arg(rq, "path", f->path, sizeof(f->path));
    copy_arg(rq, "reason", f->reason, sizeof(f->reason));
    f->status = arg_int(rq, "status", 0);
    f->drop = arg_int(rq, "drop", 0);
    f->skip = arg_int(rq, "skip", 0);
    f->count = arg_int(rq, "count", 1);
    fbq_reply(r, 200, json_pack("{s:b}", "ok", 1));
}

static void dump_table(struct fbq_server *s, struct fbq_req *rq,
                       struct fbq_resp *r)
{
    const char *ds = fbq_arg(rq, "dataset");
    const char *t = fbq_arg(rq, "table");
    char *sql = sqlite3_mprintf("SELECT * FROM \"%w\".\"%w\" ORDER BY 1, 2",
                                ds ? ds : "", t ? t : "");
    sqlite3_stmt *st = NULL;
    json_t *rows = json_array();

    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        fbq_error(r, 404, "notFound", "%s", sqlite3_errmsg(s->db));
        goto out;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *o = json_object();

        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const char *v = (const char *)sqlite3_column_text(st, i);

            json_object_set_new(o, sqlite3_column_name(st, i),
                                v ? json_string(v) : json_null());
        }
        json_array_append_new(rows, o);
    }
    fbq_reply(r, 200, json_incref(rows));
out:
    json_decref(rows);
    sqlite3_finalize(st);
    sqlite3_free(sql);
}

static void list_tables(struct fbq_server *s, struct fbq_req *rq,
                        struct fbq_resp *r)
{
    const char *ds = fbq_arg(rq, "dataset");
    sqlite3_stmt *st = NULL;
    json_t *a = json_array();

    sqlite3_prepare_v2(s->db, "SELECT ds || '.' || id FROM _tables WHERE "
                       "?1 IS NULL OR ds = ?1 ORDER BY 1", -1, &st, NULL);
    sqlite3_bind_text(st, 1, ds, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(a, json_string((const char *)
                              sqlite3_column_text(st, 0)));
    sqlite3_finalize(st);
    sqlite3_prepare_v2(s->db, "SELECT id FROM _datasets ORDER BY 1", -1, &st,
                       NULL);
    json_t *dss = json_array();

    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(dss, json_string((const char *)
                              sqlite3_column_text(st, 0)));
    sqlite3_finalize(st);
    fbq_reply(r, 200, json_pack("{s:o, s:o}", "tables", a, "datasets", dss));
}

/* GET /_fake/schema?dataset=&table=: the stored fields, or 404. */
static void table_schema(struct fbq_server *s, struct fbq_req *rq,
                         struct fbq_resp *r)
{
    const char *ds = fbq_arg(rq, "dataset");
    const char *t = fbq_arg(rq, "table");
    json_t *meta = ds && t ? fbq_table_meta(s, ds, t) : NULL;

    if (!meta) {
        fbq_error(r, 404, "notFound", "no table %s.%s", ds ? ds : "",
                  t ? t : "");
        return;
    }
    fbq_reply(r, 200, json_incref(json_object_get(meta, "fields")));
    json_decref(meta);
}

/* POST /_fake/dataset?id=&location=: a dataset someone else made. */
static void make_dataset(struct fbq_server *s, struct fbq_req *rq,
                         struct fbq_resp *r)
{
    const char *id = fbq_arg(rq, "id");
    const char *loc = fbq_arg(rq, "location");
    char old[64];
    char *sql;

    if (!id || !*id || strchr(id, '"') || fbq_dataset_location(s, id, old)) {
        fbq_error(r, 400, "invalid", "no id, or the dataset exists");
        return;
    }
    sql = sqlite3_mprintf("INSERT INTO _datasets VALUES (%Q, %Q, %lld); "
                          "ATTACH ':memory:' AS \"%w\"", id,
                          loc ? loc : "US", (long long)fbq_now_ms(), id);
    sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    sqlite3_free(sql);
    fbq_reply(r, 200, json_pack("{s:b}", "ok", 1));
}

void fbq_ctl(struct fbq_server *s, struct fbq_req *rq, struct fbq_resp *r)
{
    const char *v = rq->url + 7;

    if (!strcmp(v, "stats"))
        fbq_reply(r, 200, json_deep_copy(s->stats));
    else if (!strcmp(v, "reset-stats")) {
        json_object_clear(s->stats);
        fbq_reply(r, 200, json_pack("{s:b}", "ok", 1));
    } else if (!strcmp(v, "fault"))
        add_fault(s, rq, r);
    else if (!strcmp(v, "clear-faults")) {
        s->nfaults = 0;
        s->job_fault_count = 0;
        fbq_reply(r, 200, json_pack("{s:b}", "ok", 1));
    } else if (!strcmp(v, "job-fault")) {
        copy_arg(rq, "reason", s->job_fault, sizeof(s->job_fault));
        s->job_fault_count = arg_int(rq, "count", 1);
        fbq_reply(r, 200, json_pack("{s:b}", "ok", 1));
    } else if (!strcmp(v, "expire-tokens")) {
        json_object_clear(s->tokens);
        fbq_reply(r, 200, json_pack("{s:b}", "ok", 1));
    } else if (!strcmp(v, "table"))
        dump_table(s, rq, r);
    else if (!strcmp(v, "tables"))
        list_tables(s, rq, r);
    else if (!strcmp(v, "schema"))
        table_schema(s, rq, r);
    else if (!strcmp(v, "dataset"))
        make_dataset(s, rq, r);
    else
        fbq_error(r, 404, "notFound", "no such control %s", v);
}

bool fbq_fault_match(struct fbq_server *s, struct fbq_req *rq,
                     struct fbq_resp *r, int *drop)
{
    *drop = 0;
    if (!strncmp(rq->url, "/_fake/", 7))
        return false;
    for (int i = 0; i < s->nfaults; i++) {
        struct fbq_fault *f = &s->faults[i];

        if (f->count <= 0 || (f->method[0] && strcmp(f->method,
                                                     rq->method)) ||
            (f->path[0] && !strstr(rq->url, f->path)))
            continue;
        if (f->skip > 0) {
            f->skip--;
            continue;
        }
        f->count--;
        fbq_count(s, "faults_fired", 1);
        if (f->drop == 3) {
            rq->cut = true;
            rq->body.len /= 2;
            *drop = 2;
            return true;
        }
        *drop = f->drop;
        if (f->drop)
            return true;
        if (f->status == 401)
            json_object_clear(s->tokens);
        fbq_error(r, f->status ? f->status : 503, f->reason[0] ? f->reason
                  : "backendError", "fake: injected fault");
        return true;
    }
    return false;
}
