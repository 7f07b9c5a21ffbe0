/*
 * sched.c - durations, backoff and the run lock of the scheduler (see
 * sched.h).
 */
#include "common/kv.h"
#include "cli/sched.h"
#include "common/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

static int64_t unit_seconds(char c)
{
    switch (c) {
    case 's':
        return 1;
    case 'm':
        return 60;
    case 'h':
        return 3600;
    case 'd':
        return 86400;
    default:
        return 0;
    }
}

/* Reads one "<digits><unit>" term at *p; a bare number is seconds. */
static bool read_term(const char **p, int64_t *secs)
{
    const char *s = *p;
    int64_t n = 0;
    int64_t unit = 1;

    if (*s < '0' || *s > '9')
        return false;
    while (*s >= '0' && *s <= '9' && n <= SCHED_MAX_EVERY)
        n = n * 10 + (*s++ - '0');
    if (*s >= '0' && *s <= '9')
        return false;
    if (*s) {
        unit = unit_seconds(*s++);
        if (!unit)
            return false;
    }
    *secs = n * unit;
    *p = s;
    return true;
}

int sched_parse_duration(const char *text, int64_t *out,
                         struct kv_err *err)
{
    const char *p = text ? text : "";
    int64_t total = 0;
    bool any = false;

    while (*p) {
        int64_t term;

        if (!read_term(&p, &term) || total > SCHED_MAX_EVERY)
            return kv_err_set(err, KV_EUSAGE, "invalid duration '%s' "
                              "(examples: 30s, 15m, 6h, 1d, 1h30m)", text);
        total += term;
        any = true;
    }
    if (!any || total < SCHED_MIN_EVERY || total > SCHED_MAX_EVERY)
        return kv_err_set(err, KV_EUSAGE, "invalid duration '%s' (between "
                          "1s and 31d, e.g. 30s, 15m, 6h)", text);
    *out = total;
    return KV_OK;
}

const char *sched_format_duration(int64_t secs, char out[32])
{
    static const struct {
        int64_t secs;
        char unit;
    } units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
    size_t len = 0;

    out[0] = '\0';
    for (size_t i = 0; i < KV_ARRAY_LEN(units) && len < 24; i++) {
        int64_t n = secs / units[i].secs;

        if (!n)
            continue;
        len += (size_t)snprintf(out + len, 32 - len, "%" PRId64 "%c", n,
                                units[i].unit);
        secs -= n * units[i].secs;
    }
    if (!len)
        snprintf(out, 32, "0s");
    return out;
}

int64_t sched_backoff(int64_t every, int failures)
{
    int64_t cap = every > 86400 ? every : 86400;
    int64_t wait = every;

    for (int i = 1; i < failures && i < 4; i++)
        wait *= 2;
    return wait < cap ? wait : cap;
}

static char *lock_path(struct ws *ws)
{
    return xasprintf("%s/run.lock", ws->state_dir);
}

static void whole_file(struct flock *fl)
{
    memset(fl, 0, sizeof(*fl));
    fl->l_type = F_WRLCK;
    fl->l_whence = SEEK_SET;
}

int sched_lock_take(struct ws *ws, int *fd, struct kv_err *err)
{
    char *path = lock_path(ws);
    struct flock fl;
    int rc = KV_OK;

    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (*fd < 0) {
        rc = kv_err_set(err, KV_EFAIL, "cannot open '%s': %s", path,
                        strerror(errno));
        goto out;
    }
    whole_file(&fl);
    if (fcntl(*fd, F_SETLK, &fl) < 0) {
        pid_t pid = sched_holder(ws);

        close(*fd);
        *fd = -1;
        rc = kv_err_set(err, KV_EBUSY, "a scheduler already runs for this "
                        "workspace (pid %ld): stop it first", (long)pid);
    }
out:
    free(path);
    return rc;
}

void sched_lock_release(int fd)
{
    if (fd >= 0)
        close(fd);
}

pid_t sched_holder(struct ws *ws)
{
    char *path = lock_path(ws);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct flock fl;
    pid_t pid = 0;

    free(path);
    if (fd < 0)
        return 0;
    whole_file(&fl);
    /* F_GETLK needs a descriptor open for the lock type it asks about */
    if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
        pid = fl.l_pid;
    close(fd);
    return pid;
}
