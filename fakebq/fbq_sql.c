/*
 * fbq_sql.c - the SQL the fake understands: exactly the templates of
 * src/dest/bq_sql.c (MERGE with or without the ROW_NUMBER dedup, CREATE
 * OR REPLACE TABLE ... AS SELECT, DELETE by keys, ALTER TABLE DROP
 * COLUMN), parsed token by token and run on SQLite; and SELECT, run
 * read-only on SQLite after rewriting backtick paths.  Anything else is
 * refused: "fake: unsupported statement", so client and fake evolve
 * together.
 */
#include "common/kv.h"
#include "fakebq/fbq.h"

#include <ctype.h>
#include <strings.h>

#define MAX_TOKS 20000
#define MAX_ROWS 100000

enum tk { T_END, T_WORD, T_QUOTED, T_NUM, T_PUNCT };

struct tok {
    enum tk kind;
    char text[256];
};

struct parser {
    struct tok *t;
    int n, i;
    bool bad;
};

struct names {
    char v[64][256];
    int n;
};

static int tokenize(const char *sql, struct tok *out, int max)
{
    int n = 0;

    for (const char *p = sql; *p && n < max - 1;) {
        struct tok *t = &out[n];
        size_t len = 0;

        if (isspace((unsigned char)*p)) {
            p++;
            continue;
        }
        if (*p == '`') {
            len = strcspn(p + 1, "`");
            t->kind = T_QUOTED;
            snprintf(t->text, sizeof(t->text), "%.*s", (int)len, p + 1);
            p += len + (p[len + 1] ? 2 : 1);
        } else if (isalpha((unsigned char)*p) || *p == '_') {
            while (isalnum((unsigned char)p[len]) || p[len] == '_')
                len++;
            t->kind = T_WORD;
        } else if (isdigit((unsigned char)*p) || *p == '-') {
            len = 1;
            while (isdigit((unsigned char)p[len]))
                len++;
            t->kind = T_NUM;
        } else {
            len = 1;
            t->kind = T_PUNCT;
        }
        if (t->kind != T_QUOTED) {
            snprintf(t->text, sizeof(t->text), "%.*s", (int)len, p);
            p += len;
        }
        n++;
    }
    out[n].kind = T_END;
    return n;
}

static struct tok *peek(struct parser *p)
{
    return &p->t[p->i];
}

static void kw(struct parser *p, const char *word)
{
    struct tok *t = peek(p);

    if (t->kind != T_WORD || strcasecmp(t->text, word))
        p->bad = true;
    else
        p->i++;
}

static bool opt_kw(struct parser *p, const char *word)
{
    struct tok *t = peek(p);

    if (t->kind == T_WORD && !strcasecmp(t->text, word)) {
        p->i++;
        return true;
    }
    return false;
}

static void punct(struct parser *p, char c)
{
    struct tok *t = peek(p);

    if (t->kind != T_PUNCT || t->text[0] != c)
        p->bad = true;
    else
        p->i++;
}

static bool valid_col(const char *s)
{
    if (!*s || isdigit((unsigned char)*s))
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return false;
    return true;
}

static void ident(struct parser *p, char out[256])
{
    struct tok *t = peek(p);

    if ((t->kind != T_WORD && t->kind != T_QUOTED) || !valid_col(t->text))
        p->bad = true;
    else
        snprintf(out, 256, "%s", p->t[p->i++].text);
}

/* `project.dataset.table` (or `dataset.table`): our project only. */
static void table_ref(struct parser *p, struct fbq_server *s, char ds[256],
                      char tb[256])
{
    struct tok *t = peek(p);
    char a[256], b[256], c[256];
    int n = t->kind == T_QUOTED ? sscanf(t->text, "%255[^.].%255[^.]."
                                         "%255[^.]", a, b, c) : 0;

    if (n == 3 && !strcmp(a, s->project)) {
        snprintf(ds, 256, "%s", b);
        snprintf(tb, 256, "%s", c);
    } else if (n == 2) {
        snprintf(ds, 256, "%s", a);
        snprintf(tb, 256, "%s", b);
    } else {
        p->bad = true;
        return;
    }
    p->i++;
}

