/*
 * bq.h - the BigQuery destination, over the REST API v2 with libcurl and
 * gauth (no Google SDK).  Tables land in one dataset; each load goes
 * through a staging table with an expiry, NDJSON load jobs and one SQL
 * statement (MERGE for UPSERT, CREATE OR REPLACE TABLE for REPLACE).
 */
#ifndef KV_BQ_H
#define KV_BQ_H

#include "common/kv.h"
#include "common/err.h"
#include "dest/dest.h"

#define BQ_API_URL "https://bigquery.googleapis.com"
#define BQ_DEFAULT_DATASET "customerio"

struct bq_config {
    const char *project;     /* required */
    const char *dataset;     /* default "customerio" */
    const char *location;    /* default "US" */
    const char *credentials; /* key file; NULL: the ADC environment */
    const char *api_url;     /* NULL: $BIGQUERY_EMULATOR_HOST or Google */
    /* Called when this destination created the dataset; may be NULL. */
    void (*on_created)(void *ctx, const char *project, const char *dataset);
    void *ctx;
};

/*
 * Opens the destination; reads the credentials but sends nothing yet.
 * *out is freed with dest_close().
 */
int bq_open(const struct bq_config *cfg, struct dest **out,
            struct kv_err *err);

/*
 * Query jobs run from now on carry configuration.jobTimeoutMs = ms, so
 * BigQuery itself stops a long query (0: no limit, the default).  Does
 * nothing when d is not a BigQuery destination.
 */
void bq_set_job_timeout(struct dest *d, int64_t ms);

/* Requests and uploaded bytes so far (tests and benchmarks). */
void bq_counters(struct dest *d, int64_t *requests, int64_t *bytes);

#endif
