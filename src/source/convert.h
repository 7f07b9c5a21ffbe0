/*
 * convert.h - one Customer.io record (a JSON object) to one typed row of
 * the selected columns.  Only selected columns are read: a field that is not
 * selected is never copied anywhere.
 *
 * Rules (PRODUCT.md): INT64 takes integers, whole-valued reals and strings
 * of decimal digits (action ids arrive as "25"); TIMESTAMP takes Unix
 * seconds and gives "YYYY-MM-DDTHH:MM:SSZ" (first_started 0 is NULL); BOOL
 * takes true/false; STRING takes strings; FLOAT64 takes numbers; JSON takes
 * any value and stores it compact.  null or an absent field is NULL.  A
 * value that does not fit its column is stored NULL and reported.
 */
#ifndef KV_CONVERT_H
#define KV_CONVERT_H

#include "common/kv.h"
#include "common/err.h"
#include "common/table.h"

struct json_object; /* json-c's: a record of a parsed page */

#define CONVERT_MAX_EXAMPLES 20

/* One value that did not fit: where and why, never the value itself. */
struct convert_issue {
    char key[64];
    char column[64];
    char reason[96]; /* e.g. "expected INT64, got string" */
};

/* What did not fit during one table's sync.  Zero it to start. */
struct convert_report {
    int64_t bad_values;
    int nexamples;
    struct convert_issue examples[CONVERT_MAX_EXAMPLES];
};

/*
 * Converts rec into out (whose contents it replaces) for schema s, sets
 * out->key from the key columns and out->hash.  campaign_id, when > 0, fills
 * a missing `campaign_id` (the actions endpoint is per campaign).  A record
 * whose key is missing or not an integer fails with KV_EMALFORMED: it
 * cannot be stored without breaking "a row per id".  STRING cells borrow
 * their text from rec: use and release out before rec is freed.
 */
int convert_record(const struct table_schema *s, struct json_object *rec,
                   int64_t campaign_id, struct table_row *out,
                   struct convert_report *rep, struct kv_err *err);

/*
 * Reads v as INT64 by the rules above (integer, whole real, decimal
 * string).  Returns NULL, or what v was instead ("string", "boolean",
 * "real with a fraction", ...).
 */
const char *convert_int64(struct json_object *v, int64_t *out);

/*
 * The type Kaivo gives a newly seen field from one value: integer INT64,
 * real FLOAT64, true/false BOOL, string STRING, array/object JSON.  Returns
 * false for null (nothing to infer from).
 */
bool convert_infer_type(struct json_object *value, enum table_type *out);

#endif
