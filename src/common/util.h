/*
 * util.h - small helpers shared by every module: clocks, UTC timestamps,
 * whole-file I/O, directories, JSON string quoting.
 */
#ifndef KV_UTIL_H
#define KV_UTIL_H

#include "common/kv.h"
#include "common/err.h"
#include "common/mem.h"

/* Milliseconds on the monotonic clock (for rates and timeouts). */
int64_t kv_now_ms(void);
/* Seconds since the Unix epoch (wall clock). */
int64_t kv_now_epoch(void);
void kv_sleep_ms(int64_t ms);

/*
 * Formats Unix seconds as "YYYY-MM-DDTHH:MM:SSZ" into out (>= 32 bytes).
 * Returns false (out = "") when the year falls outside 0001..9999.
 */
bool kv_format_utc(int64_t epoch, char out[32]);

/*
 * Reads a whole file into a new NUL-terminated buffer (free with free()).
 * Fails with KV_EFAIL when the file is larger than max bytes.
 */
int kv_read_file(const char *path, size_t max, char **out, size_t *len,
                 struct kv_err *err);

/*
 * Writes data to path through a temporary file, fsync and rename, so a
 * reader sees the old or the new content, never a part.  mode is applied
 * before any byte is written (0600 for secrets).
 */
int kv_write_file_atomic(const char *path, const void *data, size_t len,
                         unsigned mode, struct kv_err *err);

/* mkdir -p with mode for the directories it creates. */
int kv_mkdir_p(const char *path, unsigned mode, struct kv_err *err);

bool kv_file_exists(const char *path);

/* Appends s as a JSON string literal (with quotes) to sb. */
void kv_json_quote(struct sbuf *sb, const char *s);

/* Removes leading and trailing white space in place; returns s. */
char *kv_trim(char *s);

/*
 * Parses a decimal int64 that fills the whole string (no sign other than
 * '-', no spaces).  Returns false when it is not one.
 */
bool kv_parse_int64(const char *s, int64_t *out);

/* Directory holding the running executable (for the bundled simulator). */
int kv_self_dir(char *out, size_t size);

#endif
