/*
 * test_gauth.c - Google auth without an SDK: base64url, the RS256 JWT a
 * service account signs (checked with the public key by OpenSSL directly,
 * not only by our own verifier), and the token cache against an
 * in-process token endpoint on 127.0.0.1: reuse, refresh before expiry,
 * forced refresh, retries, refusals, and authorized_user refresh tokens.
 */
#include "common/kv.h"
#include "harness.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "gauth/gauth.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <pthread.h>

#define EMAIL "unit@kaivo-test.iam.gserviceaccount.com"
#define SECRET "CLIENT-SECRET-unit-77a1"
#define REFRESH "1//REFRESH-unit-3f0c"

static void b64_is(const char *in, size_t len, const char *want)
{
    struct sbuf sb;
    unsigned char *raw = NULL;
    size_t n = 0;

    sbuf_init(&sb, 0);
    gauth_b64url(&sb, in, len);
    CHECK_STR(sb.len ? sb.buf : "", want);
    CHECK(gauth_b64url_decode(want, strlen(want), &raw, &n));
    CHECK_INT(n, len);
    CHECK(!memcmp(raw, in, len));
    free(raw);
    sbuf_release(&sb);
}

static bool decodes(const char *s)
{
    unsigned char *raw = NULL;
    size_t n = 0;
    bool ok = gauth_b64url_decode(s, strlen(s), &raw, &n);

    free(raw);
    return ok;
}

static void test_gauth_b64url(void)
{
    b64_is("", 0, "");
    b64_is("f", 1, "Zg");
    b64_is("fo", 2, "Zm8");
    b64_is("foo", 3, "Zm9v");
    b64_is("foob", 4, "Zm9vYg");
    b64_is("fooba", 5, "Zm9vYmE");
    b64_is("\xfb\xff\xfe", 3, "-__-");
    CHECK(!decodes("Zm9v="));   /* padding is not base64url's */
    CHECK(!decodes("Zm+v"));    /* base64's alphabet, not base64url's */
    CHECK(!decodes("Z"));       /* a sixth of a byte */
    CHECK(!decodes("Zh"));      /* non-zero bits after the last byte */
    CHECK(!decodes("Zm9"));
}

/* A fresh 2048-bit key: *pem_priv and *pem_pub are new strings. */
static void make_key(char **pem_priv, char **pem_pub)
{
    EVP_PKEY *k = EVP_RSA_gen(2048);
    BIO *a = BIO_new(BIO_s_mem());
    BIO *b = BIO_new(BIO_s_mem());
    char *data;
    long n;

    CHECK(k && a && b);
    CHECK(PEM_write_bio_PrivateKey(a, k, NULL, NULL, 0, NULL, NULL));
    CHECK(PEM_write_bio_PUBKEY(b, k));
    n = BIO_get_mem_data(a, &data);
    *pem_priv = xstrndup(data, (size_t)n);
    n = BIO_get_mem_data(b, &data);
    *pem_pub = xstrndup(data, (size_t)n);
    BIO_free(a);
    BIO_free(b);
    EVP_PKEY_free(k);
}

/* Verifies with OpenSSL alone: RS256 over "header.claims". */
static bool openssl_verifies(const char *jwt, const char *pem_pub)
{
    const char *dot2 = strrchr(jwt, '.');
    BIO *bio = BIO_new_mem_buf(pem_pub, -1);
    EVP_PKEY *k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char *sig = NULL;
    size_t siglen = 0;
    bool ok;

    CHECK(dot2 && k && ctx);
    CHECK(gauth_b64url_decode(dot2 + 1, strlen(dot2 + 1), &sig, &siglen));
    ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k) == 1 &&
         EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)jwt,
                          (size_t)(dot2 - jwt)) == 1;
    free(sig);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(k);
    BIO_free(bio);
    return ok;
}

