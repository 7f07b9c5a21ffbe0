/*
 * test_sched.c - the scheduler's pieces without a clock: --every
 * durations, their formatting, the backoff after failures, the run lock,
 * and the progress line's text.
 */
#include "common/kv.h"
#include "harness.h"
#include "cli/progress.h"
#include "cli/sched.h"
#include "common/mem.h"

#include <sys/wait.h>
#include <unistd.h>

static int64_t dur(const char *text)
{
    struct kv_err err;
    int64_t v = -1;

    if (sched_parse_duration(text, &v, &err))
        return -1;
    return v;
}

static void test_sched_durations(void)
{
    CHECK_INT(dur("30s"), 30);
    CHECK_INT(dur("15m"), 900);
    CHECK_INT(dur("6h"), 21600);
    CHECK_INT(dur("1d"), 86400);
    CHECK_INT(dur("1h30m"), 5400);
    CHECK_INT(dur("90"), 90);
    CHECK_INT(dur("31d"), 31 * 86400);
    CHECK_INT(dur(""), -1);
    CHECK_INT(dur("0s"), -1);
    CHECK_INT(dur("32d"), -1);
    CHECK_INT(dur("5x"), -1);
    CHECK_INT(dur("h"), -1);
    CHECK_INT(dur("-5s"), -1);
    CHECK_INT(dur("1 h"), -1);
    CHECK_INT(dur("99999999999999999999999s"), -1);
}

static void test_sched_format(void)
{
    char out[32];

    CHECK_STR(sched_format_duration(0, out), "0s");
    CHECK_STR(sched_format_duration(45, out), "45s");
    CHECK_STR(sched_format_duration(5400, out), "1h30m");
    CHECK_STR(sched_format_duration(90061, out), "1d1h1m1s");
}

static void test_sched_backoff(void)
{
    CHECK_INT(sched_backoff(3600, 0), 3600);
    CHECK_INT(sched_backoff(3600, 1), 3600);
    CHECK_INT(sched_backoff(3600, 2), 7200);
    CHECK_INT(sched_backoff(3600, 3), 14400);
    CHECK_INT(sched_backoff(3600, 4), 28800);
    CHECK_INT(sched_backoff(3600, 50), 28800);
    CHECK_INT(sched_backoff(6 * 3600, 9), 86400);
    CHECK_INT(sched_backoff(2 * 86400, 9), 2 * 86400);
}

static void test_sched_lock(void)
{
    char *dir = xasprintf("%s/ws", harness_tmpdir());
    struct kv_err err;
    struct ws *ws;
    int fd = -1, status = 0;
    pid_t child;

    CHECK_INT(ws_init(dir, &err), KV_OK);
    CHECK_INT(ws_open(dir, &ws, &err), KV_OK);
    CHECK_INT(sched_holder(ws), 0);
    CHECK_INT(sched_lock_take(ws, &fd, &err), KV_OK);
    /* record locks are per process: ask from another one */
    child = fork();
    if (child == 0) {
        int fd2 = -1;

        _exit(sched_holder(ws) == getppid() &&
              sched_lock_take(ws, &fd2, &err) == KV_EBUSY ? 0 : 1);
    }
    waitpid(child, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    sched_lock_release(fd);
    ws_free(ws);
    free(dir);
}

static void test_sched_progress_line(void)
{
    struct sync_progress p = {
        .table = "campaigns_actions", .requests = 120, .records = 1100,
        .elapsed_ms = 10000, .phase_ms = 8000, .streams_done = 40,
        .streams_total = 200,
    };
    char line[128];

    progress_format(&p, line, sizeof(line));
    CHECK_STR(line, "campaigns_actions: 120 req, 1100 rec, 110 rec/s, "
              "campaigns 40/200, ETA 32s");
    p.streams_total = 0;
    p.table = "newsletters";
    progress_format(&p, line, sizeof(line));
    CHECK_STR(line, "newsletters: 120 req, 1100 rec, 110 rec/s");
    p.streams_total = 5;
    p.streams_done = 0;
    progress_format(&p, line, sizeof(line));
    CHECK_STR(line, "newsletters: 120 req, 1100 rec, 110 rec/s, "
              "campaigns 0/5, ETA ?");
}

static const struct harness_case cases[] = {
    HARNESS_CASE(test_sched_durations),
    HARNESS_CASE(test_sched_format),
    HARNESS_CASE(test_sched_backoff),
    HARNESS_CASE(test_sched_lock),
    HARNESS_CASE(test_sched_progress_line),
};

int main(int argc, char **argv)
{
    return harness_main(argc, argv, cases, KV_ARRAY_LEN(cases));
}
