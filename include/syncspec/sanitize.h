/*
 * Upload sanitizers: one op of a client upload ({"op", "table", "id", "data"}) and the
 * authenticated user id in; a typed row ready to bind as query parameters, or every field
 * error of the op, out. Nothing from the input ever becomes SQL text.
 *
 * Works on generated schemas (descriptors with row layouts: row_size > 0).
 */
#ifndef SYNCSPEC_SANITIZE_H
#define SYNCSPEC_SANITIZE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "syncspec/error.h"
#include "syncspec/export.h"
#include "syncspec/model.h"

typedef enum syncspec_op_kind {
    SYNCSPEC_OP_PUT = 0, /* insert or replace the whole row */
    SYNCSPEC_OP_PATCH,   /* change the given columns */
    SYNCSPEC_OP_DELETE
} syncspec_op_kind;

/* Error codes (stable): */
#define SYNCSPEC_E_BAD_OP "bad-op" /* op is not PUT, PATCH or DELETE, or not an object */
#define SYNCSPEC_E_UNKNOWN_TABLE "unknown-table" /* no such table in the schema */
#define SYNCSPEC_E_LOCAL_ONLY "local-only-table" /* the table never leaves the device */
#define SYNCSPEC_E_INSERT_ONLY "insert-only"     /* PATCH or DELETE on an insert-only table */
#define SYNCSPEC_E_BAD_ID "bad-id"               /* id missing or not in the id format */
#define SYNCSPEC_E_ID_MISMATCH "id-mismatch"     /* data.id differs from the op's id */
#define SYNCSPEC_E_BAD_DATA "bad-data"           /* data is not an object */
#define SYNCSPEC_E_UNKNOWN_KEY "unknown-key"     /* no column by that snake or camel name */
#define SYNCSPEC_E_KEY_CONFLICT "key-conflict"   /* snake and camel keys with different values */
#define SYNCSPEC_E_DUPLICATE_KEY "duplicate-key" /* the same key twice in data (text ops) */
#define SYNCSPEC_E_FORBIDDEN_OWNER "forbidden-owner" /* owner set to another user */
#define SYNCSPEC_E_IMMUTABLE "immutable"             /* PATCH changing id or owner */
#define SYNCSPEC_E_REQUIRED "required" /* a required column missing (PUT) or cleared */
#define SYNCSPEC_E_TYPE "type"         /* a value that does not fit the column's type */
#define SYNCSPEC_E_MAX_LENGTH "max-length"
#define SYNCSPEC_E_MIN "min"
#define SYNCSPEC_E_MAX "max"
#define SYNCSPEC_E_PATTERN "pattern"
#define SYNCSPEC_E_ENUM "enum"

typedef struct syncspec_field_error {
    const char *column; /* the column or key concerned; NULL for the op as a whole */
    const char *code;   /* one of SYNCSPEC_E_* */
    char message[160];
} syncspec_field_error;

enum { SYNCSPEC_MAX_FIELD_ERRORS = 32 };

typedef struct syncspec_op {
    syncspec_op_kind kind;
    const syncspec_table *table; /* NULL when unknown */
    const char *id;
    /* The table's generated row struct (e.g. app_documents_row). For PATCH only the given
     * columns are set; the others are SYNCSPEC_ABSENT. For DELETE only the id. */
    void *row;
    syncspec_field_error errors[SYNCSPEC_MAX_FIELD_ERRORS];
    size_t error_count; /* may exceed SYNCSPEC_MAX_FIELD_ERRORS: the rest are not stored */
} syncspec_op;

typedef struct syncspec_sanitizer syncspec_sanitizer;

/*
 * Prepares a sanitizer for a generated schema: every pattern compiled once (JIT where
 * available). Returns 0; SYNCSPEC_EINVALID, with the reason in `error` (may be NULL), for a
 * pattern that does not compile or a schema without row layouts; SYNCSPEC_ENOMEM. Free it
 * with syncspec_sanitizer_free (NULL-safe). A sanitizer is not thread-safe: use one per
 * thread.
 */
SYNCSPEC_API int syncspec_sanitizer_new(syncspec_sanitizer **out, const syncspec_schema *schema,
                                        syncspec_error *error);
SYNCSPEC_API void syncspec_sanitizer_free(syncspec_sanitizer *sanitizer);

/*
 * Sanitizes one op for the user `user_id` (the JWT sub). Returns 0 when the op is valid
 * (out->row is ready), 1 when it has errors (out->errors), -1 when memory is exhausted.
 * Text in the row borrows from `op` or from the sanitizer: it stays valid while `op` lives
 * and until the next call on this sanitizer.
 */
SYNCSPEC_API int syncspec_sanitize(syncspec_op *out, syncspec_sanitizer *sanitizer,
                                   const json_t *op, const char *user_id);

/* The same over JSON text (one op); a parse error is reported as a bad-op error. Only
 * this entry point sees keys given twice (duplicate-key), which a parsed tree has lost.
 * The parsed op is kept by the sanitizer until the next call. */
SYNCSPEC_API int syncspec_sanitize_text(syncspec_op *out, syncspec_sanitizer *sanitizer,
                                        const char *json, size_t length, const char *user_id);

#endif
