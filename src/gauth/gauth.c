/*
 * gauth.c - credentials files and the access-token cache: a service
 * account signs a JWT and trades it at its token_uri; an authorized_user
 * trades its refresh token.  Tokens are fetched with libcurl.
 */
#include "common/kv.h"
#include "gauth/gauth.h"
#include "common/log.h"
#include "common/util.h"

#include <curl/curl.h>

#define KEY_FILE_MAX (64 * 1024)
#define TOKEN_BODY_MAX (64 * 1024)
#define TOKEN_ATTEMPTS 3
#define JWT_GRANT "urn:ietf:params:oauth:grant-type:jwt-bearer"

struct gauth {
    bool service;        /* service_account, else authorized_user */
    char *project;       /* owned, or NULL */
    char *client_email;  /* owned */
    char *key_id;        /* owned */
    char *private_key;   /* owned, secret */
    char *client_id;     /* owned */
    char *client_secret; /* owned, secret */
    char *refresh_token; /* owned, secret */
    char *token_uri;     /* owned */
    char *token;         /* owned, secret: the cached access token */
    int64_t expires_at;  /* wall clock, seconds */
    int64_t lifetime;    /* seconds the cached token was granted for */
    int fetches;
};

static char *dup_field(json_t *o, const char *name)
{
    const char *s = json_string_value(json_object_get(o, name));

    return s ? xstrdup(s) : NULL;
}

/* Every line of the PEM too: a single line must not leak either. */
static void register_pem(const char *pem)
{
    char *copy = xstrdup(pem);
    char *save = NULL;

    klog_add_secret(pem);
    for (char *l = strtok_r(copy, "\n", &save); l;
         l = strtok_r(NULL, "\n", &save))
        if (strlen(l) >= 16 && strncmp(l, "-----", 5))
            klog_add_secret(l);
    free(copy);
}

static int load_service(struct gauth *g, json_t *o, struct kv_err *err)
{
    g->service = true;
    g->private_key = dup_field(o, "private_key");
    g->client_email = dup_field(o, "client_email");
    g->key_id = dup_field(o, "private_key_id");
    g->project = dup_field(o, "project_id");
    g->token_uri = dup_field(o, "token_uri");
    if (g->private_key)
        register_pem(g->private_key);
    if (!g->private_key || !g->client_email)
        return kv_err_set(err, KV_EUSAGE, "service-account key lacks "
                          "'private_key' or 'client_email'");
    return KV_OK;
}

static int load_user(struct gauth *g, json_t *o, struct kv_err *err)
{
    g->client_id = dup_field(o, "client_id");
    g->client_secret = dup_field(o, "client_secret");
    g->refresh_token = dup_field(o, "refresh_token");
    g->project = dup_field(o, "quota_project_id");
    g->token_uri = dup_field(o, "token_uri");
    if (g->client_secret)
        klog_add_secret(g->client_secret);
    if (g->refresh_token)
        klog_add_secret(g->refresh_token);
    if (!g->client_id || !g->client_secret || !g->refresh_token)
        return kv_err_set(err, KV_EUSAGE, "authorized_user file lacks "
                          "'client_id', 'client_secret' or "
                          "'refresh_token'");
    return KV_OK;
}

static int parse_key(struct gauth *g, const char *text, struct kv_err *err)
{
    json_t *o = json_loads(text, 0, NULL);
    const char *type = json_string_value(json_object_get(o, "type"));
    int rc;

    if (!type)
        rc = kv_err_set(err, KV_EUSAGE, "not a Google credentials file "
                        "(no 'type')");
    else if (!strcmp(type, "service_account"))
        rc = load_service(g, o, err);
    else if (!strcmp(type, "authorized_user"))
        rc = load_user(g, o, err);
    else
        rc = kv_err_set(err, KV_EUSAGE, "credentials type '%s' is not "
                        "supported (service_account, authorized_user)",
                        type);
    if (!rc && !g->token_uri)
        g->token_uri = xstrdup(GAUTH_TOKEN_URL);
    json_decref(o);
    return rc;
}

int gauth_load(const char *path, struct gauth **out, struct kv_err *err)
{
    struct gauth *g = xcalloc(1, sizeof(*g));
    char *text = NULL;
    int rc;

    *out = NULL;
    if (!path || !*path)
        path = getenv("GOOGLE_APPLICATION_CREDENTIALS");
    if (!path || !*path) {
        rc = kv_err_set(err, KV_EUSAGE, "no credentials: give "
                        "--credentials or set "
                        "GOOGLE_APPLICATION_CREDENTIALS");
        goto out;
    }
    rc = kv_read_file(path, KEY_FILE_MAX, &text, NULL, err);
    if (!rc)
        rc = parse_key(g, text, err);
    if (rc)
        kv_err_prefix(err, "cannot use credentials '%s'", path);
out:
    if (text)
        memset(text, 0, strlen(text));
    free(text);
    if (rc)
        gauth_free(g);
    else
        *out = g;
    return rc;
}

static void wipe(char *s)
{
    if (s)
        memset(s, 0, strlen(s));
    free(s);
}

void gauth_free(struct gauth *g)
{
    if (!g)
        return;
    wipe(g->private_key);
    wipe(g->client_secret);
    wipe(g->refresh_token);
    wipe(g->token);
    free(g->project);
    free(g->client_email);
    free(g->key_id);
    free(g->client_id);
    free(g->token_uri);
    free(g);
}

const char *gauth_project(const struct gauth *g)
{
    return g->project;
}

int gauth_fetches(const struct gauth *g)
{
    return g->fetches;
}