static void name_list(struct parser *p, struct names *l, const char *prefix)
{
    l->n = 0;
    do {
        if (prefix) {
            kw(p, prefix);
            punct(p, '.');
        }
        if (l->n < 64)
            ident(p, l->v[l->n++]);
        else
            p->bad = true;
    } while (!p->bad && peek(p)->kind == T_PUNCT && peek(p)->text[0] ==
             ',' && ++p->i);
}

/* The client's dedup source, from SELECT to the closing WHERE rn = 1. */
struct dedup {
    char ds[256], tb[256];
    struct names part;
    char order[256], rn[256];
    struct names except;
    bool on;
};

static void parse_dedup(struct parser *p, struct fbq_server *s,
                        struct dedup *d)
{
    char rn2[256] = "";

    d->on = true;
    kw(p, "SELECT"); punct(p, '*'); kw(p, "EXCEPT"); punct(p, '(');
    name_list(p, &d->except, NULL);
    punct(p, ')'); kw(p, "FROM"); punct(p, '(');
    kw(p, "SELECT"); punct(p, '*'); punct(p, ','); kw(p, "ROW_NUMBER");
    punct(p, '('); punct(p, ')'); kw(p, "OVER"); punct(p, '(');
    kw(p, "PARTITION"); kw(p, "BY");
    name_list(p, &d->part, NULL);
    kw(p, "ORDER"); kw(p, "BY"); ident(p, d->order); kw(p, "DESC");
    punct(p, ')'); kw(p, "AS"); ident(p, d->rn); kw(p, "FROM");
    table_ref(p, s, d->ds, d->tb);
    punct(p, ')'); kw(p, "WHERE"); ident(p, rn2); punct(p, '=');
    if (peek(p)->kind != T_NUM || strcmp(peek(p)->text, "1"))
        p->bad = true;
    p->i++;
    if (strcmp(rn2, d->rn) || d->except.n != 2 ||
        strcmp(d->except.v[0], d->order) || strcmp(d->except.v[1], d->rn))
        p->bad = true;
}

static void source_sql(struct sbuf *sb, const struct dedup *d)
{
    if (!d->on) {
        sbuf_addf(sb, "SELECT * FROM \"%s\".\"%s\"", d->ds, d->tb);
        return;
    }
    sbuf_addstr(sb, "SELECT * FROM (SELECT *, ROW_NUMBER() OVER "
                "(PARTITION BY ");
    for (int i = 0; i < d->part.n; i++)
        sbuf_addf(sb, "%s\"%s\"", i ? ", " : "", d->part.v[i]);
    sbuf_addf(sb, " ORDER BY \"%s\" DESC) AS \"%s\" FROM \"%s\".\"%s\") "
              "WHERE \"%s\" = 1", d->order, d->rn, d->ds, d->tb, d->rn);
}

static void set_stats(json_t *job, const char *type, int64_t ins,
                      int64_t upd, int64_t del)
{
    json_t *st = json_object_get(job, "statistics");

    json_object_set_new(st, "query", json_pack("{s:s, s:o, s:{s:o, s:o, "
                        "s:o}, s:s}", "statementType", type,
                        "numDmlAffectedRows", json_sprintf("%" PRId64,
                        ins + upd + del), "dmlStats", "insertedRowCount",
                        json_sprintf("%" PRId64, ins), "updatedRowCount",
                        json_sprintf("%" PRId64, upd), "deletedRowCount",
                        json_sprintf("%" PRId64, del),
                        "totalBytesProcessed", "0"));
}

static bool has_col(json_t *meta, const char *name)
{
    size_t i;
    json_t *f;

    json_array_foreach(json_object_get(meta, "fields"), i, f)
        if (!strcasecmp(json_string_value(json_object_get(f, "name")),
                        name))
            return true;
    return false;
}

