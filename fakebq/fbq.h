/*
 * fbq.h - the fake BigQuery (kaivo-fake-bq): BigQuery's REST API v2 and
 * Google's token endpoint on loopback, strict where BigQuery is strict,
 * so that the connector's tests catch what production would refuse.
 * One lock serializes every request; tables live in SQLite in memory,
 * one attached database per dataset.
 */
#ifndef KV_FBQ_H
#define KV_FBQ_H

#include "common/kv.h"
#include "common/err.h"
#include "common/mem.h"

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sqlite3.h>

/* An injected fault: the next count matching requests after skip. */
struct fbq_fault {
    char method[16];      /* "" = any */
    char path[256];       /* substring of the URL; "" = any API call */
    int status;           /* answer this status (0: see drop) */
    char reason[64];      /* error reason for the body */
    int drop;             /* 1: close before handling; 2: after handling */
    int skip;
    int count;
};

struct fbq_server {
    pthread_mutex_t lock;
    struct MHD_Daemon *mhd;
    int port;
    char *project;        /* the only project served */
    char *trust_pem;      /* public key/cert of the test service account */
    char *client_email;   /* iss the token endpoint accepts, or NULL */
    json_t *user;         /* authorized_user file the refresh grant must
                             match (client_id, client_secret,
                             refresh_token), or NULL: any */
    json_t *discovery;    /* Google's discovery document */
    int token_ttl;        /* seconds */
    int pending_polls;    /* jobs.get answers before DONE */
    sqlite3 *db;
    json_t *tokens;       /* token -> expiry (ms) */
    json_t *jobs;         /* "location.jobId" -> job state object */
    json_t *sessions;     /* upload_id -> resumable session */
    json_t *stats;        /* counters */
    struct fbq_fault faults[16];
    int nfaults;
    char job_fault[64];   /* errorResult reason for the next jobs */
    int job_fault_count;
    unsigned seq;
    FILE *log;
};

/* A request as handlers see it. */
struct fbq_req {
    const char *method;
    const char *url;      /* path only */
    struct MHD_Connection *conn;
    struct sbuf body;
    bool started;
    bool cut;             /* a fault kept only part of the body */
};

/* A response being built. */
struct fbq_resp {
    int status;
    struct sbuf body;
    char location[1024];
    char range[64];
    bool drop;            /* close the connection instead of answering */
};

/* Error bodies in BigQuery's shape; returns status. */
int fbq_error(struct fbq_resp *r, int status, const char *reason,
              const char *fmt, ...) KV_PRINTF(4, 5);
/* r's body becomes j (stolen); status 200 unless set. */
void fbq_reply(struct fbq_resp *r, int status, json_t *j);
const char *fbq_header(struct fbq_req *rq, const char *name);
const char *fbq_arg(struct fbq_req *rq, const char *name);
int64_t fbq_now_ms(void);
void fbq_count(struct fbq_server *s, const char *key, int64_t n);

/* fbq_auth.c */
void fbq_token_endpoint(struct fbq_server *s, struct fbq_req *rq,
                        struct fbq_resp *r);
/* false (with r set to the 401) unless the bearer token is valid. */
bool fbq_bearer_ok(struct fbq_server *s, struct fbq_req *rq,
                   struct fbq_resp *r);

/* fbq_disc.c: false (with r set to a 400) when body breaks the schema. */
bool fbq_validate(struct fbq_server *s, const char *schema, json_t *body,
                  struct fbq_resp *r);

/* fbq_api.c: datasets and tables. */
void fbq_api(struct fbq_server *s, struct fbq_req *rq, const char *rest,
             struct fbq_resp *r);
int fbq_store_init(struct fbq_server *s, struct kv_err *err);
/* The table's metadata row as JSON (fields, expires), or NULL. */
json_t *fbq_table_meta(struct fbq_server *s, const char *ds,
                       const char *t);
bool fbq_dataset_location(struct fbq_server *s, const char *ds,
                          char loc[64]);
int fbq_table_create(struct fbq_server *s, const char *ds, const char *t,
                     json_t *fields, int64_t expires, char *msg, size_t n);
void fbq_table_drop(struct fbq_server *s, const char *ds, const char *t);
void fbq_set_fields(struct fbq_server *s, const char *ds, const char *t,
                    json_t *fields);
/* A schema's problem as BigQuery words it, or NULL when it is valid. */
const char *fbq_check_fields(json_t *fields, char *msg, size_t n);
const char *fbq_canon(const char *type);
/* SQLite's declared type for a canonical BigQuery type. */
const char *fbq_decl(const char *type);

/* fbq_jobs.c */
void fbq_jobs(struct fbq_server *s, struct fbq_req *rq, const char *rest,
              struct fbq_resp *r);
void fbq_upload(struct fbq_server *s, struct fbq_req *rq, struct fbq_resp *r);

/* fbq_exec.c: a job's work, applied when it becomes DONE. */
void fbq_exec_load(struct fbq_server *s, json_t *job, const char *data,
                   size_t len);
void fbq_exec_query(struct fbq_server *s, json_t *job, bool dry);
void fbq_job_fail(json_t *job, const char *reason, const char *fmt, ...)
    KV_PRINTF(3, 4);

/* fbq_sql.c: the statements the client sends. */
void fbq_sql_run(struct fbq_server *s, json_t *job, const char *sql,
                 bool dry);

/* fbq_ctl.c: /_fake/ control API. */
void fbq_ctl(struct fbq_server *s, struct fbq_req *rq, struct fbq_resp *r);
/* Applies an injected fault to this request; true when one matched. */
bool fbq_fault_match(struct fbq_server *s, struct fbq_req *rq,
                     struct fbq_resp *r, int *drop);

#endif
