/*
 * Diagnostics are values: collected while a stage runs, printed only by cli/. Each has a
 * stable code (kebab-case, e.g. "unknown-key") and a 1-based position in a file.
 */
#ifndef SYNCSPEC_UTIL_DIAG_H
#define SYNCSPEC_UTIL_DIAG_H

#include <stddef.h>
#include <stdio.h>

#include "util/arena.h"

typedef enum diag_severity { DIAG_ERROR = 0, DIAG_WARNING } diag_severity;

typedef struct diag {
    diag_severity severity;
    const char *code;
    const char *file;
    unsigned line, col; /* 1-based; 0 when the file as a whole is meant */
    const char *message;
    /* Optional note with its own position: the first definition of a duplicate, or a
     * "did you mean" (then note_line is 0 and only the text is printed). */
    const char *note;
    unsigned note_line, note_col;
} diag;

typedef struct diag_list {
    arena *arena; /* messages are allocated here; owned by the caller */
    diag *items;  /* malloc'ed; freed by diag_list_free */
    size_t count, cap;
} diag_list;

void diag_list_init(diag_list *list, arena *a);
void diag_list_free(diag_list *list);

/* Adds a diagnostic and returns it, so a note can be attached. */
diag *diag_add(diag_list *list, diag_severity severity, const char *code, const char *file,
               unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
void diag_note(diag_list *list, diag *d, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Appends a copy of `d`, its strings copied into the list's arena (so that `d`'s arena may
 * be freed): for merging diagnostics that were collected apart, e.g. on another thread. */
void diag_copy(diag_list *list, const diag *d);

size_t diag_error_count(const diag_list *list);

/* Orders by file, line, column (stable for equal positions), so output reads top-down. */
void diag_sort(diag_list *list);

/* gcc style: "file:LINE:COL: error[CODE]: message" then "file:LINE:COL: note: ...". */
void diag_print(FILE *out, const diag_list *list);

/*
 * The candidate closest to `word` by edit distance, if close enough to be a likely typo;
 * NULL otherwise. `candidates` ends with NULL.
 */
const char *diag_did_you_mean(const char *word, const char *const *candidates);

#endif