static bool need_table(struct fbq_server *s, json_t *job, const char *ds,
                       const char *tb, json_t **meta)
{
    *meta = fbq_table_meta(s, ds, tb);
    if (!*meta)
        fbq_job_fail(job, "notFound", "Not found: Table %s:%s.%s was not "
                     "found in location US", s->project, ds, tb);
    return *meta != NULL;
}

static bool need_cols(json_t *job, json_t *meta, const struct names *l)
{
    for (int i = 0; i < l->n; i++)
        if (!has_col(meta, l->v[i])) {
            fbq_job_fail(job, "invalidQuery", "Unrecognized name: %s",
                         l->v[i]);
            return false;
        }
    return true;
}

static int64_t run(struct fbq_server *s, const char *sql, bool *ok)
{
    *ok = sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK;
    return sqlite3_changes(s->db);
}

struct merge {
    char ds[256], tb[256];
    struct dedup src;
    struct names keys, set, ins, vals;
};

static void parse_merge(struct parser *p, struct fbq_server *s,
                        struct merge *m)
{
    struct names rkeys;
    int nk = 0;

    kw(p, "MERGE"); table_ref(p, s, m->ds, m->tb); kw(p, "AS");
    kw(p, "tgt"); kw(p, "USING");
    if (peek(p)->kind == T_QUOTED) {
        table_ref(p, s, m->src.ds, m->src.tb);
    } else {
        punct(p, '('); parse_dedup(p, s, &m->src); punct(p, ')');
    }
    kw(p, "AS"); kw(p, "src"); kw(p, "ON");
    do {
        kw(p, "tgt"); punct(p, '.'); ident(p, m->keys.v[nk]);
        punct(p, '='); kw(p, "src"); punct(p, '.');
        ident(p, rkeys.v[nk]);
        if (strcmp(m->keys.v[nk], rkeys.v[nk]))
            p->bad = true;
        nk++;
    } while (!p->bad && nk < 64 && opt_kw(p, "AND"));
    m->keys.n = nk;
    kw(p, "WHEN"); kw(p, "MATCHED"); kw(p, "THEN"); kw(p, "UPDATE");
    kw(p, "SET");
    m->set.n = 0;
    do {
        char rhs[256] = "";

        ident(p, m->set.v[m->set.n]); punct(p, '='); kw(p, "src");
        punct(p, '.'); ident(p, rhs);
        if (strcmp(rhs, m->set.v[m->set.n++]))
            p->bad = true;
    } while (!p->bad && m->set.n < 64 && peek(p)->text[0] == ',' &&
             ++p->i);
    kw(p, "WHEN"); kw(p, "NOT"); kw(p, "MATCHED"); kw(p, "THEN");
    kw(p, "INSERT"); punct(p, '(');
    name_list(p, &m->ins, NULL);
    punct(p, ')'); kw(p, "VALUES"); punct(p, '(');
    name_list(p, &m->vals, "src");
    punct(p, ')');
    if (m->ins.n != m->vals.n)
        p->bad = true;
    for (int i = 0; !p->bad && i < m->ins.n; i++)
        if (strcmp(m->ins.v[i], m->vals.v[i]))
            p->bad = true;
}

static void on_cond(struct sbuf *sb, const struct merge *m)
{
    for (int i = 0; i < m->keys.n; i++)
        sbuf_addf(sb, "%stgt.\"%s\" = src.\"%s\"", i ? " AND " : "",
                  m->keys.v[i], m->keys.v[i]);
}

static bool merge_dups(struct fbq_server *s, const struct merge *m)
{
    struct sbuf sb;
    sqlite3_stmt *st = NULL;
    bool dup;

    sbuf_init(&sb, 0);
    sbuf_addf(&sb, "SELECT 1 FROM \"%s\".\"%s\" AS tgt JOIN temp._fbq_src "
              "AS src ON ", m->ds, m->tb);
    on_cond(&sb, m);
    sbuf_addstr(&sb, " GROUP BY tgt.rowid HAVING count(*) > 1 LIMIT 1");
    dup = sqlite3_prepare_v2(s->db, sb.buf, -1, &st, NULL) == SQLITE_OK &&
          sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    sbuf_release(&sb);
    return dup;
}

