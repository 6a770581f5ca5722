/*
 * The emit stage: schema model → generated files. Each target builds a JSON context from
 * the model and renders its templates (embedded, or from a user's --templates folder).
 */
#ifndef SYNCSPEC_EMIT_EMIT_H
#define SYNCSPEC_EMIT_EMIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "model/checks.h"
#include "syncspec.h"
#include "util/arena.h"
#include "util/diag.h"

typedef struct emit_file {
    const char *target; /* the --only name of the target that produced it */
    const char *path;   /* file name relative to the output folder, e.g. "sqlite.sql" */
    const char *content;
    size_t length;
    size_t index; /* its place in the run's stable order: 0, 1, ... */
} emit_file;

/* The most files one run can make (every target's files). */
enum { EMIT_MAX_FILES = 48 };

typedef struct emit_options {
    const char *const *only;   /* NULL-terminated target names, or NULL for all */
    const char *templates_dir; /* a user's templates, or NULL for the embedded ones */
} emit_options;

#define EMIT_OPTIONS_INIT                                                                          \
    { NULL, NULL }

/* NULL-terminated list of target names in generation order, for --only and --help. */
extern const char *const emit_target_names[];

/*
 * Renders the selected targets. On success returns 0, sets *files / *count (allocated in
 * `a`, in a stable order) and fills *templates_used (NULL-terminated, for depfiles: the
 * embedded ones are named "<embedded>/path" and a user's by their real path). Returns -1
 * with diagnostics on an unknown target or a template error.
 */
int emit_generate(emit_file **files, size_t *count, const char ***templates_used, arena *a,
                  const syncspec_schema *schema, const emit_options *options, diag_list *diags);

/*
 * Where emit_generate_to sends the files. `begin` names the next file (its content NULL)
 * and returns a handle for it; `write` gives that file's text in order, in pieces of about
 * a hundred kilobytes, and `end` closes it, with ok false when a template failed (the
 * file's text is then incomplete).
 *
 * Targets render on two threads, so two files can be open at once: begin may be called
 * from either thread (never twice at the same moment with the same file), and a file's
 * write and end calls come from the thread that began it. A sink that keeps each file by
 * its file->index has them in the stable order whatever the timing.
 */
typedef struct emit_sink {
    void *(*begin)(void *data, const emit_file *file);
    void (*write)(void *file, const char *text, size_t length);
    void (*end)(void *file, bool ok);
    void *data;
} emit_sink;

/*
 * emit_generate without holding the files: each is streamed to `sink` while it renders,
 * so memory stays small whatever the size of the spec. The same files, in the same order,
 * with the same bytes. Returns 0, or -1 with diagnostics (the sink may then have seen
 * some files, which it should drop).
 */
int emit_generate_to(const emit_sink *sink, const char ***templates_used, arena *a,
                     const syncspec_schema *schema, const emit_options *options, diag_list *diags);

/*
 * Repair statements (check --fix-sql), rendered from the target's repair.sql over the
 * same context generate uses, through the same partials (table.sql, column.sql,
 * check.sql, index.sql, publication.sql): what a statement holds is always what the
 * generated file has, quoted as it is there, never text cut out of rendered SQL.
 */
typedef enum emit_repair_kind {
    EMIT_REPAIR_CREATE_TABLE,            /* the table's statements, as the generated file */
    EMIT_REPAIR_ADD_COLUMN,              /* ALTER TABLE ... ADD COLUMN <definition>; */
    EMIT_REPAIR_ADD_CHECK,               /* postgres: ALTER TABLE ... ADD CONSTRAINT ...; */
    EMIT_REPAIR_REPLACE_CHECK,           /* postgres: DROP CONSTRAINT, ADD in one statement */
    EMIT_REPAIR_VALIDATE_CHECK,          /* postgres: VALIDATE CONSTRAINT */
    EMIT_REPAIR_SET_NOT_NULL,            /* postgres: ALTER COLUMN ... SET NOT NULL */
    EMIT_REPAIR_DROP_NOT_NULL,           /* postgres: ALTER COLUMN ... DROP NOT NULL */
    EMIT_REPAIR_ADD_PRIMARY_KEY,         /* postgres: ADD PRIMARY KEY (the id column) */
    EMIT_REPAIR_SET_LOGGED,              /* postgres: SET LOGGED */
    EMIT_REPAIR_REPLICA_IDENTITY,        /* postgres: REPLICA IDENTITY DEFAULT */
    EMIT_REPAIR_CREATE_INDEX,            /* CREATE [UNIQUE] INDEX IF NOT EXISTS ...; */
    EMIT_REPAIR_PUBLICATION_ADD_TABLE,   /* postgres: ALTER PUBLICATION ... ADD TABLE */
    EMIT_REPAIR_PUBLICATION_DROP_TABLE,  /* postgres: ALTER PUBLICATION ... DROP TABLE */
    EMIT_REPAIR_PUBLICATION_READD_TABLE, /* postgres: the table again, all columns and rows */
    EMIT_REPAIR_PUBLICATION_OPTIONS,     /* postgres: what it publishes (no table) */
    EMIT_REPAIR_PUBLICATION,             /* postgres: postgres.sql's publication block */
    EMIT_REPAIR_KIND_COUNT
} emit_repair_kind;

typedef struct emit_repair {
    emit_repair_kind kind;
    const syncspec_table *table;   /* every kind but the last two */
    const syncspec_column *column; /* the column and CHECK kinds: a column of `table` */
    model_check_kind check_kind;   /* the CHECK's kind */
    const syncspec_index *index;   /* CREATE_INDEX: an index of `table` */
} emit_repair;

/*
 * Renders one repair statement for "sqlite" or "postgres" into *sql (allocated in `a`,
 * ending in a line break). *sql is "" when the target has no such statement for the table
 * (a local-only table in PostgreSQL, a CHECK the column does not have). Returns 0, or -1
 * with diagnostics.
 */
int emit_repair_sql(const char **sql, arena *a, const syncspec_schema *schema,
                    const char *target_name, const emit_repair *repair, diag_list *diags);

/*
 * The name generated files record for their spec: the base name of schema->source_path
 * ("app.yaml" for ./schemas/app.yaml), so that the output is the same whatever path the
 * spec was given by; "<spec>" when there is none. Points into source_path.
 */
const char *emit_spec_name(const syncspec_schema *schema);

/* The JSON context a target's templates are rendered over (what generate --dump-context
 * prints); NULL for an unknown target. The caller owns the reference. */
json_t *emit_context(const syncspec_schema *schema, const char *target);

/*
 * Renders one template over a jansson context, for tools and tests that bring their own
 * (an edited --dump-context, say): `path` is below templates/ ("sqlite/sqlite.sql"), read
 * from `templates_dir` when that folder has it, else the embedded one; partials resolve in
 * the same folder. Sets *out (allocated in `a`) and *length. Returns 0, or -1 with
 * diagnostics. Rendering emit_context(schema, T) this way gives what generate writes.
 */
int emit_render_json(const char **out, size_t *length, arena *a, const char *path,
                     const json_t *context, const char *templates_dir, diag_list *diags);

#endif
