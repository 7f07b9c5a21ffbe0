/*
 * sim_token.c - page tokens: base64url of {"o":N}.  Clients must treat them
 * as opaque; the simulator rejects anything it did not mint with a 400.
 */
#include "common/kv.h"
#include "common/util.h"
#include "sim.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void encode(char *out, const unsigned char *in, size_t n)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;

        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        if (i + 1 < n)
            out[o++] = b64[(v >> 6) & 63];
        if (i + 2 < n)
            out[o++] = b64[v & 63];
    }
    out[o] = '\0';
}

/* Decodes unpadded base64url; false on a bad character or length. */
static bool decode(const char *in, char *out, size_t size)
{
    size_t n = strlen(in);
    size_t o = 0;
    uint32_t v = 0;
    int bits = 0;

    if (n % 4 == 1 || n * 3 / 4 >= size)
        return false;
    for (size_t i = 0; i < n; i++) {
        const char *p = strchr(b64, in[i]);

        if (!p || !in[i])
            return false;
        v = (v << 6) | (uint32_t)(p - b64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((v >> bits) & 0xff);
        }
    }
    out[o] = '\0';
    return true;
}

void sim_token_make(char out[SIM_TOKEN_MAX], int64_t offset)
{
    char json[32];
    int n = snprintf(json, sizeof(json), "{\"o\":%" PRId64 "}", offset);

    encode(out, (const unsigned char *)json, (size_t)n);
}

bool sim_token_parse(const char *token, int64_t *offset)
{
    char json[SIM_TOKEN_MAX];
    char again[SIM_TOKEN_MAX];
    char digits[24];
    size_t n;

    if (!token || !decode(token, json, sizeof(json)))
        return false;
    n = strlen(json);
    if (n < 7 || n - 6 >= sizeof(digits) || strncmp(json, "{\"o\":", 5) ||
        json[n - 1] != '}')
        return false;
    memcpy(digits, json + 5, n - 6);
    digits[n - 6] = '\0';
    if (!kv_parse_int64(digits, offset) || *offset < 0)
        return false;
    /* only the exact spelling we mint: no leading zeros, no padding */
    sim_token_make(again, *offset);
    return !strcmp(again, token);
}