static void merge_apply(struct fbq_server *s, json_t *job,
                        const struct merge *m)
{
    struct sbuf up, in;
    int64_t nu, ni;
    bool ok1, ok2;

    sbuf_init(&up, 0);
    sbuf_init(&in, 0);
    sbuf_addf(&up, "UPDATE \"%s\".\"%s\" AS tgt SET ", m->ds, m->tb);
    for (int i = 0; i < m->set.n; i++)
        sbuf_addf(&up, "%s\"%s\" = src.\"%s\"", i ? ", " : "", m->set.v[i],
                  m->set.v[i]);
    sbuf_addstr(&up, " FROM temp._fbq_src AS src WHERE ");
    on_cond(&up, m);
    sbuf_addf(&in, "INSERT INTO \"%s\".\"%s\" (", m->ds, m->tb);
    for (int i = 0; i < m->ins.n; i++)
        sbuf_addf(&in, "%s\"%s\"", i ? ", " : "", m->ins.v[i]);
    sbuf_addstr(&in, ") SELECT ");
    for (int i = 0; i < m->ins.n; i++)
        sbuf_addf(&in, "%ssrc.\"%s\"", i ? ", " : "", m->ins.v[i]);
    sbuf_addf(&in, " FROM temp._fbq_src AS src WHERE NOT EXISTS (SELECT 1 "
              "FROM \"%s\".\"%s\" AS tgt WHERE ", m->ds, m->tb);
    on_cond(&in, m);
    sbuf_addstr(&in, ")");
    run(s, "SAVEPOINT m", &ok1);
    nu = run(s, up.buf, &ok1);
    ni = ok1 ? run(s, in.buf, &ok2) : 0;
    if (!ok1 || !ok2) {
        fbq_job_fail(job, "internalError", "fake: %s",
                     sqlite3_errmsg(s->db));
        run(s, "ROLLBACK TO m", &ok1);
    } else {
        set_stats(job, "MERGE", ni, nu, 0);
    }
    run(s, "RELEASE m", &ok1);
    sbuf_release(&up);
    sbuf_release(&in);
}

static void do_merge(struct fbq_server *s, json_t *job, struct parser *p)
{
    struct merge *m = xcalloc(1, sizeof(*m));
    json_t *tm = NULL, *sm = NULL;
    struct sbuf sb;
    bool ok;

    sbuf_init(&sb, 0);
    parse_merge(p, s, m);
    if (p->bad || peek(p)->kind != T_END) {
        fbq_job_fail(job, "invalidQuery", "fake: unsupported statement "
                     "(MERGE differs from the client's template near "
                     "token %d)", p->i);
        goto out;
    }
    if (!need_table(s, job, m->ds, m->tb, &tm) ||
        !need_table(s, job, m->src.ds, m->src.tb, &sm) ||
        !need_cols(job, tm, &m->keys) || !need_cols(job, sm, &m->keys) ||
        !need_cols(job, tm, &m->set) || !need_cols(job, sm, &m->set) ||
        !need_cols(job, tm, &m->ins) || !need_cols(job, sm, &m->ins))
        goto out;
    sbuf_addstr(&sb, "DROP TABLE IF EXISTS temp._fbq_src; CREATE TEMP "
                "TABLE _fbq_src AS ");
    source_sql(&sb, &m->src);
    run(s, sb.buf, &ok);
    if (!ok)
        fbq_job_fail(job, "invalidQuery", "fake: %s", sqlite3_errmsg(s->db));
    else if (merge_dups(s, m))
        fbq_job_fail(job, "invalidQuery", "UPDATE/MERGE must match at most "
                     "one source row for each target row");
    else
        merge_apply(s, job, m);
    run(s, "DROP TABLE IF EXISTS temp._fbq_src", &ok);
out:
    json_decref(tm);
    json_decref(sm);
    sbuf_release(&sb);
    free(m);
}