static void test_gauth_jwt_sign_verify(void)
{
    char *priv, *pub, *jwt = NULL;
    json_t *claims = json_pack("{s:s, s:s, s:I, s:I}", "iss", EMAIL, "aud",
                               "http://x/token", "iat", (json_int_t)1000,
                               "exp", (json_int_t)4600);
    json_t *h = NULL, *c = NULL;
    struct kv_err err;

    kv_err_clear(&err);
    make_key(&priv, &pub);
    CHECK_INT(gauth_jwt_sign(priv, "kid-1", claims, &jwt, &err), KV_OK);
    CHECK(!strchr(jwt, '=') && !strchr(jwt, '+') && !strchr(jwt, '/'));
    CHECK(openssl_verifies(jwt, pub));
    CHECK_INT(gauth_jwt_verify(jwt, pub, &h, &c, &err), KV_OK);
    CHECK_STR(json_string_value(json_object_get(h, "alg")), "RS256");
    CHECK_STR(json_string_value(json_object_get(h, "typ")), "JWT");
    CHECK_STR(json_string_value(json_object_get(h, "kid")), "kid-1");
    CHECK(json_equal(c, claims));
    /* a changed claim breaks the signature */
    jwt[strchr(jwt, '.') - jwt + 3] ^= 1;
    CHECK(!openssl_verifies(jwt, pub));
    json_decref(h);
    json_decref(c);
    CHECK_INT(gauth_jwt_verify(jwt, pub, &h, &c, &err), KV_EAUTH);
    CHECK(h == NULL && c == NULL);
    json_decref(claims);
    free(jwt);
    free(priv);
    free(pub);
}

static void test_gauth_jwt_bad_key(void)
{
    json_t *claims = json_pack("{s:s}", "iss", EMAIL);
    char *jwt = NULL;
    struct kv_err err;

    kv_err_clear(&err);
    CHECK_INT(gauth_jwt_sign("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END "
                             "PRIVATE KEY-----\n", NULL, claims, &jwt, &err),
              KV_EUSAGE);
    CHECK(jwt == NULL);
    CHECK(!strstr(err.msg, "AAAA"));
    json_decref(claims);
}

/* The in-process token endpoint: canned statuses, then real checks. */
struct endpoint {
    struct MHD_Daemon *d;
    int port;
    pthread_mutex_t lock;
    const char *pub;         /* verify assertions with this key */
    int ttl;                 /* expires_in of issued tokens */
    int fail_first;          /* answer 503 this many times first */
    const char *refuse;      /* answer 400 with this description */
    const char *rotate;      /* authorized_user: a new refresh token */
    int requests;
    int issued;
    char last_refresh[128];  /* refresh_token of the last user grant */
    char why[256];           /* the last refusal by our checks */
};

struct body {
    struct sbuf sb;
};

/* The decoded value of name in an urlencoded form, in out, or NULL. */
static const char *form(const char *body, const char *name, char out[4096])
{
    size_t n = strlen(name);

    out[0] = '\0';
    for (const char *p = body; p && *p;) {
        const char *e = strchr(p, '&');
        size_t len = e ? (size_t)(e - p) : strlen(p);

        if (len > n && !strncmp(p, name, n) && p[n] == '=') {
            snprintf(out, 4096, "%.*s", (int)(len - n - 1), p + n + 1);
            MHD_http_unescape(out);
            return out;
        }
        p = e ? e + 1 : NULL;
    }
    return NULL;
}

static const char *check_service(struct endpoint *ep, const char *body)
{
    char v[4096], aud[64];
    json_t *h = NULL, *c = NULL;
    struct kv_err err;
    const char *why = NULL;

    kv_err_clear(&err);
    if (!form(body, "grant_type", v) ||
        strcmp(v, "urn:ietf:params:oauth:grant-type:jwt-bearer"))
        return "grant_type";
    if (!form(body, "assertion", v) || gauth_jwt_verify(v, ep->pub, &h, &c,
                                                        &err))
        return "signature";
    snprintf(aud, sizeof(aud), "http://127.0.0.1:%d/token", ep->port);
    if (strcmp(json_string_value(json_object_get(c, "iss")), EMAIL))
        why = "iss";
    else if (strcmp(json_string_value(json_object_get(c, "aud")), aud))
        why = "aud";
    else if (!strstr(json_string_value(json_object_get(c, "scope")),
                     "/auth/bigquery"))
        why = "scope";
    else if (json_integer_value(json_object_get(c, "exp")) -
             json_integer_value(json_object_get(c, "iat")) != 3600)
        why = "lifetime";
    json_decref(h);
    json_decref(c);
    return why;
}

