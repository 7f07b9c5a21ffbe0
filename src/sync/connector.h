/*
 * connector.h - the link between a workspace's settings and the parts that
 * do the work: the Customer.io client configuration and the destination.
 * Config keys (workspace state, `config` table):
 *   source.region         us | eu
 *   source.base_url       region URL or --api-url
 *   source.rate           requests per second (default 10)
 *   source.max_in_flight  requests in flight (default 4)
 *   destination.type      sqlite (default) | bigquery
 *   destination.path      the SQLite warehouse file
 *   destination.created   "1": Kaivo created the SQLite file
 *   destination.project   BigQuery: the project
 *   destination.dataset   BigQuery: the dataset (default customerio)
 *   destination.location  BigQuery: the dataset's location (default US)
 *   destination.credentials  BigQuery: a key file (absolute path); unset:
 *                         $GOOGLE_APPLICATION_CREDENTIALS
 *   destination.api_url   BigQuery: API base URL (tests, proxies)
 *   destination.dataset_created  BigQuery: "PROJECT.DATASET" Kaivo created
 */
#ifndef KV_CONNECTOR_H
#define KV_CONNECTOR_H

#include "common/kv.h"
#include "dest/dest.h"
#include "source/cio.h"
#include "ws/ws.h"

/* Owns the strings a struct cio_config points to. */
struct connector_source {
    struct cio_config cfg;
    char *base_url; /* owned */
    char *api_key;  /* owned; registered with the logger for redaction */
};

/*
 * Reads the source settings and the stored key.  Environment overrides for
 * tests and benchmarks: KAIVO_RETRY_BASE_MS, KAIVO_MAX_ATTEMPTS,
 * KAIVO_MAX_WAIT_MS, KAIVO_TIMEOUT_MS.
 */
int connector_source_load(struct ws *ws, struct connector_source *src,
                          struct kv_err *err);
void connector_source_release(struct connector_source *src);

/* The warehouse path in use (config or the default).  free() it. */
char *connector_dest_path(struct ws *ws);
/*
 * Whether Kaivo created the configured destination's container (the
 * SQLite file, the BigQuery dataset): disconnect deletes it only then.
 */
bool connector_dest_created(struct ws *ws);
/* Opens the configured destination.  dest_close() it. */
int connector_open_dest(struct ws *ws, struct dest **out,
                        struct kv_err *err);

#endif