static json_t *fields_without(json_t *fields, const struct names *drop)
{
    json_t *out = json_array();
    size_t i;
    json_t *f;

    json_array_foreach(fields, i, f) {
        const char *n = json_string_value(json_object_get(f, "name"));
        bool skip = false;

        for (int k = 0; k < drop->n; k++)
            skip = skip || !strcasecmp(n, drop->v[k]);
        if (!skip)
            json_array_append(out, f);
    }
    return out;
}

static void ctas_apply(struct fbq_server *s, json_t *job, const char *ds,
                       const char *tb, struct dedup *d, json_t *fields)
{
    struct sbuf sb;
    char msg[512];
    bool ok = true;
    size_t i;
    json_t *f;
    int64_t n;

    sbuf_init(&sb, 0);
    run(s, "SAVEPOINT c", &ok);
    fbq_table_drop(s, ds, tb);
    if (fbq_table_create(s, ds, tb, fields, 0, msg, sizeof(msg)))
        ok = false;
    sbuf_addf(&sb, "INSERT INTO \"%s\".\"%s\" SELECT ", ds, tb);
    json_array_foreach(fields, i, f)
        sbuf_addf(&sb, "%s\"%s\"", i ? ", " : "",
                  json_string_value(json_object_get(f, "name")));
    sbuf_addstr(&sb, " FROM (");
    source_sql(&sb, d);
    sbuf_addstr(&sb, ")");
    n = ok ? run(s, sb.buf, &ok) : 0;
    if (!ok) {
        fbq_job_fail(job, "internalError", "fake: %s",
                     sqlite3_errmsg(s->db));
        run(s, "ROLLBACK TO c", &ok);
    } else {
        set_stats(job, "CREATE_TABLE_AS_SELECT", n, 0, 0);
    }
    run(s, "RELEASE c", &ok);
    sbuf_release(&sb);
}

static void do_ctas(struct fbq_server *s, json_t *job, struct parser *p)
{
    struct dedup *d = xcalloc(1, sizeof(*d));
    char ds[256] = "", tb[256] = "";
    json_t *sm = NULL;
    json_t *fields = NULL;

    kw(p, "CREATE"); kw(p, "OR"); kw(p, "REPLACE"); kw(p, "TABLE");
    table_ref(p, s, ds, tb); kw(p, "AS");
    parse_dedup(p, s, d);
    if (p->bad || peek(p)->kind != T_END) {
        fbq_job_fail(job, "invalidQuery", "fake: unsupported statement "
                     "(CREATE differs from the client's template near "
                     "token %d)", p->i);
        goto out;
    }
    if (!need_table(s, job, d->ds, d->tb, &sm) ||
        !need_cols(job, sm, &d->part))
        goto out;
    fields = fields_without(json_object_get(sm, "fields"), &d->except);
    ctas_apply(s, job, ds, tb, d, fields);
out:
    json_decref(fields);
    json_decref(sm);
    free(d);
}

static void do_delete(struct fbq_server *s, json_t *job, struct parser *p)
{
    char ds[256] = "", tb[256] = "", col[256];
    struct sbuf sb;
    json_t *tm = NULL;
    struct names cols = {.n = 0};
    bool ok;
    int64_t n;

    sbuf_init(&sb, 0);
    kw(p, "DELETE"); kw(p, "FROM"); table_ref(p, s, ds, tb); kw(p, "WHERE");
    sbuf_addf(&sb, "DELETE FROM \"%s\".\"%s\" WHERE ", ds, tb);
    do {
        punct(p, '(');
        sbuf_addstr(&sb, "(");
        do {
            ident(p, col); punct(p, '=');
            if (peek(p)->kind != T_NUM)
                p->bad = true;
            sbuf_addf(&sb, "\"%s\" = %s", col, p->t[p->i++].text);
            if (cols.n < 64)
                snprintf(cols.v[cols.n++], 256, "%s", col);
        } while (!p->bad && opt_kw(p, "AND") && sbuf_addstr(&sb, " AND ")
                 == 0);
        punct(p, ')');
        sbuf_addstr(&sb, ")");
    } while (!p->bad && opt_kw(p, "OR") && sbuf_addstr(&sb, " OR ") == 0);
    if (p->bad || peek(p)->kind != T_END)
        fbq_job_fail(job, "invalidQuery", "fake: unsupported statement "
                     "(DELETE differs from the client's template)");
    else if (need_table(s, job, ds, tb, &tm) && need_cols(job, tm, &cols)) {
        n = run(s, sb.buf, &ok);
        set_stats(job, "DELETE", 0, 0, ok ? n : 0);
    }
    json_decref(tm);
    sbuf_release(&sb);
}

