/*
 * bq_schema.c - the dataset and the tables' shapes: datasets.get/insert,
 * tables.get/insert/delete, and the one tables.patch per table per load
 * that adds the selected columns a target lacks (BigQuery's schema
 * changes are add-only; a type change is refused, not papered over).
 */
#include "common/kv.h"
#include "dest/bq_int.h"

#include <ctype.h>
#include <strings.h>

static const char *const aliases[][2] = {
    {"INTEGER", "INT64"}, {"FLOAT", "FLOAT64"}, {"BOOLEAN", "BOOL"},
    {"STRUCT", "RECORD"},
};

const char *bq_canon_type(const char *t)
{
    for (size_t i = 0; t && i < KV_ARRAY_LEN(aliases); i++)
        if (!strcmp(t, aliases[i][0]))
            return aliases[i][1];
    return t ? t : "";
}

static bool valid_name(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 128 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_')
            return false;
    return true;
}

int bq_check_schema(const struct table_schema *s, struct kv_err *err)
{
    if (!s->name || !valid_name(s->name) || s->nkey < 1)
        return kv_err_set(err, KV_EUSAGE, "table name '%s' or its key is "
                          "not usable in BigQuery", s->name ? s->name : "");
    for (int i = 0; i < s->ncols; i++) {
        const char *c = s->cols[i].name;

        if (!valid_name(c) || !strncasecmp(c, "_kaivo_", 7))
            return kv_err_set(err, KV_EUSAGE, "column name '%s' is not "
                              "usable in BigQuery", c);
        for (int j = 0; j < i; j++)
            if (!strcasecmp(c, s->cols[j].name))
                return kv_err_set(err, KV_EUSAGE, "columns '%s' and '%s' "
                                  "collide in BigQuery", s->cols[j].name,
                                  c);
    }
    return KV_OK;
}

static json_t *field(const char *name, const char *type)
{
    return json_pack("{s:s, s:s, s:s}", "name", name, "type", type, "mode",
                     "NULLABLE");
}

json_t *bq_fields(const struct table_schema *s, bool seq)
{
    json_t *a = json_array();

    for (int i = 0; i < s->ncols; i++)
        json_array_append_new(a, field(s->cols[i].name,
                                       table_type_name(s->cols[i].type)));
    json_array_append_new(a, field(BQ_SYNCED_AT, "TIMESTAMP"));
    if (seq)
        json_array_append_new(a, field(BQ_SEQ, "INT64"));
    return a;
}

static int dataset_insert(struct bq *b, struct bq_resp *r,
                          struct kv_err *err)
{
    char *url = bq_url(b, "datasets");
    json_t *body = json_pack("{s:{s:s, s:s}, s:s}", "datasetReference",
                             "projectId", b->project, "datasetId",
                             b->dataset, "location", b->location);
    int rc = bq_json(b, "POST", url, body, r, err);

    if (!rc && r->status == 200 && b->on_created)
        b->on_created(b->ctx, b->project, b->dataset);
    /* 409: created meanwhile by someone else, which is fine */
    if (!rc && r->status != 200 && r->status != 409)
        rc = bq_fail(r, url, err);
    json_decref(body);
    free(url);
    return rc;
}

/* The dataset's location must be ours: jobs run where the data is. */
static int check_location(struct bq *b, json_t *ds, struct kv_err *err)
{
    const char *loc = json_string_value(json_object_get(ds, "location"));

    if (loc && strcasecmp(loc, b->location))
        return kv_err_set(err, KV_EUSAGE, "dataset '%s' is in location "
                          "'%s', not '%s'", b->dataset, loc, b->location);
    return KV_OK;
}

int bq_ensure_dataset(struct bq *b, struct kv_err *err)
{
    struct bq_resp r;
    char *url;
    int rc;

    if (b->dataset_ok)
        return KV_OK;
    bq_resp_init(&r);
    url = bq_url(b, "datasets/%s", b->dataset);
    rc = bq_json(b, "GET", url, NULL, &r, err);
    if (!rc && r.status == 404)
        rc = dataset_insert(b, &r, err);
    else if (!rc && r.status == 200)
        rc = check_location(b, r.json, err);
    else if (!rc)
        rc = bq_fail(&r, url, err);
    b->dataset_ok = !rc;
    free(url);
    bq_resp_release(&r);
    return rc;
}

int bq_table_get(struct bq *b, const char *table, json_t **out,
                 struct kv_err *err)
{
    struct bq_resp r;
    char *url = bq_url(b, "datasets/%s/tables/%s", b->dataset, table);
    int rc;

    *out = NULL;
    bq_resp_init(&r);
    rc = bq_json(b, "GET", url, NULL, &r, err);
    if (!rc && r.status == 200) {
        *out = r.json;
        r.json = NULL;
    } else if (!rc && r.status != 404) {
        rc = bq_fail(&r, url, err);
    }
    free(url);
    bq_resp_release(&r);
    return rc;
}

