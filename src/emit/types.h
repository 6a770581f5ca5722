/*
 * The type table of the spec language and the nullability rules, in one place:
 * the emitters write them and the checker expects them.
 */
#ifndef SYNCSPEC_EMIT_TYPES_H
#define SYNCSPEC_EMIT_TYPES_H

#include <stdbool.h>

#include "model/checks.h"
#include "syncspec.h"
#include "util/arena.h"

/* "TEXT", "INTEGER" or "REAL". */
const char *sqlite_type_name(syncspec_type type);
/* As PostgreSQL's format_type() prints it: "bigint", "timestamp(3) with time zone", ... */
const char *pg_type_name(syncspec_type type);
/* SQLite: NOT NULL for the id and required columns, except the owner (clients may write
 * before they know their user). */
bool sqlite_not_null(const syncspec_column *column);
/* PostgreSQL: NOT NULL for the id, the owner and required columns. */
bool pg_not_null(const syncspec_column *column);

/*
 * An index as postgres.sql creates it. A unique key of a synced table holds per owner
 * there, so the owner column leads it (unless the spec lists it already): each user syncs
 * only their own rows, and one user's key must not block, or be replaced by, another
 * user's rows. A device holds one user's rows, so sqlite.sql keeps the spec's columns.
 * The columns are allocated in `a` when the owner is added.
 */
syncspec_index pg_index(arena *a, const syncspec_table *table, const syncspec_index *index);

/* The name of a generated PostgreSQL CHECK constraint: ck_<table>_<column>_<kind name>,
 * shortened to 63 bytes like index names. */
const char *pg_check_name(arena *a, const char *table, const char *column, model_check_kind kind);

/*
 * The kinds of the CHECK constraints the generated postgres.sql puts on a column, in the
 * order it writes them: enum, min, max, length (char_length), and format on the id when
 * id_format is uuid. Fills `kinds` (room for MODEL_CHECK_COUNT) and returns how many.
 */
size_t pg_check_kinds(model_check_kind *kinds, const syncspec_schema *schema,
                      const syncspec_column *column);
/* What a CHECK of this kind compares with: "0", "'a', 'b'", "200", the uuid regex. */
const char *pg_check_value(arena *a, const syncspec_column *column, model_check_kind kind);
/* The whole condition of a CHECK of this kind, as postgres.sql writes it between the
 * parentheses: "\"version\" >= 1", "char_length(\"name\") <= 200", ... */
const char *pg_check_expression(arena *a, const syncspec_column *column, model_check_kind kind);
/* The column's default as a PostgreSQL literal (numbers and booleans bare), NULL if none. */
const char *pg_default_literal(arena *a, const syncspec_column *column);
/* The PowerSync client's column type, "TEXT", "INTEGER" or "REAL": the affinity of the
 * value as the generated sync rules deliver it (booleans 1/0, timestamps and JSON as
 * text), which is the SQLite type. */
#define powersync_type_name sqlite_type_name

/* The PostgreSQL regular expression of the "format" CHECK on a uuid id: the shape
 * syncspec_is_uuid accepts (8-4-4-4-12 lowercase hex digits), no looser, no stricter. */
extern const char pg_uuid_regex[];

#endif
