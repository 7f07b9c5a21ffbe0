/*
 * fbq_api.c - datasets and tables: their metadata in the main SQLite
 * database, their rows in one attached in-memory database per dataset.
 * Schema checks and tables.patch's add-only rules use BigQuery's error
 * texts; types are echoed in the legacy spelling (INTEGER, FLOAT,
 * BOOLEAN), as BigQuery does, so clients must compare modulo aliases.
 */
#include "common/kv.h"
#include "fakebq/fbq.h"

#include <ctype.h>
#include <strings.h>

static const char *const types[][3] = {
    /* accepted, canonical, echoed */
    {"INT64", "INT64", "INTEGER"}, {"INTEGER", "INT64", "INTEGER"},
    {"FLOAT64", "FLOAT64", "FLOAT"}, {"FLOAT", "FLOAT64", "FLOAT"},
    {"BOOL", "BOOL", "BOOLEAN"}, {"BOOLEAN", "BOOL", "BOOLEAN"},
    {"STRING", "STRING", "STRING"}, {"BYTES", "BYTES", "BYTES"},
    {"TIMESTAMP", "TIMESTAMP", "TIMESTAMP"}, {"DATE", "DATE", "DATE"},
    {"TIME", "TIME", "TIME"}, {"DATETIME", "DATETIME", "DATETIME"},
    {"GEOGRAPHY", "GEOGRAPHY", "GEOGRAPHY"},
    {"NUMERIC", "NUMERIC", "NUMERIC"},
    {"BIGNUMERIC", "BIGNUMERIC", "BIGNUMERIC"}, {"JSON", "JSON", "JSON"},
    {"RECORD", "RECORD", "RECORD"}, {"STRUCT", "RECORD", "RECORD"},
    {"RANGE", "RANGE", "RANGE"},
};

static int type_index(const char *t)
{
    for (size_t i = 0; t && i < KV_ARRAY_LEN(types); i++)
        if (!strcmp(types[i][0], t))
            return (int)i;
    return -1;
}

const char *fbq_canon(const char *type)
{
    int i = type_index(type);

    return i < 0 ? NULL : types[i][1];
}

static const char *legacy(const char *type)
{
    int i = type_index(type);

    return i < 0 ? type : types[i][2];
}

const char *fbq_decl(const char *type)
{
    if (!strcmp(type, "INT64") || !strcmp(type, "FLOAT64"))
        return type;
    if (!strcmp(type, "BOOL"))
        return "INT_BOOL";
    if (!strcmp(type, "TIMESTAMP"))
        return "INT_TIMESTAMP";
    if (!strcmp(type, "JSON"))
        return "TEXT_JSON";
    if (!strcmp(type, "STRING"))
        return "TEXT_STRING";
    return "TEXT_OTHER";
}

int fbq_store_init(struct fbq_server *s, struct kv_err *err)
{
    if (sqlite3_open(":memory:", &s->db) != SQLITE_OK ||
        sqlite3_exec(s->db, "CREATE TABLE _datasets(id TEXT PRIMARY KEY, "
                     "location TEXT, created INTEGER);"
                     "CREATE TABLE _tables(ds TEXT, id TEXT, fields TEXT, "
                     "expires INTEGER, created INTEGER, "
                     "PRIMARY KEY(ds, id))", NULL, NULL, NULL) != SQLITE_OK)
        return kv_err_set(err, KV_EFAIL, "sqlite: %s", sqlite3_errmsg(s->db));
    sqlite3_limit(s->db, SQLITE_LIMIT_ATTACHED, 125);
    return KV_OK;
}

