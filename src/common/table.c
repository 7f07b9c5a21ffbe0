/*
 * table.c - column types, schemas and rows.
 */
#include "common/kv.h"
#include "common/table.h"
#include "common/mem.h"
#include "common/util.h"

#include <ctype.h>

#include <openssl/evp.h>

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

void table_row_release(struct table_row *row)
{
    for (int i = 0; i < row->ncells; i++)
        free(row->cells[i].text);
    free(row->cells);
    free(row->key);
    memset(row, 0, sizeof(*row));
}

/* Length-prefixed so that no two different rows feed the same bytes. */
static void hash_bytes(EVP_MD_CTX *md, char tag, const void *p, size_t n)
{
    uint64_t len = n;

    EVP_DigestUpdate(md, &tag, 1);
    EVP_DigestUpdate(md, &len, sizeof(len));
    EVP_DigestUpdate(md, p, n);
}

void table_row_hash(const struct table_schema *s, struct table_row *row)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int n = 0;

    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    for (int i = 0; i < row->ncells && i < s->ncols; i++) {
        const struct table_cell *c = &row->cells[i];

        hash_bytes(md, 'c', s->cols[i].name, strlen(s->cols[i].name));
        hash_bytes(md, 't', &s->cols[i].type, sizeof(s->cols[i].type));
        if (c->kind == CELL_INT)
            hash_bytes(md, 'i', &c->i, sizeof(c->i));
        else if (c->kind == CELL_REAL)
            hash_bytes(md, 'r', &c->r, sizeof(c->r));
        else if (c->kind == CELL_TEXT)
            hash_bytes(md, 's', c->text, c->len);
        else
            hash_bytes(md, 'n', "", 0);
    }
    EVP_DigestFinal_ex(md, row->hash, &n);
    EVP_MD_CTX_free(md);
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
