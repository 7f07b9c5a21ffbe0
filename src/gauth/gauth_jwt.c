/*
 * gauth_jwt.c - base64url and RS256 JSON Web Tokens with OpenSSL's EVP
 * API: signing for service accounts, verifying for the fake BigQuery.
 */
#include "common/kv.h"
#include "gauth/gauth.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void gauth_b64url(struct sbuf *sb, const void *data, size_t len)
{
    const unsigned char *p = data;
    char out[4];

    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        size_t n = len - i >= 3 ? 4 : len - i + 1;

        if (i + 1 < len)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < len)
            v |= p[i + 2];
        for (int k = 0; k < 4; k++)
            out[k] = b64url[(v >> (18 - 6 * k)) & 63];
        sbuf_add(sb, out, n);
    }
}

static int b64_value(char c)
{
    const char *p = c ? strchr(b64url, c) : NULL;

    return p ? (int)(p - b64url) : -1;
}

bool gauth_b64url_decode(const char *s, size_t n, unsigned char **out,
                         size_t *outlen)
{
    unsigned char *buf = xmalloc(n * 3 / 4 + 3);
    uint32_t acc = 0;
    size_t len = 0;
    int bits = 0;

    for (size_t i = 0; i < n; i++) {
        int v = b64_value(s[i]);

        if (v < 0) {
            free(buf);
            return false;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[len++] = (unsigned char)(acc >> bits);
        }
    }
    *out = buf;
    *outlen = len;
    /* canonical only: the bits past the last byte must be zero */
    return n % 4 != 1 && !(acc & ((1u << bits) - 1));
}

static void add_json(struct sbuf *sb, json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT);

    gauth_b64url(sb, text, strlen(text));
    free(text);
}

static int sign(EVP_PKEY *key, const char *msg, size_t len,
                struct sbuf *sig_out, struct kv_err *err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char *sig = NULL;
    size_t siglen = 0;
    int rc = KV_OK;

    if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) != 1
        || EVP_DigestSign(ctx, NULL, &siglen, (const unsigned char *)msg,
                          len) != 1) {
        rc = kv_err_set(err, KV_EUSAGE, "cannot sign with the private key");
        goto out;
    }
    sig = xmalloc(siglen);
    if (EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)msg,
                       len) != 1) {
        rc = kv_err_set(err, KV_EUSAGE, "cannot sign with the private key");
        goto out;
    }
    gauth_b64url(sig_out, sig, siglen);
out:
    free(sig);
    EVP_MD_CTX_free(ctx);
    return rc;
}

int gauth_jwt_sign(const char *pem, const char *kid, json_t *claims,
                   char **out, struct kv_err *err)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)
                        : NULL;
    json_t *header = json_pack("{s:s, s:s}", "alg", "RS256", "typ", "JWT");
    struct sbuf sb;
    int rc = KV_OK;

    *out = NULL;
    sbuf_init(&sb, 0);
    if (!key) {
        /* never quote the key: only say that it does not parse */
        rc = kv_err_set(err, KV_EUSAGE, "the private key does not parse "
                        "as PEM");
        goto out;
    }
    if (kid && *kid)
        json_object_set_new(header, "kid", json_string(kid));
    add_json(&sb, header);
    sbuf_add(&sb, ".", 1);
    add_json(&sb, claims);
    sbuf_add(&sb, ".", 1);
    rc = sign(key, sb.buf, sb.len - 1, &sb, err);
    if (!rc)
        *out = sbuf_detach(&sb, NULL);
out:
    sbuf_release(&sb);
    json_decref(header);
    EVP_PKEY_free(key);
    BIO_free(bio);
    return rc;
}

/* A public key from "PUBLIC KEY" PEM or from a certificate. */
static EVP_PKEY *read_public(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *key = NULL;
    X509 *cert;

    if (!bio)
        return NULL;
    key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    if (!key) {
        BIO_free(bio);
        bio = BIO_new_mem_buf(pem, -1);
        cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        key = cert ? X509_get_pubkey(cert) : NULL;
        X509_free(cert);
    }
    BIO_free(bio);
    return key;
}

static json_t *decode_part(const char *s, size_t n)
{
    unsigned char *raw = NULL;
    size_t len = 0;
    json_t *j = NULL;

    if (gauth_b64url_decode(s, n, &raw, &len))
        j = json_loadb((const char *)raw, len, 0, NULL);
    free(raw);
    if (j && !json_is_object(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

static bool verify_sig(EVP_PKEY *key, const char *msg, size_t len,
                       const unsigned char *sig, size_t siglen)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx &&
              EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
              EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)msg,
                               len) == 1;

    EVP_MD_CTX_free(ctx);
    return ok;
}

int gauth_jwt_verify(const char *jwt, const char *pem_pub, json_t **header,
                     json_t **claims, struct kv_err *err)
{
    const char *dot1 = strchr(jwt, '.');
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    EVP_PKEY *key = read_public(pem_pub);
    unsigned char *sig = NULL;
    size_t siglen = 0;
    int rc = KV_OK;

    *header = *claims = NULL;
    if (!key) {
        rc = kv_err_set(err, KV_EUSAGE, "the trusted public key does not "
                        "parse");
        goto out;
    }
    if (!dot2 || strchr(dot2 + 1, '.') || strchr(jwt, '=')) {
        rc = kv_err_set(err, KV_EAUTH, "Invalid JWT: not three unpadded "
                        "base64url parts");
        goto out;
    }
    *header = decode_part(jwt, (size_t)(dot1 - jwt));
    *claims = decode_part(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    if (!*header || !*claims ||
        !gauth_b64url_decode(dot2 + 1, strlen(dot2 + 1), &sig, &siglen)) {
        rc = kv_err_set(err, KV_EAUTH, "Invalid JWT: a part does not "
                        "decode");
        goto out;
    }
    if (!verify_sig(key, jwt, (size_t)(dot2 - jwt), sig, siglen))
        rc = kv_err_set(err, KV_EAUTH, "Invalid JWT Signature.");
out:
    if (rc) {
        json_decref(*header);
        json_decref(*claims);
        *header = *claims = NULL;
    }
    free(sig);
    EVP_PKEY_free(key);
    return rc;
}
