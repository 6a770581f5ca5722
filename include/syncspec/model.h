/*
 * syncspec schema model: the one structure that the spec loader fills, that generated C
 * declares statically, and that the checker compares against live databases.
 *
 * Every pointer in these structs is borrowed: a loaded model owns its memory through the
 * compiler's arena, a generated model is static data. Nothing here is freed one by one.
 */
#ifndef SYNCSPEC_MODEL_H
#define SYNCSPEC_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "syncspec/export.h"

typedef enum syncspec_type {
    SYNCSPEC_TYPE_TEXT = 0,
    SYNCSPEC_TYPE_INTEGER,
    SYNCSPEC_TYPE_REAL,
    SYNCSPEC_TYPE_BOOLEAN,
    SYNCSPEC_TYPE_TIMESTAMP,
    SYNCSPEC_TYPE_JSON,
    SYNCSPEC_TYPE_ID
} syncspec_type;

typedef enum syncspec_id_format { SYNCSPEC_ID_UUID = 0, SYNCSPEC_ID_TEXT } syncspec_id_format;

typedef enum syncspec_sync_format {
    SYNCSPEC_SYNC_BUCKET_DEFINITIONS = 0,
    SYNCSPEC_SYNC_STREAMS
} syncspec_sync_format;

/* Why a column exists: declared in the spec, or one of the implicit columns. */
typedef enum syncspec_column_role {
    SYNCSPEC_ROLE_DECLARED = 0,
    SYNCSPEC_ROLE_ID,
    SYNCSPEC_ROLE_OWNER,
    SYNCSPEC_ROLE_CREATED_AT,
    SYNCSPEC_ROLE_UPDATED_AT,
    SYNCSPEC_ROLE_DELETED_AT
} syncspec_column_role;

/*
 * A numeric bound (min or max). For integer columns `i` is authoritative and `r` equals
 * (double)i; for real columns `r` is authoritative.
 */
typedef struct syncspec_bound {
    bool set;
    int64_t i;
    double r;
} syncspec_bound;

typedef struct syncspec_column {
    const char *name;     /* snake_case column name, as in SQL */
    const char *property; /* camelCase property name ("projectId"); equals name when no '_' */
    syncspec_type type;
    syncspec_column_role role;
    /*
     * NOT NULL in PostgreSQL. In SQLite too, except for the owner column, which clients may
     * write before they know their user.
     */
    bool required;
    /*
     * Default in canonical text form, NULL when none: booleans "true"/"false", integers in
     * decimal, reals in shortest round-trip form, timestamps as YYYY-MM-DDTHH:MM:SS.sssZ,
     * json as compact JSON text, text and id as the string itself.
     */
    const char *default_value;
    int64_t max_length; /* in characters (code points); 0 when unset */
    syncspec_bound min, max;
    const char *pattern;            /* PCRE2 source, NULL when unset */
    const char *const *enum_values; /* canonical text of each allowed value */
    size_t enum_count;
    const char *references; /* table name, app-enforced, NULL when unset */
    const char *description;
    /* Generated code: offsetof() of this column's field in the table's row struct. */
    size_t offset;
    unsigned line, col; /* where the spec defines it, 1-based; 0 for implicit columns */
} syncspec_column;

typedef struct syncspec_index {
    const char *name; /* generated name, at most 63 bytes */
    const char *const *columns;
    size_t column_count;
    bool unique;
    bool implicit; /* the owner index every synced table gets */
    unsigned line, col;
} syncspec_index;

typedef struct syncspec_table {
    const char *name;
    const char *description;
    bool local_only;
    bool insert_only;
    bool timestamps;
    bool soft_delete;
    /* All columns in the documented order: id, declared, owner, created_at, updated_at,
     * deleted_at. */
    const syncspec_column *columns;
    size_t column_count;
    /* Owner index first (synced tables), then `indexes`, then `unique`, in spec order. */
    const syncspec_index *indexes;
    size_t index_count;
    int owner_index; /* position of the owner column in `columns`, -1 when local-only */
    size_t row_size; /* generated code: sizeof the row struct; 0 in a loaded model */
    unsigned line, col;
} syncspec_table;

typedef struct syncspec_schema {
    const char *name;       /* prefix of generated C identifiers */
    const char *owner_name; /* the owner column (the spec's owner_column), default "owner_id" */
    syncspec_id_format id_format;
    const char *pg_schema;   /* default "public" */
    const char *publication; /* default "powersync" */
    syncspec_sync_format sync_format;
    const char *bucket;           /* default "user_data" */
    const syncspec_table *tables; /* in spec order */
    size_t table_count;
    const char *source_path;   /* the spec path as given; generated code: its base name */
    const char *source_sha256; /* 64 lowercase hex digits of the spec file's bytes */
} syncspec_schema;

/* Row field values. Every column of a generated row struct is one of these, so "absent"
 * (not in the upload) and "null" (explicitly cleared) stay distinct. */
typedef enum syncspec_state { SYNCSPEC_ABSENT = 0, SYNCSPEC_NULL, SYNCSPEC_SET } syncspec_state;

/* text, id and json columns. `value` is NUL-terminated; `length` is its byte length. */
typedef struct syncspec_text_value {
    syncspec_state state;
    const char *value;
    size_t length;
} syncspec_text_value;

/* integer columns, and timestamp columns as milliseconds since the Unix epoch (UTC). */
typedef struct syncspec_int_value {
    syncspec_state state;
    int64_t value;
} syncspec_int_value;

typedef struct syncspec_real_value {
    syncspec_state state;
    double value;
} syncspec_real_value;

typedef struct syncspec_bool_value {
    syncspec_state state;
    bool value;
} syncspec_bool_value;

/* Name lookups over a model; NULL when there is no such table or column. */
SYNCSPEC_API const syncspec_table *syncspec_schema_table(const syncspec_schema *schema,
                                                         const char *name);
SYNCSPEC_API const syncspec_column *syncspec_table_column(const syncspec_table *table,
                                                          const char *name);

/* "text", "integer", ... as written in a spec. */
SYNCSPEC_API const char *syncspec_type_name(syncspec_type type);
/* The PostgreSQL column type of a syncspec type, as postgres.sql declares it. */
SYNCSPEC_API const char *syncspec_pg_type_name(syncspec_type type);

#endif
