/*
 * mem.h - allocation with one out-of-memory policy: Kaivo is a command-line
 * program and a daemon, so running out of memory prints one line and exits
 * with status 1 (as git and redis do).  Callers never test for NULL.
 * Everything that can grow from network input is bounded elsewhere
 * (struct sbuf's max, the HTTP body cap), so this is not reachable by a
 * hostile server.
 */
#ifndef KV_MEM_H
#define KV_MEM_H

#include "common/kv.h"

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* A newly allocated formatted string; free with free(). */
char *xasprintf(const char *fmt, ...) KV_PRINTF(1, 2);

/*
 * A growable byte buffer with an upper bound.  buf is always NUL-terminated
 * (when non-NULL) and owned by the struct until sbuf_detach().
 */
struct sbuf {
    char *buf;
    size_t len;
    size_t cap;
    size_t max; /* sbuf_add fails rather than grow past this; 0 = no cap */
};

void sbuf_init(struct sbuf *sb, size_t max);
/* Appends n bytes; returns -1 (and appends nothing) past the cap. */
int sbuf_add(struct sbuf *sb, const void *data, size_t n);
int sbuf_addstr(struct sbuf *sb, const char *s);
int sbuf_addf(struct sbuf *sb, const char *fmt, ...) KV_PRINTF(2, 3);
void sbuf_reset(struct sbuf *sb);
/* Frees the contents; the struct may be reused after sbuf_init. */
void sbuf_release(struct sbuf *sb);
/* Hands the buffer (never NULL) to the caller, who frees it. */
char *sbuf_detach(struct sbuf *sb, size_t *len);

#endif
