/* Names the loader derives: camelCase properties and generated index names. */
#ifndef SYNCSPEC_SPEC_NAMES_H
#define SYNCSPEC_SPEC_NAMES_H

#include <stddef.h>

#include "util/arena.h"

/* "project_id" → "projectId": each '_' is dropped and the letter after it upper-cased.
 * Returns `name` itself when it has no '_'. */
const char *spec_property_name(arena *a, const char *name);

/*
 * "<prefix>_<table>_<col1>_<col2>...", shortened when over 63 bytes to its first 54 bytes,
 * '_' and 8 hex digits of the FNV-1a hash of the full name, so it is exactly 63 bytes and
 * still tells indexes apart.
 */
const char *spec_index_name(arena *a, const char *prefix, const char *table,
                            const char *const *columns, size_t column_count);

/* The shortening rule alone, for any generated name. */
const char *spec_shorten_name(arena *a, const char *name);

#endif
