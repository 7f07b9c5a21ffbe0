/*
 * cio_retry.h - the arithmetic of retrying a Customer.io request: reading
 * a Retry-After header and drawing an exponential backoff with full
 * jitter.  Pure functions, so their edge cases are tested directly.
 */
#ifndef KV_CIO_RETRY_H
#define KV_CIO_RETRY_H

#include "common/kv.h"

/*
 * The wait a Retry-After value asks for, in milliseconds: delta-seconds
 * ("120") or an HTTP date, which is compared with now_epoch (Unix seconds).
 * A date in the past gives 0.  Returns -1 when value is NULL or neither
 * form, so the caller falls back to its own backoff.
 */
int64_t cio_retry_after_ms(const char *value, int64_t now_epoch);

/*
 * The wait before retry number n (0 for the first retry): a uniform draw
 * from [0, min(cap_ms, base_ms * 2^n)] ("full jitter", which spreads the
 * retries of many clients instead of synchronising them).  *rng is the
 * caller's generator state; any value but 0 seeds it.
 */
int64_t cio_backoff_ms(int64_t base_ms, int64_t cap_ms, int n,
                       uint64_t *rng);

#endif
