/*
 * cio_seen.h - the set of page tokens one stream has already been given,
 * so a server that hands back an old token (an endless loop) is caught.
 * Only a 128-bit hash of each token is kept: a million pages cost 32 MiB
 * at most, however long the tokens are, and an accidental collision is
 * about as likely as a cosmic ray.
 */
#ifndef KV_CIO_SEEN_H
#define KV_CIO_SEEN_H

#include "common/kv.h"

struct cio_seen {
    uint64_t *slots; /* owned: cap pairs of hash words, {0, 0} = free */
    size_t cap;      /* pairs; 0 or a power of two */
    size_t n;        /* tokens held */
};

void cio_seen_init(struct cio_seen *s);
/* Adds token (len bytes); returns true when it was already there. */
bool cio_seen_add(struct cio_seen *s, const char *token, size_t len);
/* Frees the contents; the set may be used again after cio_seen_init. */
void cio_seen_release(struct cio_seen *s);

#endif
