#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check/check.h"

void findings_init(findings *f, arena *a) {
    memset(f, 0, sizeof *f);
    f->a = a;
}

void findings_free(findings *f) {
    if (!f) return;
    free(f->items);
    f->items = NULL;
    f->count = f->cap = 0;
}

finding *findings_add(findings *f, finding_severity severity, const char *code, const char *target,
                      const char *table, const char *column, const char *fmt, ...) {
    if (f->count == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 32;
        finding *items = realloc(f->items, cap * sizeof *items);
        if (!items) {
            fputs("syncspec: out of memory\n", stderr);
            abort();
        }
        f->items = items;
        f->cap = cap;
    }
    finding *x = &f->items[f->count++];
    memset(x, 0, sizeof *x);
    x->severity = severity;
    x->code = code;
    x->target = target;
    x->table = table;
    x->column = column;
    va_list ap;
    va_start(ap, fmt);
    x->message = arena_vprintf(f->a, fmt, ap);
    va_end(ap);
    return x;
}

size_t findings_errors(const findings *f) {
    size_t n = 0;
    for (size_t i = 0; i < f->count; i++) n += f->items[i].severity == FINDING_ERROR;
    return n;
}

const char *spec_type_text(arena *a, syncspec_type type,
                           const char *(*database_name)(syncspec_type type)) {
    const char *name = database_name(type), *spec = syncspec_type_name(type);
    return strcasecmp(name, spec) == 0 ? name : arena_printf(a, "%s (%s)", name, spec);
}

unsigned check_line(const syncspec_table *table, const syncspec_column *column) {
    if (column && column->line) return column->line;
    return table ? table->line : 0;
}

static int compare_tables(const void *x, const void *y) {
    const syncspec_table *const *a = x, *const *b = y;
    return strcmp((*a)->name, (*b)->name);
}

void table_lookup_init(table_lookup *l, arena *a, const syncspec_schema *schema) {
    l->count = schema->table_count;
    l->sorted = arena_calloc(a, l->count ? l->count : 1, sizeof *l->sorted);
    for (size_t i = 0; i < l->count; i++) l->sorted[i] = &schema->tables[i];
    qsort(l->sorted, l->count, sizeof *l->sorted, compare_tables);
}

const syncspec_table *table_lookup_find(const table_lookup *l, const char *name) {
    size_t lo = 0, hi = l->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(l->sorted[mid]->name, name);
        if (c == 0) return l->sorted[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}
