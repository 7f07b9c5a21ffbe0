/*
 * fbq_exec.c - a job's work when it becomes DONE: NDJSON loads with
 * BigQuery's per-type coercion, bad-row accounting and dispositions; and
 * the dispatch of query jobs to fbq_sql.c.  Failures are reported the way
 * BigQuery reports them: status.errorResult and status.errors on a job
 * that is DONE, never as an HTTP error.
 */
#include "common/kv.h"
#include "fakebq/fbq.h"

#include <strings.h>
#include <time.h>

void fbq_job_fail(json_t *job, const char *reason, const char *fmt, ...)
{
    json_t *status = json_object_get(job, "status");
    json_t *errors = json_object_get(status, "errors");
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_object_set_new(status, "errorResult", json_pack("{s:s, s:s}",
                        "reason", reason, "message", msg));
    if (!errors) {
        errors = json_array();
        json_object_set_new(status, "errors", errors);
    }
    json_array_insert_new(errors, 0, json_pack("{s:s, s:s}", "reason",
                          reason, "message", msg));
}

static void add_error(json_t *job, const char *fmt, ...) KV_PRINTF(2, 3);

static void add_error(json_t *job, const char *fmt, ...)
{
    json_t *status = json_object_get(job, "status");
    json_t *errors = json_object_get(status, "errors");
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!errors) {
        errors = json_array();
        json_object_set_new(status, "errors", errors);
    }
    json_array_append_new(errors, json_pack("{s:s, s:s}", "reason",
                          "invalid", "message", msg));
}

/* TIMESTAMP per BigQuery's JSON grammar -> microseconds since epoch. */
static bool parse_ts(const char *s, int64_t *us)
{
    struct tm tm;
    int y, mo, d, h, mi, sec = 0, n = 0, zh = 0, zm = 0;
    char sep;
    int64_t frac = 0;
    const char *p;

    memset(&tm, 0, sizeof(tm));
    if (sscanf(s, "%4d%c%2d", &y, &sep, &mo) != 3 || (sep != '-' &&
        sep != '/') || sscanf(s + 8, "%2d%n", &d, &n) != 1)
        return false;
    p = s + 8 + n;
    if ((*p != 'T' && *p != ' ') || sscanf(p + 1, "%2d:%2d%n", &h, &mi,
                                           &n) != 2)
        return false;
    p += 1 + n;
    if (*p == ':' && sscanf(p + 1, "%2d%n", &sec, &n) == 1)
        p += 1 + n;
    if (*p == '.') {
        int digits = 0;

        for (p++; *p >= '0' && *p <= '9'; p++, digits++)
            if (digits < 6)
                frac = frac * 10 + (*p - '0');
        for (; digits < 6; digits++)
            frac *= 10;
    }
    if (*p == 'Z' || !strcmp(p, " UTC"))
        p += *p == 'Z' ? 1 : 4;
    else if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d", &zh) == 1) {
        int sign = *p == '-' ? -1 : 1;

        p += 3;
        if (*p == ':' && sscanf(p + 1, "%2d", &zm) == 1)
            p += 3;
        zh *= sign;
        zm *= sign;
    }
    if (*p || y < 1 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
        mi > 59 || sec > 59)
        return false;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    *us = ((int64_t)timegm(&tm) - zh * 3600 - zm * 60) * 1000000 + frac;
    return true;
}

/* Binds v as BigQuery would store it in a column of type t. */
static bool bind_value(sqlite3_stmt *st, int i, const char *t, json_t *v)
{
    int64_t n;
    char *end = NULL;
    const char *s = json_string_value(v);

    if (json_is_null(v))
        return sqlite3_bind_null(st, i) == SQLITE_OK;
    if (!strcmp(t, "INT64")) {
        if (json_is_integer(v))
            return !sqlite3_bind_int64(st, i, json_integer_value(v));
        n = s ? strtoll(s, &end, 10) : 0;
        return s && *s && !*end && !sqlite3_bind_int64(st, i, n);
    }
    if (!strcmp(t, "FLOAT64")) {
        double d = s ? strtod(s, &end) : json_number_value(v);

        return (json_is_number(v) || (s && *s && !*end)) &&
               !sqlite3_bind_double(st, i, d);
    }
    if (!strcmp(t, "BOOL")) {
        if (json_is_boolean(v))
            return !sqlite3_bind_int(st, i, json_is_true(v));
        return s && (!strcasecmp(s, "true") || !strcasecmp(s, "false")) &&
               !sqlite3_bind_int(st, i, !strcasecmp(s, "true"));
    }
    if (!strcmp(t, "TIMESTAMP"))
        return s && parse_ts(s, &n) && !sqlite3_bind_int64(st, i, n);
    if (!strcmp(t, "STRING") && s)
        return !sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    if (!strcmp(t, "STRING") && (json_is_object(v) || json_is_array(v)))
        return false;
    s = NULL;
    end = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    sqlite3_bind_text(st, i, end, -1, SQLITE_TRANSIENT);
    free(end);
    return true;
}

