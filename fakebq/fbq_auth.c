/*
 * fbq_auth.c - Google's token endpoint as the fake serves it: the
 * jwt-bearer grant with a real RS256 signature check against the trusted
 * key, and the refresh_token grant; plus the bearer check of every API
 * call, with tokens that expire.
 */
#include "common/kv.h"
#include "fakebq/fbq.h"
#include "gauth/gauth.h"

#include <curl/curl.h>
#include <openssl/rand.h>

#define JWT_GRANT "urn:ietf:params:oauth:grant-type:jwt-bearer"
#define SKEW_S 300

static int oauth_error(struct fbq_resp *r, int status, const char *code,
                       const char *desc)
{
    fbq_reply(r, status, json_pack("{s:s, s:s}", "error", code,
                                   "error_description", desc));
    return status;
}

/* The value of name in an x-www-form-urlencoded body (a new string). */
static char *form_get(const char *body, const char *name)
{
    size_t n = strlen(name);

    for (const char *p = body; p && *p;) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);

        if (len > n && !strncmp(p, name, n) && p[n] == '=') {
            char *raw = xstrndup(p + n + 1, len - n - 1);
            char *dec = curl_unescape(raw, 0);
            char *res = xstrdup(dec ? dec : "");

            curl_free(dec);
            free(raw);
            return res;
        }
        p = end ? end + 1 : NULL;
    }
    return NULL;
}

static bool has_scope(const char *scope)
{
    return scope && (strstr(scope, "/auth/bigquery") ||
                     strstr(scope, "/auth/cloud-platform"));
}

static const char *check_claims(struct fbq_server *s, struct fbq_req *rq,
                                json_t *h, json_t *c)
{
    static char aud_want[300];
    const char *host = fbq_header(rq, "Host");
    const char *aud = json_string_value(json_object_get(c, "aud"));
    const char *iss = json_string_value(json_object_get(c, "iss"));
    json_int_t iat = json_integer_value(json_object_get(c, "iat"));
    json_int_t exp = json_integer_value(json_object_get(c, "exp"));
    int64_t now = fbq_now_ms() / 1000;
    const char *alg = json_string_value(json_object_get(h, "alg"));

    snprintf(aud_want, sizeof(aud_want), "http://%s/token",
             host ? host : "");
    if (!alg || strcmp(alg, "RS256"))
        return "Invalid JWT: alg must be RS256";
    if (!iss || (s->client_email && strcmp(iss, s->client_email)))
        return "Invalid JWT: iss is not the trusted client_email";
    if (!has_scope(json_string_value(json_object_get(c, "scope"))))
        return "Invalid OAuth scope or ID token audience provided.";
    if (!aud || strcmp(aud, aud_want))
        return "Invalid JWT: aud is not this token endpoint";
    if (iat < now - SKEW_S || iat > now + SKEW_S || exp - iat <= 0 ||
        exp - iat > 3600)
        return "Invalid JWT: Token must be a short-lived token (60 "
               "minutes) and in a reasonable timeframe. Check your iat "
               "and exp values in the JWT claim.";
    return NULL;
}

static void issue(struct fbq_server *s, struct fbq_resp *r)
{
    unsigned char raw[24];
    struct sbuf tok;

    RAND_bytes(raw, sizeof(raw));
    sbuf_init(&tok, 0);
    sbuf_addstr(&tok, "ya29.fake-");
    gauth_b64url(&tok, raw, sizeof(raw));
    json_object_set_new(s->tokens, tok.buf, json_integer(
        fbq_now_ms() + (int64_t)s->token_ttl * 1000));
    fbq_count(s, "tokens_issued", 1);
    fbq_reply(r, 200, json_pack("{s:s, s:i, s:s}", "access_token", tok.buf,
                                "expires_in", s->token_ttl, "token_type",
                                "Bearer"));
    sbuf_release(&tok);
}

