/*
 * tload.c - one table's load: convert, compare hashes, write, commit.
 */
#include "common/kv.h"
#include "sync/tload.h"
#include "common/mem.h"
#include "ws/ws_records.h"
#include "ws/ws_tables.h"

#include <json-c/json.h>

static int cmp_known(const void *a, const void *b)
{
    return strcmp(((const struct tload_known *)a)->name,
                  ((const struct tload_known *)b)->name);
}

static struct tload_known *find_known(const struct tload *tl,
                                      const char *name)
{
    struct tload_known key = {.name = (char *)name};

    return bsearch(&key, tl->known, tl->nsorted, sizeof(*tl->known),
                   cmp_known);
}

/* The known column of the record's pos-th field name, or NULL. */
static struct tload_known *find_field(struct tload *tl, size_t pos,
                                      const char *name)
{
    struct tload_known *k;

    if (pos < tl->nfield_at && tl->field_at[pos] < tl->nknown &&
        !strcmp(tl->known[tl->field_at[pos]].name, name))
        return &tl->known[tl->field_at[pos]];
    k = find_known(tl, name);
    if (!k)
        return NULL;
    if (pos >= tl->nfield_at) {
        tl->field_at = xrealloc(tl->field_at, (pos + 1) * sizeof(size_t));
        for (size_t i = tl->nfield_at; i < pos; i++)
            tl->field_at[i] = SIZE_MAX;
        tl->nfield_at = pos + 1;
    }
    tl->field_at[pos] = (size_t)(k - tl->known);
    return k;
}

/*
 * Appends a column past the sorted part, where find_known does not look
 * until sort_known: a record's fields are distinct, so one sort after
 * the record is enough (a sort per new field was quadratic).
 */
static void append_known(struct tload *tl, const char *name,
                         enum table_type type, bool selected,
                         bool seen_before)
{
    struct tload_known *k;

    if (tl->nknown == tl->known_cap) {
        tl->known_cap = tl->known_cap ? 2 * tl->known_cap : 64;
        tl->known = xrealloc(tl->known, sizeof(*tl->known) * tl->known_cap);
    }
    k = &tl->known[tl->nknown++];
    k->name = xstrdup(name);
    k->type = type;
    k->selected = selected;
    k->seen = false;
    k->seen_before = seen_before;
}

static void sort_known(struct tload *tl)
{
    qsort(tl->known, tl->nknown, sizeof(*tl->known), cmp_known);
    tl->nsorted = tl->nknown;
    tl->nfield_at = 0; /* the sort moved the columns */
}

static int load_known_columns(struct tload *tl, struct kv_err *err)
{
    struct ws_column *cols;
    int n;
    int rc = ws_columns_list(tl->ws, tl->schema.name, &cols, &n, err);

    if (rc)
        return rc;
    for (int i = 0; i < n; i++)
        append_known(tl, cols[i].name, cols[i].type, cols[i].selected,
                     cols[i].seen);
    sort_known(tl);
    ws_columns_free(cols, n);
    return KV_OK;
}

/* Two types seen for one field: numbers widen to FLOAT64, else JSON. */
static enum table_type merge_types(enum table_type a, enum table_type b)
{
    bool numbers = (a == TABLE_INT64 || a == TABLE_FLOAT64) &&
                   (b == TABLE_INT64 || b == TABLE_FLOAT64);

    if (a == b)
        return a;
    return numbers ? TABLE_FLOAT64 : TABLE_JSON;
}

/*
 * A field not selected whose values disagree on a type: its inferred type
 * widens.  A selected column keeps its type; misfits become NULL and are
 * reported by the conversion.
 */
static int widen_type(struct tload *tl, struct tload_known *k,
                      enum table_type seen, struct kv_err *err)
{
    enum table_type merged = merge_types(k->type, seen);

    if (k->selected || merged == k->type)
        return KV_OK;
    k->type = merged;
    return ws_column_set_type(tl->ws, tl->schema.name, k->name, merged, err);
}

