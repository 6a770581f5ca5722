#include "check/catalog.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* qsort and bsearch take no context: the two orders are two functions. */
static int compare_exact(const void *x, const void *y) {
    return strcmp(((const db_table *)x)->name, ((const db_table *)y)->name);
}

static int compare_folded(const void *x, const void *y) {
    return sqlite3_stricmp(((const db_table *)x)->name, ((const db_table *)y)->name);
}

bool catalog_same_name(const catalog *cat, const char *x, const char *y) {
    return (cat->fold_case ? sqlite3_stricmp(x, y) : strcmp(x, y)) == 0;
}

void catalog_sort(catalog *cat) {
    if (cat->table_count)
        qsort(cat->tables, cat->table_count, sizeof *cat->tables,
              cat->fold_case ? compare_folded : compare_exact);
}

const db_table *catalog_table(const catalog *cat, const char *name) {
    db_table key = {.name = name};
    if (!cat->table_count) return NULL;
    return bsearch(&key, cat->tables, cat->table_count, sizeof *cat->tables,
                   cat->fold_case ? compare_folded : compare_exact);
}

void *catalog_push(arena *a, void *items, size_t *count, size_t *cap, size_t size) {
    char *out = items;
    if (*count == *cap) {
        size_t more = *cap ? *cap * 2 : 16;
        out = arena_calloc(a, more, size);
        if (*count) memcpy(out, items, *count * size);
        *cap = more;
    }
    memset(out + *count * size, 0, size);
    (*count)++;
    return out;
}
