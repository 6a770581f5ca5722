/*
 * The targets: each file syncspec generates comes from one template rendered over the
 * context its target's builder makes from the model. Adding a target is one entry in the
 * table in emit.c, a builder here and a folder under templates/.
 */
#ifndef SYNCSPEC_EMIT_TARGETS_H
#define SYNCSPEC_EMIT_TARGETS_H

#include "emit/context.h"
#include "syncspec.h"
#include "util/arena.h"

typedef ctx_value *(*context_builder)(arena *a, const syncspec_schema *schema);

ctx_value *context_sqlite(arena *a, const syncspec_schema *schema);
ctx_value *context_postgres(arena *a, const syncspec_schema *schema);
ctx_value *context_sync_rules(arena *a, const syncspec_schema *schema);
ctx_value *context_c(arena *a, const syncspec_schema *schema);
ctx_value *context_sqlite_sync(arena *a, const syncspec_schema *schema);
ctx_value *context_postgres_sync(arena *a, const syncspec_schema *schema);

/* Shared by the builders. */

/* The root object every context starts from: spec path, digest, banner lines, names. */
ctx_value *context_root(arena *a, const syncspec_schema *schema);
/* A description split into lines (a list of strings), so a newline can never end a
 * comment early; an empty list when there is none. */
ctx_value *context_lines(arena *a, const char *text);
/* "\"a\", \"b\"": an index's column list, each quoted. */
const char *context_index_columns(arena *a, const syncspec_index *index);
/* The count of synced tables. */
size_t context_synced_count(const syncspec_schema *schema);

#endif