static bool valid_id(const char *s, size_t max)
{
    size_t n = strlen(s);

    if (!n || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_')
            return false;
    return true;
}

static bool valid_column(const char *s)
{
    return s && valid_id(s, 300) && !isdigit((unsigned char)s[0]);
}

const char *fbq_check_fields(json_t *fields, char *msg, size_t n)
{
    size_t i;
    json_t *f;

    if (!json_is_array(fields) || json_array_size(fields) > 10000)
        return snprintf(msg, n, "Schema has no fields or too many."), msg;
    json_array_foreach(fields, i, f) {
        const char *name = json_string_value(json_object_get(f, "name"));
        const char *type = json_string_value(json_object_get(f, "type"));
        const char *mode = json_string_value(json_object_get(f, "mode"));

        if (!valid_column(name))
            return snprintf(msg, n, "Invalid field name \"%s\". Fields "
                            "must contain only letters, numbers, and "
                            "underscores, start with a letter or "
                            "underscore, and be at most 300 characters "
                            "long.", name ? name : ""), msg;
        if (!fbq_canon(type))
            return snprintf(msg, n, "Invalid value for type: %s is not a "
                            "valid value", type ? type : "(none)"), msg;
        if (mode && strcmp(mode, "NULLABLE") && strcmp(mode, "REQUIRED") &&
            strcmp(mode, "REPEATED"))
            return snprintf(msg, n, "Invalid value for mode: %s is not a "
                            "valid value", mode), msg;
        if (json_object_get(f, "fields") &&
            strcmp(fbq_canon(type), "RECORD"))
            return snprintf(msg, n, "Field %s is type %s but has "
                            "subfields.", name, type), msg;
        for (size_t k = 0; k < i; k++)
            if (!strcasecmp(name, json_string_value(json_object_get(
                    json_array_get(fields, k), "name"))))
                return snprintf(msg, n, "Field %s already exists in "
                                "schema", name), msg;
    }
    return NULL;
}

bool fbq_dataset_location(struct fbq_server *s, const char *ds,
                          char loc[64])
{
    sqlite3_stmt *st;
    bool found = false;

    sqlite3_prepare_v2(s->db, "SELECT location FROM _datasets WHERE id = ?",
                       -1, &st, NULL);
    sqlite3_bind_text(st, 1, ds, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(loc, 64, "%s", (const char *)sqlite3_column_text(st, 0));
        found = true;
    }
    sqlite3_finalize(st);
    return found;
}

static void exec(struct fbq_server *s, const char *sql)
{
    sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}

void fbq_table_drop(struct fbq_server *s, const char *ds, const char *t)
{
    char *sql = sqlite3_mprintf("DROP TABLE IF EXISTS \"%w\".\"%w\"; "
                                "DELETE FROM _tables WHERE ds = %Q AND "
                                "id = %Q", ds, t, ds, t);

    exec(s, sql);
    sqlite3_free(sql);
}

/* Lazily expires the table, as BigQuery's expirationTime does. */
json_t *fbq_table_meta(struct fbq_server *s, const char *ds, const char *t)
{
    sqlite3_stmt *st;
    json_t *m = NULL;
    int64_t exp = 0;

    sqlite3_prepare_v2(s->db, "SELECT fields, expires, created FROM "
                       "_tables WHERE ds = ? AND id = ?", -1, &st, NULL);
    sqlite3_bind_text(st, 1, ds, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, t, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        exp = sqlite3_column_int64(st, 1);
        m = json_pack("{s:o, s:I, s:I}", "fields", json_loads(
                      (const char *)sqlite3_column_text(st, 0), 0, NULL),
                      "expires", (json_int_t)exp, "created",
                      (json_int_t)sqlite3_column_int64(st, 2));
    }
    sqlite3_finalize(st);
    if (m && exp && exp <= fbq_now_ms()) {
        json_decref(m);
        fbq_table_drop(s, ds, t);
        m = NULL;
    }
    return m;
}

void fbq_set_fields(struct fbq_server *s, const char *ds, const char *t,
                    json_t *fields)
{
    char *text = json_dumps(fields, JSON_COMPACT);
    char *sql = sqlite3_mprintf("UPDATE _tables SET fields = %Q WHERE "
                                "ds = %Q AND id = %Q", text, ds, t);

    exec(s, sql);
    sqlite3_free(sql);
    free(text);
}

/* Canonical type names in stored fields; echo uses legacy ones. */
static json_t *canon_fields(json_t *fields)
{
    json_t *c = json_deep_copy(fields);
    size_t i;
    json_t *f;

    json_array_foreach(c, i, f) {
        const char *t = json_string_value(json_object_get(f, "type"));

        json_object_set_new(f, "type", json_string(fbq_canon(t)));
        if (!json_object_get(f, "mode"))
            json_object_set_new(f, "mode", json_string("NULLABLE"));
    }
    return c;
}

int fbq_table_create(struct fbq_server *s, const char *ds, const char *t,
                     json_t *fields, int64_t expires, char *msg, size_t n)
{
    json_t *c = canon_fields(fields);
    char *text = json_dumps(c, JSON_COMPACT);
    char *sql = sqlite3_mprintf("INSERT INTO _tables VALUES (%Q, %Q, %Q, "
                                "%lld, %lld)", ds, t, text,
                                (long long)expires,
                                (long long)fbq_now_ms());
    struct sbuf ddl;
    size_t i;
    json_t *f;
    int rc;

    sbuf_init(&ddl, 0);
    sbuf_addf(&ddl, "CREATE TABLE \"%s\".\"%s\" (", ds, t);
    json_array_foreach(c, i, f)
        sbuf_addf(&ddl, "%s\"%s\" %s", i ? ", " : "",
                  json_string_value(json_object_get(f, "name")),
                  fbq_decl(json_string_value(json_object_get(f, "type"))));
    sbuf_addstr(&ddl, ")");
    rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(s->db, ddl.buf, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        snprintf(msg, n, "fake: %s", sqlite3_errmsg(s->db));
    sbuf_release(&ddl);
    sqlite3_free(sql);
    free(text);
    json_decref(c);
    return rc;
}

static int64_t count_rows(struct fbq_server *s, const char *ds,
                          const char *t)
{
    char *sql = sqlite3_mprintf("SELECT count(*) FROM \"%w\".\"%w\"", ds, t);
    sqlite3_stmt *st;
    int64_t n = 0;

    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return n;
}

static json_t *table_json(struct fbq_server *s, const char *ds,
                          const char *t, json_t *meta)
{
    json_t *fields = json_deep_copy(json_object_get(meta, "fields"));
    char num[32];
    size_t i;
    json_t *f;
    json_t *j;

    json_array_foreach(fields, i, f)
        json_object_set_new(f, "type", json_string(legacy(
            json_string_value(json_object_get(f, "type")))));
    j = json_pack("{s:s, s:{s:s, s:s, s:s}, s:{s:o}, s:s}", "kind",
                  "bigquery#table", "tableReference",
                  "projectId", s->project, "datasetId", ds, "tableId", t,
                  "schema", "fields", fields, "type", "TABLE");
    json_object_set_new(j, "id", json_sprintf("%s:%s.%s", s->project, ds,
                                              t));
    snprintf(num, sizeof(num), "%" PRId64, count_rows(s, ds, t));
    json_object_set_new(j, "numRows", json_string(num));
    snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
             json_integer_value(json_object_get(meta, "created")));
    json_object_set_new(j, "creationTime", json_string(num));
    json_object_set_new(j, "etag", json_string(num));
    if (json_integer_value(json_object_get(meta, "expires"))) {
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
                 json_integer_value(json_object_get(meta, "expires")));
        json_object_set_new(j, "expirationTime", json_string(num));
    }
    return j;
}

