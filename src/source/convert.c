/*
 * convert.c - one Customer.io record to one typed row: the key, a cell per
 * selected column, and the hash that change detection compares.  Values
 * that do not fit are stored NULL and reported by type, never by content.
 */
#include "common/kv.h"
#include "source/convert.h"
#include "common/mem.h"
#include "common/util.h"

#include <ctype.h>
#include <json-c/json.h>
#include <math.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

/* 2^63: the first double past INT64_MAX, exactly representable. */
#define INT64_LIMIT 9223372036854775808.0

/*
 * The JSON type of v, for messages that must not show the value.  json-c
 * reads JSON null as a NULL pointer, whose type is json_type_null.
 */
static const char *json_kind(struct json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_object:
        return "object";
    case json_type_array:
        return "array";
    case json_type_string:
        return "string";
    case json_type_int:
        return "integer";
    case json_type_double:
        return "real";
    case json_type_boolean:
        return "boolean";
    default:
        return "null";
    }
}

static bool is_type(struct json_object *v, enum json_type t)
{
    return json_object_is_type(v, t);
}

/*
 * json-c reads an integer below -2^63 as -2^63 and one above 2^64-1 as
 * 2^64-1 (it keeps 2^63 .. 2^64-1 as unsigned), without a word.  Such a
 * clamped value is reported, never stored: -2^63 and 2^64-1 themselves
 * are refused with them.
 */
static bool integer_clamped(struct json_object *v)
{
    return json_object_get_int64(v) == INT64_MIN ||
           json_object_get_uint64(v) == UINT64_MAX;
}

static const char *integer_to_int64(struct json_object *v, int64_t *out)
{
    int64_t i = json_object_get_int64(v);

    if (integer_clamped(v) ||
        (i == INT64_MAX && json_object_get_uint64(v) != (uint64_t)INT64_MAX))
        return "integer out of range";
    *out = i;
    return NULL;
}

/*
 * The converters below return NULL on success, else what was found
 * instead ("string", "real with a fraction"), for "expected T, got X".
 */
static const char *real_to_int64(double r, int64_t *out)
{
    if (!isfinite(r))
        return "real out of range";
    if (r != floor(r))
        return "real with a fraction";
    if (r < -INT64_LIMIT || r >= INT64_LIMIT)
        return "real out of range";
    *out = (int64_t)r;
    return NULL;
}

