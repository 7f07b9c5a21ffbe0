/*
 * cio_seen.c - an open-addressing set of 128-bit token hashes.
 */
#include "common/kv.h"
#include "source/cio_seen.h"
#include "common/mem.h"

void cio_seen_init(struct cio_seen *s)
{
    s->slots = NULL;
    s->cap = 0;
    s->n = 0;
}

void cio_seen_release(struct cio_seen *s)
{
    free(s->slots);
    cio_seen_init(s);
}

/* Two FNV-1a passes with different bases; h[1] is odd, so never {0, 0}. */
static void hash_token(const char *t, size_t len, uint64_t h[2])
{
    h[0] = 0xcbf29ce484222325ULL;
    h[1] = 0x84222325cbf29ce4ULL;
    for (size_t i = 0; i < len; i++) {
        h[0] = (h[0] ^ (unsigned char)t[i]) * 0x100000001b3ULL;
        h[1] = (h[1] ^ (unsigned char)t[i]) * 0x100000001b3ULL;
        h[1] ^= h[1] >> 29;
    }
    h[1] |= 1;
}

/* The slot holding h, or the free slot where it belongs. */
static uint64_t *find_slot(const struct cio_seen *s, const uint64_t h[2])
{
    size_t mask = s->cap - 1;
    size_t i = (size_t)(h[0] ^ (h[1] >> 7)) & mask;

    for (;;) {
        uint64_t *slot = s->slots + 2 * i;

        if ((slot[0] == h[0] && slot[1] == h[1]) || !slot[1])
            return slot;
        i = (i + 1) & mask;
    }
}

static void grow(struct cio_seen *s)
{
    struct cio_seen bigger;

    bigger.cap = s->cap ? s->cap * 2 : 16;
    bigger.n = s->n;
    bigger.slots = xcalloc(bigger.cap, 2 * sizeof(uint64_t));
    for (size_t i = 0; i < s->cap; i++) {
        uint64_t *old = s->slots + 2 * i;
        uint64_t *slot;

        if (!old[1])
            continue;
        slot = find_slot(&bigger, old);
        slot[0] = old[0];
        slot[1] = old[1];
    }
    free(s->slots);
    *s = bigger;
}

bool cio_seen_add(struct cio_seen *s, const char *token, size_t len)
{
    uint64_t h[2];
    uint64_t *slot;

    /* at most half full, so probes stay short and a free slot exists */
    if (2 * (s->n + 1) > s->cap)
        grow(s);
    hash_token(token, len, h);
    slot = find_slot(s, h);
    if (slot[1])
        return true;
    slot[0] = h[0];
    slot[1] = h[1];
    s->n++;
    return false;
}