static const char *check_user(struct endpoint *ep, const char *body)
{
    char v[4096];

    if (!form(body, "grant_type", v) || strcmp(v, "refresh_token"))
        return "grant_type";
    if (!form(body, "client_id", v) || strcmp(v, "cid"))
        return "client_id";
    if (!form(body, "client_secret", v) || strcmp(v, SECRET))
        return "client_secret";
    if (!form(body, "refresh_token", v))
        return "refresh_token";
    snprintf(ep->last_refresh, sizeof(ep->last_refresh), "%.127s", v);
    return NULL;
}

static char *answer(struct endpoint *ep, const char *body, unsigned *status)
{
    const char *why;

    *status = 200;
    if (ep->fail_first > 0) {
        ep->fail_first--;
        *status = 503;
        return xstrdup("{\"error\":\"unavailable\"}");
    }
    if (ep->refuse) {
        *status = 400;
        return xasprintf("{\"error\":\"invalid_grant\",\"error_description"
                         "\":\"%s\"}", ep->refuse);
    }
    why = strstr(body, "assertion=") ? check_service(ep, body)
                                     : check_user(ep, body);
    if (why) {
        snprintf(ep->why, sizeof(ep->why), "%s", why);
        *status = 400;
        return xstrdup("{\"error\":\"invalid_grant\"}");
    }
    ep->issued++;
    return xasprintf("{\"access_token\":\"tok-%d\",\"expires_in\":%d,"
                     "\"token_type\":\"Bearer\"%s%s%s}", ep->issued, ep->ttl,
                     ep->rotate ? ",\"refresh_token\":\"" : "",
                     ep->rotate ? ep->rotate : "", ep->rotate ? "\"" : "");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **req)
{
    struct endpoint *ep = cls;
    struct body *b = *req;
    struct MHD_Response *resp;
    enum MHD_Result ret;
    unsigned status;
    char *text;

    (void)url, (void)method, (void)version;
    if (!b) {
        b = xcalloc(1, sizeof(*b));
        sbuf_init(&b->sb, 1 << 20);
        *req = b;
        return MHD_YES;
    }
    if (*upload_size) {
        sbuf_add(&b->sb, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&ep->lock);
    ep->requests++;
    text = answer(ep, b->sb.buf ? b->sb.buf : "", &status);
    pthread_mutex_unlock(&ep->lock);
    resp = MHD_create_response_from_buffer(strlen(text), text,
                                           MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void on_done(void *cls, struct MHD_Connection *conn, void **req,
                    enum MHD_RequestTerminationCode toe)
{
    struct body *b = *req;

    (void)cls, (void)conn, (void)toe;
    if (b)
        sbuf_release(&b->sb);
    free(b);
    *req = NULL;
}

static void endpoint_start(struct endpoint *ep, const char *pub, int ttl)
{
    struct sockaddr_in sin;
    const union MHD_DaemonInfo *info;

    memset(ep, 0, sizeof(*ep));
    pthread_mutex_init(&ep->lock, NULL);
    ep->pub = pub;
    ep->ttl = ttl;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ep->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
                             on_request, ep, MHD_OPTION_SOCK_ADDR, &sin,
                             MHD_OPTION_NOTIFY_COMPLETED, on_done, ep,
                             MHD_OPTION_END);
    CHECK(ep->d != NULL);
    info = MHD_get_daemon_info(ep->d, MHD_DAEMON_INFO_BIND_PORT);
    CHECK(info && info->port);
    ep->port = info->port;
}

static void endpoint_stop(struct endpoint *ep)
{
    MHD_stop_daemon(ep->d);
    pthread_mutex_destroy(&ep->lock);
}

/* Writes a key file in the case's scratch folder; returns its path. */
static char *write_key(json_t *key)
{
    char *path = xasprintf("%s/key.json", harness_tmpdir());

    CHECK(json_dump_file(key, path, 0) == 0);
    return path;
}

static char *service_file(const struct endpoint *ep, const char *priv)
{
    char uri[64];
    json_t *k;
    char *path;

    snprintf(uri, sizeof(uri), "http://127.0.0.1:%d/token", ep->port);
    k = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type",
                  "service_account", "project_id", "p-1", "private_key_id",
                  "kid-1", "private_key", priv, "client_email", EMAIL,
                  "token_uri", uri);
    path = write_key(k);
    json_decref(k);
    return path;
}

static struct gauth *load(const char *path)
{
    struct gauth *g = NULL;
    struct kv_err err;

    kv_err_clear(&err);
    if (gauth_load(path, &g, &err))
        harness_fail(__FILE__, __LINE__, "gauth_load: %s", err.msg);
    return g;
}

static const char *token(struct gauth *g, bool force)
{
    const char *tok = NULL;
    struct kv_err err;

    kv_err_clear(&err);
    if (gauth_token(g, force, &tok, &err))
        harness_fail(__FILE__, __LINE__, "gauth_token: %s", err.msg);
    return tok;
}

static void test_gauth_service_token_cached(void)
{
    struct endpoint ep;
    char *priv, *pub, *path;
    struct gauth *g;

    make_key(&priv, &pub);
    endpoint_start(&ep, pub, 3600);
    path = service_file(&ep, priv);
    g = load(path);
    CHECK_STR(gauth_project(g), "p-1");
    CHECK_STR(token(g, false), "tok-1");
    CHECK_STR(token(g, false), "tok-1");
    CHECK_INT(gauth_fetches(g), 1);
    CHECK_STR(ep.why, "");
    /* after a 401 the caller forces a new one */
    CHECK_STR(token(g, true), "tok-2");
    CHECK_INT(gauth_fetches(g), 2);
    gauth_free(g);
    endpoint_stop(&ep);
    free(path);
    free(priv);
    free(pub);
}

/* A 4 s token is refreshed once within a quarter of its life of expiry. */
static void test_gauth_refresh_before_expiry(void)
{
    struct endpoint ep;
    char *priv, *pub, *path;
    struct gauth *g;

    make_key(&priv, &pub);
    endpoint_start(&ep, pub, 4);
    path = service_file(&ep, priv);
    g = load(path);
    CHECK_STR(token(g, false), "tok-1");
    CHECK_STR(token(g, false), "tok-1");
    /* 3 s later it has 1 s left, which is the margin: fetch again */
    kv_sleep_ms(3100);
    CHECK_STR(token(g, false), "tok-2");
    CHECK_INT(ep.requests, 2);
    gauth_free(g);
    endpoint_stop(&ep);
    free(path);
    free(priv);
    free(pub);
}

static void test_gauth_retries_5xx(void)
{
    struct endpoint ep;
    char *priv, *pub, *path;
    struct gauth *g;

    make_key(&priv, &pub);
    endpoint_start(&ep, pub, 3600);
    ep.fail_first = 2;
    path = service_file(&ep, priv);
    g = load(path);
    CHECK_STR(token(g, false), "tok-1");
    CHECK_INT(ep.requests, 3);
    gauth_free(g);
    endpoint_stop(&ep);
    free(path);
    free(priv);
    free(pub);
}

/* A refusal is KV_EAUTH, and an echoed secret is redacted from it. */
static void test_gauth_refused_is_auth_and_redacted(void)
{
    struct endpoint ep;
    json_t *k = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type",
                          "authorized_user", "client_id", "cid",
                          "client_secret", SECRET, "refresh_token", REFRESH,
                          "token_uri", "");
    char uri[64];
    char *path;
    struct gauth *g;
    const char *tok = NULL;
    struct kv_err err;

    endpoint_start(&ep, NULL, 3600);
    ep.refuse = "bad refresh token " REFRESH;
    snprintf(uri, sizeof(uri), "http://127.0.0.1:%d/token", ep.port);
    json_object_set_new(k, "token_uri", json_string(uri));
    path = write_key(k);
    g = load(path);
    kv_err_clear(&err);
    CHECK_INT(gauth_token(g, false, &tok, &err), KV_EAUTH);
    CHECK(tok == NULL);
    CHECK(strstr(err.msg, "invalid_grant"));
    CHECK(!strstr(err.msg, REFRESH));
    gauth_free(g);
    endpoint_stop(&ep);
    json_decref(k);
    free(path);
}