/* Action ids arrive as "25": digits with an optional '-', nothing else. */
static const char *digits_to_int64(const char *s, size_t len, int64_t *out)
{
    size_t i = (len && s[0] == '-') ? 1 : 0;

    if (i == len)
        return "string";
    for (; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return "string";
    if (!kv_parse_int64(s, out))
        return "string out of range";
    return NULL;
}

const char *convert_int64(struct json_object *v, int64_t *out)
{
    if (is_type(v, json_type_int))
        return integer_to_int64(v, out);
    if (is_type(v, json_type_double))
        return real_to_int64(json_object_get_double(v), out);
    if (is_type(v, json_type_string))
        return digits_to_int64(json_object_get_string(v),
                               (size_t)json_object_get_string_len(v), out);
    return json_kind(v);
}

static void cell_set_text(struct table_cell *c, const char *s, size_t len)
{
    c->kind = CELL_TEXT;
    c->text = xstrndup(s, len);
    c->len = len;
}

static const char *cell_int64(struct json_object *v, struct table_cell *c)
{
    const char *got = convert_int64(v, &c->i);

    if (!got)
        c->kind = CELL_INT;
    return got;
}

/* Unix seconds only: a string is not parsed, it is reported. */
static const char *cell_timestamp(struct json_object *v, const char *column,
                                  struct table_cell *c)
{
    char text[32];
    int64_t epoch;
    const char *got;

    if (is_type(v, json_type_string))
        return "string";
    got = convert_int64(v, &epoch);
    if (got)
        return got;
    /* Customer.io's "never started" (PRODUCT.md) */
    if (epoch == 0 && !strcmp(column, "first_started"))
        return NULL;
    if (!kv_format_utc(epoch, text))
        return "time outside years 1-9999";
    cell_set_text(c, text, strlen(text));
    return NULL;
}

static const char *cell_bool(struct json_object *v, struct table_cell *c)
{
    if (!is_type(v, json_type_boolean))
        return json_kind(v);
    c->kind = CELL_INT;
    c->i = json_object_get_boolean(v) ? 1 : 0;
    return NULL;
}

static const char *cell_string(struct json_object *v, struct table_cell *c)
{
    const char *text;
    size_t len;

    if (!is_type(v, json_type_string))
        return json_kind(v);
    text = json_object_get_string(v);
    len = (size_t)json_object_get_string_len(v);
    /* "\u0000": some destinations would cut the text there, some not */
    if (memchr(text, '\0', len))
        return "string with a NUL character";
    /* the page outlives the row: no copy (a hashed cell replaces it) */
    c->kind = CELL_TEXT;
    c->text = (char *)text;
    c->len = len;
    c->borrowed = true;
    return NULL;
}

static const char *cell_float64(struct json_object *v, struct table_cell *c)
{
    double r;

    if (!is_type(v, json_type_int) && !is_type(v, json_type_double))
        return json_kind(v);
    if (is_type(v, json_type_int) && integer_clamped(v))
        return "integer out of range";
    r = json_object_get_double(v);
    if (!isfinite(r))
        return "real out of range";
    c->kind = CELL_REAL;
    c->r = r;
    return NULL;
}

/* JSON number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool is_json_number(const char *s)
{
    s += *s == '-';
    if (*s == '0')
        s++;
    else if (isdigit((unsigned char)*s))
        while (isdigit((unsigned char)*s))
            s++;
    else
        return false;
    if (*s == '.') {
        if (!isdigit((unsigned char)*++s))
            return false;
        while (isdigit((unsigned char)*s))
            s++;
    }
    if (*s == 'e' || *s == 'E') {
        s += s[1] == '+' || s[1] == '-';
        if (!isdigit((unsigned char)*++s))
            return false;
        while (isdigit((unsigned char)*s))
            s++;
    }
    return *s == '\0';
}

/*
 * What is wrong with a number inside a JSON value, or NULL.  json-c
 * accepts a few numbers JSON does not (NaN, Infinity, "1.") and writes a
 * real back as the text it read, which would make the cell invalid JSON;
 * a real past double's range would be refused by BigQuery; a clamped
 * integer is not what was sent.  Nesting is bounded by the parser's cap.
 */
static const char *number_problem(struct json_object *v)
{
    const char *got = NULL;
    size_t n;

    switch (json_object_get_type(v)) {
    case json_type_int:
        return integer_clamped(v) ? "integer out of range" : NULL;
    case json_type_double:
        if (!is_json_number(json_object_get_string(v)))
            return "number that is not JSON";
        return isfinite(json_object_get_double(v)) ? NULL
               : "real out of range";
    case json_type_array:
        n = json_object_array_length(v);
        for (size_t i = 0; i < n && !got; i++)
            got = number_problem(json_object_array_get_idx(v, i));
        return got;
    case json_type_object: {
        json_object_object_foreach(v, key, value) {
            (void)key;
            got = got ? got : number_problem(value);
        }
        return got;
    }
    default:
        return NULL;
    }
}

/*
 * Compact JSON text, kept by json-c inside v until the page is freed:
 * borrowed like a string cell.  Numbers with a fraction or an exponent
 * keep the text Customer.io sent.
 */
static const char *cell_json(struct json_object *v, struct table_cell *c)
{
    size_t len = 0;
    const char *got = number_problem(v);
    const char *text;

    if (got)
        return got;
    text = json_object_to_json_string_length(
        v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    if (!text)
        return "value that cannot be encoded";
    c->kind = CELL_TEXT;
    c->text = (char *)text;
    c->len = len;
    c->borrowed = true;
    return NULL;
}

/* Fills c from v (neither absent nor null) for a column of type t. */
static const char *convert_value(enum table_type t, const char *column,
                                 struct json_object *v, struct table_cell *c)
{
    switch (t) {
    case TABLE_INT64:
        return cell_int64(v, c);
    case TABLE_FLOAT64:
        return cell_float64(v, c);
    case TABLE_BOOL:
        return cell_bool(v, c);
    case TABLE_STRING:
        return cell_string(v, c);
    case TABLE_TIMESTAMP:
        return cell_timestamp(v, column, c);
    case TABLE_JSON:
        return cell_json(v, c);
    }
    return "value of an unknown column type";
}

static void report_issue(struct convert_report *rep, const char *key,
                         const char *column, enum table_type t,
                         const char *got)
{
    struct convert_issue *is;

    if (!rep)
        return;
    rep->bad_values++;
    if (rep->nexamples >= CONVERT_MAX_EXAMPLES)
        return;
    is = &rep->examples[rep->nexamples++];
    snprintf(is->key, sizeof(is->key), "%s", key);
    snprintf(is->column, sizeof(is->column), "%s", column);
    snprintf(is->reason, sizeof(is->reason), "expected %s, got %s",
             table_type_name(t), got);
}

/*
 * Replaces a converted value by the hex HMAC-SHA256 of its text under the
 * workspace's key: equal values still join, the raw value never lands.
 */
static void hash_cell(const struct table_schema *s, struct table_cell *c)
{
    unsigned char mac[32];
    unsigned int n = 0;
    char num[40];
    const char *text = num;
    size_t len;

    if (c->kind == CELL_INT)
        snprintf(num, sizeof(num), "%" PRId64, c->i);
    else if (c->kind == CELL_REAL)
        snprintf(num, sizeof(num), "%.17g", c->r);
    else
        text = c->text;
    len = c->kind == CELL_TEXT ? c->len : strlen(num);
    HMAC(EVP_sha256(), s->hmac_key, (int)s->hmac_key_len,
         (const unsigned char *)text, len, mac, &n);
    table_cell_clear(c);
    c->text = xmalloc(2 * sizeof(mac) + 1);
    for (unsigned int i = 0; i < n; i++)
        snprintf(c->text + 2 * i, 3, "%02x", mac[i]);
    c->len = 2 * n;
    c->kind = CELL_TEXT;
}

static bool is_campaign_id(const char *column, int64_t hint)
{
    return hint > 0 && !strcmp(column, "campaign_id");
}

/* Converts column i of s from rec into out->cells[i]; reports misfits. */
static void convert_column(const struct table_schema *s, int i,
                           struct json_object *rec, int64_t hint,
                           struct table_row *out, struct convert_report *rep)
{
    const struct table_column *col = &s->cols[i];
    struct table_cell *c = &out->cells[i];
    struct json_object *v = json_object_object_get(rec, col->name);
    const char *got;

    if (!v) {
        if (is_campaign_id(col->name, hint) && col->type == TABLE_INT64) {
            c->kind = CELL_INT;
            c->i = hint;
        }
        return;
    }
    got = convert_value(col->source_type, col->name, v, c);
    if (got) {
        table_cell_clear(c);
        report_issue(rep, out->key, col->name, col->source_type, got);
    } else if (col->flags & TABLE_COL_HASHED) {
        hash_cell(s, c);
    }
}

/* One key column's value: an integer, or the campaign the list was for. */
static int key_value(const char *column, struct json_object *v,
                     int64_t hint, int64_t *id, struct kv_err *err)
{
    const char *got;

    /* absent and null are both NULL in json-c */
    if (!v && is_campaign_id(column, hint)) {
        *id = hint;
        return KV_OK;
    }
    if (!v)
        return kv_err_set(err, KV_EMALFORMED, "record has no '%s'", column);
    got = convert_int64(v, id);
    if (got)
        return kv_err_set(err, KV_EMALFORMED, "record key '%s' is not an "
                          "integer (got %s)", column, got);
    if (is_campaign_id(column, hint) && *id != hint)
        return kv_err_set(err, KV_EMALFORMED, "record '%s' is %" PRId64
                          ", but it was listed under campaign %" PRId64,
                          column, *id, hint);
    return KV_OK;
}

/* Fills the key cells and out->key ("12", "12:301"). */
static int convert_key(const struct table_schema *s, struct json_object *rec,
                       int64_t hint, struct table_row *out,
                       struct kv_err *err)
{
    struct sbuf key;
    int rc = KV_OK;

    sbuf_init(&key, 0);
    for (int i = 0; i < s->nkey; i++) {
        struct table_cell *c = &out->cells[i];
        const char *name = s->cols[i].name;

        rc = key_value(name, json_object_object_get(rec, name), hint,
                       &c->i, err);
        if (rc)
            goto out;
        c->kind = CELL_INT;
        sbuf_addf(&key, "%s%" PRId64, i ? ":" : "", c->i);
    }
    out->key = sbuf_detach(&key, NULL);
out:
    sbuf_release(&key);
    return rc;
}

int convert_record(const struct table_schema *s, struct json_object *rec,
                   int64_t campaign_id, struct table_row *out,
                   struct convert_report *rep, struct kv_err *err)
{
    int rc = KV_OK;

    table_row_release(out);
    if (!is_type(rec, json_type_object)) {
        rc = kv_err_set(err, KV_EMALFORMED, "record is %s, not an object",
                        rec ? json_kind(rec) : "missing");
        goto out;
    }
    if (s->nkey < 1 || s->nkey > s->ncols) {
        rc = kv_err_set(err, KV_EUSAGE, "table '%s' has no key columns",
                        s->name);
        goto out;
    }
    out->cells = xcalloc((size_t)s->ncols, sizeof(*out->cells));
    out->ncells = s->ncols;
    rc = convert_key(s, rec, campaign_id, out, err);
    if (rc)
        goto out;
    for (int i = s->nkey; i < s->ncols; i++)
        convert_column(s, i, rec, campaign_id, out, rep);
    table_row_hash(s, out);
out:
    if (rc)
        table_row_release(out);
    return rc;
}

bool convert_infer_type(struct json_object *value, enum table_type *out)
{
    switch (json_object_get_type(value)) {
    case json_type_int:
        *out = TABLE_INT64;
        return true;
    case json_type_double:
        *out = TABLE_FLOAT64;
        return true;
    case json_type_boolean:
        *out = TABLE_BOOL;
        return true;
    case json_type_string:
        *out = TABLE_STRING;
        return true;
    case json_type_object:
    case json_type_array:
        *out = TABLE_JSON;
        return true;
    default:
        return false;
    }
}
