#include "util/diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diag_list_init(diag_list *list, arena *a) {
    memset(list, 0, sizeof *list);
    list->arena = a;
}

void diag_list_free(diag_list *list) {
    if (!list) return;
    free(list->items);
    list->items = NULL;
    list->count = list->cap = 0;
}

diag *diag_add(diag_list *list, diag_severity severity, const char *code, const char *file,
               unsigned line, unsigned col, const char *fmt, ...) {
    if (list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        diag *items = realloc(list->items, cap * sizeof *items);
        if (!items) {
            fputs("syncspec: out of memory\n", stderr);
            abort();
        }
        list->items = items;
        list->cap = cap;
    }
    diag *d = &list->items[list->count++];
    memset(d, 0, sizeof *d);
    d->severity = severity;
    d->code = code;
    d->file = file;
    d->line = line;
    d->col = col;
    va_list ap;
    va_start(ap, fmt);
    d->message = arena_vprintf(list->arena, fmt, ap);
    va_end(ap);
    return d;
}

void diag_note(diag_list *list, diag *d, unsigned line, unsigned col, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    d->note = arena_vprintf(list->arena, fmt, ap);
    va_end(ap);
    d->note_line = line;
    d->note_col = col;
}

static const char *copy_string(arena *a, const char *s) { return s ? arena_strdup(a, s) : NULL; }

void diag_copy(diag_list *list, const diag *d) {
    diag *c = diag_add(list, d->severity, copy_string(list->arena, d->code),
                       copy_string(list->arena, d->file), d->line, d->col, "%s", d->message);
    c->note = copy_string(list->arena, d->note);
    c->note_line = d->note_line;
    c->note_col = d->note_col;
}

size_t diag_error_count(const diag_list *list) {
    size_t n = 0;
    for (size_t i = 0; i < list->count; i++) n += list->items[i].severity == DIAG_ERROR;
    return n;
}

static int compare_position(const diag *a, const diag *b) {
    int c = strcmp(a->file ? a->file : "", b->file ? b->file : "");
    if (c) return c;
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    if (a->col != b->col) return a->col < b->col ? -1 : 1;
    return 0;
}

/* Merge sort: stable, and n log n even for a spec with hundreds of thousands of errors. */
static void merge_sort(diag *items, diag *scratch, size_t n) {
    if (n < 2) return;
    size_t half = n / 2;
    merge_sort(items, scratch, half);
    merge_sort(items + half, scratch, n - half);
    size_t i = 0, j = half, k = 0;
    while (i < half && j < n)
        scratch[k++] = compare_position(&items[j], &items[i]) < 0 ? items[j++] : items[i++];
    while (i < half) scratch[k++] = items[i++];
    while (j < n) scratch[k++] = items[j++];
    memcpy(items, scratch, n * sizeof *items);
}

void diag_sort(diag_list *list) {
    if (list->count < 2) return;
    diag *scratch = malloc(list->count * sizeof *scratch);
    if (!scratch) {
        fputs("syncspec: out of memory\n", stderr);
        abort();
    }
    merge_sort(list->items, scratch, list->count);
    free(scratch);
}

static void print_position(FILE *out, const char *file, unsigned line, unsigned col) {
    fputs(file ? file : "syncspec", out); /* about the command, not about a file */
    if (line) fprintf(out, ":%u:%u", line, col);
    fputs(": ", out);
}

void diag_print(FILE *out, const diag_list *list) {
    for (size_t i = 0; i < list->count; i++) {
        const diag *d = &list->items[i];
        print_position(out, d->file, d->line, d->col);
        fprintf(out, "%s[%s]: %s\n", d->severity == DIAG_ERROR ? "error" : "warning", d->code,
                d->message);
        if (d->note) {
            if (d->note_line) {
                print_position(out, d->file, d->note_line, d->note_col);
                fprintf(out, "note: %s\n", d->note);
            } else {
                fprintf(out, "  = note: %s\n", d->note);
            }
        }
    }
}

static size_t edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return (size_t)-1;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t above = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = diagonal + cost;
            if (above + 1 < best) best = above + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diagonal = above;
        }
    }
    return row[lb];
}

const char *diag_did_you_mean(const char *word, const char *const *candidates) {
    const char *best = NULL;
    size_t best_distance = (size_t)-1;
    for (const char *const *c = candidates; *c; c++) {
        size_t d = edit_distance(word, *c);
        if (d < best_distance) {
            best_distance = d;
            best = *c;
        }
    }
    /* Allow about one edit per three characters, at least one and at most three. */
    size_t len = strlen(word);
    size_t limit = len / 3;
    if (limit < 1) limit = 1;
    if (limit > 3) limit = 3;
    return best_distance <= limit ? best : NULL;
}
