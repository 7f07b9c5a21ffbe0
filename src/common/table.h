/*
 * table.h - what a warehouse table looks like to every module: column types,
 * the schema of the selected columns, and a row of typed cells.  Sources
 * fill rows, destinations write them; neither knows the other.
 */
#ifndef KV_TABLE_H
#define KV_TABLE_H

#include "common/kv.h"
#include "common/err.h"

/* Column types, named as in PRODUCT.md (BigQuery's names). */
enum table_type {
    TABLE_INT64,
    TABLE_FLOAT64,
    TABLE_BOOL,
    TABLE_STRING,
    TABLE_TIMESTAMP,
    TABLE_JSON,
};

/* "INT64", "FLOAT64", "BOOL", "STRING", "TIMESTAMP", "JSON". */
const char *table_type_name(enum table_type t);
/* Parses a name of table_type_name(); false when unknown. */
bool table_type_parse(const char *name, enum table_type *out);

enum table_mode {
    TABLE_INCREMENTAL,
    TABLE_FULL_REFRESH,
};

const char *table_mode_name(enum table_mode m); /* "incremental", ... */
bool table_mode_parse(const char *name, enum table_mode *out);

/* The column holds a keyed hash (HMAC-SHA256, hex) instead of the value. */
#define TABLE_COL_HASHED 1u

struct table_column {
    char *name; /* owned */
    enum table_type type;        /* what lands in the warehouse */
    enum table_type source_type; /* what is read: differs when hashed */
    unsigned flags;
};

/*
 * The columns of one table that are selected for syncing, key columns
 * first: cols[0 .. nkey) form the table's key.  Destinations add their own
 * `_kaivo_synced_at` column; it is not listed here.
 */
struct table_schema {
    char *name; /* owned */
    struct table_column *cols; /* owned array of ncols */
    int ncols;
    int nkey;
    /* Borrowed key for TABLE_COL_HASHED columns (NULL when none). */
    const unsigned char *hmac_key;
    size_t hmac_key_len;
};

/* Appends a column (copies name), with source_type = type, no flags. */
void table_schema_add(struct table_schema *s, const char *name,
                      enum table_type type);
/* Index of the column called name, or -1. */
int table_schema_find(const struct table_schema *s, const char *name);
/* Frees the contents; the struct itself is the caller's. */
void table_schema_release(struct table_schema *s);

/*
 * One value.  BOOL is CELL_INT 0/1; TIMESTAMP is CELL_TEXT
 * "YYYY-MM-DDTHH:MM:SSZ"; JSON is CELL_TEXT holding compact JSON.
 */
enum table_cell_kind {
    CELL_NULL,
    CELL_INT,
    CELL_REAL,
    CELL_TEXT,
};

struct table_cell {
    enum table_cell_kind kind;
    int64_t i;
    double r;
    char *text; /* NUL-terminated, len bytes; owned unless borrowed */
    size_t len;
    /*
     * text points into memory that outlives the row (the parsed page a
     * string came from), saving a copy of every string of every record.
     */
    bool borrowed;
};

/*
 * A row in the order of its schema's columns.  key is the record's key as
 * text ("12", or "12:301" for a two-column key); hash is a SHA-256 of the
 * cells, used for exact change detection.
 */
struct table_row {
    struct table_cell *cells; /* owned array of ncells */
    int ncells;
    char *key;                /* owned */
    unsigned char hash[32];
};

/*
 * Parses a row key as text ("12", or "12:301" for a two-column key) into
 * s->nkey integers in vals.  KV_EUSAGE, naming the expected form, when it
 * is not one.
 */
int table_key_parse(const struct table_schema *s, const char *key,
                    int64_t *vals, struct kv_err *err);

/* Frees c's text if the cell owns it, and leaves a NULL cell. */
void table_cell_clear(struct table_cell *c);

/* Frees the contents and leaves an empty row. */
void table_row_release(struct table_row *row);

/*
 * Sets row->hash from the schema's column names and the cells, so that the
 * same values under the same selection always give the same hash, and any
 * change of a value, a type or the selection gives another.
 */
void table_row_hash(const struct table_schema *s, struct table_row *row);

#endif
