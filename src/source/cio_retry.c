/*
 * cio_retry.c - Retry-After parsing and jittered exponential backoff for
 * the Customer.io client.
 */
#include "common/kv.h"
#include "source/cio_retry.h"
#include "common/util.h"

#include <ctype.h>
#include <curl/curl.h>

/* Above this a Retry-After is nonsense; the caller's budget caps it. */
#define RETRY_AFTER_MAX_S (7 * 24 * 3600)

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return false;
    return true;
}

int64_t cio_retry_after_ms(const char *value, int64_t now_epoch)
{
    char buf[128];
    int64_t secs;
    time_t when;

    if (!value)
        return -1;
    snprintf(buf, sizeof(buf), "%s", value);
    kv_trim(buf);
    if (all_digits(buf)) {
        /* long runs of digits would overflow; they mean "a long time" */
        if (strlen(buf) > 7)
            return (int64_t)RETRY_AFTER_MAX_S * 1000;
        secs = strtoll(buf, NULL, 10);
    } else {
        when = curl_getdate(buf, NULL);
        if (when == (time_t)-1)
            return -1;
        secs = (int64_t)when - now_epoch;
    }
    if (secs < 0)
        secs = 0;
    if (secs > RETRY_AFTER_MAX_S)
        secs = RETRY_AFTER_MAX_S;
    return secs * 1000;
}

/* xorshift64*: plenty for jitter, and no global state. */
static uint64_t next_random(uint64_t *rng)
{
    uint64_t x = *rng ? *rng : 0x9e3779b97f4a7c15ULL;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *rng = x;
    return x * 0x2545f4914f6cdd1dULL;
}

int64_t cio_backoff_ms(int64_t base_ms, int64_t cap_ms, int n,
                       uint64_t *rng)
{
    int64_t ceiling = base_ms > 0 ? base_ms : 0;

    for (int i = 0; i < n && ceiling < cap_ms; i++)
        ceiling *= 2;
    if (ceiling > cap_ms)
        ceiling = cap_ms;
    if (ceiling <= 0)
        return 0;
    return (int64_t)(next_random(rng) % (uint64_t)(ceiling + 1));
}