static json_t *field_named(json_t *fields, const char *name, int *idx)
{
    size_t i;
    json_t *f;

    json_array_foreach(fields, i, f)
        if (!strcmp(json_string_value(json_object_get(f, "name")), name)) {
            *idx = (int)i;
            return f;
        }
    return NULL;
}

static bool required_missing(json_t *fields, json_t *o, char *msg,
                             size_t n)
{
    size_t i;
    json_t *f;

    json_array_foreach(fields, i, f) {
        const char *mode = json_string_value(json_object_get(f, "mode"));
        const char *name = json_string_value(json_object_get(f, "name"));
        json_t *v = json_object_get(o, name);

        if (mode && !strcmp(mode, "REQUIRED") && (!v || json_is_null(v))) {
            snprintf(msg, n, "Missing required field: %s.", name);
            return true;
        }
    }
    return false;
}

/* One NDJSON line into the prepared INSERT; the error text, or NULL. */
static const char *load_line(sqlite3_stmt *st, json_t *fields,
                             const char *line, size_t len, char *msg,
                             size_t n)
{
    json_t *o = json_loadb(line, len, 0, NULL);
    const char *key;
    json_t *v;
    bool failed = false;

    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (!json_is_object(o)) {
        json_decref(o);
        return snprintf(msg, n, "JSON parsing error: not one object"), msg;
    }
    json_object_foreach(o, key, v) {
        int idx = 0;
        json_t *f = field_named(fields, key, &idx);
        const char *t = json_string_value(json_object_get(f, "type"));

        if (!f)
            snprintf(msg, n, "No such field: %s.", key);
        else if (!bind_value(st, idx + 1, t, v))
            snprintf(msg, n, "Could not convert value to %s. Field: %s", t,
                     key);
        failed = !f || msg[0];
        if (failed)
            break;
    }
    if (!failed)
        failed = required_missing(fields, o, msg, n);
    json_decref(o);
    if (failed)
        return msg;
    return sqlite3_step(st) == SQLITE_DONE ? NULL
           : (snprintf(msg, n, "fake: insert failed"), msg);
}

static sqlite3_stmt *prepare_insert(struct fbq_server *s, const char *ds,
                                    const char *t, json_t *fields)
{
    struct sbuf sql;
    sqlite3_stmt *st = NULL;
    size_t i;
    json_t *f;

    sbuf_init(&sql, 0);
    sbuf_addf(&sql, "INSERT INTO \"%s\".\"%s\" (", ds, t);
    json_array_foreach(fields, i, f)
        sbuf_addf(&sql, "%s\"%s\"", i ? ", " : "",
                  json_string_value(json_object_get(f, "name")));
    sbuf_addstr(&sql, ") VALUES (");
    for (i = 0; i < json_array_size(fields); i++)
        sbuf_addstr(&sql, i ? ", ?" : "?");
    sbuf_addstr(&sql, ")");
    sqlite3_prepare_v2(s->db, sql.buf, -1, &st, NULL);
    sbuf_release(&sql);
    return st;
}

static int64_t load_rows(struct fbq_server *s, json_t *job, const char *ds,
                         const char *t, json_t *fields, const char *data,
                         size_t len, int64_t *bad)
{
    sqlite3_stmt *st = prepare_insert(s, ds, t, fields);
    int64_t good = 0;
    char msg[600];

    for (size_t pos = 0; st && pos < len;) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - data - pos) : len - pos;

        msg[0] = '\0';
        if (n && load_line(st, fields, data + pos, n, msg, sizeof(msg))) {
            (*bad)++;
            if (*bad <= 5)
                add_error(job, "Error while reading data, error message: "
                          "JSON parsing error in row starting at position "
                          "%zu: %s", pos, msg);
        } else if (n) {
            good++;
        }
        pos += n + 1;
    }
    sqlite3_finalize(st);
    return good;
}