/*
 * Every field of a record: a new one is kept as `available` with its
 * inferred type (its value goes nowhere); a known one is marked seen, so
 * that a complete read can tell which fields Customer.io stopped sending.
 */
static int note_fields(struct tload *tl, struct json_object *rec,
                       struct kv_err *err)
{
    size_t pos = 0;
    int rc = KV_OK;

    json_object_object_foreach(rec, name, value) {
        struct tload_known *k = find_field(tl, pos++, name);
        enum table_type type;
        bool typed = convert_infer_type(value, &type);

        if (k && typed)
            rc = widen_type(tl, k, type, err);
        else if (!k && typed)
            rc = ws_column_note(tl->ws, tl->schema.name, name, type, err);
        if (rc)
            break;
        if (!k && typed) {
            append_known(tl, name, type, false, false);
            tl->stats->new_fields++;
            k = &tl->known[tl->nknown - 1];
        }
        if (k)
            k->seen = true;
    }
    if (tl->nsorted < tl->nknown)
        sort_known(tl);
    return rc;
}

/* Loads (creating on first use) the workspace's key for hashed columns. */
static int load_hmac_key(struct tload *tl, struct kv_err *err)
{
    bool any = false;
    int rc;

    for (int i = 0; i < tl->schema.ncols; i++)
        any = any || (tl->schema.cols[i].flags & TABLE_COL_HASHED);
    if (!any)
        return KV_OK;
    rc = ws_secret_random(tl->ws, "hash", &tl->hmac_key, err);
    if (rc)
        return rc;
    tl->schema.hmac_key = (const unsigned char *)tl->hmac_key;
    tl->schema.hmac_key_len = strlen(tl->hmac_key);
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
    tl->pending_slots = xcalloc(TLOAD_PENDING_SLOTS,
                                sizeof(*tl->pending_slots));
    /* an incremental table keeps the columns Customer.io stopped sending */
    rc = ws_schema_load(ws, table, !replace, &tl->schema, err);
    if (!rc)
        rc = load_hmac_key(tl, err);
    if (!rc)
        rc = load_known_columns(tl, err);
    if (!rc && replace)
        rc = ws_records_stage_clear(ws, table, err);
    if (!rc && !replace)
        rc = reset_state_if_table_missing(tl, err);
    /*
     * Read once: during the load only this process writes the state (the
     * sync lock), and only hashes of rows it has already passed.
     */
    if (!rc)
        rc = ws_forgotten_any(ws, table, &tl->any_forgotten, err);
    if (!rc)
        rc = ws_records_any(ws, table, &tl->any_hashes, err);
    if (!rc)
        rc = dest->ops->load_begin(dest, &tl->schema, replace ? DEST_REPLACE
                                   : DEST_UPSERT, synced_at, &tl->load, err);
    if (rc)
        tload_abort(tl);
    return rc;
}

/* FNV-1a: pending keys are short decimal strings ("12", "12:301"). */
static size_t key_slot(const char *key)
{
    uint64_t h = 14695981039346656037ull;

    for (; *key; key++)
        h = (h ^ (unsigned char)*key) * 1099511628211ull;
    return (size_t)(h & (TLOAD_PENDING_SLOTS - 1));
}

/* The slot holding key, or the empty slot where it would go. */
static size_t *pending_slot(const struct tload *tl, const char *key)
{
    for (size_t s = key_slot(key);; s = (s + 1) & (TLOAD_PENDING_SLOTS - 1)) {
        size_t *v = &tl->pending_slots[s];

        if (!*v || !strcmp(tl->pending[*v - 1].key, key))
            return v;
    }
}

static void clear_pending(struct tload *tl)
{
    for (size_t i = 0; i < tl->npending; i++)
        free(tl->pending[i].key);
    tl->npending = 0;
    if (tl->pending_slots)
        memset(tl->pending_slots, 0,
               TLOAD_PENDING_SLOTS * sizeof(*tl->pending_slots));
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
    /* rows count as written once committed (staged, for a full refresh) */
    if (!rc)
        tl->stats->written += (int64_t)tl->npending;
    clear_pending(tl);
    return rc;
}

