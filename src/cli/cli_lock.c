/*
 * cli_lock.c - commands that change what a sync writes (selection, modes,
 * forget, disconnect) take the workspace's sync lock, so that they never
 * race a running sync.
 */
#include "common/kv.h"
#include "cli/cli.h"
#include "dest/dest.h"
#include "sync/connector.h"

int cli_session_open(struct cli_session *s, bool need_dest,
                     struct kv_err *err)
{
    int rc;

    memset(s, 0, sizeof(*s));
    s->lock.fd = -1;
    rc = cli_open_ws(&s->ws, err);
    if (!rc)
        rc = ws_lock_take(s->ws, &s->lock, err);
    if (!rc && need_dest)
        rc = connector_open_dest(s->ws, &s->dest, err);
    return rc;
}

void cli_session_close(struct cli_session *s)
{
    dest_close(s->dest);
    ws_lock_release(&s->lock);
    ws_free(s->ws);
    memset(s, 0, sizeof(*s));
}
