#include "model/implicit.h"

#include <string.h>

/*
 * One row a column: role, name, property, type, required, leads, stamped, which tables,
 * why a table has it, and the hint for a table that has not. Rows are indexed by role,
 * after SYNCSPEC_ROLE_DECLARED (no implicit column), and in the order a table has the
 * columns.
 */
#define ROW(role, name, property, type, required, leads, stamped, when, why, absent)               \
    [SYNCSPEC_ROLE_##role - 1] = {                                                                 \
        SYNCSPEC_ROLE_##role,  name, property, SYNCSPEC_TYPE_##type, required, leads, stamped,     \
        MODEL_IMPLICIT_##when, why,  absent}

static const char timestamps_absent[] =
    "created_at and updated_at exist only on tables with timestamps: true";

const model_implicit model_implicit_columns[MODEL_IMPLICIT_COUNT] = {
    ROW(ID, "id", "id", ID, true, true, false, ALWAYS, "every table has an id", NULL),
    ROW(OWNER, "owner_id", "ownerId", ID, true, false, false, SYNCED,
        "it is the owner column of every synced table", "local-only tables have no owner column"),
    ROW(CREATED_AT, "created_at", "createdAt", TIMESTAMP, true, false, true, TIMESTAMPS,
        "the table has timestamps (on by default)", timestamps_absent),
    ROW(UPDATED_AT, "updated_at", "updatedAt", TIMESTAMP, true, false, true, TIMESTAMPS,
        "the table has timestamps (on by default)", timestamps_absent),
    ROW(DELETED_AT, "deleted_at", "deletedAt", TIMESTAMP, false, false, false, SOFT_DELETE,
        "the table has soft_delete: true",
        "deleted_at exists only on tables with soft_delete: true"),
};

const model_implicit *model_implicit_of(syncspec_column_role role) {
    if (role == SYNCSPEC_ROLE_DECLARED || (unsigned)role > MODEL_IMPLICIT_COUNT) return NULL;
    return &model_implicit_columns[role - 1];
}

bool model_implicit_in(const model_implicit *column, const syncspec_table *table) {
    switch (column->when) {
    case MODEL_IMPLICIT_ALWAYS:
        return true;
    case MODEL_IMPLICIT_SYNCED:
        return !table->local_only;
    case MODEL_IMPLICIT_TIMESTAMPS:
        return table->timestamps;
    case MODEL_IMPLICIT_SOFT_DELETE:
        return table->soft_delete;
    }
    return false;
}

const char *model_implicit_name(const model_implicit *column, const syncspec_schema *schema) {
    return column->role == SYNCSPEC_ROLE_OWNER ? schema->owner_name : column->name;
}

const model_implicit *model_implicit_find(const syncspec_schema *schema,
                                          const syncspec_table *table, const char *name) {
    for (size_t i = 0; i < MODEL_IMPLICIT_COUNT; i++) {
        const model_implicit *c = &model_implicit_columns[i];
        if (model_implicit_in(c, table) && strcmp(model_implicit_name(c, schema), name) == 0)
            return c;
    }
    return NULL;
}