static void test_gauth_authorized_user_rotates(void)
{
    struct endpoint ep;
    json_t *k = json_pack("{s:s, s:s, s:s, s:s}", "type", "authorized_user",
                          "client_id", "cid", "client_secret", SECRET,
                          "refresh_token", REFRESH);
    char uri[64];
    char *path;
    struct gauth *g;

    endpoint_start(&ep, NULL, 3600);
    ep.rotate = "1//ROTATED";
    snprintf(uri, sizeof(uri), "http://127.0.0.1:%d/token", ep.port);
    json_object_set_new(k, "token_uri", json_string(uri));
    path = write_key(k);
    g = load(path);
    CHECK(gauth_project(g) == NULL);
    CHECK_STR(token(g, false), "tok-1");
    CHECK_STR(ep.last_refresh, REFRESH);
    CHECK_STR(token(g, true), "tok-2");
    CHECK_STR(ep.last_refresh, "1//ROTATED");
    CHECK_STR(ep.why, "");
    /* every secret it handled is registered for redaction */
    {
        char *red = klog_redact(SECRET " " REFRESH " tok-2 1//ROTATED");

        CHECK(!strstr(red, SECRET) && !strstr(red, REFRESH) &&
              !strstr(red, "tok-2") && !strstr(red, "ROTATED"));
        free(red);
    }
    gauth_free(g);
    endpoint_stop(&ep);
    json_decref(k);
    free(path);
}

