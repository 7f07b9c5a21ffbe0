/*
 * log.h - the one leveled logger.  Only the CLI and the daemon loop log;
 * lower layers return errors.  Every line passes through klog_redact(), so
 * a registered secret (the App API key, a bearer token) never reaches
 * stderr, whatever a message or a server's reply contains.
 */
#ifndef KV_LOG_H
#define KV_LOG_H

#include "common/kv.h"

enum klog_level {
    KLOG_ERROR = 0,
    KLOG_WARN = 1,
    KLOG_INFO = 2,
    KLOG_DEBUG = 3,
};

/* Lines above this level are dropped before formatting.  Default INFO. */
void klog_set_level(enum klog_level level);
enum klog_level klog_get_level(void);
/* One JSON object per line instead of "kaivo: level: msg". */
void klog_set_json(bool on);

/*
 * Registers a secret to scrub from every line and from klog_redact().
 * The logger keeps its own copy.  Secrets shorter than 4 bytes are ignored
 * (they would redact ordinary words).
 */
void klog_add_secret(const char *secret);
/* Forgets every registered secret (tests). */
void klog_clear_secrets(void);

/*
 * A copy of s with every registered secret replaced by "[redacted]".
 * Free with free().  Used by anything that persists text (history, errors).
 */
char *klog_redact(const char *s);

void klog(enum klog_level level, const char *fmt, ...) KV_PRINTF(2, 3);

#define klog_error(...) klog(KLOG_ERROR, __VA_ARGS__)
#define klog_warn(...) klog(KLOG_WARN, __VA_ARGS__)
#define klog_info(...) klog(KLOG_INFO, __VA_ARGS__)
#define klog_debug(...) klog(KLOG_DEBUG, __VA_ARGS__)

#endif
