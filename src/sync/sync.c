/*
 * sync.c - the sync engine: source pages in, table loads out.
 */
#include "common/kv.h"
#include "sync/sync.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "source/catalog.h"
#include "source/convert.h"
#include "sync/connector.h"
#include "ws/ws_history.h"
#include "ws/ws_lock.h"
#include "ws/ws_tables.h"

#include <json-c/json.h>

/* Everything one sync holds while it runs. */
struct sync_ctx {
    struct ws *ws;
    const struct sync_options *opt;
    struct sync_result *res;
    struct connector_source src;
    struct cio_client *cio;
    struct dest *dest;
    int64_t synced_at;
    int64_t *campaign_ids; /* owned, from the campaign list */
    size_t ncampaigns;
    bool campaigns_ok;     /* the campaign list was read whole */
    struct sync_progress prog; /* what opt->progress is shown */
    int64_t t0_ms;         /* kv_now_ms() at the start */
    int64_t phase_t0_ms;   /* kv_now_ms() when the current table started */
};

/* One table being synced: the callback's context. */
struct table_run {
    struct sync_ctx *ctx;
    struct sync_table_result *tr;
    struct tload tl;
    bool loading;          /* tl is live: the table is wanted */
    bool collect_ids;      /* reading the campaign list for its ids */
};

static bool wanted(const struct sync_options *opt, const char *name)
{
    if (!opt->ntables)
        return true;
    for (int i = 0; i < opt->ntables; i++)
        if (!strcmp(opt->tables[i], name))
            return true;
    return false;
}

static int check_requested(struct ws *ws, const struct sync_options *opt,
                           struct kv_err *err)
{
    for (int i = 0; i < opt->ntables; i++) {
        struct ws_table_info info;

        if (!catalog_require(opt->tables[i], err))
            return KV_EUSAGE;
        if (ws_table_get(ws, opt->tables[i], &info, err))
            return KV_EUSAGE;
        if (!info.selected)
            return kv_err_set(err, KV_EUSAGE, "table '%s' is not selected: "
                              "run 'kaivo tables select %s' first",
                              opt->tables[i], opt->tables[i]);
    }
    return KV_OK;
}

static bool table_selected(struct ws *ws, const char *name, bool *replace)
{
    struct ws_table_info info;

    if (ws_table_get(ws, name, &info, NULL))
        return false;
    *replace = info.mode == TABLE_FULL_REFRESH;
    return info.selected;
}

static void collect_campaign_ids(struct sync_ctx *ctx,
                                 struct json_object *items)
{
    size_t n = json_object_array_length(items);

    /* the same reading of an id as the campaigns table's: 4, 4.0, "4" */
    for (size_t i = 0; i < n; i++) {
        struct json_object *rec = json_object_array_get_idx(items, i);
        int64_t id;

        if (convert_int64(json_object_object_get(rec, "id"), &id))
            continue;
        ctx->campaign_ids = xrealloc(ctx->campaign_ids, sizeof(int64_t) *
                                     (ctx->ncampaigns + 1));
        ctx->campaign_ids[ctx->ncampaigns++] = id;
    }
}

static void note_skipped(struct table_run *tr, int64_t campaign_id)
{
    struct sync_table_result *r = tr->tr;

    if (!r)
        return;
    klog_warn("campaign %" PRId64 " was deleted while syncing (its actions "
              "answered 404): skipped", campaign_id);
    if (r->skipped < SYNC_MAX_SKIPPED)
        r->skipped_ids[r->skipped] = campaign_id;
    r->skipped++;
}

/* Counts one event and tells the progress callback, if any. */
static void report_progress(struct sync_ctx *ctx, const struct cio_event *ev)
{
    struct sync_progress *p = &ctx->prog;
    const struct cio_stats *st = cio_client_stats(ctx->cio);
    int64_t now = kv_now_ms();

    if (ev->kind == CIO_EV_PAGE)
        p->records += (int64_t)json_object_array_length(ev->items);
    if (ev->list == CIO_ACTIONS && (ev->kind == CIO_EV_SKIPPED || ev->last))
        p->streams_done++;
    p->requests = st->requests;
    p->bytes = st->bytes;
    p->elapsed_ms = now - ctx->t0_ms;
    p->phase_ms = now - ctx->phase_t0_ms;
    if (ctx->opt->progress)
        ctx->opt->progress(ctx->opt->progress_ctx, p);
}

/* A new table starts: the phase clock and the campaign count reset. */
static void progress_phase(struct sync_ctx *ctx, const char *name,
                           enum cio_list list)
{
    struct sync_progress *p = &ctx->prog;

    p->table = name;
    ctx->phase_t0_ms = kv_now_ms();
    p->phase_ms = 0;
    p->streams_done = 0;
    p->streams_total = list == CIO_ACTIONS ? (int64_t)ctx->ncampaigns : 0;
}