static void test_gauth_environment_fallback(void)
{
    struct endpoint ep;
    char *priv, *pub, *path;
    struct gauth *g = NULL;
    struct kv_err err;

    make_key(&priv, &pub);
    endpoint_start(&ep, pub, 3600);
    path = service_file(&ep, priv);
    kv_err_clear(&err);
    unsetenv("GOOGLE_APPLICATION_CREDENTIALS");
    CHECK_INT(gauth_load(NULL, &g, &err), KV_EUSAGE);
    CHECK(strstr(err.msg, "GOOGLE_APPLICATION_CREDENTIALS"));
    setenv("GOOGLE_APPLICATION_CREDENTIALS", path, 1);
    g = load(NULL);
    CHECK_STR(token(g, false), "tok-1");
    gauth_free(g);
    endpoint_stop(&ep);
    free(path);
    free(priv);
    free(pub);
}

static void test_gauth_bad_files(void)
{
    static const char *const bad[] = {
        "not json", "{\"type\": \"external_account\"}",
        "{\"type\": \"service_account\", \"client_email\": \"x\"}",
        "{\"type\": \"authorized_user\", \"client_id\": \"x\"}",
    };
    char *path = xasprintf("%s/bad.json", harness_tmpdir());
    struct gauth *g = NULL;
    struct kv_err err;

    for (size_t i = 0; i < KV_ARRAY_LEN(bad); i++) {
        FILE *f = fopen(path, "w");

        CHECK(f);
        fputs(bad[i], f);
        fclose(f);
        kv_err_clear(&err);
        CHECK_INT(gauth_load(path, &g, &err), KV_EUSAGE);
        CHECK(g == NULL);
    }
    free(path);
}

int main(int argc, char **argv)
{
    static const struct harness_case cases[] = {
        HARNESS_CASE(test_gauth_b64url),
        HARNESS_CASE(test_gauth_jwt_sign_verify),
        HARNESS_CASE(test_gauth_jwt_bad_key),
        HARNESS_CASE(test_gauth_service_token_cached),
        HARNESS_CASE(test_gauth_refresh_before_expiry),
        HARNESS_CASE(test_gauth_retries_5xx),
        HARNESS_CASE(test_gauth_refused_is_auth_and_redacted),
        HARNESS_CASE(test_gauth_authorized_user_rotates),
        HARNESS_CASE(test_gauth_environment_fallback),
        HARNESS_CASE(test_gauth_bad_files),
    };

    return harness_main(argc, argv, cases, KV_ARRAY_LEN(cases));
}