static void do_alter(struct fbq_server *s, json_t *job, struct parser *p)
{
    char ds[256] = "", tb[256] = "", col[256] = "";
    json_t *tm = NULL, *fields;
    struct names one = {.n = 1};
    bool if_exists;
    bool ok;
    char *sql;

    kw(p, "ALTER"); kw(p, "TABLE"); table_ref(p, s, ds, tb);
    kw(p, "DROP"); kw(p, "COLUMN");
    if_exists = opt_kw(p, "IF");
    if (if_exists)
        kw(p, "EXISTS");
    ident(p, col);
    snprintf(one.v[0], 256, "%s", col);
    if (p->bad || peek(p)->kind != T_END) {
        fbq_job_fail(job, "invalidQuery", "fake: unsupported statement "
                     "(ALTER differs from the client's template)");
        return;
    }
    if (!need_table(s, job, ds, tb, &tm))
        return;
    if (!has_col(tm, col)) {
        if (!if_exists)
            fbq_job_fail(job, "invalidQuery", "Column %s not found in "
                         "table %s.%s", col, ds, tb);
        else
            set_stats(job, "ALTER_TABLE", 0, 0, 0);
        json_decref(tm);
        return;
    }
    sql = sqlite3_mprintf("ALTER TABLE \"%w\".\"%w\" DROP COLUMN \"%w\"",
                          ds, tb, col);
    run(s, sql, &ok);
    sqlite3_free(sql);
    fields = fields_without(json_object_get(tm, "fields"), &one);
    fbq_set_fields(s, ds, tb, fields);
    set_stats(job, "ALTER_TABLE", 0, 0, 0);
    json_decref(fields);
    json_decref(tm);
}

void fbq_select(struct fbq_server *s, json_t *job, const char *sql,
                bool dry);

void fbq_sql_run(struct fbq_server *s, json_t *job, const char *sql,
                 bool dry)
{
    struct parser p = {0};
    json_t *q = json_object_get(json_object_get(job, "configuration"),
                                "query");
    const char *first;

    p.t = xcalloc(MAX_TOKS, sizeof(*p.t));
    p.n = tokenize(sql ? sql : "", p.t, MAX_TOKS);
    first = p.t[0].text;
    if (!strcasecmp(first, "SELECT") || !strcasecmp(first, "WITH"))
        fbq_select(s, job, sql, dry);
    else if (json_object_get(q, "destinationTable"))
        fbq_job_fail(job, "invalid", "Cannot set destination table for "
                     "DML/DDL statements");
    else if (dry)
        set_stats(job, strcasecmp(first, "CREATE") ? first
                  : "CREATE_TABLE_AS_SELECT", 0, 0, 0);
    else if (!strcasecmp(first, "MERGE"))
        do_merge(s, job, &p);
    else if (!strcasecmp(first, "CREATE"))
        do_ctas(s, job, &p);
    else if (!strcasecmp(first, "DELETE"))
        do_delete(s, job, &p);
    else if (!strcasecmp(first, "ALTER"))
        do_alter(s, job, &p);
    else
        fbq_job_fail(job, "invalidQuery", "fake: unsupported statement");
    free(p.t);
}
