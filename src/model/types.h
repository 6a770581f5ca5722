/*
 * The column types of the spec language, as one table: every stage that needs to know
 * something about a type (the loader, the emitters, the checker, `new-table`, the runtime)
 * reads its row here. Adding a type is adding an enum value in syncspec/model.h and one row
 * in types.c.
 */
#ifndef SYNCSPEC_MODEL_TYPES_H
#define SYNCSPEC_MODEL_TYPES_H

#include <stdbool.h>
#include <stddef.h>

#include "syncspec/model.h"

typedef struct model_type {
    const char *spec;      /* the name a spec writes: "timestamp" */
    const char *c_enum;    /* the enum constant generated C names: "SYNCSPEC_TYPE_TIMESTAMP" */
    const char *sqlite;    /* SQLite column type; also PowerSync's column type */
    const char *postgres;  /* PostgreSQL column type, as format_type() prints it back */
    const char *c_value;   /* value struct of a generated row field: "syncspec_int_value" */
    const char *powersync; /* column helper of @powersync/common: "text", "integer", "real" */
    const char *pg_core;   /* Drizzle pg-core column builder: "doublePrecision" */
    bool numeric;          /* values are written bare in SQL and TypeScript, not quoted */
} model_type;

enum { MODEL_TYPE_COUNT = SYNCSPEC_TYPE_ID + 1 };

/* The row of `type`; an out-of-range value gets the text row. Static storage. */
const model_type *model_type_of(syncspec_type type);

/* Finds the type a spec names; returns false when `name` is no type. */
bool model_type_lookup(const char *name, syncspec_type *out);

/* The spec names in table order, NULL-terminated (for lists and "did you mean").
 * Static storage. */
const char *const *model_type_names(void);

#endif