static int on_event(void *arg, const struct cio_event *ev,
                    struct kv_err *err)
{
    struct table_run *tr = arg;
    int rc;

    report_progress(tr->ctx, ev);
    if (ev->kind == CIO_EV_SKIPPED) {
        note_skipped(tr, ev->campaign_id);
        return KV_OK;
    }
    if (tr->collect_ids)
        collect_campaign_ids(tr->ctx, ev->items);
    if (!tr->loading)
        return KV_OK;
    rc = tload_records(&tr->tl, ev->items, ev->campaign_id, ev->prepared,
                       err);
    if (rc && !err->where[0])
        kv_err_where(err, "GET %s", ev->url);
    return rc;
}

static void build_streams(struct sync_ctx *ctx, enum cio_list list,
                          struct cio_stream **out, size_t *n)
{
    struct cio_stream *s;

    if (list != CIO_ACTIONS) {
        s = xcalloc(1, sizeof(*s));
        s->list = list;
        *n = 1;
    } else {
        s = xcalloc(ctx->ncampaigns, sizeof(*s));
        for (size_t i = 0; i < ctx->ncampaigns; i++) {
            s[i].list = CIO_ACTIONS;
            s[i].campaign_id = ctx->campaign_ids[i];
        }
        *n = ctx->ncampaigns;
    }
    *out = s;
}

static int fetch_into(struct sync_ctx *ctx, struct table_run *tr,
                      enum cio_list list, struct kv_err *err)
{
    /* rows are converted on the parser thread while this one writes */
    struct cio_prepare prep = {
        .fn = tload_prepare,
        .release = tload_page_free,
        .ctx = &tr->tl,
    };
    struct cio_stream *streams;
    size_t n;
    int rc;

    build_streams(ctx, list, &streams, &n);
    progress_phase(ctx, tr->tr ? tr->tr->name : "campaigns", list);
    rc = cio_fetch_prepared(ctx->cio, streams, n,
                            tr->loading ? &prep : NULL, on_event, tr, err);
    free(streams);
    return rc;
}

static void table_failed(struct sync_table_result *r, const struct kv_err *e)
{
    char text[1200];

    r->rc = e->code ? e->code : KV_EFAIL;
    snprintf(r->error, sizeof(r->error), "%s",
             kv_err_text(e, text, sizeof(text)));
}

static void log_table(const struct sync_table_result *r)
{
    const struct tload_stats *s = &r->stats;

    if (r->rc) {
        klog(r->rc == KV_ECANCEL ? KLOG_INFO : KLOG_ERROR, "%s: %s",
             r->name, r->error);
        return;
    }
    /* debug: `sync` prints the same on stdout, `run` logs one line */
    klog_debug("%s: %" PRId64 " records read, %" PRId64 " rows written, %"
              PRId64 " unchanged%s", r->name, s->records, s->written,
              s->unchanged, r->replaced ? " (full refresh)" : "");
    if (s->report.bad_values)
        klog_warn("%s: %" PRId64 " %s not fit %s column and %s stored as "
                  "NULL (see 'kaivo history')", r->name,
                  s->report.bad_values,
                  s->report.bad_values == 1 ? "value did" : "values did",
                  s->report.bad_values == 1 ? "its" : "their",
                  s->report.bad_values == 1 ? "was" : "were");
    if (s->new_fields)
        klog_info("%s: %" PRId64 " new %s available (see 'kaivo columns "
                  "%s')", r->name, s->new_fields,
                  s->new_fields == 1 ? "field is" : "fields are", r->name);
}

/*
 * Syncs one table: reads its list (for actions: every campaign's) and
 * loads it.  The campaign list is read even when the campaigns table is
 * not wanted, because the actions need its ids.
 */
static int sync_table(struct sync_ctx *ctx, const char *name,
                      enum cio_list list, bool load)
{
    struct table_run tr = {.ctx = ctx, .collect_ids = list == CIO_CAMPAIGNS};
    struct sync_table_result *r = &ctx->res->tables[ctx->res->ntables];
    struct kv_err err;
    bool replace = false;
    int rc = KV_OK;

    kv_err_clear(&err);
    if (load) {
        ctx->res->ntables++;
        snprintf(r->name, sizeof(r->name), "%s", name);
        table_selected(ctx->ws, name, &replace);
        r->replaced = replace || ctx->opt->full_refresh;
        tr.tr = r;
    }
    /* reported as failed like any table, so that no summary leaves it out */
    if (list == CIO_ACTIONS && !ctx->campaigns_ok)
        rc = kv_err_set(&err, KV_EFAIL, "not synced: the campaign list "
                        "could not be read");
    else if (load)
        rc = tload_begin(&tr.tl, ctx->ws, ctx->dest, name, r->replaced,
                         ctx->synced_at, &r->stats, &err);
    tr.loading = load && !rc;
    if (!rc)
        rc = fetch_into(ctx, &tr, list, &err);
    if (!rc && tr.loading)
        rc = tload_finish(&tr.tl, &err);
    else if (tr.loading)
        tload_abort(&tr.tl);
    if (!rc && list == CIO_CAMPAIGNS)
        ctx->campaigns_ok = true;
    if (load) {
        if (rc)
            table_failed(r, &err);
        ws_table_set_result(ctx->ws, name, rc ? 0 : ctx->synced_at,
                            rc ? "failed" : "ok", rc ? r->error : NULL,
                            NULL);
        log_table(r);
    } else if (rc) {
        klog_error("reading the campaign list failed: %s", err.msg);
    }
    return rc;
}