static bool body_json(struct fbq_req *rq, struct fbq_resp *r, json_t **out)
{
    const char *ct = fbq_header(rq, "Content-Type");

    *out = NULL;
    if (!ct || strncmp(ct, "application/json", 16)) {
        fbq_error(r, 400, "invalid", "fake: Content-Type must be "
                  "application/json");
        return false;
    }
    *out = json_loadb(rq->body.buf ? rq->body.buf : "", rq->body.len, 0,
                      NULL);
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        fbq_error(r, 400, "parseError", "Parse Error");
        return false;
    }
    return true;
}

static void dataset_insert(struct fbq_server *s, struct fbq_req *rq,
                           struct fbq_resp *r)
{
    json_t *b = NULL;
    const char *ds;
    const char *loc;
    char old[64];
    char *sql;

    if (!body_json(rq, r, &b) || !fbq_validate(s, "Dataset", b, r))
        goto out;
    ds = json_string_value(json_object_get(json_object_get(b,
                           "datasetReference"), "datasetId"));
    loc = json_string_value(json_object_get(b, "location"));
    if (!ds || !valid_id(ds, 1024)) {
        fbq_error(r, 400, "invalid", "Invalid dataset ID \"%s\".",
                  ds ? ds : "");
        goto out;
    }
    if (fbq_dataset_location(s, ds, old)) {
        fbq_error(r, 409, "duplicate", "Already Exists: Dataset %s:%s",
                  s->project, ds);
        goto out;
    }
    sql = sqlite3_mprintf("INSERT INTO _datasets VALUES (%Q, %Q, %lld); "
                          "ATTACH ':memory:' AS \"%w\"", ds, loc ? loc : "US",
                          (long long)fbq_now_ms(), ds);
    exec(s, sql);
    sqlite3_free(sql);
    fbq_count(s, "datasets_created", 1);
    fbq_reply(r, 200, json_pack("{s:s, s:{s:s, s:s}, s:s}", "kind",
                                "bigquery#dataset", "datasetReference",
                                "projectId", s->project, "datasetId", ds,
                                "location", loc ? loc : "US"));
out:
    json_decref(b);
}

