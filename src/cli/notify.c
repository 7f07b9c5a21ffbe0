/*
 * notify.c - running the operator's notification command (see notify.h).
 */
#include "common/kv.h"
#include "cli/notify.h"
#include "common/log.h"
#include "common/util.h"
#include "ws/ws_history.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* Enough history to look past a few cancelled runs. */
#define NOTIFY_LOOKBACK 20

bool notify_prev_failed(struct ws *ws, int64_t run_id)
{
    struct ws_run *runs = NULL;
    bool failed = false;
    int n = 0;

    if (ws_runs_list(ws, NOTIFY_LOOKBACK, &runs, &n, NULL))
        return false;
    for (int i = 0; i < n; i++) {
        const char *st = runs[i].status;

        if ((run_id && runs[i].id >= run_id) || !strcmp(st, "cancelled") ||
            !strcmp(st, "running"))
            continue;
        failed = !strcmp(st, "failed");
        break;
    }
    ws_runs_free(runs, n);
    return failed;
}

/* In the child: the environment, then the shell.  Never returns. */
static void exec_hook(const char *cmd, const char *event, int64_t run_id,
                      const char *error, const char *ws_dir)
{
    char id[32] = "";
    char *redacted = klog_redact(error ? error : "");

    if (run_id)
        snprintf(id, sizeof(id), "%" PRId64, run_id);
    setenv("KAIVO_EVENT", event, 1);
    setenv("KAIVO_RUN_ID", id, 1);
    setenv("KAIVO_ERROR", redacted, 1);
    setenv("KAIVO_WORKSPACE", ws_dir, 1);
    free(redacted);
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127);
}

/* Waits for pid up to the timeout; kills it past that.  Returns status. */
static int wait_hook(pid_t pid, bool *timed_out)
{
    int64_t deadline = kv_now_ms() + NOTIFY_TIMEOUT_MS;
    int status = 0;

    *timed_out = false;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);

        if (r == pid || (r < 0 && errno != EINTR))
            return status;
        if (kv_now_ms() >= deadline) {
            *timed_out = true;
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return status;
        }
        kv_sleep_ms(20);
    }
}

void notify_run(const char *cmd, const char *event, int64_t run_id,
                const char *error, const char *ws_dir)
{
    bool timed_out;
    pid_t pid;
    int status;

    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) {
        klog_warn("cannot run the notify command: %s", strerror(errno));
        return;
    }
    if (pid == 0)
        exec_hook(cmd, event, run_id, error, ws_dir);
    status = wait_hook(pid, &timed_out);
    if (timed_out)
        klog_warn("the notify command ran over %d s and was killed",
                  NOTIFY_TIMEOUT_MS / 1000);
    else if (!WIFEXITED(status) || WEXITSTATUS(status))
        klog_warn("the notify command failed (status %d)",
                  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    else
        klog_debug("notify command ran for %s", event);
}
