/*
 * ws_lock.h - one sync per workspace.  The lock is an flock() on
 * .kaivo/sync.lock, so the kernel drops it when the holder dies, even by
 * kill -9: a crashed sync never blocks the next one.
 */
#ifndef KV_WS_LOCK_H
#define KV_WS_LOCK_H

#include "ws/ws.h"

struct ws_lock {
    int fd; /* -1 when not held */
};

/*
 * Takes the lock without waiting.  KV_EBUSY with a message naming the
 * holder (pid and start time) when another process has it.
 */
int ws_lock_take(struct ws *ws, struct ws_lock *lock, struct kv_err *err);
void ws_lock_release(struct ws_lock *lock);

/* true when another process holds the lock; who describes it. */
bool ws_lock_busy(struct ws *ws, char *who, size_t size);

#endif
