/*
 * The check stage: live databases, deployed sync rules and generated files compared with
 * the spec model. Each checker reads its target once (a constant number of catalog queries
 * whatever the table count) and adds findings; none prints.
 */
#ifndef SYNCSPEC_CHECK_CHECK_H
#define SYNCSPEC_CHECK_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "syncspec.h"
#include "util/arena.h"

typedef enum finding_severity { FINDING_ERROR = 0, FINDING_WARNING } finding_severity;

typedef struct finding {
    finding_severity severity;
    const char *code;   /* stable, kebab-case: "missing-column" */
    const char *target; /* "sqlite", "postgres", "sync-rules", "generated" */
    const char *table;  /* NULL when the finding is about the database as a whole */
    const char *column;
    const char *index;             /* the index an index finding is about; NULL for the others */
    const char *expected, *actual; /* NULL when not applicable */
    const char *message;
    unsigned line; /* spec line of the table or column concerned; 0 when none */
    /* Repair SQL for this finding: an executable statement, or a comment saying why it is
     * not executable (destructive or lossy); NULL when there is none. */
    const char *fix;
} finding;

typedef struct findings {
    arena *a;
    finding *items; /* malloc'ed; freed by findings_free */
    size_t count, cap;
    size_t queries; /* catalog queries issued, for the benchmark */
} findings;

void findings_init(findings *f, arena *a);
void findings_free(findings *f);
finding *findings_add(findings *f, finding_severity severity, const char *code, const char *target,
                      const char *table, const char *column, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
size_t findings_errors(const findings *f);

/*
 * Each returns 0 when it could check (findings added, possibly none), or -1 when it could
 * not, with *error set to a message (allocated in f->a) naming the cause.
 */
int check_sqlite(findings *f, const syncspec_schema *schema, const char *path, const char **error);
int check_postgres(findings *f, const syncspec_schema *schema, const char *conninfo,
                   const char **error);
int check_sync_rules(findings *f, const syncspec_schema *schema, const char *path,
                     const char **error);
int check_generated(findings *f, const syncspec_schema *schema, const char *dir,
                    const char **error);

/* The type the spec gives a column, as a database names it, followed by the spec's own
 * name when that is another word: "bigint (integer)", but "text" and "TEXT". */
const char *spec_type_text(arena *a, syncspec_type type,
                           const char *(*database_name)(syncspec_type type));

/* The spec line of a table or a column (0 for implicit columns: then the table's line). */
unsigned check_line(const syncspec_table *table, const syncspec_column *column);

/* Spec tables by name, sorted once: a catalog of thousands of tables is matched against
 * the spec in n log n, not n squared. Allocated in the arena. */
typedef struct table_lookup {
    const syncspec_table **sorted;
    size_t count;
} table_lookup;

void table_lookup_init(table_lookup *l, arena *a, const syncspec_schema *schema);
/* The spec table named `name`, or NULL. */
const syncspec_table *table_lookup_find(const table_lookup *l, const char *name);

#endif
