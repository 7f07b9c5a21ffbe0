/*
 * cmd_run.c - `kaivo run [--every DURATION]`: the scheduler.  Syncs now and
 * then every DURATION, in the foreground, until SIGTERM or SIGINT; meant
 * for systemd, a container or a terminal (docs/RUNNING.md).
 */
#include "common/kv.h"
#include "cli/cli.h"
#include "cli/notify.h"
#include "cli/progress.h"
#include "cli/sched.h"
#include "common/log.h"
#include "common/util.h"
#include "sync/sync.h"

#include <errno.h>
#include <time.h>
#include <unistd.h>

static const char *every_text;
static const char *notify_cmd;

static const struct opts_spec specs[] = {
    {"every", 0, OPTS_STRING, &every_text, "DURATION",
     "time between syncs: 30s, 15m, 6h, 1d (default 1h)"},
    {"notify-command", 0, OPTS_STRING, &notify_cmd, "CMD",
     "run CMD (sh -c) when a sync fails or recovers; see docs/RUNNING.md"},
    {NULL, 0, OPTS_FLAG, NULL, NULL, NULL},
};

static const struct opts_command run_cmd = {
    "kaivo run [--every DURATION] [--notify-command CMD]",
    "Syncs the selected tables now and then every DURATION, until stopped.\n"
    "SIGTERM or SIGINT during a sync commits nothing more, rolls back the\n"
    "table being loaded (committed batches stay) and exits 0; the run is\n"
    "recorded as cancelled.  A failed sync is retried at the next tick,\n"
    "and after failures in a row the wait doubles, up to 8 intervals.  One\n"
    "log line per run on stderr; `kaivo status` shows the next run.  One\n"
    "scheduler per workspace.",
    specs, 0, 0,
};

/* The scheduler's state between runs. */
struct run_loop {
    struct ws *ws;
    int64_t every;      /* seconds between syncs */
    int failures;       /* failed syncs in a row */
    bool prev_failed;   /* the last finished sync failed: next ok notifies */
    int64_t next_at;    /* Unix seconds of the next sync */
    struct progress pr;
};

/* Sleeps until the wall clock reaches when, or a signal asks to stop. */
static void wait_until(int64_t when)
{
    while (!cli_cancel) {
        int64_t left = when - kv_now_epoch();
        struct timespec ts = {.tv_sec = left > 1 ? 1 : 0};

        if (left <= 0)
            break;
        if (left <= 1)
            ts.tv_nsec = 500000000L;
        /* a signal ends the nap early (EINTR); the loop then sees it */
        nanosleep(&ts, NULL);
    }
}

static void totals(const struct sync_result *res, int64_t *read,
                   int64_t *written)
{
    *read = *written = 0;
    for (int i = 0; i < res->ntables; i++) {
        *read += res->tables[i].stats.records;
        *written += res->tables[i].stats.written;
    }
}

static void log_ok(const struct run_loop *l, const struct sync_result *res)
{
    int64_t read, written;
    char next[32];

    totals(res, &read, &written);
    klog_info("run #%" PRId64 " ok: %d tables, %" PRId64 " records read, %"
              PRId64 " rows written, %" PRId64 " requests in %.1f s; next "
              "run at %s", res->run_id, res->ntables, read, written,
              res->http.requests, (double)res->elapsed_ms / 1000.0,
              cli_time(l->next_at, next));
}

static void log_failed(const struct run_loop *l, const struct sync_result *r,
                       const struct kv_err *err)
{
    char text[1600];
    char next[32];
    char wait[32];

    klog_error("run #%" PRId64 " failed: %s; retrying at %s (backoff: %d "
               "failed in a row, waiting %s)", r->run_id,
               kv_err_text(err, text, sizeof(text)),
               cli_time(l->next_at, next), l->failures,
               sched_format_duration(sched_backoff(l->every, l->failures),
                                     wait));
}

/* The first tick at or after now, counted from start by wait. */
static int64_t next_tick(int64_t start, int64_t wait)
{
    int64_t now = kv_now_epoch();
    int64_t next = start + wait;

    if (next <= now)
        next += ((now - next) / wait + 1) * wait;
    return next;
}

