/*
 * gauth.h - Google OAuth 2.0 without a Google SDK: service-account keys
 * (an RS256 JWT signed with OpenSSL, exchanged at the key's token_uri)
 * and authorized_user files (a refresh token).  Invariants:
 *   - every secret read or received (private key, refresh token, client
 *     secret, assertion, access token) is registered with klog_add_secret
 *     before anything could print it;
 *   - a token is reused until fewer than GAUTH_REFRESH_S seconds (or a
 *     quarter of its lifetime, when shorter) remain.
 * Nothing here prints.
 */
#ifndef KV_GAUTH_H
#define KV_GAUTH_H

#include "common/kv.h"
#include "common/err.h"
#include "common/mem.h"

#include <jansson.h>

#define GAUTH_TOKEN_URL "https://oauth2.googleapis.com/token"
#define GAUTH_SCOPE "https://www.googleapis.com/auth/bigquery"
/* google-auth refreshes 3 min 45 s early: so do we. */
#define GAUTH_REFRESH_S 225

struct gauth;

/*
 * Reads a credentials file: path, else $GOOGLE_APPLICATION_CREDENTIALS.
 * KV_EUSAGE when neither names a file or the file is not a key;
 * *out is freed with gauth_free().
 */
int gauth_load(const char *path, struct gauth **out, struct kv_err *err);
void gauth_free(struct gauth *g);

/* The key's project_id, or NULL (authorized_user files have none). */
const char *gauth_project(const struct gauth *g);

/*
 * Sets *token to a valid access token, fetching one when the cached one
 * is missing, near expiry, or force is set (after a 401).  *token is owned
 * by g and valid until the next call.  KV_EAUTH when the token endpoint
 * refuses the key.
 */
int gauth_token(struct gauth *g, bool force, const char **token,
                struct kv_err *err);

/* How many tokens g has fetched (tests). */
int gauth_fetches(const struct gauth *g);

/* Appends data as unpadded base64url to sb. */
void gauth_b64url(struct sbuf *sb, const void *data, size_t len);
/*
 * Decodes unpadded base64url into a new buffer (free(), set even on
 * failure); false when s is not canonical base64url (a stray character, a
 * dangling sixth of a byte, or non-zero bits after the last byte).
 */
bool gauth_b64url_decode(const char *s, size_t n, unsigned char **out,
                         size_t *outlen);

/*
 * Builds "header.claims.signature" for a service account: RS256 over the
 * base64url of both JSON objects with the PEM private key.  *out is a new
 * string (free()).
 */
int gauth_jwt_sign(const char *pem, const char *kid, json_t *claims,
                   char **out, struct kv_err *err);

/*
 * Checks an RS256 JWT's signature with a PEM public key (or certificate)
 * and returns its decoded header and claims (json_decref).  Used by the
 * fake BigQuery.  KV_EAUTH when the signature does not verify.
 */
int gauth_jwt_verify(const char *jwt, const char *pem_pub, json_t **header,
                     json_t **claims, struct kv_err *err);

#endif
