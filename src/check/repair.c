#include "check/repair.h"

#include <string.h>

#include "emit/emit.h"
#include "emit/escape.h"
#include "util/strbuf.h"

const char *repair_table_sql(arena *a, const syncspec_schema *schema, const syncspec_table *table,
                             const char *target) {
    diag_list diags;
    diag_list_init(&diags, a);
    const char *sql = NULL;
    int rc = emit_table_sql(&sql, a, schema, table, target, &diags);
    diag_list_free(&diags);
    if (rc != 0 || !sql) return NULL;
    /* Comment lines describe the table; the repair file has its own. */
    strbuf sb = STRBUF_INIT;
    for (const char *p = sql; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p + 1) : strlen(p);
        if (strncmp(p, "--", 2) != 0) sb_append_n(&sb, p, len);
        p += len;
    }
    const char *out = arena_strndup(a, sb_str(&sb), sb.len);
    sb_free(&sb);
    return out;
}

const char *repair_column_definition(arena *a, const char *table_sql, const char *column) {
    if (!table_sql) return NULL;
    const char *needle = arena_printf(a, "\n  %s ", esc_sql_ident(a, column));
    const char *start = strstr(table_sql, needle);
    if (!start) return NULL;
    start += 3;
    /* A definition may continue on indented lines (PostgreSQL CHECK constraints). */
    strbuf sb = STRBUF_INIT;
    const char *p = start;
    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        const char *comment = NULL;
        for (const char *q = p; q + 1 < p + len; q++)
            if (q[0] == ' ' && q[1] == '-' && q + 2 < p + len && q[2] == '-') {
                comment = q;
                break;
            }
        size_t keep = comment ? (size_t)(comment - p) : len;
        while (keep && (p[keep - 1] == ',' || p[keep - 1] == ' ')) keep--;
        if (sb.len) sb_putc(&sb, ' ');
        const char *text = p;
        while (keep && *text == ' ') {
            text++;
            keep--;
        }
        sb_append_n(&sb, text, keep);
        if (!nl || strncmp(nl + 1, "    ", 4) != 0) break;
        p = nl + 1;
    }
    const char *out = arena_strndup(a, sb_str(&sb), sb.len);
    sb_free(&sb);
    return out;
}

const char *repair_index_statement(arena *a, const char *table_sql, const char *index) {
    if (!table_sql) return NULL;
    const char *needle = arena_printf(a, "INDEX IF NOT EXISTS %s ", esc_sql_ident(a, index));
    const char *hit = strstr(table_sql, needle);
    if (!hit) return NULL;
    const char *start = hit;
    while (start > table_sql && start[-1] != '\n') start--;
    const char *end = strchr(hit, '\n');
    return arena_strndup(a, start, end ? (size_t)(end - start) : strlen(start));
}

const char *repair_comment(arena *a, const char *text) {
    strbuf sb = STRBUF_INIT;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        sb_append(&sb, "-- ");
        sb_append_n(&sb, p, len);
        if (nl) sb_putc(&sb, '\n');
        p += len + (nl ? 1 : 0);
    }
    const char *out = arena_strndup(a, sb_str(&sb), sb.len);
    sb_free(&sb);
    return out;
}

const char *repair_publication_sql(arena *a, const syncspec_schema *schema) {
    const char *only[] = {"postgres", NULL};
    emit_options options = EMIT_OPTIONS_INIT;
    options.only = only;
    emit_file *files;
    size_t count;
    const char **used;
    diag_list diags;
    diag_list_init(&diags, a);
    int rc = emit_generate(&files, &count, &used, a, schema, &options, &diags);
    diag_list_free(&diags);
    if (rc != 0 || count != 1) return NULL;
    const char *block = strstr(files[0].content, "DO $syncspec$");
    return block ? arena_strdup(a, block) : NULL;
}

const char *repair_check_clause(arena *a, const char *definition, const char *name) {
    if (!definition) return NULL;
    const char *start =
        strstr(definition, arena_printf(a, "CONSTRAINT %s ", esc_sql_ident(a, name)));
    if (!start) return NULL;
    const char *end = strstr(start + 11, " CONSTRAINT ");
    return arena_strndup(a, start, end ? (size_t)(end - start) : strlen(start));
}