/*
 * Whether the row needs no write: forgotten on request, or (incremental)
 * the same content as the warehouse holds.
 */
static int is_unchanged(struct tload *tl, const struct table_row *row,
                        bool *same, struct kv_err *err)
{
    unsigned char stored[32];
    bool found = false;
    size_t *slot;
    int rc = KV_OK;

    if (tl->any_forgotten)
        rc = ws_forgotten_has(tl->ws, tl->schema.name, row->key, &found,
                              err);
    *same = found;
    tl->stats->forgotten += found;
    /* a forgotten record is skipped, and not counted as unchanged */
    tl->stats->unchanged -= found;
    if (rc || found || tl->replace || !tl->any_hashes)
        return rc;
    /* listed earlier in this sync: that row is what the warehouse has */
    slot = pending_slot(tl, row->key);
    if (*slot) {
        *same = !memcmp(tl->pending[*slot - 1].hash, row->hash, 32);
        return KV_OK;
    }
    rc = ws_record_hash(tl->ws, tl->schema.name, row->key, stored, &found,
                        err);
    if (!rc && found)
        *same = !memcmp(stored, row->hash, sizeof(stored));
    return rc;
}

/* Writes a converted row unless it is unchanged; takes row->key. */
static int store_row(struct tload *tl, struct table_row *row,
                     struct kv_err *err)
{
    struct tload_pending *p;
    bool same;
    int rc = is_unchanged(tl, row, &same, err);

    if (rc)
        return rc;
    if (same) {
        tl->stats->unchanged++;
        return KV_OK;
    }
    rc = tl->dest->ops->load_row(tl->load, row, err);
    if (rc)
        return rc;
    p = &tl->pending[tl->npending++];
    p->key = row->key;
    row->key = NULL;
    memcpy(p->hash, row->hash, sizeof(p->hash));
    *pending_slot(tl, p->key) = tl->npending;
    if (tl->npending == TLOAD_BATCH_ROWS)
        rc = flush(tl, err);
    return rc;
}

static int load_record(struct tload *tl, struct json_object *rec,
                       int64_t campaign_id, struct kv_err *err)
{
    struct table_row row = {0};
    int rc = convert_record(&tl->schema, rec, campaign_id, &row,
                            &tl->stats->report, err);

    if (!rc)
        rc = store_row(tl, &row, err);
    table_row_release(&row);
    return rc;
}

/* A page's records as rows, up to the first that could not convert. */
struct tload_page {
    size_t n;
    struct table_row *rows; /* n of them */
    int rc;                 /* record n's failure, if n < the page's */
    struct kv_err err;
    struct convert_report report;
};

void *tload_prepare(void *arg, const struct cio_stream *s,
                    struct json_object *items)
{
    const struct tload *tl = arg;
    size_t n = json_object_array_length(items);
    struct tload_page *pg;

    /* the rows of a huge page would double its memory: those go one by one */
    if (n > TLOAD_PREPARE_MAX_RECORDS)
        return NULL;
    pg = xcalloc(1, sizeof(*pg));

    pg->rows = xcalloc(n ? n : 1, sizeof(*pg->rows));
    for (; pg->n < n; pg->n++) {
        struct json_object *rec = json_object_array_get_idx(items, pg->n);

        kv_err_clear(&pg->err);
        pg->rc = convert_record(&tl->schema, rec, s->campaign_id,
                                &pg->rows[pg->n], &pg->report, &pg->err);
        if (pg->rc)
            break;
    }
    return pg;
}

void tload_page_free(void *page)
{
    struct tload_page *pg = page;

    if (!pg)
        return;
    for (size_t i = 0; i < pg->n; i++)
        table_row_release(&pg->rows[i]);
    free(pg->rows);
    free(pg);
}

