/*
 * bq_int.h - what the files of the BigQuery destination share: bq_http.c
 * (authorized requests with retries), bq_job.c (jobs and uploads),
 * bq_schema.c (datasets and tables), bq_sql.c (the SQL templates),
 * bq_load.c (loads), bq_query.c (read-only queries), bq.c (the rest).
 */
#ifndef KV_BQ_INT_H
#define KV_BQ_INT_H

#include "common/kv.h"
#include "common/err.h"
#include "common/mem.h"
#include "dest/bq.h"
#include "gauth/gauth.h"

#include <curl/curl.h>
#include <jansson.h>

#define BQ_SYNCED_AT "_kaivo_synced_at"
#define BQ_SEQ "_kaivo_seq"
#define BQ_STAGE_PREFIX "_kaivo_stg_"
/* Bodies of API replies; query pages are asked for in smaller pieces. */
#define BQ_BODY_MAX (32 * 1024 * 1024)
/* tables.list pages of 1000: a dataset of up to a million tables. */
#define BQ_LIST_PAGES 1000

struct bq {
    struct dest base;     /* first: a struct dest * is a struct bq * */
    char *project;        /* owned */
    char *dataset;        /* owned */
    char *location;       /* owned */
    char *api_url;        /* owned, no trailing '/' */
    struct gauth *auth;   /* owned */
    CURL *curl;           /* owned, reused for keep-alive */
    bool dataset_ok;      /* the dataset is known to exist */
    void (*on_created)(void *ctx, const char *project,
                       const char *dataset);
    void *ctx;
    int max_attempts;     /* per request */
    int64_t retry_base_ms;
    int64_t retry_cap_ms;
    int64_t poll_ms;      /* first jobs.get delay */
    int64_t job_timeout_ms; /* query jobs' jobTimeoutMs; 0: none */
    size_t resumable_at;  /* uploads of this many bytes go resumable */
    int64_t requests;     /* counters for tests and benchmarks */
    int64_t bytes_up;
    unsigned seq;         /* for job ids unique within the process */
};

struct bq_req {
    const char *method;
    const char *url;
    const char *ctype;    /* body Content-Type, or NULL for no body */
    const char *body;
    size_t len;
    FILE *file;           /* instead of body: upload len bytes from off */
    long off;
    struct curl_slist *headers; /* extra headers, caller's */
    bool once;            /* no retry of transport errors and 5xx */
};

struct bq_resp {
    long status;          /* 0 when the transport failed */
    struct sbuf body;
    json_t *json;         /* the body when it is JSON, else NULL */
    char reason[64];      /* error.errors[0].reason, or "" */
    char message[512];    /* error.message, redacted, or "" */
    char location[1024];  /* the Location header, or "" */
    char range[64];       /* the Range header, or "" */
};

void bq_resp_init(struct bq_resp *r);
void bq_resp_release(struct bq_resp *r);

/*
 * Sends rq with a bearer token.  Retries with backoff on transport
 * failures, 429, 5xx and the retryable reasons; refreshes the token and
 * replays once on a 401.  Returns KV_OK whenever an HTTP answer came
 * (check r->status), else the error.
 */
int bq_http(struct bq *b, const struct bq_req *rq, struct bq_resp *r,
            struct kv_err *err);

/*
 * Whether an answer is worth another attempt: no answer (transport), 429,
 * 5xx, or a reason BigQuery documents as retryable.
 */
bool bq_retryable(const struct bq_resp *r);

/* bq_http with a JSON body (or none when body is NULL). */
int bq_json(struct bq *b, const char *method, const char *url,
            json_t *body, struct bq_resp *r, struct kv_err *err);

/* Sets err from a non-2xx answer: KV_EAUTH, KV_ENOENT or KV_EFAIL. */
int bq_fail(const struct bq_resp *r, const char *url, struct kv_err *err);

/* A new URL under /bigquery/v2/projects/{project}/ (free()). */
char *bq_url(const struct bq *b, const char *fmt, ...) KV_PRINTF(2, 3);

/* Sleeps the n-th backoff: min(cap, base * 2^n) * rand(0.5..1). */
void bq_backoff(const struct bq *b, int n);

