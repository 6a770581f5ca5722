/*
 * The name rule for tables, columns and the other names a spec declares: ^[a-z][a-z0-9_]*$,
 * at most SPEC_LIMIT_NAME bytes, and no prefix that SQLite, PostgreSQL, PowerSync or
 * syncspec reserve. The validator words the diagnostics; `new-table` refuses the same names.
 */
#ifndef SYNCSPEC_MODEL_NAMES_H
#define SYNCSPEC_MODEL_NAMES_H

typedef enum model_name_status {
    MODEL_NAME_OK = 0,
    MODEL_NAME_INVALID,  /* a character outside [a-z0-9_], or not starting with a letter */
    MODEL_NAME_TOO_LONG, /* over SPEC_LIMIT_NAME bytes */
    MODEL_NAME_RESERVED, /* starts with a reserved prefix */
} model_name_status;

typedef struct model_reserved_prefix {
    const char *prefix, *owner; /* "ps_", "PowerSync" */
} model_reserved_prefix;

/* Checks `name`; for MODEL_NAME_RESERVED, sets *reserved (when not NULL) to the prefix's
 * row (static storage). */
model_name_status model_check_name(const char *name, const model_reserved_prefix **reserved);

#endif
