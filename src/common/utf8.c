/*
 * utf8.c - a strict UTF-8 check, eight ASCII bytes at a time where it can.
 */
#include "common/kv.h"
#include "common/utf8.h"

/* The bytes of a sequence its lead byte starts, or 0 for a bad lead. */
static size_t sequence_len(unsigned char lead, uint32_t *cp, uint32_t *min)
{
    if (lead >= 0xc2 && lead <= 0xdf) {
        *cp = lead & 0x1f;
        *min = 0x80;
        return 2;
    }
    if (lead >= 0xe0 && lead <= 0xef) {
        *cp = lead & 0x0f;
        *min = 0x800;
        return 3;
    }
    if (lead >= 0xf0 && lead <= 0xf4) {
        *cp = lead & 0x07;
        *min = 0x10000;
        return 4;
    }
    return 0;
}

/* The length of the well-formed sequence at s (n bytes left), or 0. */
static size_t sequence_ok(const unsigned char *s, size_t n)
{
    uint32_t cp;
    uint32_t min;
    size_t len = sequence_len(s[0], &cp, &min);

    if (!len || len > n)
        return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

bool kv_utf8_valid(const char *str, size_t len, size_t *bad)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;

    while (i < len) {
        uint64_t word;
        size_t step;

        if (len - i >= sizeof(word)) {
            memcpy(&word, s + i, sizeof(word));
            if (!(word & 0x8080808080808080ull)) {
                i += sizeof(word);
                continue;
            }
        }
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        step = sequence_ok(s + i, len - i);
        if (!step) {
            if (bad)
                *bad = i;
            return false;
        }
        i += step;
    }
    return true;
}
