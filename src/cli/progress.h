/*
 * progress.h - the progress line of `kaivo sync` and `kaivo run` on a
 * terminal: requests, records, their rate and, in the actions phase, the
 * campaigns done and an ETA.  Drawn on stderr, at most PROGRESS_EVERY_MS
 * apart, and only when stderr is a terminal, the log is text and -q was not
 * given: a pipe, a file or a journal never sees it.
 */
#ifndef KV_PROGRESS_H
#define KV_PROGRESS_H

#include "common/kv.h"
#include "sync/sync.h"

#define PROGRESS_EVERY_MS 250

struct progress {
    bool on;         /* drawing at all */
    bool drawn;      /* a line is on screen */
    int64_t last_ms; /* kv_now_ms() of the last draw */
};

/* Decides, from stderr and the global options, whether to draw. */
void progress_init(struct progress *pr);

/*
 * The sync engine's progress callback (ctx is a struct progress); p NULL
 * clears the line.
 */
void progress_update(void *ctx, const struct sync_progress *p);

/*
 * Formats the line for p into out (size bytes, at most 79 characters of
 * text), without terminal codes.  Exposed for tests.
 */
void progress_format(const struct sync_progress *p, char *out, size_t size);

#endif
