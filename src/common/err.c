/*
 * err.c - building and reading struct kv_err.
 */
#include "common/kv.h"
#include "common/err.h"

void kv_err_clear(struct kv_err *e)
{
    if (!e)
        return;
    e->code = KV_OK;
    e->msg[0] = '\0';
    e->where[0] = '\0';
}

int kv_err_set(struct kv_err *e, int code, const char *fmt, ...)
{
    va_list ap;

    if (!e)
        return code;
    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    return code;
}

int kv_err_where(struct kv_err *e, const char *fmt, ...)
{
    va_list ap;

    if (!e)
        return KV_EFAIL;
    va_start(ap, fmt);
    vsnprintf(e->where, sizeof(e->where), fmt, ap);
    va_end(ap);
    return e->code;
}

int kv_err_prefix(struct kv_err *e, const char *fmt, ...)
{
    char head[512];
    char old[sizeof(e->msg)];
    va_list ap;

    if (!e)
        return KV_EFAIL;
    va_start(ap, fmt);
    vsnprintf(head, sizeof(head), fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof(old));
    /* truncation is fine: the head matters most, the tail least */
    e->msg[0] = '\0';
    strncat(e->msg, head, sizeof(e->msg) - 1);
    strncat(e->msg, ": ", sizeof(e->msg) - 1 - strlen(e->msg));
    strncat(e->msg, old, sizeof(e->msg) - 1 - strlen(e->msg));
    return e->code;
}

int kv_exit_status(int code)
{
    switch (code) {
    case KV_OK:
        return 0;
    case KV_EUSAGE:
        return 2;
    case KV_EAUTH:
        return 3;
    default:
        return 1;
    }
}

const char *kv_err_text(const struct kv_err *e, char *out, size_t size)
{
    if (e->where[0])
        snprintf(out, size, "%s (%s)", e->msg, e->where);
    else
        snprintf(out, size, "%s", e->msg[0] ? e->msg : "unknown error");
    return out;
}