static void dataset_delete(struct fbq_server *s, struct fbq_req *rq,
                           const char *ds, struct fbq_resp *r)
{
    const char *dc = fbq_arg(rq, "deleteContents");
    char *sql = sqlite3_mprintf("SELECT count(*) FROM _tables WHERE ds = %Q",
                                ds);
    sqlite3_stmt *st;
    int64_t n = 0;

    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_free(sql);
    if (n && (!dc || strcmp(dc, "true"))) {
        fbq_error(r, 400, "resourceInUse", "Dataset %s:%s is still in use",
                  s->project, ds);
        return;
    }
    sql = sqlite3_mprintf("DELETE FROM _tables WHERE ds = %Q; DELETE FROM "
                          "_datasets WHERE id = %Q; DETACH \"%w\"", ds, ds,
                          ds);
    exec(s, sql);
    sqlite3_free(sql);
    r->status = 204;
}

static void table_insert(struct fbq_server *s, struct fbq_req *rq,
                         const char *ds, struct fbq_resp *r)
{
    json_t *b = NULL;
    json_t *meta = NULL;
    json_t *fields;
    const char *t;
    const char *exp;
    char msg[512];
    int64_t e = 0;

    if (!body_json(rq, r, &b) || !fbq_validate(s, "Table", b, r))
        goto out;
    t = json_string_value(json_object_get(json_object_get(b,
                          "tableReference"), "tableId"));
    fields = json_object_get(json_object_get(b, "schema"), "fields");
    exp = json_string_value(json_object_get(b, "expirationTime"));
    if (!t || !valid_id(t, 1024)) {
        fbq_error(r, 400, "invalid", "Invalid table ID \"%s\".",
                  t ? t : "");
        goto out;
    }
    if (fbq_check_fields(fields, msg, sizeof(msg))) {
        fbq_error(r, 400, "invalid", "%s", msg);
        goto out;
    }
    meta = fbq_table_meta(s, ds, t);
    if (meta) {
        fbq_error(r, 409, "duplicate", "Already Exists: Table %s:%s.%s",
                  s->project, ds, t);
        goto out;
    }
    if (exp)
        e = strtoll(exp, NULL, 10);
    if (fbq_table_create(s, ds, t, fields, e, msg, sizeof(msg))) {
        fbq_error(r, 500, "internalError", "%s", msg);
        goto out;
    }
    fbq_count(s, "tables_created", 1);
    meta = fbq_table_meta(s, ds, t);
    fbq_reply(r, 200, table_json(s, ds, t, meta));
out:
    json_decref(meta);
    json_decref(b);
}

static json_t *find(json_t *fields, const char *name)
{
    size_t i;
    json_t *f;

    json_array_foreach(fields, i, f)
        if (!strcasecmp(json_string_value(json_object_get(f, "name")),
                        name))
            return f;
    return NULL;
}