/* The page's values that did not fit join the table's, in order. */
static void merge_report(struct convert_report *to,
                         const struct convert_report *from)
{
    to->bad_values += from->bad_values;
    for (int i = 0; i < from->nexamples; i++)
        if (to->nexamples < CONVERT_MAX_EXAMPLES)
            to->examples[to->nexamples++] = from->examples[i];
}

/* Record i of a page the parser thread converted. */
static int load_converted(struct tload *tl, struct tload_page *pg, size_t i,
                          struct kv_err *err)
{
    if (i < pg->n)
        return store_row(tl, &pg->rows[i], err);
    if (i == pg->n && pg->rc) {
        *err = pg->err;
        return pg->rc;
    }
    return kv_err_set(err, KV_EFAIL, "internal error: the page changed "
                      "after it was converted");
}

int tload_records(struct tload *tl, struct json_object *items,
                  int64_t campaign_id, void *prepared, struct kv_err *err)
{
    struct tload_page *pg = prepared;
    size_t n = json_object_array_length(items);

    if (pg)
        merge_report(&tl->stats->report, &pg->report);
    for (size_t i = 0; i < n; i++) {
        struct json_object *rec = json_object_array_get_idx(items, i);
        int rc = note_fields(tl, rec, err);

        if (!rc && pg)
            rc = load_converted(tl, pg, i, err);
        else if (!rc)
            rc = load_record(tl, rec, campaign_id, err);
        if (rc)
            return kv_err_prefix(err, "record %zu of the page", i + 1);
        tl->stats->records++;
    }
    return KV_OK;
}

static void tload_release(struct tload *tl)
{
    clear_pending(tl);
    free(tl->pending);
    free(tl->pending_slots);
    for (size_t i = 0; i < tl->nknown; i++)
        free(tl->known[i].name);
    free(tl->known);
    free(tl->field_at);
    if (tl->hmac_key)
        memset(tl->hmac_key, 0, strlen(tl->hmac_key));
    free(tl->hmac_key);
    table_schema_release(&tl->schema);
    memset(tl, 0, sizeof(*tl));
}

/*
 * A full refresh matches Customer.io: a selected column that earlier
 * records carried and none carried this time leaves the table now (it holds
 * only NULLs), not a sync later.  A catalog column never sent stays, so the
 * table's shape does not flicker with the account's content.
 */
static int drop_unsent_columns(struct tload *tl, struct kv_err *err)
{
    int rc = KV_OK;

    for (int i = tl->schema.nkey; !rc && i < tl->schema.ncols; i++) {
        struct tload_known *k = find_known(tl, tl->schema.cols[i].name);

        if (k && k->seen_before && !k->seen)
            rc = tl->dest->ops->drop_column(tl->dest, tl->schema.name,
                                            k->name, err);
    }
    return rc;
}

/* After a complete read: which known fields did no record carry? */
static int record_gone_fields(struct tload *tl, struct kv_err *err)
{
    char **seen;
    size_t n = 0;
    int rc;

    /* an empty list proves nothing about its fields */
    if (!tl->stats->records)
        return KV_OK;
    seen = xcalloc(tl->nknown + 1, sizeof(char *));
    for (size_t i = 0; i < tl->nknown; i++)
        if (tl->known[i].seen)
            seen[n++] = tl->known[i].name;
    rc = ws_columns_set_seen(tl->ws, tl->schema.name, seen, n, err);
    free(seen);
    if (!rc && tl->replace)
        rc = drop_unsent_columns(tl, err);
    return rc;
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
    if (!rc)
        rc = record_gone_fields(tl, err);
    tload_release(tl);
    return rc;
}

void tload_abort(struct tload *tl)
{
    /* a full refresh that did not finish wrote nothing anyone can see */
    if (tl->replace && tl->stats)
        tl->stats->written = 0;
    if (tl->load)
        tl->dest->ops->load_abort(tl->load);
    if (tl->replace && tl->ws && tl->schema.name)
        ws_records_stage_clear(tl->ws, tl->schema.name, NULL);
    tload_release(tl);
}
