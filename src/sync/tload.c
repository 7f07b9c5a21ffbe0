/*
 * tload.c - one table's load: convert, compare hashes, write, commit.
 */
#include "common/kv.h"
#include "sync/tload.h"
#include "common/mem.h"
#include "ws/ws_records.h"
#include "ws/ws_tables.h"

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_known(const struct tload *tl, const char *name)
{
    return bsearch(&name, tl->known, tl->nknown, sizeof(char *),
                   cmp_name) != NULL;
}

static void add_known(struct tload *tl, const char *name)
{
    tl->known = xrealloc(tl->known, sizeof(char *) * (tl->nknown + 1));
    tl->known[tl->nknown++] = xstrdup(name);
    qsort(tl->known, tl->nknown, sizeof(char *), cmp_name);
}

static int load_known_columns(struct tload *tl, struct kv_err *err)
{
    struct ws_column *cols;
    int n;
    int rc = ws_columns_list(tl->ws, tl->schema.name, &cols, &n, err);

    if (rc)
        return rc;
    for (int i = 0; i < n; i++)
        add_known(tl, cols[i].name);
    ws_columns_free(cols, n);
    return KV_OK;
}

/*
 * A field Customer.io sends that the workspace has not seen: keep its name
 * and inferred type as `available`.  Its value goes nowhere.
 */
static int note_new_fields(struct tload *tl, json_t *rec,
                           struct kv_err *err)
{
    const char *name;
    json_t *value;

    json_object_foreach(rec, name, value) {
        enum table_type type;
        int rc;

        if (is_known(tl, name) || !convert_infer_type(value, &type))
            continue;
        rc = ws_column_note(tl->ws, tl->schema.name, name, type, err);
        if (rc)
            return rc;
        add_known(tl, name);
        tl->stats->new_fields++;
    }
    return KV_OK;
}

/*
 * Incremental tables whose warehouse table is missing (never synced, or
 * dropped by hand) must be rewritten whole: forget the stored hashes.
 */
static int reset_state_if_table_missing(struct tload *tl,
                                        struct kv_err *err)
{
    int64_t rows;
    int rc = tl->dest->ops->row_count(tl->dest, tl->schema.name, &rows,
                                      err);

    if (rc == KV_ENOENT) {
        kv_err_clear(err);
        return ws_records_clear(tl->ws, tl->schema.name, err);
    }
    return rc;
}

int tload_begin(struct tload *tl, struct ws *ws, struct dest *dest,
                const char *table, bool replace, int64_t synced_at,
                struct tload_stats *stats, struct kv_err *err)
{
    int rc;

    memset(tl, 0, sizeof(*tl));
    memset(stats, 0, sizeof(*stats));
    tl->ws = ws;
    tl->dest = dest;
    tl->replace = replace;
    tl->stats = stats;
    tl->pending = xcalloc(TLOAD_BATCH_ROWS, sizeof(*tl->pending));
    rc = ws_schema_load(ws, table, &tl->schema, err);
    if (!rc)
        rc = load_known_columns(tl, err);
    if (!rc && replace)
        rc = ws_records_stage_clear(ws, table, err);
    if (!rc && !replace)
        rc = reset_state_if_table_missing(tl, err);
    if (!rc)
        rc = dest->ops->load_begin(dest, &tl->schema, replace ? DEST_REPLACE
                                   : DEST_UPSERT, synced_at, &tl->load, err);
    if (rc)
        tload_abort(tl);
    return rc;
}

static void clear_pending(struct tload *tl)
{
    for (size_t i = 0; i < tl->npending; i++)
        free(tl->pending[i].key);
    tl->npending = 0;
}

static int store_pending_hashes(struct tload *tl, struct kv_err *err)
{
    int rc = ws_begin(tl->ws, err);

    for (size_t i = 0; !rc && i < tl->npending; i++) {
        const struct tload_pending *p = &tl->pending[i];

        if (tl->replace)
            rc = ws_record_stage(tl->ws, tl->schema.name, p->key, p->hash,
                                 err);
        else
            rc = ws_record_put(tl->ws, tl->schema.name, p->key, p->hash,
                               err);
    }
    if (!rc)
        rc = ws_commit(tl->ws, err);
    if (rc)
        ws_rollback(tl->ws);
    return rc;
}

/* Destination first, state second: see the invariant in ws_records.h. */
static int flush(struct tload *tl, struct kv_err *err)
{
    int rc;

    if (!tl->npending)
        return KV_OK;
    rc = tl->dest->ops->load_commit(tl->load, err);
    if (!rc)
        rc = store_pending_hashes(tl, err);
    clear_pending(tl);
    return rc;
}

static int is_unchanged(struct tload *tl, const struct table_row *row,
                        bool *same, struct kv_err *err)
{
    unsigned char stored[32];
    bool found;
    int rc;

    *same = false;
    if (tl->replace)
        return KV_OK;
    rc = ws_record_hash(tl->ws, tl->schema.name, row->key, stored, &found,
                        err);
    if (!rc && found)
        *same = !memcmp(stored, row->hash, sizeof(stored));
    return rc;
}

static int load_record(struct tload *tl, json_t *rec, int64_t campaign_id,
                       struct kv_err *err)
{
    struct table_row row = {0};
    struct tload_pending *p;
    bool same;
    int rc;

    rc = convert_record(&tl->schema, rec, campaign_id, &row,
                        &tl->stats->report, err);
    if (!rc)
        rc = is_unchanged(tl, &row, &same, err);
    if (rc || same) {
        tl->stats->unchanged += !rc;
        goto out;
    }
    rc = tl->dest->ops->load_row(tl->load, &row, err);
    if (rc)
        goto out;
    tl->stats->written++;
    p = &tl->pending[tl->npending++];
    p->key = row.key;
    row.key = NULL;
    memcpy(p->hash, row.hash, sizeof(p->hash));
    if (tl->npending == TLOAD_BATCH_ROWS)
        rc = flush(tl, err);
out:
    table_row_release(&row);
    return rc;
}

int tload_records(struct tload *tl, json_t *items, int64_t campaign_id,
                  struct kv_err *err)
{
    size_t i;
    json_t *rec;

    json_array_foreach(items, i, rec) {
        int rc = note_new_fields(tl, rec, err);

        if (!rc)
            rc = load_record(tl, rec, campaign_id, err);
        if (rc)
            return kv_err_prefix(err, "record %zu of the page", i);
        tl->stats->records++;
    }
    return KV_OK;
}

static void tload_release(struct tload *tl)
{
    clear_pending(tl);
    free(tl->pending);
    for (size_t i = 0; i < tl->nknown; i++)
        free(tl->known[i]);
    free(tl->known);
    table_schema_release(&tl->schema);
    memset(tl, 0, sizeof(*tl));
}

int tload_finish(struct tload *tl, struct kv_err *err)
{
    int rc = flush(tl, err);

    if (rc) {
        tload_abort(tl);
        return rc;
    }
    rc = tl->dest->ops->load_finish(tl->load, err);
    tl->load = NULL;
    /* a crash here leaves old hashes: the next sync rewrites, harmlessly */
    if (!rc && tl->replace)
        rc = ws_records_stage_swap(tl->ws, tl->schema.name, err);
    tload_release(tl);
    return rc;
}

void tload_abort(struct tload *tl)
{
    if (tl->load)
        tl->dest->ops->load_abort(tl->load);
    if (tl->replace && tl->ws && tl->schema.name)
        ws_records_stage_clear(tl->ws, tl->schema.name, NULL);
    tload_release(tl);
}