/* BigQuery's add-only rules; NULL when the new schema is acceptable. */
static const char *patch_problem(json_t *old, json_t *neu, char *msg,
                                 size_t n)
{
    size_t i;
    json_t *f;

    json_array_foreach(old, i, f) {
        const char *name = json_string_value(json_object_get(f, "name"));
        json_t *g = find(neu, name);
        const char *ot = json_string_value(json_object_get(f, "type"));

        if (!g)
            return snprintf(msg, n, "Field %s is missing in new schema",
                            name), msg;
        if (strcmp(fbq_canon(json_string_value(json_object_get(g,
                   "type"))), ot))
            return snprintf(msg, n, "Field %s has changed type from %s to "
                            "%s", name, legacy(ot), legacy(fbq_canon(
                            json_string_value(json_object_get(g, "type"))))),
                   msg;
    }
    json_array_foreach(neu, i, f) {
        const char *mode = json_string_value(json_object_get(f, "mode"));

        if (!find(old, json_string_value(json_object_get(f, "name"))) &&
            mode && !strcmp(mode, "REQUIRED"))
            return snprintf(msg, n, "Cannot add required fields to an "
                            "existing schema. (field: %s)",
                            json_string_value(json_object_get(f, "name"))),
                   msg;
    }
    return NULL;
}

static void add_columns(struct fbq_server *s, const char *ds, const char *t,
                        json_t *old, json_t *neu)
{
    size_t i;
    json_t *f;

    json_array_foreach(neu, i, f) {
        const char *name = json_string_value(json_object_get(f, "name"));
        char *sql;

        if (find(old, name))
            continue;
        sql = sqlite3_mprintf("ALTER TABLE \"%w\".\"%w\" ADD COLUMN \"%w\" "
                              "%s", ds, t, name, fbq_decl(fbq_canon(
                              json_string_value(json_object_get(f,
                              "type")))));
        exec(s, sql);
        sqlite3_free(sql);
    }
}

static void table_patch(struct fbq_server *s, struct fbq_req *rq,
                        const char *ds, const char *t, json_t *meta,
                        struct fbq_resp *r)
{
    json_t *b = NULL;
    json_t *neu;
    json_t *c = NULL;
    json_t *old = json_object_get(meta, "fields");
    char msg[512];
    char key[300];

    if (!body_json(rq, r, &b) || !fbq_validate(s, "Table", b, r))
        goto out;
    neu = json_object_get(json_object_get(b, "schema"), "fields");
    if (fbq_check_fields(neu, msg, sizeof(msg))) {
        fbq_error(r, 400, "invalid", "%s", msg);
        goto out;
    }
    if (patch_problem(old, neu, msg, sizeof(msg))) {
        fbq_error(r, 400, "invalid", "Provided Schema does not match Table "
                  "%s:%s.%s. %s", s->project, ds, t, msg);
        goto out;
    }
    c = canon_fields(neu);
    add_columns(s, ds, t, old, c);
    fbq_set_fields(s, ds, t, c);
    snprintf(key, sizeof(key), "patches:%.200s", t);
    fbq_count(s, key, 1);
    json_decref(meta);
    meta = fbq_table_meta(s, ds, t);
    fbq_reply(r, 200, table_json(s, ds, t, meta));
out:
    json_decref(meta);
    json_decref(c);
    json_decref(b);
}

static void table_route(struct fbq_server *s, struct fbq_req *rq,
                        const char *ds, const char *t, struct fbq_resp *r)
{
    json_t *meta = fbq_table_meta(s, ds, t);

    if (!meta) {
        fbq_error(r, 404, "notFound", "Not found: Table %s:%s.%s",
                  s->project, ds, t);
        return;
    }
    if (!strcmp(rq->method, "GET")) {
        fbq_reply(r, 200, table_json(s, ds, t, meta));
    } else if (!strcmp(rq->method, "DELETE")) {
        fbq_table_drop(s, ds, t);
        r->status = 204;
    } else if (!strcmp(rq->method, "PATCH")) {
        table_patch(s, rq, ds, t, json_incref(meta), r);
    } else {
        fbq_error(r, 405, "invalid", "fake: method not allowed");
    }
    json_decref(meta);
}

