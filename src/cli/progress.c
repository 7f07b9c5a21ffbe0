/*
 * progress.c - the terminal progress line (see progress.h).
 */
#include "common/kv.h"
#include "cli/progress.h"
#include "cli/opts.h"
#include "cli/sched.h"
#include "common/log.h"
#include "common/util.h"

#include <unistd.h>

void progress_init(struct progress *pr)
{
    const char *fmt = opts_global.log_format;

    memset(pr, 0, sizeof(*pr));
    pr->on = isatty(STDERR_FILENO) && klog_get_level() >= KLOG_INFO &&
             !(fmt && !strcmp(fmt, "json"));
}

/* " campaigns 120/2000, ETA 3m12s" while the actions are read. */
static void format_eta(const struct sync_progress *p, char *out, size_t size)
{
    char eta[32] = "?";
    int64_t left = p->streams_total - p->streams_done;

    out[0] = '\0';
    if (!p->streams_total)
        return;
    if (p->streams_done > 0 && left >= 0)
        sched_format_duration((p->phase_ms * left / p->streams_done + 999)
                              / 1000, eta);
    snprintf(out, size, ", campaigns %" PRId64 "/%" PRId64 ", ETA %s",
             p->streams_done, p->streams_total, eta);
}

void progress_format(const struct sync_progress *p, char *out, size_t size)
{
    double secs = (double)p->elapsed_ms / 1000.0;
    double rate = secs > 0 ? (double)p->records / secs : 0;
    char tail[96];

    format_eta(p, tail, sizeof(tail));
    snprintf(out, size, "%.18s: %" PRId64 " req, %" PRId64 " rec, %.0f "
             "rec/s%s", p->table ? p->table : "", p->requests, p->records,
             rate, tail);
    if (strlen(out) > 79)
        out[79] = '\0';
}

void progress_update(void *ctx, const struct sync_progress *p)
{
    struct progress *pr = ctx;
    int64_t now = kv_now_ms();
    char line[128];

    if (!pr->on)
        return;
    if (!p) {
        if (pr->drawn)
            fputs("\r\033[K", stderr);
        pr->drawn = false;
        return;
    }
    if (pr->drawn && now - pr->last_ms < PROGRESS_EVERY_MS)
        return;
    progress_format(p, line, sizeof(line));
    /*
     * The cursor goes back to column 0 so that a log line written next
     * starts on the left.  NEEDSWORK: a log line shorter than the progress
     * line leaves the progress line's tail visible after it.
     */
    fprintf(stderr, "\r%s\033[K\r", line);
    fflush(stderr);
    pr->drawn = true;
    pr->last_ms = now;
}
