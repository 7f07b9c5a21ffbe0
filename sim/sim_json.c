/*
 * sim_json.c - a minimal JSON writer into a struct sbuf.  The simulator
 * writes its records by hand so that a page is one buffer and a big body
 * is never copied.
 */
#include "common/kv.h"
#include "sim.h"

static const char *escape_of(unsigned char ch, char tmp[8])
{
    switch (ch) {
    case '"':
        return "\\\"";
    case '\\':
        return "\\\\";
    case '\n':
        return "\\n";
    case '\r':
        return "\\r";
    case '\t':
        return "\\t";
    }
    if (ch >= 0x20)
        return NULL;
    snprintf(tmp, 8, "\\u%04x", ch);
    return tmp;
}

void sim_json_escape(struct sbuf *sb, const char *s, size_t n)
{
    size_t run = 0;
    char tmp[8];

    /* copy runs of plain bytes at once: bodies can be megabytes */
    for (size_t i = 0; i < n; i++) {
        const char *esc = escape_of((unsigned char)s[i], tmp);

        if (!esc)
            continue;
        sbuf_add(sb, s + run, i - run);
        sbuf_addstr(sb, esc);
        run = i + 1;
    }
    sbuf_add(sb, s + run, n - run);
}

void sim_json_str(struct sbuf *sb, const char *s)
{
    if (!s) {
        sbuf_addstr(sb, "null");
        return;
    }
    sbuf_add(sb, "\"", 1);
    sim_json_escape(sb, s, strlen(s));
    sbuf_add(sb, "\"", 1);
}

void sim_jw_key(struct sbuf *sb, bool *first, const char *key)
{
    if (!*first)
        sbuf_add(sb, ",", 1);
    *first = false;
    sim_json_str(sb, key);
    sbuf_add(sb, ":", 1);
}

void sim_jw_str(struct sbuf *sb, bool *first, const char *key,
                const char *val)
{
    sim_jw_key(sb, first, key);
    sim_json_str(sb, val);
}

void sim_jw_int(struct sbuf *sb, bool *first, const char *key, int64_t val)
{
    sim_jw_key(sb, first, key);
    sbuf_addf(sb, "%" PRId64, val);
}

void sim_jw_bool(struct sbuf *sb, bool *first, const char *key, bool val)
{
    sim_jw_key(sb, first, key);
    sbuf_addstr(sb, val ? "true" : "false");
}

void sim_jw_null(struct sbuf *sb, bool *first, const char *key)
{
    sim_jw_key(sb, first, key);
    sbuf_addstr(sb, "null");
}

void sim_jw_raw(struct sbuf *sb, bool *first, const char *key,
                const char *val)
{
    sim_jw_key(sb, first, key);
    sbuf_addstr(sb, val);
}
