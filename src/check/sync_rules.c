/*
 * A deployed sync_rules.yaml against the spec: every synced table has a query, filtered by
 * its owner, selecting exactly the spec's columns. Either format: bucket_definitions (data
 * queries) or edition-3 streams (query).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "check/check.h"
#include "util/fsutil.h"
#include "util/strbuf.h"

static const char *const TARGET = "sync-rules";

typedef struct parsed_query {
    const char *table;
    const char **columns;
    size_t column_count;
    bool star;
    const char *where; /* normalised: no spaces or quotes, lower case; NULL when none */
    unsigned line;     /* in the sync rules file */
} parsed_query;

/* An SQL token: a (possibly quoted) identifier, a string, or one punctuation character. */
typedef struct token {
    const char *text;
    size_t length;
    bool quoted;
} token;

static size_t tokenize(token *out, size_t cap, const char *sql) {
    size_t n = 0;
    const char *p = sql;
    while (*p && n < cap) {
        if (isspace((unsigned char)*p)) {
            p++;
        } else if (*p == '"' || *p == '\'') {
            char q = *p;
            const char *start = ++p;
            while (*p && !(*p == q && p[1] != q)) p += (*p == q) ? 2 : 1;
            out[n++] = (token){start, (size_t)(p - start), q == '"'};
            if (*p) p++;
        } else if (isalnum((unsigned char)*p) || *p == '_') {
            const char *start = p;
            while (isalnum((unsigned char)*p) || *p == '_') p++;
            out[n++] = (token){start, (size_t)(p - start), false};
        } else {
            out[n++] = (token){p, 1, false};
            p++;
        }
    }
    return n;
}

static bool keyword(const token *t, const char *word) {
    return !t->quoted && t->length == strlen(word) && strncasecmp(t->text, word, t->length) == 0;
}

/* Identifier text: quoted as written (with "" undoubled), plain folded to lower case. */
static const char *identifier(arena *a, const token *t) {
    char *s = arena_strndup(a, t->text, t->length);
    if (t->quoted) {
        char *o = s;
        for (const char *p = s; *p; p++) {
            *o++ = *p;
            if (p[0] == '"' && p[1] == '"') p++;
        }
        *o = '\0';
    } else {
        for (char *p = s; *p; p++) *p = (char)tolower((unsigned char)*p);
    }
    return s;
}

static int parse_query(parsed_query *q, arena *a, const char *sql) {
    memset(q, 0, sizeof *q);
    token tokens[4096];
    size_t n = tokenize(tokens, 4096, sql);
    if (n == 0 || !keyword(&tokens[0], "select")) return -1;
    size_t from = 0;
    int depth = 0;
    for (size_t i = 1; i < n && !from; i++) {
        if (tokens[i].length == 1 && tokens[i].text[0] == '(' && !tokens[i].quoted) depth++;
        if (tokens[i].length == 1 && tokens[i].text[0] == ')' && !tokens[i].quoted) depth--;
        if (depth == 0 && keyword(&tokens[i], "from")) from = i;
    }
    if (!from || from + 1 >= n) return -1;
    /* The select list: items at depth 0 separated by commas; an item's name is its alias
     * (AS x) or its last identifier (t.col → col). */
    q->columns = arena_calloc(a, from, sizeof *q->columns);
    size_t item_start = 1;
    depth = 0;
    for (size_t i = 1; i <= from; i++) {
        bool end = i == from;
        if (!end && !tokens[i].quoted && tokens[i].length == 1) {
            char c = tokens[i].text[0];
            if (c == '(') depth++;
            if (c == ')') depth--;
            end = depth == 0 && c == ',';
        }
        if (!end) continue;
        if (i == item_start) return -1;
        const token *last = &tokens[i - 1];
        if (!last->quoted && last->length == 1 && last->text[0] == '*')
            q->star = true;
        else
            q->columns[q->column_count++] = identifier(a, last);
        item_start = i + 1;
    }
    /* FROM table, or schema.table. */
    size_t t = from + 1;
    if (t + 2 < n && tokens[t + 1].length == 1 && tokens[t + 1].text[0] == '.') t += 2;
    q->table = identifier(a, &tokens[t]);
    size_t where = 0;
    for (size_t i = t + 1; i < n && !where; i++)
        if (keyword(&tokens[i], "where")) where = i;
    if (where) {
        strbuf sb = STRBUF_INIT;
        for (size_t i = where + 1; i < n; i++) {
            const char *id = identifier(a, &tokens[i]);
            sb_append(&sb, id);
        }
        q->where = arena_strndup(a, sb_str(&sb), sb.len);
        sb_free(&sb);
    }
    return 0;
}