int bq_table_insert(struct bq *b, const char *table, json_t *fields,
                    int64_t expires_ms, struct kv_err *err)
{
    struct bq_resp r;
    char *url = bq_url(b, "datasets/%s/tables", b->dataset);
    json_t *body = json_pack("{s:{s:s, s:s, s:s}, s:{s:O}}",
                             "tableReference", "projectId", b->project,
                             "datasetId", b->dataset, "tableId", table,
                             "schema", "fields", fields);
    char ms[32];
    int rc;

    /* int64 fields travel as JSON strings in BigQuery's API */
    snprintf(ms, sizeof(ms), "%" PRId64, expires_ms);
    if (expires_ms)
        json_object_set_new(body, "expirationTime", json_string(ms));
    bq_resp_init(&r);
    rc = bq_json(b, "POST", url, body, &r, err);
    if (!rc && r.status != 200)
        rc = bq_fail(&r, url, err);
    json_decref(body);
    free(url);
    bq_resp_release(&r);
    return rc;
}

int bq_table_delete(struct bq *b, const char *table, struct kv_err *err)
{
    struct bq_resp r;
    char *url = bq_url(b, "datasets/%s/tables/%s", b->dataset, table);
    int rc;

    bq_resp_init(&r);
    rc = bq_json(b, "DELETE", url, NULL, &r, err);
    if (!rc && r.status != 204 && r.status != 200 && r.status != 404)
        rc = bq_fail(&r, url, err);
    free(url);
    bq_resp_release(&r);
    return rc;
}

/* Appends to out the ids on one tables.list page that start with prefix. */
static void take_ids(json_t *page, const char *prefix, json_t *out)
{
    size_t i;
    json_t *t;

    json_array_foreach(json_object_get(page, "tables"), i, t) {
        const char *id = json_string_value(json_object_get(json_object_get(
            t, "tableReference"), "tableId"));

        if (id && !strncmp(id, prefix, strlen(prefix)))
            json_array_append_new(out, json_string(id));
    }
}

int bq_table_list(struct bq *b, const char *prefix, json_t **out,
                  struct kv_err *err)
{
    struct bq_resp r;
    char *token = NULL;
    int rc = KV_OK;

    *out = json_array();
    bq_resp_init(&r);
    for (int n = 0; !rc && n < BQ_LIST_PAGES; n++) {
        char *url = bq_url(b, "datasets/%s/tables?maxResults=1000%s%s",
                           b->dataset, token ? "&pageToken=" : "",
                           token ? token : "");
        const char *next;

        rc = bq_json(b, "GET", url, NULL, &r, err);
        if (!rc && r.status != 200)
            rc = bq_fail(&r, url, err);
        free(url);
        if (rc)
            break;
        take_ids(r.json, prefix, *out);
        next = json_string_value(json_object_get(r.json, "nextPageToken"));
        curl_free(token);
        token = next && *next ? curl_easy_escape(NULL, next, 0) : NULL;
        if (!token)
            break;
    }
    curl_free(token);
    bq_resp_release(&r);
    return rc;
}

static json_t *find_field(json_t *fields, const char *name)
{
    size_t i;
    json_t *f;

    json_array_foreach(fields, i, f) {
        const char *n = json_string_value(json_object_get(f, "name"));

        if (n && !strcasecmp(n, name))
            return f;
    }
    return NULL;
}

/* Appends to patch the wanted fields that have lacks; checks types. */
static int diff_fields(json_t *have, json_t *want, json_t *patch,
                       const char *table, struct kv_err *err)
{
    size_t i;
    json_t *f;

    json_array_foreach(want, i, f) {
        const char *name = json_string_value(json_object_get(f, "name"));
        const char *type = json_string_value(json_object_get(f, "type"));
        json_t *old = find_field(have, name);
        const char *otype = json_string_value(json_object_get(old, "type"));

        if (!old)
            json_array_append(patch, f);
        else if (strcmp(bq_canon_type(otype), type))
            return kv_err_set(err, KV_EUSAGE, "column '%s' of '%s' is %s "
                              "in BigQuery, not %s", name, table,
                              bq_canon_type(otype), type);
    }
    return KV_OK;
}

static int patch_table(struct bq *b, const char *table, json_t *fields,
                       struct kv_err *err)
{
    struct bq_resp r;
    char *url = bq_url(b, "datasets/%s/tables/%s", b->dataset, table);
    json_t *body = json_pack("{s:{s:O}}", "schema", "fields", fields);
    int rc;

    bq_resp_init(&r);
    rc = bq_json(b, "PATCH", url, body, &r, err);
    if (!rc && r.status != 200)
        rc = bq_fail(&r, url, err);
    json_decref(body);
    free(url);
    bq_resp_release(&r);
    return rc;
}

int bq_prepare_target(struct bq *b, const struct table_schema *s,
                      struct kv_err *err)
{
    json_t *want = bq_fields(s, false);
    json_t *table = NULL;
    json_t *have;
    json_t *all = NULL;
    size_t before;
    int rc = bq_table_get(b, s->name, &table, err);

    if (rc)
        goto out;
    if (!table) {
        rc = bq_table_insert(b, s->name, want, 0, err);
        goto out;
    }
    have = json_object_get(json_object_get(table, "schema"), "fields");
    all = json_is_array(have) ? json_deep_copy(have) : json_array();
    before = json_array_size(all);
    rc = diff_fields(have, want, all, s->name, err);
    /* the complete list, old columns first: PATCH replaces the schema */
    if (!rc && json_array_size(all) > before)
        rc = patch_table(b, s->name, all, err);
out:
    json_decref(all);
    json_decref(table);
    json_decref(want);
    return rc;
}
