/*
 * mem.c - the allocator wrappers and the bounded byte buffer.
 */
#include "common/kv.h"
#include "common/mem.h"

static KV_NORETURN void out_of_memory(size_t size)
{
    fprintf(stderr, "kaivo: out of memory (%zu bytes)\n", size);
    exit(1);
}

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);

    if (!p)
        out_of_memory(size);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);

    if (!p)
        out_of_memory(n * size);
    return p;
}

void *xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);

    if (!q)
        out_of_memory(size);
    return q;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        out_of_memory(strlen(fmt));
    va_end(ap);
    return s;
}

void sbuf_init(struct sbuf *sb, size_t max)
{
    sb->buf = NULL;
    sb->len = 0;
    sb->cap = 0;
    sb->max = max;
}

int sbuf_add(struct sbuf *sb, const void *data, size_t n)
{
    size_t want = sb->len + n + 1;

    if (sb->max && sb->len + n > sb->max)
        return -1;
    if (want > sb->cap) {
        size_t cap = sb->cap ? sb->cap : 256;

        while (cap < want)
            cap *= 2;
        sb->buf = xrealloc(sb->buf, cap);
        sb->cap = cap;
    }
    if (n)
        memcpy(sb->buf + sb->len, data, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
    return 0;
}

int sbuf_addstr(struct sbuf *sb, const char *s)
{
    return sbuf_add(sb, s, strlen(s));
}

int sbuf_addf(struct sbuf *sb, const char *fmt, ...)
{
    va_list ap;
    char *s;
    int n;
    int rc;

    va_start(ap, fmt);
    n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        out_of_memory(strlen(fmt));
    rc = sbuf_add(sb, s, (size_t)n);
    free(s);
    return rc;
}

void sbuf_reset(struct sbuf *sb)
{
    sb->len = 0;
    if (sb->buf)
        sb->buf[0] = '\0';
}

void sbuf_release(struct sbuf *sb)
{
    free(sb->buf);
    sb->buf = NULL;
    sb->len = 0;
    sb->cap = 0;
}

char *sbuf_detach(struct sbuf *sb, size_t *len)
{
    char *p;

    if (!sb->buf)
        sbuf_add(sb, "", 0);
    p = sb->buf;
    if (len)
        *len = sb->len;
    sb->buf = NULL;
    sb->len = 0;
    sb->cap = 0;
    return p;
}
