/*
 * fbq_disc.c - request bodies checked against Google's discovery
 * document: every field must be one the schema defines, with the JSON
 * type it declares, and the enumerated values BigQuery documents.  Real
 * BigQuery ignores unknown fields, so a misspelt field of ours would go
 * unnoticed there; here it is a 400.
 */
#include "common/kv.h"
#include "fakebq/fbq.h"

#define MAX_DEPTH 24

struct enum_rule {
    const char *field;
    const char *values[16];
};

/* Values the discovery document lists only in prose. */
static const struct enum_rule enums[] = {
    {"sourceFormat", {"CSV", "NEWLINE_DELIMITED_JSON", "AVRO",
                      "DATASTORE_BACKUP", "PARQUET", "ORC", NULL}},
    {"writeDisposition", {"WRITE_TRUNCATE", "WRITE_TRUNCATE_DATA",
                          "WRITE_APPEND", "WRITE_EMPTY", NULL}},
    {"createDisposition", {"CREATE_IF_NEEDED", "CREATE_NEVER", NULL}},
    {"mode", {"NULLABLE", "REQUIRED", "REPEATED", NULL}},
};

static bool enum_ok(const char *field, const char *v)
{
    for (size_t i = 0; i < KV_ARRAY_LEN(enums); i++) {
        if (strcmp(enums[i].field, field))
            continue;
        for (int k = 0; enums[i].values[k]; k++)
            if (!strcmp(enums[i].values[k], v))
                return true;
        return false;
    }
    return true;
}

static bool check(struct fbq_server *s, json_t *sch, json_t *v,
                  const char *path, int depth, struct fbq_resp *r);

static json_t *resolve(struct fbq_server *s, json_t *sch)
{
    const char *ref = json_string_value(json_object_get(sch, "$ref"));

    if (!ref)
        return sch;
    return json_object_get(json_object_get(s->discovery, "schemas"), ref);
}

static bool bad(struct fbq_resp *r, const char *path, const char *what)
{
    fbq_error(r, 400, "invalid", "Invalid JSON payload received. %s at "
              "'%s'.", what, path);
    return false;
}

static bool check_object(struct fbq_server *s, json_t *sch, json_t *v,
                         const char *path, int depth, struct fbq_resp *r)
{
    json_t *props = json_object_get(sch, "properties");
    json_t *extra = json_object_get(sch, "additionalProperties");
    const char *key;
    json_t *val;
    char sub[512];
    char what[300];

    if (!json_is_object(v))
        return bad(r, path, "Expected an object");
    json_object_foreach(v, key, val) {
        json_t *p = json_object_get(props, key);

        snprintf(sub, sizeof(sub), "%s.%s", path, key);
        if (!p && extra)
            p = extra;
        if (!p) {
            snprintf(what, sizeof(what), "Unknown name \"%s\": Cannot "
                     "find field", key);
            return bad(r, path, what);
        }
        if (json_is_string(val) && !enum_ok(key, json_string_value(val))) {
            snprintf(what, sizeof(what), "Invalid value \"%s\"",
                     json_string_value(val));
            return bad(r, sub, what);
        }
        if (!check(s, p, val, sub, depth + 1, r))
            return false;
    }
    return true;
}

static bool check_scalar(const char *type, const char *format, json_t *v,
                         const char *path, struct fbq_resp *r)
{
    bool int64 = format && (!strcmp(format, "int64") ||
                            !strcmp(format, "uint64"));

    if (!strcmp(type, "string") && !json_is_string(v))
        return bad(r, path, "Expected a string");
    if (!strcmp(type, "boolean") && !json_is_boolean(v))
        return bad(r, path, "Expected a boolean");
    if (!strcmp(type, "integer") && !json_is_integer(v))
        return bad(r, path, "Expected an integer");
    if (!strcmp(type, "number") && !json_is_number(v))
        return bad(r, path, "Expected a number");
    /* int64 travels as a string; a plain number is accepted as well */
    (void)int64;
    return true;
}

static bool check(struct fbq_server *s, json_t *sch, json_t *v,
                  const char *path, int depth, struct fbq_resp *r)
{
    const char *type;
    size_t i;
    json_t *item;

    sch = resolve(s, sch);
    if (!sch || depth > MAX_DEPTH || json_is_null(v))
        return true;
    type = json_string_value(json_object_get(sch, "type"));
    if (!type || !strcmp(type, "any"))
        return true;
    if (!strcmp(type, "object"))
        return check_object(s, sch, v, path, depth, r);
    if (!strcmp(type, "array")) {
        if (!json_is_array(v))
            return bad(r, path, "Expected an array");
        json_array_foreach(v, i, item)
            if (!check(s, json_object_get(sch, "items"), item, path,
                       depth + 1, r))
                return false;
        return true;
    }
    return check_scalar(type, json_string_value(json_object_get(sch,
                        "format")), v, path, r);
}

bool fbq_validate(struct fbq_server *s, const char *schema, json_t *body,
                  struct fbq_resp *r)
{
    json_t *sch = json_object_get(json_object_get(s->discovery, "schemas"),
                                  schema);

    if (!sch) {
        fbq_error(r, 500, "internalError", "fake: no schema %s", schema);
        return false;
    }
    return check(s, sch, body, schema, 0, r);
}
