/*
 * bq_sql.c - every SQL statement the BigQuery destination sends, as fixed
 * templates.  Keeping them here, and few, is what lets the fake BigQuery
 * implement exactly these shapes instead of a SQL engine (spec 6.4).
 * Names were checked by bq_check_schema, so backticks need no escaping.
 */
#include "common/kv.h"
#include "dest/bq_int.h"

#define RN "_kaivo_rn"

void bq_sql_table(struct sbuf *sql, const struct bq *b, const char *t)
{
    sbuf_addf(sql, "`%s.%s.%s`", b->project, b->dataset, t);
}

static void col_list(struct sbuf *sql, const struct table_schema *s,
                     int from, int to, const char *prefix)
{
    for (int i = from; i < to; i++)
        sbuf_addf(sql, "%s%s`%s`", i > from ? ", " : "", prefix,
                  s->cols[i].name);
}

/*
 * The staging rows, newest per key: a key loaded twice in one sync keeps
 * its last row, as the SQLite destination's upsert does.
 */
static void dedup_source(struct sbuf *sql, const struct bq *b,
                         const struct table_schema *s, const char *stage)
{
    sbuf_addstr(sql, "SELECT * EXCEPT (" BQ_SEQ ", " RN ") FROM (SELECT *, "
                "ROW_NUMBER() OVER (PARTITION BY ");
    col_list(sql, s, 0, s->nkey, "");
    sbuf_addstr(sql, " ORDER BY " BQ_SEQ " DESC) AS " RN " FROM ");
    bq_sql_table(sql, b, stage);
    sbuf_addstr(sql, ") WHERE " RN " = 1");
}

void bq_sql_merge(struct sbuf *sql, const struct bq *b,
                  const struct table_schema *s, const char *stage)
{
    sbuf_addstr(sql, "MERGE ");
    bq_sql_table(sql, b, s->name);
    sbuf_addstr(sql, " AS tgt USING (");
    dedup_source(sql, b, s, stage);
    sbuf_addstr(sql, ") AS src ON ");
    for (int i = 0; i < s->nkey; i++)
        sbuf_addf(sql, "%stgt.`%s` = src.`%s`", i ? " AND " : "",
                  s->cols[i].name, s->cols[i].name);
    sbuf_addstr(sql, " WHEN MATCHED THEN UPDATE SET ");
    for (int i = s->nkey; i < s->ncols; i++)
        sbuf_addf(sql, "`%s` = src.`%s`, ", s->cols[i].name,
                  s->cols[i].name);
    sbuf_addstr(sql, "`" BQ_SYNCED_AT "` = src.`" BQ_SYNCED_AT "` "
                "WHEN NOT MATCHED THEN INSERT (");
    col_list(sql, s, 0, s->ncols, "");
    sbuf_addstr(sql, ", `" BQ_SYNCED_AT "`) VALUES (");
    col_list(sql, s, 0, s->ncols, "src.");
    sbuf_addstr(sql, ", src.`" BQ_SYNCED_AT "`)");
}

void bq_sql_replace(struct sbuf *sql, const struct bq *b,
                    const struct table_schema *s, const char *stage)
{
    sbuf_addstr(sql, "CREATE OR REPLACE TABLE ");
    bq_sql_table(sql, b, s->name);
    sbuf_addstr(sql, " AS ");
    dedup_source(sql, b, s, stage);
}

void bq_sql_delete(struct sbuf *sql, const struct bq *b,
                   const struct table_schema *s, const int64_t *vals,
                   size_t n)
{
    sbuf_addstr(sql, "DELETE FROM ");
    bq_sql_table(sql, b, s->name);
    sbuf_addstr(sql, " WHERE ");
    for (size_t k = 0; k < n; k++) {
        sbuf_addstr(sql, k ? " OR (" : "(");
        for (int i = 0; i < s->nkey; i++)
            sbuf_addf(sql, "%s`%s` = %" PRId64, i ? " AND " : "",
                      s->cols[i].name, vals[k * (size_t)s->nkey + i]);
        sbuf_addstr(sql, ")");
    }
}

void bq_sql_drop_column(struct sbuf *sql, const struct bq *b,
                        const char *table, const char *column)
{
    sbuf_addstr(sql, "ALTER TABLE ");
    bq_sql_table(sql, b, table);
    sbuf_addf(sql, " DROP COLUMN IF EXISTS `%s`", column);
}
