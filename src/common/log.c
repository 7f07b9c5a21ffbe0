/*
 * log.c - leveled logging to stderr with secret redaction at the one place
 * that writes.
 */
#include "common/kv.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"

#define KLOG_MAX_SECRETS 8

static enum klog_level current_level = KLOG_INFO;
static bool json_lines;
static char *secrets[KLOG_MAX_SECRETS];
static int nsecrets;

static const char *const level_names[] = {"error", "warning", "info",
                                          "debug"};

void klog_set_level(enum klog_level level)
{
    current_level = level;
}

enum klog_level klog_get_level(void)
{
    return current_level;
}

void klog_set_json(bool on)
{
    json_lines = on;
}

void klog_add_secret(const char *secret)
{
    if (!secret || strlen(secret) < 4 || nsecrets == KLOG_MAX_SECRETS)
        return;
    for (int i = 0; i < nsecrets; i++)
        if (!strcmp(secrets[i], secret))
            return;
    secrets[nsecrets++] = xstrdup(secret);
}

void klog_clear_secrets(void)
{
    for (int i = 0; i < nsecrets; i++)
        free(secrets[i]);
    nsecrets = 0;
}

static char *replace_all(char *s, const char *needle)
{
    struct sbuf out;
    const char *p = s;
    const char *hit;
    size_t n = strlen(needle);

    if (!strstr(s, needle))
        return s;
    sbuf_init(&out, 0);
    while ((hit = strstr(p, needle)) != NULL) {
        sbuf_add(&out, p, (size_t)(hit - p));
        sbuf_addstr(&out, "[redacted]");
        p = hit + n;
    }
    sbuf_addstr(&out, p);
    free(s);
    return sbuf_detach(&out, NULL);
}

char *klog_redact(const char *s)
{
    char *copy = xstrdup(s ? s : "");

    for (int i = 0; i < nsecrets; i++)
        copy = replace_all(copy, secrets[i]);
    return copy;
}

/*
 * Messages quote what servers and records sent; an escape sequence in
 * them must not reach a terminal.  Tabs survive, other controls become '?'.
 */
static void neutralize_controls(char *s)
{
    for (unsigned char *p = (unsigned char *)s; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            *p = '?';
}

static void write_json_line(enum klog_level level, const char *msg)
{
    struct sbuf sb;
    char ts[32];

    sbuf_init(&sb, 0);
    kv_format_utc(kv_now_epoch(), ts);
    sbuf_addf(&sb, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":", ts,
              level_names[level]);
    kv_json_quote(&sb, msg);
    sbuf_addstr(&sb, "}\n");
    fputs(sb.buf, stderr);
    sbuf_release(&sb);
}

void klog(enum klog_level level, const char *fmt, ...)
{
    va_list ap;
    char *raw;
    char *clean;

    if (level > current_level)
        return;
    va_start(ap, fmt);
    if (vasprintf(&raw, fmt, ap) < 0)
        raw = NULL;
    va_end(ap);
    if (!raw)
        return;
    clean = klog_redact(raw);
    neutralize_controls(clean);
    if (json_lines)
        write_json_line(level, clean);
    else if (level == KLOG_INFO)
        fprintf(stderr, "kaivo: %s\n", clean);
    else
        fprintf(stderr, "kaivo: %s: %s\n", level_names[level], clean);
    free(clean);
    free(raw);
}
