/*
 * ws_history.c - the runs table.
 */
#include "common/kv.h"
#include "ws/ws_history.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"

int ws_run_start(struct ws *ws, const char *command, int64_t *id,
                 struct kv_err *err)
{
    sqlite3_stmt *st = ws_stmt(ws, "INSERT INTO runs(started_at, status, "
                               "command) VALUES(?, 'running', ?)", err);
    int rc;

    if (!st)
        return KV_EFAIL;
    sqlite3_bind_int64(st, 1, kv_now_epoch());
    sqlite3_bind_text(st, 2, command, -1, SQLITE_STATIC);
    rc = ws_step(ws, st, err);
    if (!rc)
        *id = sqlite3_last_insert_rowid(ws->db);
    return rc;
}

static void bind_redacted(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, klog_redact(s), -1, free);
    else
        sqlite3_bind_null(st, i);
}

int ws_run_finish(struct ws *ws, int64_t id, const char *status,
                  const char *summary, const char *error,
                  struct kv_err *err)
{
    sqlite3_stmt *st = ws_stmt(ws, "UPDATE runs SET finished_at=?, "
                               "status=?, summary=?, error=? WHERE id=?",
                               err);

    if (!st)
        return KV_EFAIL;
    sqlite3_bind_int64(st, 1, kv_now_epoch());
    sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
    bind_redacted(st, 3, summary);
    bind_redacted(st, 4, error);
    sqlite3_bind_int64(st, 5, id);
    return ws_step(ws, st, err);
}

int ws_runs_mark_interrupted(struct ws *ws, struct kv_err *err)
{
    return ws_exec(ws, "UPDATE runs SET status='interrupted', error="
                   "'the process stopped before the run ended (killed or "
                   "crashed); the next sync repairs it' WHERE "
                   "status='running'", err);
}

static char *dup_column(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);

    return t ? xstrdup((const char *)t) : NULL;
}

int ws_runs_list(struct ws *ws, int limit, struct ws_run **out, int *n,
                 struct kv_err *err)
{
    sqlite3_stmt *st = ws_stmt(ws, "SELECT id, started_at, finished_at, "
                               "status, command, summary, error FROM runs "
                               "ORDER BY id DESC LIMIT ?", err);
    struct ws_run *runs = NULL;
    int count = 0;

    if (!st)
        return KV_EFAIL;
    sqlite3_bind_int(st, 1, limit);
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct ws_run *r;

        runs = xrealloc(runs, sizeof(*runs) * (size_t)(count + 1));
        r = &runs[count++];
        r->id = sqlite3_column_int64(st, 0);
        r->started_at = sqlite3_column_int64(st, 1);
        r->finished_at = sqlite3_column_int64(st, 2);
        snprintf(r->status, sizeof(r->status), "%s",
                 (const char *)sqlite3_column_text(st, 3));
        r->command = dup_column(st, 4);
        r->summary = dup_column(st, 5);
        r->error = dup_column(st, 6);
    }
    sqlite3_reset(st);
    *out = runs;
    *n = count;
    return KV_OK;
}

void ws_runs_free(struct ws_run *runs, int n)
{
    for (int i = 0; i < n; i++) {
        free(runs[i].command);
        free(runs[i].summary);
        free(runs[i].error);
    }
    free(runs);
}
