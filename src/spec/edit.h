/*
 * Edits of a spec's text that keep every other byte of it (comments, order, formatting):
 * where `new-table` appends a table, and how the file indents its tables.
 */
#ifndef SYNCSPEC_SPEC_EDIT_H
#define SYNCSPEC_SPEC_EDIT_H

#include <stddef.h>

#include "util/arena.h"

typedef struct spec_table_slot {
    size_t offset;        /* byte offset where the new table's text goes */
    size_t key_indent;    /* column (0-based) of the table names under `tables:` */
    size_t option_indent; /* how much deeper than its name a table's options are indented */
} spec_table_slot;

/*
 * Finds where a table is appended to the spec `text`: at the start of the line after the
 * last content of its `tables:` block mapping (past a block scalar's last line, before any
 * comment that follows). Indentation is read from the first table and its first option
 * (2 and 2 when there are none). Returns 0, or -1 and sets *error (allocated in `a`) when
 * the text is no YAML or has no `tables:` block mapping.
 */
int spec_find_table_slot(spec_table_slot *out, arena *a, const char *text, size_t length,
                         const char **error);

#endif
