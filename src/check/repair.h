/*
 * Repair statements come from the same templates as the generated files (emit_repair_sql:
 * each target's repair.sql, through the partials its generated file uses), rendered from
 * the model for the one piece a finding needs. No SQL is written twice, and none is cut
 * out of rendered text.
 */
#ifndef SYNCSPEC_CHECK_REPAIR_H
#define SYNCSPEC_CHECK_REPAIR_H

#include "emit/emit.h"
#include "syncspec.h"
#include "util/arena.h"

/* The statement for `repair` in "sqlite" or "postgres", ending in a line break; NULL when
 * the target has none for it, or on error. Allocated in `a`. */
const char *repair_sql(arena *a, const syncspec_schema *schema, const char *target,
                       emit_repair repair);

/* A comment block: "-- " before each line of the text. A line ends at a line feed or a
 * carriage return (PostgreSQL ends a comment at either), so no text in it runs as SQL. */
const char *repair_comment(arena *a, const char *text);

#endif
