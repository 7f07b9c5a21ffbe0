/*
 * notify.h - `--notify-command CMD` of `kaivo run` and `kaivo sync`: CMD
 * runs through /bin/sh -c when a sync fails, and when one succeeds after
 * a failure (a recovery), with what happened in its environment:
 *   KAIVO_EVENT      failure | recovery
 *   KAIVO_RUN_ID     the run's id in `kaivo history` (empty when the sync
 *                    failed before a run was recorded)
 *   KAIVO_ERROR      the error, with secrets redacted (empty on recovery)
 *   KAIVO_WORKSPACE  the workspace folder
 * The command gets NOTIFY_TIMEOUT_MS; a command still running then is
 * killed, so a hanging hook cannot stop the scheduler.
 */
#ifndef KV_NOTIFY_H
#define KV_NOTIFY_H

#include "common/kv.h"
#include "ws/ws.h"

#define NOTIFY_TIMEOUT_MS 60000

/*
 * Whether the last finished sync before run_id (cancelled runs do not
 * count) failed: the next success is then a recovery.  run_id 0 means
 * "before any new run".
 */
bool notify_prev_failed(struct ws *ws, int64_t run_id);

/*
 * Runs cmd for event ("failure" or "recovery") and waits for it.  Logs a
 * warning when it cannot start, fails or times out; never fails itself.
 * error may be NULL.
 */
void notify_run(const char *cmd, const char *event, int64_t run_id,
                const char *error, const char *ws_dir);

#endif
