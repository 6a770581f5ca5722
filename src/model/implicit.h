/*
 * The columns a table has without declaring them, as one table: their names, types and
 * roles, which tables have them and where they go. The loader adds them to every table,
 * the validator words its diagnostics from them, and the runtime finds them by role.
 * Adding one is adding a role in syncspec/model.h and one row in implicit.c.
 */
#ifndef SYNCSPEC_MODEL_IMPLICIT_H
#define SYNCSPEC_MODEL_IMPLICIT_H

#include <stdbool.h>
#include <stddef.h>

#include "syncspec/model.h"

/* Which tables have an implicit column. */
typedef enum model_implicit_when {
    MODEL_IMPLICIT_ALWAYS = 0,  /* every table */
    MODEL_IMPLICIT_SYNCED,      /* tables that are not local_only */
    MODEL_IMPLICIT_TIMESTAMPS,  /* tables with timestamps: true (the default) */
    MODEL_IMPLICIT_SOFT_DELETE, /* tables with soft_delete: true */
} model_implicit_when;

typedef struct model_implicit {
    syncspec_column_role role;
    /* "created_at" and its property "createdAt"; for the owner, the default of the spec's
     * owner_column (model_implicit_name gives the name a schema chose). */
    const char *name, *property;
    syncspec_type type;
    bool required;
    bool leads;   /* comes before the declared columns (id); the others follow them */
    bool stamped; /* applying an upload that leaves it out writes the current time */
    model_implicit_when when;
    const char *why;    /* why a table has it: "every table has an id" */
    const char *absent; /* a hint for a table that names it without having it, or NULL */
} model_implicit;

/* Every role but SYNCSPEC_ROLE_DECLARED is an implicit column, in role order. */
enum { MODEL_IMPLICIT_COUNT = SYNCSPEC_ROLE_DELETED_AT };

/* The rows in the order a table's columns have them. Static storage. */
extern const model_implicit model_implicit_columns[MODEL_IMPLICIT_COUNT];

/* The row of an implicit role; NULL for SYNCSPEC_ROLE_DECLARED. Static storage. */
const model_implicit *model_implicit_of(syncspec_column_role role);

/* Whether a table with these options has the column. */
bool model_implicit_in(const model_implicit *column, const syncspec_table *table);

/* The column's name in `schema`: its own, or the schema's owner_name for the owner. */
const char *model_implicit_name(const model_implicit *column, const syncspec_schema *schema);

/* The implicit column of `table` called `name` in `schema`, or NULL. */
const model_implicit *model_implicit_find(const syncspec_schema *schema,
                                          const syncspec_table *table, const char *name);

#endif