static json_t *list_entry(struct fbq_server *s, const char *ds,
                          const char *t, int64_t created)
{
    json_t *e = json_pack("{s:s, s:{s:s, s:s, s:s}, s:s}", "kind",
                          "bigquery#table", "tableReference", "projectId",
                          s->project, "datasetId", ds, "tableId", t, "type",
                          "TABLE");

    json_object_set_new(e, "id", json_sprintf("%s:%s.%s", s->project, ds,
                                              t));
    json_object_set_new(e, "creationTime", json_sprintf("%" PRId64,
                                                        created));
    return e;
}

/*
 * tables.list: pages of maxResults (default 50, as BigQuery) by table id;
 * the page token is the last id of the page.  Expired tables are left out.
 */
static void table_list(struct fbq_server *s, struct fbq_req *rq,
                       const char *ds, struct fbq_resp *r)
{
    const char *mr = fbq_arg(rq, "maxResults");
    const char *after = fbq_arg(rq, "pageToken");
    int max = mr && atoi(mr) > 0 ? atoi(mr) : 50;
    json_t *list = json_array();
    json_t *j = json_pack("{s:s}", "kind", "bigquery#tableList");
    sqlite3_stmt *st = NULL;
    int n = 0;

    sqlite3_prepare_v2(s->db, "SELECT id, created FROM _tables WHERE ds = ?1"
                       " AND (expires = 0 OR expires > ?2) AND id > ?3 "
                       "ORDER BY id", -1, &st, NULL);
    sqlite3_bind_text(st, 1, ds, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, fbq_now_ms());
    sqlite3_bind_text(st, 3, after ? after : "", -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);

        if (n++ == max) {
            json_object_set_new(j, "nextPageToken", json_string(
                json_string_value(json_object_get(json_object_get(
                    json_array_get(list, (size_t)max - 1),
                    "tableReference"), "tableId"))));
            break;
        }
        json_array_append_new(list, list_entry(s, ds, t,
                              sqlite3_column_int64(st, 1)));
    }
    sqlite3_finalize(st);
    fbq_count(s, "table_lists", 1);
    if (json_array_size(list))
        json_object_set(j, "tables", list);
    json_decref(list);
    fbq_reply(r, 200, j);
}

void fbq_api(struct fbq_server *s, struct fbq_req *rq, const char *rest,
             struct fbq_resp *r)
{
    char ds[1100] = "", t[1100] = "", tail[16] = "";
    char loc[64];
    int n = sscanf(rest, "datasets/%1099[^/]/%15[^/]/%1099[^/?]", ds, tail,
                   t);

    if (!strcmp(rest, "datasets") && !strcmp(rq->method, "POST"))
        dataset_insert(s, rq, r);
    else if (n < 1 || (n >= 2 && strcmp(tail, "tables")))
        fbq_error(r, 404, "notFound", "fake: no such path %s", rq->url);
    else if (!fbq_dataset_location(s, ds, loc))
        fbq_error(r, 404, "notFound", "Not found: Dataset %s:%s",
                  s->project, ds);
    else if (n == 1 && !strcmp(rq->method, "GET"))
        fbq_reply(r, 200, json_pack("{s:s, s:{s:s, s:s}, s:s}", "kind",
                                    "bigquery#dataset", "datasetReference",
                                    "projectId", s->project, "datasetId",
                                    ds, "location", loc));
    else if (n == 1 && !strcmp(rq->method, "DELETE"))
        dataset_delete(s, rq, ds, r);
    else if (n == 2 && !strcmp(rq->method, "POST"))
        table_insert(s, rq, ds, r);
    else if (n == 2 && !strcmp(rq->method, "GET"))
        table_list(s, rq, ds, r);
    else if (n == 3)
        table_route(s, rq, ds, t, r);
    else
        fbq_error(r, 404, "notFound", "fake: no such path %s", rq->url);
}
