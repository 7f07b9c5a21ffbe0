/*
 * ws_records.h - what the warehouse holds, per record: the hash of the row
 * last written.  This is how change detection is exact: a record is
 * written when its row's hash differs from the stored one, whatever its
 * `updated` field says, and an unchanged record is never rewritten.
 *
 * Invariant: a hash is stored only after the row it describes is committed
 * in the destination.  A crash in between leaves the old hash, so the next
 * sync writes the row again (an idempotent upsert): nothing is lost, nothing
 * duplicated.
 */
#ifndef KV_WS_RECORDS_H
#define KV_WS_RECORDS_H

#include "ws/ws.h"

/* *found tells whether table/key has a stored hash; hash gets it. */
int ws_record_hash(struct ws *ws, const char *table, const char *key,
                   unsigned char hash[32], bool *found, struct kv_err *err);
/* Stores the hash (inside the caller's transaction, if any). */
int ws_record_put(struct ws *ws, const char *table, const char *key,
                  const unsigned char hash[32], struct kv_err *err);
/* The same into the stage of a full refresh in progress. */
int ws_record_stage(struct ws *ws, const char *table, const char *key,
                    const unsigned char hash[32], struct kv_err *err);
/* Empties the stage of table (start or failure of a full refresh). */
int ws_records_stage_clear(struct ws *ws, const char *table,
                           struct kv_err *err);
/* Makes the stage the table's records, in one transaction. */
int ws_records_stage_swap(struct ws *ws, const char *table,
                          struct kv_err *err);
int ws_record_delete(struct ws *ws, const char *table, const char *key,
                     struct kv_err *err);
/* Forgets every hash of table (and its stage). */
int ws_records_clear(struct ws *ws, const char *table, struct kv_err *err);
/*
 * Records deleted on request (`kaivo forget`) are remembered, so that no
 * later sync brings them back.
 */
int ws_forgotten_add(struct ws *ws, const char *table, const char *key,
                     struct kv_err *err);
int ws_forgotten_has(struct ws *ws, const char *table, const char *key,
                     bool *out, struct kv_err *err);
/*
 * Whether table has any forgotten key, or any stored hash: when not, a
 * load skips the per-record look-ups (a first sync makes tens of
 * thousands of them, each taking and dropping a lock on the state file).
 */
int ws_forgotten_any(struct ws *ws, const char *table, bool *out,
                     struct kv_err *err);
int ws_records_any(struct ws *ws, const char *table, bool *out,
                   struct kv_err *err);
/* How many records of table are stored. */
int64_t ws_records_count(struct ws *ws, const char *table);

#endif