/* A job's upload: len bytes of NDJSON in f. */
struct bq_media {
    FILE *f;
    size_t len;
};

/*
 * Runs one job to DONE under a client-chosen id ("kaivo_<kind>_..."):
 * jobs.insert (or an upload when media is set), a 409 resolved with
 * jobs.get, polling, and a re-run under a new id when the job failed
 * transiently.  *job (json_decref) is the finished Job resource.
 */
int bq_job_run(struct bq *b, const char *kind, json_t *config,
               const struct bq_media *media, json_t **job,
               struct kv_err *err);

/* Whether a job's errorResult reason means "run it again". */
bool bq_job_transient(const char *reason);

/* A query job with the statement sql; *job as above (may be NULL). */
int bq_job_sql(struct bq *b, const char *kind, const char *sql,
               json_t **job, struct kv_err *err);

/* Datasets and tables (bq_schema.c). */
int bq_ensure_dataset(struct bq *b, struct kv_err *err);
/* *table is the Table resource, or NULL when it does not exist. */
int bq_table_get(struct bq *b, const char *table, json_t **out,
                 struct kv_err *err);
/* fields: an array of TableFieldSchema; expires_ms 0: never. */
int bq_table_insert(struct bq *b, const char *table, json_t *fields,
                    int64_t expires_ms, struct kv_err *err);
/*
 * The ids of the dataset's tables that start with prefix: *out is a new
 * JSON array of strings (json_decref).  Reads at most BQ_LIST_PAGES pages.
 */
int bq_table_list(struct bq *b, const char *prefix, json_t **out,
                  struct kv_err *err);
/* KV_OK when deleted or already absent. */
int bq_table_delete(struct bq *b, const char *table, struct kv_err *err);
/*
 * UPSERT targets: creates the table, or adds the selected columns it
 * lacks with one tables.patch.  A column whose type changed is an error.
 */
int bq_prepare_target(struct bq *b, const struct table_schema *s,
                      struct kv_err *err);
/* The fields of s plus _kaivo_synced_at (and _kaivo_seq when seq). */
json_t *bq_fields(const struct table_schema *s, bool seq);
/* Refuses names BigQuery cannot take or that collide without case. */
int bq_check_schema(const struct table_schema *s, struct kv_err *err);
/* Canonical type name: INTEGER -> INT64, BOOLEAN -> BOOL, ... */
const char *bq_canon_type(const char *t);

/* SQL templates (bq_sql.c); each appends one statement to sql. */
void bq_sql_table(struct sbuf *sql, const struct bq *b, const char *t);
void bq_sql_merge(struct sbuf *sql, const struct bq *b,
                  const struct table_schema *s, const char *stage);
void bq_sql_replace(struct sbuf *sql, const struct bq *b,
                    const struct table_schema *s, const char *stage);
void bq_sql_delete(struct sbuf *sql, const struct bq *b,
                   const struct table_schema *s, const int64_t *vals,
                   size_t n);
void bq_sql_drop_column(struct sbuf *sql, const struct bq *b,
                        const char *table, const char *column);

/*
 * Appends row as one NDJSON line: a key per non-NULL cell (BOOL as
 * true/false, INT64 beyond 2^53 as a string, JSON verbatim, TIMESTAMP and
 * STRING quoted), then _kaivo_synced_at and _kaivo_seq.
 */
void bq_ndjson_row(struct sbuf *sb, const struct table_schema *s,
                   const struct table_row *row, const char *synced_at,
                   int64_t seq);

/* dest.h operations in their own files. */
int bq_load_begin(struct dest *d, const struct table_schema *schema,
                  enum dest_load_mode mode, int64_t synced_at,
                  struct dest_load **out, struct kv_err *err);
int bq_load_row(struct dest_load *dl, const struct table_row *row,
                struct kv_err *err);
int bq_load_commit(struct dest_load *dl, struct kv_err *err);
int bq_load_finish(struct dest_load *dl, struct kv_err *err);
void bq_load_abort(struct dest_load *dl);
int bq_query(struct dest *d, const char *sql, dest_row_fn fn, void *ctx,
             struct kv_err *err);

#endif
