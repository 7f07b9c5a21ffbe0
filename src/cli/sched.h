/*
 * sched.h - what `kaivo run` (the scheduler) and `kaivo status` share:
 * durations such as "15m", the backoff after failed runs, and the run
 * lock that says whether a scheduler is alive.
 *
 * The scheduler holds a POSIX record lock on .kaivo/run.lock for its whole
 * life; the kernel drops it when the process dies, even by kill -9, and
 * F_GETLK names the holder's pid without taking the lock.  The next run's
 * time and the pid are also stored in the workspace config (SCHED_KEY_*),
 * for `status` and for people reading the state with sqlite3.
 */
#ifndef KV_SCHED_H
#define KV_SCHED_H

#include "common/kv.h"
#include "common/err.h"
#include "ws/ws.h"

#include <sys/types.h>

#define SCHED_KEY_NEXT "run.next_at"  /* Unix seconds of the next sync */
#define SCHED_KEY_PID "run.pid"       /* the scheduler's pid */
#define SCHED_KEY_EVERY "run.every"   /* the interval, in seconds */

/* Shortest and longest interval --every accepts. */
#define SCHED_MIN_EVERY 1
#define SCHED_MAX_EVERY (31 * 86400)

/*
 * Parses "90", "30s", "15m", "6h", "1d" or a sum such as "1h30m" into
 * seconds (*out).  KV_EUSAGE, naming the text, when it is not one or lies
 * outside SCHED_MIN_EVERY..SCHED_MAX_EVERY.
 */
int sched_parse_duration(const char *text, int64_t *out,
                         struct kv_err *err);

/* Formats seconds as "1h30m", "45s", "2d" into out. */
const char *sched_format_duration(int64_t secs, char out[32]);

/*
 * Seconds to wait before the next sync after `failures` failed runs in a
 * row: one interval after a success or the first failure, then doubling,
 * up to 8 intervals, and never more than a day unless the interval is.
 */
int64_t sched_backoff(int64_t every, int failures);

/* Takes the run lock without waiting; KV_EBUSY naming the holder. */
int sched_lock_take(struct ws *ws, int *fd, struct kv_err *err);
void sched_lock_release(int fd);

/* The pid of the scheduler holding the run lock, or 0 when none does. */
pid_t sched_holder(struct ws *ws);

#endif
