/*
 * cmd_sync.c - `kaivo sync [T...] [--full-refresh]`.
 */
#include "common/kv.h"
#include "cli/cli.h"
#include "cli/notify.h"
#include "cli/progress.h"
#include "common/log.h"
#include "sync/sync.h"

static bool full_refresh;
static bool as_json;
static const char *notify_cmd;

static const struct opts_spec specs[] = {
    {"full-refresh", 0, OPTS_FLAG, &full_refresh, NULL,
     "rebuild the tables from scratch (deleted records disappear)"},
    {"json", 0, OPTS_FLAG, &as_json, NULL, "print the run's summary as JSON"},
    {"notify-command", 0, OPTS_STRING, &notify_cmd, "CMD",
     "run CMD (sh -c) when the sync fails or recovers; see docs/RUNNING.md"},
    {NULL, 0, OPTS_FLAG, NULL, NULL, NULL},
};

static const struct opts_command sync_cmd = {
    "kaivo sync [TABLE...] [--full-refresh] [--json] "
    "[--notify-command CMD]",
    "Brings the selected tables (or the TABLEs named) up to date with\n"
    "Customer.io.  Incremental tables get only new and changed records;\n"
    "full-refresh tables are rebuilt and swapped in when complete.  A sync\n"
    "killed at any moment is repaired by the next one: no row is lost or\n"
    "duplicated.  Exit 1 when a table failed, 3 when Customer.io refused\n"
    "the key.",
    specs, 0, -1,
};

static void print_result(const struct sync_result *res)
{
    char *json;

    if (as_json) {
        json = sync_result_json(res);
        puts(json);
        free(json);
        return;
    }
    for (int i = 0; i < res->ntables; i++) {
        const struct sync_table_result *t = &res->tables[i];
        const struct tload_stats *s = &t->stats;

        if (t->rc)
            printf("%-18s failed: %s\n", t->name, t->error);
        else
            printf("%-18s %8" PRId64 " read %8" PRId64 " written %8" PRId64
                   " unchanged%s\n", t->name, s->records, s->written,
                   s->unchanged, t->replaced ? "  (full refresh)" : "");
    }
    printf("%" PRId64 " requests in %.1f s\n", res->http.requests,
           (double)res->elapsed_ms / 1000.0);
}

/* Runs the notify command when this sync failed or recovered. */
static void notify(struct ws *ws, const struct sync_result *res, int rc,
                   const struct kv_err *err)
{
    char text[1600];

    if (!notify_cmd || rc == KV_ECANCEL || rc == KV_EBUSY ||
        rc == KV_EUSAGE)
        return;
    if (rc)
        notify_run(notify_cmd, "failure", res->run_id,
                   kv_err_text(err, text, sizeof(text)), ws->dir);
    else if (notify_prev_failed(ws, res->run_id))
        notify_run(notify_cmd, "recovery", res->run_id, NULL, ws->dir);
}

/*
 * Each failed table's error was logged as it happened: the command's own
 * error then counts them rather than print the first one again.  The
 * code (and so the exit status) stays.
 */
static void count_failures(const struct sync_result *res,
                           struct kv_err *err)
{
    int failed = 0;

    for (int i = 0; i < res->ntables; i++)
        failed += res->tables[i].rc != KV_OK;
    if (!failed)
        return;
    err->where[0] = '\0';
    kv_err_set(err, err->code, "%d of %d tables failed (the errors are "
               "above)", failed, res->ntables);
}

int cmd_sync(int argc, char **argv)
{
    struct sync_options opt = {0};
    struct sync_result res;
    struct progress pr;
    struct kv_err err;
    struct ws *ws = NULL;
    char **pos;
    int npos, status;
    int rc;

    if (cli_parse(argc, argv, &sync_cmd, &pos, &npos, &status))
        return status;
    kv_err_clear(&err);
    cli_catch_signals();
    progress_init(&pr);
    opt.tables = (const char *const *)pos;
    opt.ntables = npos;
    opt.full_refresh = full_refresh;
    opt.cancel = &cli_cancel;
    opt.progress = progress_update;
    opt.progress_ctx = &pr;
    rc = cli_open_ws(&ws, &err);
    if (!rc) {
        rc = sync_run(ws, &opt, &res, &err);
        if (res.run_id)
            print_result(&res);
        notify(ws, &res, rc, &err);
        if (rc)
            count_failures(&res, &err);
    }
    ws_free(ws);
    free(pos);
    return rc ? cli_fail(&err) : 0;
}