/* After a sync: notification, counters, the next time and the log line. */
static void after_sync(struct run_loop *l, const struct sync_result *res,
                       int rc, const struct kv_err *err)
{
    char text[1600];

    if (rc) {
        l->failures++;
        l->next_at = next_tick(res->started_at,
                               sched_backoff(l->every, l->failures));
        log_failed(l, res, err);
        if (notify_cmd)
            notify_run(notify_cmd, "failure", res->run_id,
                       kv_err_text(err, text, sizeof(text)), l->ws->dir);
    } else {
        l->failures = 0;
        l->next_at = next_tick(res->started_at, l->every);
        log_ok(l, res);
        if (notify_cmd && l->prev_failed)
            notify_run(notify_cmd, "recovery", res->run_id, NULL,
                       l->ws->dir);
    }
    l->prev_failed = rc != KV_OK;
}

/* One tick: a sync, then what it means for the schedule. */
static void tick(struct run_loop *l)
{
    struct sync_options opt = {0};
    struct sync_result res;
    struct kv_err err;
    char next[32];
    int rc;

    kv_err_clear(&err);
    opt.cancel = &cli_cancel;
    opt.progress = progress_update;
    opt.progress_ctx = &l->pr;
    rc = sync_run(l->ws, &opt, &res, &err);
    if (rc == KV_ECANCEL || (rc && cli_cancel)) {
        klog_info("run #%" PRId64 " cancelled by a signal: committed "
                  "batches kept, the rest rolled back", res.run_id);
        return;
    }
    if (rc == KV_EBUSY) {
        l->next_at = next_tick(res.started_at, l->every);
        klog_warn("skipped a run: %s; next run at %s", err.msg,
                  cli_time(l->next_at, next));
        return;
    }
    after_sync(l, &res, rc, &err);
}

static void store_next(struct run_loop *l)
{
    char text[32];
    struct kv_err err;

    snprintf(text, sizeof(text), "%" PRId64, l->next_at);
    if (ws_config_set(l->ws, SCHED_KEY_NEXT, text, &err))
        klog_warn("cannot store the next run's time: %s", err.msg);
}

/* Records pid and interval for `status`. */
static int store_start(struct run_loop *l, struct kv_err *err)
{
    char text[32];
    int rc;

    snprintf(text, sizeof(text), "%ld", (long)getpid());
    rc = ws_config_set(l->ws, SCHED_KEY_PID, text, err);
    snprintf(text, sizeof(text), "%" PRId64, l->every);
    if (!rc)
        rc = ws_config_set(l->ws, SCHED_KEY_EVERY, text, err);
    if (!rc)
        rc = ws_config_unset(l->ws, SCHED_KEY_NEXT, err);
    return rc;
}

static void store_stop(struct run_loop *l)
{
    ws_config_unset(l->ws, SCHED_KEY_NEXT, NULL);
    ws_config_unset(l->ws, SCHED_KEY_PID, NULL);
}

static void loop(struct run_loop *l)
{
    char every[32];

    klog_info("scheduler started (pid %ld): a sync now and every %s",
              (long)getpid(), sched_format_duration(l->every, every));
    while (!cli_cancel) {
        tick(l);
        if (cli_cancel)
            break;
        store_next(l);
        wait_until(l->next_at);
    }
    klog_info("scheduler stopped by a signal");
}

int cmd_run(int argc, char **argv)
{
    struct run_loop l = {0};
    struct kv_err err;
    int lock_fd = -1;
    char **pos;
    int npos, status;
    int rc;

    if (cli_parse(argc, argv, &run_cmd, &pos, &npos, &status))
        return status;
    free(pos);
    kv_err_clear(&err);
    rc = sched_parse_duration(every_text ? every_text : "1h", &l.every,
                              &err);
    if (!rc)
        rc = cli_open_ws(&l.ws, &err);
    if (!rc)
        rc = sched_lock_take(l.ws, &lock_fd, &err);
    if (!rc)
        rc = store_start(&l, &err);
    if (rc)
        goto out;
    cli_catch_signals();
    progress_init(&l.pr);
    l.prev_failed = notify_prev_failed(l.ws, 0);
    loop(&l);
    store_stop(&l);
out:
    sched_lock_release(lock_fd);
    ws_free(l.ws);
    return rc ? cli_fail(&err) : 0;
}
