/*
 * mcp_token.c - creating, loading and checking the bearer token.
 */
#include "common/kv.h"
#include "mcp/mcp_token.h"
#include "common/mem.h"
#include "common/util.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <strings.h>
#include <sys/stat.h>

#define TOKEN_BYTES 32
#define TOKEN_SECRET "mcp"

int mcp_token_random_hex(char *out, size_t n, struct kv_err *err)
{
    static const char digits[] = "0123456789abcdef";
    unsigned char raw[64];

    if (n > sizeof(raw) || RAND_bytes(raw, (int)n) != 1)
        return kv_err_set(err, KV_EFAIL, "cannot get random bytes");
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[raw[i] >> 4];
        out[2 * i + 1] = digits[raw[i] & 15];
    }
    out[2 * n] = '\0';
    return KV_OK;
}

static int check_mode(struct ws *ws, struct kv_err *err)
{
    char *path = xasprintf("%s/%s.key", ws->state_dir, TOKEN_SECRET);
    struct stat st;
    int rc = KV_OK;

    if (!stat(path, &st) && (st.st_mode & 077))
        rc = kv_err_set(err, KV_EUSAGE, "'%s' is readable by others: "
                        "chmod 600 it", path);
    free(path);
    return rc;
}

static int create(struct ws *ws, char **out, struct kv_err *err)
{
    char hex[2 * TOKEN_BYTES + 1];
    int rc = mcp_token_random_hex(hex, TOKEN_BYTES, err);

    if (!rc)
        rc = ws_secret_write(ws, TOKEN_SECRET, hex, err);
    if (!rc)
        *out = xstrdup(hex);
    return rc;
}

int mcp_token_load(struct ws *ws, char **out, bool *created,
                   struct kv_err *err)
{
    char *tok = NULL;
    int rc = ws_secret_read(ws, TOKEN_SECRET, &tok, NULL);

    *created = false;
    if (rc == KV_ENOENT) {
        *created = true;
        return create(ws, out, err);
    }
    if (!rc)
        rc = check_mode(ws, err);
    else
        kv_err_set(err, rc, "cannot read the MCP token");
    if (!rc && strlen(kv_trim(tok)) < 16)
        rc = kv_err_set(err, KV_EUSAGE, "the MCP token in .kaivo/%s.key "
                        "is too short (16 characters at least)",
                        TOKEN_SECRET);
    if (!rc)
        *out = tok;
    else
        free(tok);
    return rc;
}

/*
 * Both sides are hashed first so the comparison takes the same time
 * whatever the lengths, then compared with CRYPTO_memcmp.
 */
bool mcp_token_check(const char *token, const char *header)
{
    unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];
    const char *given;

    if (!token || !header || strncasecmp(header, "Bearer ", 7))
        return false;
    given = header + 7;
    while (*given == ' ')
        given++;
    SHA256((const unsigned char *)token, strlen(token), a);
    SHA256((const unsigned char *)given, strlen(given), b);
    return CRYPTO_memcmp(a, b, sizeof(a)) == 0;
}