static yaml_node_t *mapping_get(yaml_document_t *doc, yaml_node_t *map, const char *key) {
    if (!map || map->type != YAML_MAPPING_NODE) return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        if (k && k->type == YAML_SCALAR_NODE &&
            strcmp((const char *)k->data.scalar.value, key) == 0)
            return yaml_document_get_node(doc, p->value);
    }
    return NULL;
}

/* Collects the queries of either format; -1 with *error when the file is not sync rules. */
static int collect_queries(parsed_query **out, size_t *count, bool *streams, arena *a,
                           const char *path, const char *text, size_t length, const char **error) {
    yaml_parser_t parser;
    yaml_document_t doc;
    int rc = -1;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, length);
    if (!yaml_parser_load(&parser, &doc)) {
        *error = arena_printf(a, "%s:%zu:%zu: malformed sync rules: %s", path,
                              parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                              parser.problem ? parser.problem : "YAML error");
        yaml_parser_delete(&parser);
        return -1;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    yaml_node_t *buckets = mapping_get(&doc, root, "bucket_definitions");
    yaml_node_t *stream_map = mapping_get(&doc, root, "streams");
    *streams = stream_map != NULL;
    yaml_node_t *outer = buckets ? buckets : stream_map;
    if (!outer || outer->type != YAML_MAPPING_NODE) {
        *error = arena_printf(a,
                              "%s: not a sync rules file: no bucket_definitions or streams "
                              "mapping",
                              path);
        goto cleanup;
    }
    size_t cap = 16, n = 0;
    parsed_query *queries = arena_calloc(a, cap, sizeof *queries);
    for (yaml_node_pair_t *p = outer->data.mapping.pairs.start; p < outer->data.mapping.pairs.top;
         p++) {
        yaml_node_t *entry = yaml_document_get_node(&doc, p->value);
        yaml_node_t *list[256];
        size_t list_count = 0;
        yaml_node_t *data = mapping_get(&doc, entry, buckets ? "data" : "query");
        if (data && data->type == YAML_SEQUENCE_NODE) {
            for (yaml_node_item_t *it = data->data.sequence.items.start;
                 it < data->data.sequence.items.top && list_count < 256; it++)
                list[list_count++] = yaml_document_get_node(&doc, *it);
        } else if (data) {
            list[list_count++] = data;
        }
        for (size_t i = 0; i < list_count; i++) {
            yaml_node_t *node = list[i];
            if (!node || node->type != YAML_SCALAR_NODE) {
                *error = arena_printf(a, "%s:%zu: malformed sync rules: a query must be a string",
                                      path, node ? node->start_mark.line + 1 : 0);
                goto cleanup;
            }
            if (n == cap) {
                parsed_query *more = arena_calloc(a, cap * 2, sizeof *more);
                memcpy(more, queries, n * sizeof *queries);
                queries = more;
                cap *= 2;
            }
            const char *sql = arena_strdup(a, (const char *)node->data.scalar.value);
            if (parse_query(&queries[n], a, sql) != 0) {
                *error = arena_printf(a, "%s:%zu: malformed sync rules: cannot read query '%s'",
                                      path, node->start_mark.line + 1, sql);
                goto cleanup;
            }
            queries[n++].line = (unsigned)node->start_mark.line + 1;
        }
    }
    *out = queries;
    *count = n;
    rc = 0;
cleanup:
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}

