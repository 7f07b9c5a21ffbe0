/*
 * ws_lock.c - the workspace's sync lock.
 */
#include "common/kv.h"
#include "ws/ws_lock.h"
#include "common/mem.h"
#include "common/util.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

static int open_lock_file(struct ws *ws)
{
    char *path = xasprintf("%s/sync.lock", ws->state_dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

    free(path);
    return fd;
}

static void read_holder(int fd, char *who, size_t size)
{
    char buf[128];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

    buf[n > 0 ? n : 0] = '\0';
    kv_trim(buf);
    snprintf(who, size, "%s", buf[0] ? buf : "unknown process");
}

int ws_lock_take(struct ws *ws, struct ws_lock *lock, struct kv_err *err)
{
    char who[160];
    char ts[32];
    int fd = open_lock_file(ws);

    lock->fd = -1;
    if (fd < 0)
        return kv_err_set(err, KV_EFAIL, "cannot open the sync lock: %s",
                          strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB)) {
        read_holder(fd, who, sizeof(who));
        close(fd);
        return kv_err_set(err, KV_EBUSY, "another sync is running in this "
                          "workspace (%s)", who);
    }
    kv_format_utc(kv_now_epoch(), ts);
    snprintf(who, sizeof(who), "pid %ld, started %s", (long)getpid(), ts);
    if (ftruncate(fd, 0) == 0 && pwrite(fd, who, strlen(who), 0) < 0)
        who[0] = '\0';
    lock->fd = fd;
    return KV_OK;
}

void ws_lock_release(struct ws_lock *lock)
{
    if (lock->fd < 0)
        return;
    /* the holder text is advisory: failing to clear it harms nothing */
    (void)!ftruncate(lock->fd, 0);
    flock(lock->fd, LOCK_UN);
    close(lock->fd);
    lock->fd = -1;
}

bool ws_lock_busy(struct ws *ws, char *who, size_t size)
{
    int fd = open_lock_file(ws);
    bool busy;

    if (fd < 0)
        return false;
    busy = flock(fd, LOCK_SH | LOCK_NB) != 0;
    if (busy)
        read_holder(fd, who, size);
    close(fd);
    return busy;
}
