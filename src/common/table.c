/*
 * table.c - column types, schemas and rows.
 */
#include "common/kv.h"
#include "common/table.h"
#include "common/mem.h"
#include "common/util.h"

#include <ctype.h>

#include <openssl/evp.h>
#include <pthread.h>

static const char *const type_names[] = {
    "INT64", "FLOAT64", "BOOL", "STRING", "TIMESTAMP", "JSON",
};

static const char *const mode_names[] = {"incremental", "full-refresh"};

const char *table_type_name(enum table_type t)
{
    return type_names[t];
}

bool table_type_parse(const char *name, enum table_type *out)
{
    for (size_t i = 0; i < KV_ARRAY_LEN(type_names); i++) {
        if (!strcmp(name, type_names[i])) {
            *out = (enum table_type)i;
            return true;
        }
    }
    return false;
}

const char *table_mode_name(enum table_mode m)
{
    return mode_names[m];
}

bool table_mode_parse(const char *name, enum table_mode *out)
{
    for (size_t i = 0; i < KV_ARRAY_LEN(mode_names); i++) {
        if (!strcmp(name, mode_names[i])) {
            *out = (enum table_mode)i;
            return true;
        }
    }
    return false;
}

void table_schema_add(struct table_schema *s, const char *name,
                      enum table_type type)
{
    s->cols = xrealloc(s->cols, sizeof(*s->cols) * (size_t)(s->ncols + 1));
    s->cols[s->ncols].name = xstrdup(name);
    s->cols[s->ncols].type = type;
    s->cols[s->ncols].source_type = type;
    s->cols[s->ncols].flags = 0;
    s->ncols++;
}

int table_schema_find(const struct table_schema *s, const char *name)
{
    for (int i = 0; i < s->ncols; i++)
        if (!strcmp(s->cols[i].name, name))
            return i;
    return -1;
}

void table_schema_release(struct table_schema *s)
{
    for (int i = 0; i < s->ncols; i++)
        free(s->cols[i].name);
    free(s->cols);
    free(s->name);
    memset(s, 0, sizeof(*s));
}

void table_cell_clear(struct table_cell *c)
{
    if (!c->borrowed)
        free(c->text);
    memset(c, 0, sizeof(*c));
}

void table_row_release(struct table_row *row)
{
    for (int i = 0; i < row->ncells; i++)
        table_cell_clear(&row->cells[i]);
    free(row->cells);
    free(row->key);
    memset(row, 0, sizeof(*row));
}

/*
 * The bytes a row's hash is taken over go through this buffer, so that
 * the digest sees a few large updates rather than three per cell (the
 * call overhead, not the hashing, was the cost).  The byte stream is the
 * same as unbuffered: stored hashes stay valid.
 */
#define FEED_DIRECT 256

struct hash_feed {
    EVP_MD_CTX *md;
    size_t len;
    unsigned char buf[2048];
};

static void feed_flush(struct hash_feed *f)
{
    if (f->len)
        EVP_DigestUpdate(f->md, f->buf, f->len);
    f->len = 0;
}

/*
 * One length-prefixed piece (so that no two different rows feed the same
 * bytes): tag, 64-bit length, bytes.  The fixed-size copies compile to
 * plain stores; a long text goes to the digest as it is.
 */
static void hash_bytes(struct hash_feed *f, char tag, const void *p,
                       size_t n)
{
    uint64_t len = n;
    bool direct = n >= FEED_DIRECT;

    if (f->len + 1 + sizeof(len) + (direct ? 0 : n) > sizeof(f->buf))
        feed_flush(f);
    f->buf[f->len] = (unsigned char)tag;
    memcpy(f->buf + f->len + 1, &len, sizeof(len));
    f->len += 1 + sizeof(len);
    if (direct) {
        feed_flush(f);
        EVP_DigestUpdate(f->md, p, n);
    } else if (n) {
        memcpy(f->buf + f->len, p, n);
        f->len += n;
    }
}

static EVP_MD *sha256_md;

static void fetch_sha256(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/*
 * SHA-256 looked up once: naming it per row (EVP_sha256()) makes OpenSSL
 * 3 search its providers every time.  Kept for the process's life.
 */
static const EVP_MD *sha256(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;

    pthread_once(&once, fetch_sha256);
    return sha256_md ? sha256_md : EVP_sha256();
}

void table_row_hash(const struct table_schema *s, struct table_row *row)
{
    struct hash_feed f = {.md = EVP_MD_CTX_new()};
    unsigned int n = 0;

    EVP_DigestInit_ex(f.md, sha256(), NULL);
    for (int i = 0; i < row->ncells && i < s->ncols; i++) {
        const struct table_cell *c = &row->cells[i];

        hash_bytes(&f, 'c', s->cols[i].name, strlen(s->cols[i].name));
        hash_bytes(&f, 't', &s->cols[i].type, sizeof(s->cols[i].type));
        if (c->kind == CELL_INT)
            hash_bytes(&f, 'i', &c->i, sizeof(c->i));
        else if (c->kind == CELL_REAL)
            hash_bytes(&f, 'r', &c->r, sizeof(c->r));
        else if (c->kind == CELL_TEXT)
            hash_bytes(&f, 's', c->text, c->len);
        else
            hash_bytes(&f, 'n', "", 0);
    }
    feed_flush(&f);
    EVP_DigestFinal_ex(f.md, row->hash, &n);
    EVP_MD_CTX_free(f.md);
}

/* "CAMPAIGN_ID:ID": the form a key of s takes, for messages. */
static void key_form(const struct table_schema *s, struct sbuf *sb)
{
    for (int i = 0; i < s->nkey; i++) {
        if (i)
            sbuf_add(sb, ":", 1);
        for (const char *p = s->cols[i].name; *p; p++) {
            char c = (char)toupper((unsigned char)*p);

            sbuf_add(sb, &c, 1);
        }
    }
}

/* Parses "12" or "12:301" into s->nkey integers. */
int table_key_parse(const struct table_schema *s, const char *key,
                     int64_t *vals, struct kv_err *err)
{
    char *copy = xstrdup(key);
    char *p = copy;
    int n = 0;
    int rc = KV_OK;
    struct sbuf form;

    while (p && n < s->nkey) {
        char *colon = strchr(p, ':');

        if (colon)
            *colon = '\0';
        if (!kv_parse_int64(p, &vals[n++]))
            break;
        p = colon ? colon + 1 : NULL;
    }
    if (p || n != s->nkey) {
        sbuf_init(&form, 0);
        key_form(s, &form);
        rc = kv_err_set(err, KV_EUSAGE, "malformed key '%s' for table '%s' "
                        "(expected %s)", key, s->name, form.buf);
        sbuf_release(&form);
    }
    free(copy);
    return rc;
}
