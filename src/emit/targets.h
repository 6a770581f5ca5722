/*
 * The targets: each file syncspec generates comes from one template rendered over the
 * context its target's builder makes from the model.
 */
#ifndef SYNCSPEC_EMIT_TARGETS_H
#define SYNCSPEC_EMIT_TARGETS_H

#include "emit/context.h"
#include "syncspec.h"
#include "util/arena.h"

/*
 * One line a target: its --only name, its context builder, then its files, each a
 * template below templates/ (or a user's --templates folder) and the output file name,
 * where "%s" stands for the spec's name. Adding a target is a line here, the builder
 * (declared by this list) and its folder under templates/; for example
 *     X("c-schema", context_c_schema, EMIT_FILE("c/schema.h", "%s_schema.h"),
 *       EMIT_FILE("c/schema.c", "%s_schema.c"))
 * Generation follows this order, so it is part of the output's stable order.
 */
#define EMIT_TARGETS(X)                                                                            \
    X("sqlite", context_sqlite, EMIT_FILE("sqlite/sqlite.sql", "sqlite.sql"))                      \
    X("postgres", context_postgres, EMIT_FILE("postgres/postgres.sql", "postgres.sql"))            \
    X("sync-rules", context_sync_rules,                                                            \
      EMIT_FILE("sync_rules/sync_rules.yaml", "sync_rules.yaml"))                                  \
    X("c-schema", context_c, EMIT_FILE("c/schema.h", "%s_schema.h"),                               \
      EMIT_FILE("c/schema.c", "%s_schema.c"))                                                      \
    X("c-sanitize", context_c, EMIT_FILE("c/sanitize.c", "%s_sanitize.c"))                         \
    X("sqlite-sync", context_sqlite_sync,                                                          \
      EMIT_FILE("sqlite_sync/sqlite_sync.sql", "sqlite_sync.sql"))                                 \
    X("postgres-sync", context_postgres_sync,                                                      \
      EMIT_FILE("postgres_sync/postgres_sync.sql", "postgres_sync.sql"))                           \
    X("powersync-ts", context_powersync, EMIT_FILE("typescript/powersync.ts", "%s_powersync.ts"))  \
    X("powersync-json", context_powersync,                                                         \
      EMIT_FILE("typescript/powersync.json", "%s_powersync.json"))                                 \
    X("powersync-connector", context_powersync,                                                    \
      EMIT_FILE("typescript/connector.ts", "%s_connector.ts"))                                     \
    X("drizzle-sqlite", context_drizzle_sqlite,                                                    \
      EMIT_FILE("typescript/drizzle_sqlite.ts", "%s_drizzle_sqlite.ts"))                           \
    X("drizzle-pg", context_drizzle_pg, EMIT_FILE("typescript/drizzle_pg.ts", "%s_drizzle_pg.ts"))

enum { EMIT_MAX_FILES_PER_TARGET = 4 };

typedef ctx_value *(*context_builder)(arena *a, const syncspec_schema *schema);

#define EMIT_DECLARE_BUILDER(name, builder, ...)                                                   \
    ctx_value *builder(arena *a, const syncspec_schema *schema);
EMIT_TARGETS(EMIT_DECLARE_BUILDER)
#undef EMIT_DECLARE_BUILDER

/* Shared by the builders (context_common.c). */

/* Escapes text for the inside of a target's comments (esc_c_comment for C). */
typedef const char *(*context_escape)(arena *a, const char *text);

/*
 * The root object every context starts from: spec_path, spec_sha256 (12 hex digits),
 * banner (a list of lines), name, owner_column. Called as context_root(a, schema), or as
 * context_root(a, schema, comment) to pass each banner line through a target's comment
 * escaping (esc_c_comment for C).
 */
ctx_value *context_root_escaped(arena *a, const syncspec_schema *schema, context_escape comment);
#define CONTEXT_ROOT_PICK(a, schema, comment, name, ...) name
#define context_root(...)                                                                          \
    CONTEXT_ROOT_PICK(__VA_ARGS__, context_root_escaped, context_root_plain, )(__VA_ARGS__)
#define context_root_plain(a, schema) context_root_escaped(a, schema, NULL)
/* A description split into lines (a list of strings) at every kind of line break, control
 * characters blanked, trailing blanks and empty lines dropped, so that no text can end a
 * one-line comment early; an empty list for NULL. */
ctx_value *context_lines(arena *a, const char *text);
/* The text without trailing blanks and line breaks; NULL for NULL. */
const char *context_trim(arena *a, const char *text);
/* A table's indexes for the SQL targets: name, q (quoted), unique, columns (quoted list);
 * for PostgreSQL (`server`) as pg_index makes them. */
ctx_value *context_sql_indexes(arena *a, const syncspec_table *table, bool server);
/* "\"a\", \"b\"": an index's column list, each quoted. */
const char *context_index_columns(arena *a, const syncspec_index *index);
/* The count of synced tables. */
size_t context_synced_count(const syncspec_schema *schema);
/* The synced tables in spec order, and their count. */
const syncspec_table **context_synced_tables(arena *a, const syncspec_schema *schema,
                                             size_t *count);

#endif