static void jwt_grant(struct fbq_server *s, struct fbq_req *rq,
                      const char *jwt, struct fbq_resp *r)
{
    struct kv_err err;
    json_t *h = NULL;
    json_t *c = NULL;
    const char *why;

    kv_err_clear(&err);
    if (!jwt) {
        oauth_error(r, 400, "invalid_request", "Missing assertion.");
        return;
    }
    if (gauth_jwt_verify(jwt, s->trust_pem, &h, &c, &err)) {
        oauth_error(r, 400, "invalid_grant", err.msg);
        return;
    }
    why = check_claims(s, rq, h, c);
    if (why)
        oauth_error(r, 400, "invalid_grant", why);
    else
        issue(s, r);
    json_decref(h);
    json_decref(c);
}

/* True when no user file is trusted, or its field equals v. */
static bool user_field_is(struct fbq_server *s, const char *name,
                          const char *v)
{
    const char *want = json_string_value(json_object_get(s->user, name));

    return !s->user || (want && !strcmp(want, v));
}

static void refresh_grant(struct fbq_server *s, struct fbq_req *rq,
                          struct fbq_resp *r)
{
    const char *body = rq->body.buf ? rq->body.buf : "";
    char *id = form_get(body, "client_id");
    char *secret = form_get(body, "client_secret");
    char *rt = form_get(body, "refresh_token");

    fbq_count(s, "refresh_grants", 1);
    if (!id || !secret || !rt || !*id || !*secret || !*rt)
        oauth_error(r, 400, "invalid_request", "Missing required "
                    "parameter.");
    else if (!user_field_is(s, "client_id", id) ||
             !user_field_is(s, "client_secret", secret))
        oauth_error(r, 401, "invalid_client", "Unauthorized");
    else if (!strcmp(rt, "revoked") || !user_field_is(s, "refresh_token",
                                                      rt))
        oauth_error(r, 400, "invalid_grant", "Token has been expired or "
                    "revoked.");
    else
        issue(s, r);
    free(id);
    free(secret);
    free(rt);
}

void fbq_token_endpoint(struct fbq_server *s, struct fbq_req *rq,
                        struct fbq_resp *r)
{
    const char *ct = fbq_header(rq, "Content-Type");
    const char *body = rq->body.buf ? rq->body.buf : "";
    char *grant = form_get(body, "grant_type");
    char *jwt = form_get(body, "assertion");

    fbq_count(s, "token_requests", 1);
    if (strcmp(rq->method, "POST"))
        oauth_error(r, 405, "invalid_request", "POST only.");
    else if (!ct || strncmp(ct, "application/x-www-form-urlencoded", 33))
        oauth_error(r, 400, "invalid_request", "Content-Type must be "
                    "application/x-www-form-urlencoded.");
    else if (grant && !strcmp(grant, JWT_GRANT))
        jwt_grant(s, rq, jwt, r);
    else if (grant && !strcmp(grant, "refresh_token"))
        refresh_grant(s, rq, r);
    else
        oauth_error(r, 400, "unsupported_grant_type", "Invalid grant_type.");
    free(grant);
    free(jwt);
}

bool fbq_bearer_ok(struct fbq_server *s, struct fbq_req *rq,
                   struct fbq_resp *r)
{
    const char *h = fbq_header(rq, "Authorization");
    json_t *exp;

    if (!h || strncmp(h, "Bearer ", 7)) {
        fbq_error(r, 401, "required", "Request is missing required "
                  "authentication credential. Expected OAuth 2 access "
                  "token, login cookie or other valid authentication "
                  "credential.");
        return false;
    }
    exp = json_object_get(s->tokens, h + 7);
    if (!exp || json_integer_value(exp) <= fbq_now_ms()) {
        fbq_count(s, "auth_rejected", 1);
        fbq_error(r, 401, "authError", "Request had invalid "
                  "authentication credentials. Expected OAuth 2 access "
                  "token, login cookie or other valid authentication "
                  "credential.");
        return false;
    }
    return true;
}