static const struct {
    const char *name;
    enum cio_list list;
} table_lists[] = {
    {"campaigns", CIO_CAMPAIGNS},
    {"campaigns_actions", CIO_ACTIONS},
    {"newsletters", CIO_NEWSLETTERS},
};

static bool want_table(struct sync_ctx *ctx, const char *name)
{
    bool replace;

    return table_selected(ctx->ws, name, &replace) && wanted(ctx->opt, name);
}

/* Stops the whole sync: the key is refused or the user asked to stop. */
static bool fatal(int rc)
{
    return rc == KV_EAUTH || rc == KV_ECANCEL;
}

static int sync_tables(struct sync_ctx *ctx, struct kv_err *err)
{
    int first = KV_OK;

    kv_err_clear(err);
    for (size_t i = 0; i < KV_ARRAY_LEN(table_lists); i++) {
        const char *name = table_lists[i].name;
        enum cio_list list = table_lists[i].list;
        bool load = want_table(ctx, name);
        int rc;

        /* the actions endpoint is per campaign: read the list regardless */
        if (list == CIO_CAMPAIGNS && !load &&
            !want_table(ctx, "campaigns_actions"))
            continue;
        if (list != CIO_CAMPAIGNS && !load)
            continue;
        rc = sync_table(ctx, name, list, load);
        if (rc && !first)
            first = rc;
        /*
         * The first table's error, even when the first failure was the
         * campaign list read only for the actions (it has no table).
         */
        if (rc && load && !err->msg[0])
            kv_err_set(err, rc, "%s: %s", name,
                       ctx->res->tables[ctx->res->ntables - 1].error);
        if (fatal(rc))
            break;
    }
    return first;
}

static const char *run_status(int rc)
{
    if (rc == KV_OK)
        return "ok";
    return rc == KV_ECANCEL ? "cancelled" : "failed";
}

static int sync_start(struct sync_ctx *ctx, struct kv_err *err)
{
    int rc = connector_source_load(ctx->ws, &ctx->src, err);

    if (!rc) {
        ctx->src.cfg.cancel = ctx->opt->cancel;
        rc = cio_client_new(&ctx->src.cfg, &ctx->cio, err);
    }
    if (!rc)
        rc = connector_open_dest(ctx->ws, &ctx->dest, err);
    return rc;
}

static void sync_record_run(struct sync_ctx *ctx, int rc,
                            const struct kv_err *err)
{
    char *summary;
    char text[1600];

    if (ctx->cio)
        ctx->res->http = *cio_client_stats(ctx->cio);
    summary = sync_result_json(ctx->res);
    ws_run_finish(ctx->ws, ctx->res->run_id, run_status(rc), summary,
                  rc ? kv_err_text(err, text, sizeof(text)) : NULL, NULL);
    free(summary);
}

int sync_run(struct ws *ws, const struct sync_options *opt,
             struct sync_result *res, struct kv_err *err)
{
    struct sync_ctx ctx = {.ws = ws, .opt = opt, .res = res};
    struct ws_lock lock = {.fd = -1};
    int64_t t0 = kv_now_ms();
    int rc;

    ctx.t0_ms = t0;
    memset(res, 0, sizeof(*res));
    res->started_at = ctx.synced_at = kv_now_epoch();
    rc = check_requested(ws, opt, err);
    if (!rc)
        rc = ws_lock_take(ws, &lock, err);
    if (rc)
        return rc;
    /* we hold the lock: a run still marked running died without a word */
    rc = ws_runs_mark_interrupted(ws, err);
    if (!rc)
        rc = ws_run_start(ws, "sync", &res->run_id, err);
    if (rc)
        goto out;
    rc = sync_start(&ctx, err);
    if (!rc)
        rc = sync_tables(&ctx, err);
    res->elapsed_ms = kv_now_ms() - t0;
    sync_record_run(&ctx, rc, err);
    if (opt->progress)
        opt->progress(opt->progress_ctx, NULL);
out:
    dest_close(ctx.dest);
    cio_client_free(ctx.cio);
    connector_source_release(&ctx.src);
    free(ctx.campaign_ids);
    ws_lock_release(&lock);
    return rc;
}
