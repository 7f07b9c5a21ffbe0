/*
 * ws_history.h - the run history: one row per sync, with its counts and
 * errors, newest first when listed.  Text stored here passes through
 * klog_redact(), so a secret that slipped into an error never persists.
 */
#ifndef KV_WS_HISTORY_H
#define KV_WS_HISTORY_H

#include "ws/ws.h"

struct ws_run {
    int64_t id;
    int64_t started_at;  /* Unix seconds */
    int64_t finished_at; /* 0 while running or when interrupted */
    char status[16];     /* running, ok, failed, cancelled, interrupted */
    char *command;       /* owned */
    char *summary;       /* owned JSON object text, or NULL */
    char *error;         /* owned, or NULL */
};

int ws_run_start(struct ws *ws, const char *command, int64_t *id,
                 struct kv_err *err);
int ws_run_finish(struct ws *ws, int64_t id, const char *status,
                  const char *summary, const char *error,
                  struct kv_err *err);
/* Runs still marked running whose process is gone become interrupted. */
int ws_runs_mark_interrupted(struct ws *ws, struct kv_err *err);
/* The newest `limit` runs, newest first.  Free with ws_runs_free. */
int ws_runs_list(struct ws *ws, int limit, struct ws_run **out, int *n,
                 struct kv_err *err);
void ws_runs_free(struct ws_run *runs, int n);

#endif
