/*
 * Rows of generated row structs, addressed through the table descriptors: their canonical
 * text, PostgreSQL text-format parameters and SQLite bindings (as JSON: json.h).
 */
#ifndef SYNCSPEC_ROW_H
#define SYNCSPEC_ROW_H

#include "syncspec/export.h"
#include "syncspec/model.h"
#include "syncspec/value.h"

struct sqlite3_stmt;

/* Whether a column of a row is absent, null or set. */
SYNCSPEC_API syncspec_state syncspec_row_state(const syncspec_column *column, const void *row);

/*
 * The canonical text of a set value: integers in decimal, reals in shortest form, booleans
 * "true"/"false", timestamps YYYY-MM-DDTHH:MM:SS.sssZ, text and json as stored. NULL when
 * the value is null or absent. The result is `buf` or borrowed from the row.
 */
SYNCSPEC_API const char *syncspec_row_text(char buf[SYNCSPEC_TIMESTAMP_SIZE],
                                           const syncspec_column *column, const void *row);

/*
 * PostgreSQL text-format parameters for PQexecParams, one per column in descriptor order
 * (values[i] is NULL for a null or absent column). `scratch` has one slot per column.
 * Returns the number of parameters (table->column_count).
 */
SYNCSPEC_API int syncspec_row_pg_params(const char **values,
                                        char (*scratch)[SYNCSPEC_TIMESTAMP_SIZE],
                                        const syncspec_table *table, const void *row);

/* Binds every column to parameters 1..column_count (null and absent as NULL, booleans as
 * 0/1, timestamps as canonical text). Returns SQLITE_OK or an SQLite error code. */
SYNCSPEC_API int syncspec_row_bind_sqlite(struct sqlite3_stmt *statement,
                                          const syncspec_table *table, const void *row);

/*
 * A copy of `schema` with row layouts (offsets and row sizes as a generated row struct
 * would have: one syncspec_*_value per column), so rows and sanitizers work on a spec
 * loaded at run time. Free with syncspec_schema_layout_free (NULL-safe); `schema` must
 * outlive the copy.
 */
SYNCSPEC_API int syncspec_schema_layout(syncspec_schema **out, const syncspec_schema *schema);
SYNCSPEC_API void syncspec_schema_layout_free(syncspec_schema *layout);

#endif