/* Checks dispositions and makes sure the table exists; NULL on failure. */
static json_t *load_target(struct fbq_server *s, json_t *job, json_t *cfg,
                           const char *ds, const char *t)
{
    const char *cd = json_string_value(json_object_get(cfg,
                                       "createDisposition"));
    const char *wd = json_string_value(json_object_get(cfg,
                                       "writeDisposition"));
    json_t *meta = fbq_table_meta(s, ds, t);
    json_t *schema = json_object_get(json_object_get(cfg, "schema"),
                                     "fields");
    char msg[512];
    char *sql;

    if (!meta && cd && !strcmp(cd, "CREATE_NEVER")) {
        fbq_job_fail(job, "notFound", "Not found: Table %s:%s.%s",
                     s->project, ds, t);
        return NULL;
    }
    if (!meta && (!schema || fbq_table_create(s, ds, t, schema, 0, msg,
                                              sizeof(msg)))) {
        fbq_job_fail(job, "invalid", "No schema specified on job or table.");
        return NULL;
    }
    if (!meta)
        return fbq_table_meta(s, ds, t);
    if (wd && !strcmp(wd, "WRITE_EMPTY")) {
        sql = sqlite3_mprintf("SELECT 1 FROM \"%w\".\"%w\" LIMIT 1", ds, t);
        sqlite3_stmt *st;
        bool rows = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) ==
                    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;

        sqlite3_finalize(st);
        sqlite3_free(sql);
        if (rows) {
            fbq_job_fail(job, "duplicate", "Already Exists: Table %s:%s.%s",
                         s->project, ds, t);
            json_decref(meta);
            return NULL;
        }
    }
    return meta;
}

static bool load_prechecks(struct fbq_server *s, json_t *job, json_t *cfg,
                           const char *ds)
{
    const char *fmt = json_string_value(json_object_get(cfg,
                                        "sourceFormat"));
    const char *jl = json_string_value(json_object_get(json_object_get(job,
                                       "jobReference"), "location"));
    char loc[64];

    if (!fmt || strcmp(fmt, "NEWLINE_DELIMITED_JSON")) {
        fbq_job_fail(job, "invalid", "Error while reading data, error "
                     "message: CSV table encountered too many errors, "
                     "giving up. Rows: 1; errors: 1. (fake: sourceFormat "
                     "is %s; CSV is the default)", fmt ? fmt : "unset");
        return false;
    }
    if (!fbq_dataset_location(s, ds, loc) || strcasecmp(loc, jl)) {
        fbq_job_fail(job, "notFound", "Not found: Dataset %s:%s was not "
                     "found in location %s", s->project, ds, jl);
        return false;
    }
    return true;
}

void fbq_exec_load(struct fbq_server *s, json_t *job, const char *data,
                   size_t len)
{
    json_t *cfg = json_object_get(json_object_get(job, "configuration"),
                                  "load");
    json_t *dst = json_object_get(cfg, "destinationTable");
    const char *ds = json_string_value(json_object_get(dst, "datasetId"));
    const char *t = json_string_value(json_object_get(dst, "tableId"));
    const char *wd = json_string_value(json_object_get(cfg,
                                       "writeDisposition"));
    json_int_t maxbad = json_integer_value(json_object_get(cfg,
                                           "maxBadRecords"));
    json_t *meta;
    int64_t bad = 0, good;
    char *sql;

    if (!load_prechecks(s, job, cfg, ds))
        return;
    meta = load_target(s, job, cfg, ds, t);
    if (!meta)
        return;
    sqlite3_exec(s->db, "SAVEPOINT load", NULL, NULL, NULL);
    if (wd && !strncmp(wd, "WRITE_TRUNCATE", 14)) {
        sql = sqlite3_mprintf("DELETE FROM \"%w\".\"%w\"", ds, t);
        sqlite3_exec(s->db, sql, NULL, NULL, NULL);
        sqlite3_free(sql);
    }
    good = load_rows(s, job, ds, t, json_object_get(meta, "fields"), data,
                     len, &bad);
    if (bad > maxbad) {
        sqlite3_exec(s->db, "ROLLBACK TO load; RELEASE load", NULL, NULL,
                     NULL);
        fbq_job_fail(job, "invalid", "Error while reading data, error "
                     "message: JSON table encountered too many errors, "
                     "giving up. Rows: %" PRId64 "; errors: %" PRId64
                     ". Please look into the errors[] collection for more "
                     "details.", good + bad, bad);
    } else {
        sqlite3_exec(s->db, "RELEASE load", NULL, NULL, NULL);
        json_object_set_new(json_object_get(job, "statistics"), "load",
                            json_pack("{s:o, s:o, s:o}", "outputRows",
                            json_sprintf("%" PRId64, good), "badRecords",
                            json_sprintf("%" PRId64, bad), "inputFileBytes",
                            json_sprintf("%zu", len)));
    }
    json_decref(meta);
}

void fbq_exec_query(struct fbq_server *s, json_t *job, bool dry)
{
    json_t *q = json_object_get(json_object_get(job, "configuration"),
                                "query");

    if (!json_is_false(json_object_get(q, "useLegacySql"))) {
        fbq_job_fail(job, "invalidQuery", "fake: useLegacySql must be "
                     "false (it defaults to true; legacy SQL has no MERGE "
                     "and no backtick paths)");
        return;
    }
    fbq_sql_run(s, job, json_string_value(json_object_get(q, "query")),
                dry);
}