int check_sync_rules(findings *f, const syncspec_schema *schema, const char *path,
                     const char **error) {
    arena *a = f->a;
    char *text = NULL;
    size_t length = 0;
    if (fs_read_file(&text, &length, path, 16u << 20) != 0) {
        *error = arena_printf(a, "cannot read sync rules %s: %s", path, strerror(errno));
        return -1;
    }
    parsed_query *queries = NULL;
    size_t count = 0;
    bool streams = false;
    int rc = collect_queries(&queries, &count, &streams, a, path, text, length, error);
    free(text);
    if (rc != 0) return -1;

    bool spec_streams = schema->sync_format == SYNCSPEC_SYNC_STREAMS;
    if (streams != spec_streams) {
        finding *x = findings_add(f, FINDING_ERROR, "sync-rules-format", TARGET, NULL, NULL,
                                  "%s uses %s, the spec says %s", path,
                                  streams ? "streams" : "bucket_definitions",
                                  spec_streams ? "streams" : "bucket_definitions");
        x->expected = spec_streams ? "streams" : "bucket_definitions";
        x->actual = streams ? "streams" : "bucket_definitions";
    }
    const char *owner = schema->owner_column;
    const char *filter = streams ? "auth.user_id()" : "bucket.user_id";
    const char *want = arena_printf(a, "%s=%s", owner, filter);
    const char *want_reversed = arena_printf(a, "%s=%s", filter, owner);
    for (size_t i = 0; i < schema->table_count; i++) {
        const syncspec_table *t = &schema->tables[i];
        const parsed_query *q = NULL;
        for (size_t k = 0; k < count && !q; k++)
            if (strcmp(queries[k].table, t->name) == 0) q = &queries[k];
        if (t->local_only) {
            if (q) {
                finding *x = findings_add(
                    f, FINDING_ERROR, "sync-rules-local-only", TARGET, t->name, NULL,
                    "local-only table %s is synced by %s line %u", t->name, path, q->line);
                x->line = t->line;
            }
            continue;
        }
        if (!q) {
            finding *x =
                findings_add(f, FINDING_ERROR, "sync-rules-missing-table", TARGET, t->name, NULL,
                             "no query syncs table %s: its rows never reach clients", t->name);
            x->line = t->line;
            continue;
        }
        if (!q->where || (strcmp(q->where, want) != 0 && strcmp(q->where, want_reversed) != 0)) {
            finding *x = findings_add(f, FINDING_ERROR, "sync-rules-owner-filter", TARGET, t->name,
                                      NULL, "the query for %s (line %u) is not filtered by %s",
                                      t->name, q->line, want);
            x->line = t->line;
            x->expected = want;
            x->actual = q->where ? q->where : "(no WHERE)";
        }
        if (q->star) {
            finding *x =
                findings_add(f, FINDING_ERROR, "sync-rules-select-star", TARGET, t->name, NULL,
                             "the query for %s (line %u) selects *: server-only "
                             "columns would reach clients that do not declare them",
                             t->name, q->line);
            x->line = t->line;
            continue;
        }
        for (size_t k = 0; k < t->column_count; k++) {
            bool selected = false;
            for (size_t c = 0; c < q->column_count && !selected; c++)
                selected = strcmp(q->columns[c], t->columns[k].name) == 0;
            if (selected) continue;
            finding *x =
                findings_add(f, FINDING_ERROR, "sync-rules-columns", TARGET, t->name,
                             t->columns[k].name, "the query for %s (line %u) does not select %s",
                             t->name, q->line, t->columns[k].name);
            x->line = check_line(t, &t->columns[k]);
            x->expected = t->columns[k].name;
        }
        for (size_t c = 0; c < q->column_count; c++) {
            if (syncspec_table_column(t, q->columns[c])) continue;
            finding *x =
                findings_add(f, FINDING_ERROR, "sync-rules-columns", TARGET, t->name, q->columns[c],
                             "the query for %s (line %u) selects %s, which the spec does not have",
                             t->name, q->line, q->columns[c]);
            x->line = t->line;
            x->actual = q->columns[c];
        }
    }
    for (size_t k = 0; k < count; k++) {
        if (syncspec_schema_table(schema, queries[k].table)) continue;
        findings_add(f, FINDING_ERROR, "sync-rules-extra-table", TARGET, queries[k].table, NULL,
                     "%s line %u syncs table %s, which the spec does not have", path,
                     queries[k].line, queries[k].table);
    }
    return 0;
}
