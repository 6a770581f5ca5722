/*
 * The validator: the rules of the spec language that concern meaning rather than shape
 * (names, constraints and the values they must admit, references, indexes, limits), run
 * over a model the loader built, with every finding collected.
 */
#ifndef SYNCSPEC_VALIDATE_VALIDATE_H
#define SYNCSPEC_VALIDATE_VALIDATE_H

#include "spec/source.h"
#include "syncspec.h"
#include "util/arena.h"
#include "util/diag.h"

/*
 * Checks `schema` (positions from `src`) and adds a diagnostic for every broken rule.
 * Returns 0 when it found no error, -1 otherwise (warnings alone return 0).
 */
int validate_schema(const syncspec_schema *schema, const spec_source *src, arena *a,
                    diag_list *diags);

/*
 * Checks one name (table, column, ...) against `^[a-z][a-z0-9_]*$`, the 63-byte limit and
 * the reserved prefixes. Returns NULL when it is valid, else the diagnostic code and sets
 * *why to a message (allocated in `a`) that starts with `what`.
 */
const char *validate_name(const char **why, arena *a, const char *what, const char *name);

#endif