/* Form field: name=urlencoded(value). */
static void add_form(struct sbuf *sb, CURL *c, const char *name,
                     const char *value)
{
    char *enc = curl_easy_escape(c, value, 0);

    sbuf_addf(sb, "%s%s=%s", sb->len ? "&" : "", name, enc ? enc : "");
    curl_free(enc);
}

static int service_form(struct gauth *g, CURL *c, struct sbuf *form,
                        struct kv_err *err)
{
    /* back-dated 10 s, as golang.org/x/oauth2 does, for clock skew */
    int64_t iat = kv_now_epoch() - 10;
    json_t *claims = json_pack("{s:s, s:s, s:s, s:I, s:I}", "iss",
                               g->client_email, "scope", GAUTH_SCOPE,
                               "aud", g->token_uri, "iat", (json_int_t)iat,
                               "exp", (json_int_t)(iat + 3600));
    char *jwt = NULL;
    int rc = gauth_jwt_sign(g->private_key, g->key_id, claims, &jwt, err);

    if (!rc) {
        klog_add_secret(jwt);
        add_form(form, c, "grant_type", JWT_GRANT);
        add_form(form, c, "assertion", jwt);
    }
    wipe(jwt);
    json_decref(claims);
    return rc;
}

static void user_form(struct gauth *g, CURL *c, struct sbuf *form)
{
    add_form(form, c, "grant_type", "refresh_token");
    add_form(form, c, "client_id", g->client_id);
    add_form(form, c, "client_secret", g->client_secret);
    add_form(form, c, "refresh_token", g->refresh_token);
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    struct sbuf *sb = ctx;

    return sbuf_add(sb, p, size * n) ? 0 : size * n;
}

static int post_form(CURL *c, const char *url, struct sbuf *form,
                     struct sbuf *body, long *status)
{
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: "
                                             "application/x-www-form-"
                                             "urlencoded");
    CURLcode cc;

    sbuf_reset(body);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, form->buf);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)form->len);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(h);
    return cc == CURLE_OK ? KV_OK : KV_EFAIL;
}

/* Takes access_token and expires_in from a 200 reply. */
static int take_token(struct gauth *g, const struct sbuf *body,
                      struct kv_err *err)
{
    json_t *o = json_loadb(body->buf ? body->buf : "", body->len, 0, NULL);
    const char *tok = json_string_value(json_object_get(o, "access_token"));
    json_int_t ttl = json_integer_value(json_object_get(o, "expires_in"));
    const char *rt = json_string_value(json_object_get(o, "refresh_token"));
    int rc = KV_OK;

    if (!tok || !*tok) {
        rc = kv_err_set(err, KV_EMALFORMED, "token reply has no "
                        "access_token");
        goto out;
    }
    klog_add_secret(tok);
    wipe(g->token);
    g->token = xstrdup(tok);
    g->lifetime = ttl > 0 ? ttl : 3600;
    g->expires_at = kv_now_epoch() + g->lifetime;
    g->fetches++;
    if (rt && !g->service) {
        klog_add_secret(rt);
        wipe(g->refresh_token);
        g->refresh_token = xstrdup(rt);
    }
out:
    json_decref(o);
    return rc;
}

/* OAuth errors: {"error":"invalid_grant","error_description":"..."}. */
static int refused(const struct sbuf *body, long status, struct kv_err *err)
{
    json_t *o = json_loadb(body->buf ? body->buf : "", body->len, 0, NULL);
    const char *e = json_string_value(json_object_get(o, "error"));
    const char *d = json_string_value(json_object_get(o,
                                      "error_description"));
    char *clean = klog_redact(d ? d : "");
    int rc;

    rc = kv_err_set(err, KV_EAUTH, "the token endpoint refused the "
                    "credentials (HTTP %ld %s%s%s)", status, e ? e : "",
                    *clean ? ": " : "", clean);
    free(clean);
    json_decref(o);
    return rc;
}

static int fetch(struct gauth *g, struct kv_err *err)
{
    CURL *c = curl_easy_init();
    struct sbuf form, body;
    long status = 0;
    int rc = KV_EFAIL;

    sbuf_init(&form, 0);
    sbuf_init(&body, TOKEN_BODY_MAX);
    if (!c)
        return kv_err_set(err, KV_EFAIL, "cannot start libcurl");
    for (int i = 0; i < TOKEN_ATTEMPTS && rc == KV_EFAIL; i++) {
        if (i)
            kv_sleep_ms(200 << i);
        sbuf_reset(&form);
        rc = g->service ? service_form(g, c, &form, err) : KV_OK;
        if (rc)
            break;
        if (!g->service)
            user_form(g, c, &form);
        rc = post_form(c, g->token_uri, &form, &body, &status);
        if (!rc && status >= 500)
            rc = KV_EFAIL;
    }
    if (rc == KV_EFAIL)
        rc = kv_err_set(err, KV_EFAIL, "cannot reach the token endpoint "
                        "(HTTP %ld)", status);
    else if (!rc && status != 200)
        rc = refused(&body, status, err);
    else if (!rc)
        rc = take_token(g, &body, err);
    if (rc)
        kv_err_where(err, "%s", g->token_uri);
    if (form.buf)
        memset(form.buf, 0, form.len);
    sbuf_release(&form);
    sbuf_release(&body);
    curl_easy_cleanup(c);
    return rc;
}

static bool fresh(const struct gauth *g)
{
    int64_t margin = GAUTH_REFRESH_S;

    if (g->lifetime / 4 < margin)
        margin = g->lifetime / 4;
    return g->token && kv_now_epoch() + margin < g->expires_at;
}

int gauth_token(struct gauth *g, bool force, const char **token,
                struct kv_err *err)
{
    int rc = KV_OK;

    if (force || !fresh(g))
        rc = fetch(g, err);
    *token = rc ? NULL : g->token;
    return rc;
}
