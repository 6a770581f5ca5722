/*
 * A deployed sync_rules.yaml against the spec: every synced table has a query, filtered by
 * its owner, selecting exactly the spec's columns. Either format: bucket_definitions (data
 * queries, with the bucket's parameters binding user_id) or edition-3 streams (query or
 * queries). Every query is checked, so a second, unfiltered query for a table cannot hide
 * behind a correct first one.
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

/* A token of the small SQL subset sync rules use. */
typedef enum token_kind { TOKEN_WORD, TOKEN_QUOTED, TOKEN_STRING, TOKEN_PUNCT } token_kind;

typedef struct token {
    token_kind kind;
    const char *text;
    size_t length;
} token;

typedef struct sql_scan {
    token *tokens;
    size_t count;
} sql_scan;

/* Splits a query into tokens; -1 with *why on an unterminated quote or comment. */
static int tokenize(sql_scan *out, arena *a, const char *sql, const char **why) {
    /* No query has more tokens than characters. */
    out->tokens = arena_calloc(a, strlen(sql) + 1, sizeof *out->tokens);
    out->count = 0;
    for (const char *p = sql; *p;) {
        if (isspace((unsigned char)*p)) {
            p++;
        } else if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n') p++;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");
            if (!end) {
                *why = "unterminated comment";
                return -1;
            }
            p = end + 2;
        } else if (*p == '"' || *p == '\'') {
            char q = *p;
            const char *start = ++p;
            /* A doubled quote stands for itself. */
            while (*p && !(*p == q && p[1] != q)) p += (*p == q) ? 2 : 1;
            if (!*p) {
                *why = q == '"' ? "unterminated quoted identifier" : "unterminated string";
                return -1;
            }
            out->tokens[out->count++] =
                (token){q == '"' ? TOKEN_QUOTED : TOKEN_STRING, start, (size_t)(p - start)};
            p++;
        } else if (isalnum((unsigned char)*p) || *p == '_' || (unsigned char)*p >= 0x80) {
            const char *start = p;
            while (isalnum((unsigned char)*p) || *p == '_' || *p == '$' ||
                   (unsigned char)*p >= 0x80)
                p++;
            out->tokens[out->count++] = (token){TOKEN_WORD, start, (size_t)(p - start)};
        } else {
            out->tokens[out->count++] = (token){TOKEN_PUNCT, p, 1};
            p++;
        }
    }
    return 0;
}

static bool is_keyword(const token *t, const char *word) {
    return t->kind == TOKEN_WORD && t->length == strlen(word) &&
           strncasecmp(t->text, word, t->length) == 0;
}

static bool is_punct(const token *t, char c) { return t->kind == TOKEN_PUNCT && t->text[0] == c; }

static bool is_identifier(const token *t) {
    return t->kind == TOKEN_QUOTED || (t->kind == TOKEN_WORD && !isdigit((unsigned char)*t->text));
}

/* Identifier text: quoted as written (with "" undoubled), plain folded to lower case. */
static const char *identifier(arena *a, const token *t) {
    char *s = arena_strndup(a, t->text, t->length);
    if (t->kind == TOKEN_QUOTED) {
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

typedef struct range {
    size_t first, end; /* tokens [first, end) */
} range;

typedef struct parsed_query {
    const char *table;
    const char *schema;   /* as written before the table (schema.table); NULL when none */
    const char **columns; /* output names; NULL for an expression without a name */
    const char **items;   /* each select item's text, for messages */
    size_t column_count;
    bool star;
    sql_scan scan;
    range where;        /* empty when there is no WHERE */
    const char *filter; /* the WHERE clause as written, for messages; NULL when none */
    const char *bucket; /* the bucket or stream that holds the query */
    unsigned line;      /* in the sync rules file */
} parsed_query;

/* The end of the run of tokens starting at `i` that stays at parenthesis depth 0 and stops
 * at a token `stop` says ends it. */
static size_t depth_zero_end(const sql_scan *scan, size_t i, size_t end,
                             bool (*stop)(const token *)) {
    int depth = 0;
    for (; i < end; i++) {
        const token *t = &scan->tokens[i];
        if (is_punct(t, '(')) depth++;
        if (is_punct(t, ')')) depth--;
        if (depth == 0 && stop(t)) return i;
    }
    return end;
}

static bool stops_at_from(const token *t) { return is_keyword(t, "from"); }
static bool stops_at_comma(const token *t) { return is_punct(t, ','); }
static bool stops_at_where(const token *t) { return is_keyword(t, "where"); }
static bool stops_at_and(const token *t) { return is_keyword(t, "and"); }
static bool stops_at_or(const token *t) { return is_keyword(t, "or"); }

static const char *text_between(arena *a, const sql_scan *scan, range r) {
    if (r.first >= r.end) return "";
    const token *first = &scan->tokens[r.first], *last = &scan->tokens[r.end - 1];
    const char *start = first->text - (first->kind == TOKEN_QUOTED || first->kind == TOKEN_STRING);
    const char *stop =
        last->text + last->length + (last->kind == TOKEN_QUOTED || last->kind == TOKEN_STRING);
    return arena_strndup(a, start, (size_t)(stop - start));
}

/*
 * The output name of a select item, as PowerSync's compiler names it: its alias (AS x, or a
 * bare trailing identifier after an expression: x::text y is y), or for a column reference
 * its last identifier (t.col is col). NULL for any other expression, casts included (x::text
 * and CAST(x AS text) have no name: PowerSync refuses them with "alias is required").
 */
static const char *output_name(arena *a, const sql_scan *scan, range r) {
    const token *tk = scan->tokens;
    size_t len = r.end - r.first;
    const token *last = &tk[r.end - 1];
    if (!is_identifier(last)) return NULL;
    if (len == 1) return identifier(a, last);
    const token *before = &tk[r.end - 2];
    if (is_keyword(before, "as")) return identifier(a, last);
    if (is_punct(before, '.')) /* t.col, and nothing before t */
        return len == 3 && is_identifier(&tk[r.first]) ? identifier(a, last) : NULL;
    return is_punct(before, ':') ? NULL : identifier(a, last); /* x::text is no alias */
}

/* SELECT items FROM [schema.]table [[AS] alias] [WHERE ...]; -1 with *why otherwise. */
static int parse_query(parsed_query *q, arena *a, const char *sql, const char **why) {
    if (tokenize(&q->scan, a, sql, why) != 0) return -1;
    const sql_scan *scan = &q->scan;
    size_t n = scan->count;
    if (n == 0 || !is_keyword(&scan->tokens[0], "select")) {
        *why = "a query must start with SELECT";
        return -1;
    }
    size_t from = depth_zero_end(scan, 1, n, stops_at_from);
    if (from == n) {
        *why = "no FROM";
        return -1;
    }
    /* The select list: each item's output name (output_name). */
    q->columns = arena_calloc(a, from, sizeof *q->columns);
    q->items = arena_calloc(a, from, sizeof *q->items);
    for (size_t i = 1; i < from;) {
        size_t end = depth_zero_end(scan, i, from, stops_at_comma);
        if (end == i) {
            *why = "an empty item in the select list";
            return -1;
        }
        const token *last = &scan->tokens[end - 1];
        if (is_punct(last, '*')) {
            q->star = true;
        } else {
            q->items[q->column_count] = text_between(a, scan, (range){i, end});
            q->columns[q->column_count++] = output_name(a, scan, (range){i, end});
        }
        i = end + 1;
    }
    size_t t = from + 1;
    if (t + 2 < n && is_punct(&scan->tokens[t + 1], '.')) { /* schema.table */
        if (is_identifier(&scan->tokens[t])) q->schema = identifier(a, &scan->tokens[t]);
        t += 2;
    }
    if (t >= n || !is_identifier(&scan->tokens[t])) {
        *why = "no table after FROM";
        return -1;
    }
    q->table = identifier(a, &scan->tokens[t]);
    size_t where = depth_zero_end(scan, t + 1, n, stops_at_where);
    q->where = where < n ? (range){where + 1, n} : (range){n, n};
    if (where < n) q->filter = text_between(a, scan, q->where);
    return 0;
}

/* A column reference whose last identifier is `column`: col, "col" or t.col. */
static bool is_column_ref(arena *a, const sql_scan *scan, range r, const char *column) {
    size_t len = r.end - r.first;
    const token *tk = &scan->tokens[r.first];
    if (len == 3 && !(is_identifier(&tk[0]) && is_punct(&tk[1], '.'))) return false;
    if (len != 1 && len != 3) return false;
    return is_identifier(&tk[len - 1]) && strcmp(identifier(a, &tk[len - 1]), column) == 0;
}

/* bucket.user_id (bucket_definitions) or auth.user_id() (streams). */
static bool is_user_filter(const sql_scan *scan, range r, bool streams) {
    size_t len = r.end - r.first;
    const token *tk = &scan->tokens[r.first];
    if (len != (streams ? 5u : 3u)) return false;
    if (!is_keyword(&tk[0], streams ? "auth" : "bucket") || !is_punct(&tk[1], '.') ||
        !is_keyword(&tk[2], "user_id"))
        return false;
    return !streams || (is_punct(&tk[3], '(') && is_punct(&tk[4], ')'));
}

/* One conjunct, its wrapping parentheses removed: owner = filter, in either order. */
static bool is_owner_condition(arena *a, const sql_scan *scan, range r, const char *owner,
                               bool streams) {
    while (r.end - r.first >= 2 && is_punct(&scan->tokens[r.first], '(') &&
           is_punct(&scan->tokens[r.end - 1], ')')) {
        /* Only when the first parenthesis closes at the last token: not (a) = (b). */
        int depth = 0;
        size_t close = r.first;
        for (size_t i = r.first; i < r.end; i++) {
            if (is_punct(&scan->tokens[i], '(')) depth++;
            if (is_punct(&scan->tokens[i], ')') && --depth == 0) {
                close = i;
                break;
            }
        }
        if (close != r.end - 1) break;
        r = (range){r.first + 1, r.end - 1};
    }
    size_t eq = r.first;
    while (eq < r.end && !is_punct(&scan->tokens[eq], '=')) eq++;
    if (eq == r.end) return false;
    range left = {r.first, eq}, right = {eq + 1, r.end};
    return (is_column_ref(a, scan, left, owner) && is_user_filter(scan, right, streams)) ||
           (is_column_ref(a, scan, right, owner) && is_user_filter(scan, left, streams));
}

/* The WHERE clause is a conjunction (no OR at its top level) with the owner condition as
 * one of its terms: further terms can only narrow what a user receives. */
static bool has_owner_filter(arena *a, const parsed_query *q, const char *owner, bool streams) {
    const sql_scan *scan = &q->scan;
    if (q->where.first >= q->where.end) return false;
    if (depth_zero_end(scan, q->where.first, q->where.end, stops_at_or) != q->where.end)
        return false;
    for (size_t i = q->where.first; i < q->where.end;) {
        size_t end = depth_zero_end(scan, i, q->where.end, stops_at_and);
        if (is_owner_condition(a, scan, (range){i, end}, owner, streams)) return true;
        i = end + 1;
    }
    return false;
}

/* bucket_definitions parameters that bind user_id to the authenticated user:
 * SELECT request.user_id() AS user_id (or the older token_parameters.user_id). */
static bool binds_user_id(arena *a, const char *sql) {
    sql_scan scan;
    const char *why;
    if (tokenize(&scan, a, sql, &why) != 0) return false;
    for (size_t i = 0; i + 3 < scan.count; i++) {
        const token *tk = &scan.tokens[i];
        size_t as = 0;
        if (is_keyword(&tk[0], "request") && is_punct(&tk[1], '.') &&
            is_keyword(&tk[2], "user_id") && i + 5 < scan.count && is_punct(&tk[3], '(') &&
            is_punct(&tk[4], ')'))
            as = i + 5;
        else if (is_keyword(&tk[0], "token_parameters") && is_punct(&tk[1], '.') &&
                 is_keyword(&tk[2], "user_id"))
            as = i + 3;
        if (!as) continue;
        if (as + 1 < scan.count && is_keyword(&scan.tokens[as], "as") &&
            is_identifier(&scan.tokens[as + 1]) &&
            strcmp(identifier(a, &scan.tokens[as + 1]), "user_id") == 0)
            return true;
    }
    return false;
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

static const char *scalar(yaml_node_t *node) {
    return node && node->type == YAML_SCALAR_NODE ? (const char *)node->data.scalar.value : NULL;
}

typedef struct rules {
    parsed_query *queries;
    size_t count, cap;
    bool streams;
} rules;

typedef struct rules_reader {
    arena *a;
    const char *pg_schema; /* a table of another schema is none of the spec's */
    const char *path;
    yaml_document_t *doc;
    rules *out;
    const char **error;
} rules_reader;

/* The queries of one bucket's data list or one stream's query/queries. */
static int read_queries(rules_reader *r, const char *owner_name, yaml_node_t *node) {
    yaml_node_t *single[1] = {node};
    yaml_node_t **items = single;
    size_t count = node ? 1 : 0;
    if (node && node->type == YAML_SEQUENCE_NODE) {
        count = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
        items = arena_calloc(r->a, count + 1, sizeof *items);
        for (size_t i = 0; i < count; i++)
            items[i] = yaml_document_get_node(r->doc, node->data.sequence.items.start[i]);
    }
    for (size_t i = 0; i < count; i++) {
        const char *sql = scalar(items[i]);
        unsigned line = items[i] ? (unsigned)items[i]->start_mark.line + 1 : 0;
        if (!sql) {
            *r->error = arena_printf(r->a,
                                     "%s:%u: malformed sync rules: in %s, a query must be "
                                     "a string",
                                     r->path, line, owner_name);
            return -1;
        }
        /* Tokens point into the text, which must outlive the YAML document. */
        sql = arena_strdup(r->a, sql);
        rules *out = r->out;
        if (out->count == out->cap) {
            size_t cap = out->cap ? out->cap * 2 : 16;
            parsed_query *more = arena_calloc(r->a, cap, sizeof *more);
            if (out->count) memcpy(more, out->queries, out->count * sizeof *more);
            out->queries = more;
            out->cap = cap;
        }
        parsed_query *q = &out->queries[out->count];
        const char *why = NULL;
        if (parse_query(q, r->a, sql, &why) != 0) {
            *r->error = arena_printf(r->a,
                                     "%s:%u: malformed sync rules: cannot read the query "
                                     "'%s' in %s: %s",
                                     r->path, line, sql, owner_name, why);
            return -1;
        }
        /* Named with its schema, a table of another schema matches no spec table. */
        if (q->schema && strcmp(q->schema, r->pg_schema) != 0)
            q->table = arena_printf(r->a, "%s.%s", q->schema, q->table);
        q->line = line;
        q->bucket = owner_name;
        out->count++;
    }
    return 0;
}

/*
 * Reads either format. Findings about a bucket or stream as a whole (parameters,
 * auto-subscription) are added here; -1 with *error when the file is not sync rules.
 */
static int read_rules(rules *out, findings *f, const syncspec_schema *schema, const char *path,
                      const char *text, size_t length, const char **error) {
    arena *a = f->a;
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
    yaml_node_t *streams = mapping_get(&doc, root, "streams");
    yaml_node_t *outer = buckets ? buckets : streams;
    out->streams = !buckets && streams;
    if (!outer || outer->type != YAML_MAPPING_NODE) {
        *error = arena_printf(a,
                              "%s: not a sync rules file: no bucket_definitions or streams "
                              "mapping",
                              path);
        goto cleanup;
    }
    rules_reader reader = {a, schema->pg_schema, path, &doc, out, error};
    for (yaml_node_pair_t *p = outer->data.mapping.pairs.start; p < outer->data.mapping.pairs.top;
         p++) {
        const char *name = scalar(yaml_document_get_node(&doc, p->key));
        yaml_node_t *entry = yaml_document_get_node(&doc, p->value);
        name = arena_strdup(a, name ? name : "?");
        unsigned line = entry ? (unsigned)entry->start_mark.line + 1 : 0;
        if (!entry || entry->type != YAML_MAPPING_NODE) {
            *error = arena_printf(a, "%s:%u: malformed sync rules: %s must be a mapping", path,
                                  line, name);
            goto cleanup;
        }
        size_t before = out->count;
        if (buckets) {
            yaml_node_t *data = mapping_get(&doc, entry, "data");
            if (data && data->type != YAML_SEQUENCE_NODE) {
                *error = arena_printf(a,
                                      "%s:%u: malformed sync rules: the data of bucket %s "
                                      "must be a list of queries",
                                      path, line, name);
                goto cleanup;
            }
            if (read_queries(&reader, name, data) != 0) goto cleanup;
        } else {
            yaml_node_t *query = mapping_get(&doc, entry, "query");
            if (!query) query = mapping_get(&doc, entry, "queries");
            if (read_queries(&reader, name, query) != 0) goto cleanup;
        }
        /* Only buckets and streams that carry a spec table matter to the spec. */
        bool carries_spec_table = false;
        for (size_t k = before; k < out->count && !carries_spec_table; k++)
            carries_spec_table = syncspec_schema_table(schema, out->queries[k].table) != NULL;
        if (!carries_spec_table) continue;
        /* A bucket must bind user_id to the signed-in user; a stream should be
         * auto-subscribed. */
        finding_severity severity = FINDING_ERROR;
        const char *code = NULL, *message = NULL, *expected = NULL, *actual = NULL;
        if (buckets) {
            yaml_node_t *parameters = mapping_get(&doc, entry, "parameters");
            bool bound = false;
            if (parameters && parameters->type == YAML_SEQUENCE_NODE) {
                for (yaml_node_item_t *it = parameters->data.sequence.items.start;
                     it < parameters->data.sequence.items.top && !bound; it++) {
                    const char *sql = scalar(yaml_document_get_node(&doc, *it));
                    bound = sql && binds_user_id(a, sql);
                }
            } else {
                const char *sql = scalar(parameters);
                bound = sql && binds_user_id(a, sql);
            }
            if (!bound) {
                code = "sync-rules-parameters";
                message = arena_printf(a,
                                       "bucket %s (%s line %u) does not bind user_id to the "
                                       "signed-in user: bucket.user_id then filters nothing it "
                                       "should",
                                       name, path, line);
                expected = "SELECT request.user_id() as user_id";
                actual = scalar(parameters) ? arena_strdup(a, scalar(parameters))
                         : parameters       ? "(a list)"
                                            : "(no parameters)";
            }
        } else {
            const char *subscribe = scalar(mapping_get(&doc, entry, "auto_subscribe"));
            if (!subscribe || strcmp(subscribe, "true") != 0) {
                severity = FINDING_WARNING;
                code = "sync-rules-auto-subscribe";
                message = arena_printf(a,
                                       "stream %s (%s line %u) is not auto-subscribed: clients "
                                       "receive nothing until they subscribe to it",
                                       name, path, line);
                expected = "auto_subscribe: true";
                actual = subscribe ? arena_strdup(a, subscribe) : "(absent)";
            }
        }
        if (code) {
            finding *x = findings_add(f, severity, code, TARGET, NULL, NULL, "%s", message);
            x->expected = expected;
            x->actual = actual;
        }
    }
    rc = 0;
cleanup:
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}

/* One query for one synced table: the owner filter and the column list. */
static void check_query(findings *f, const syncspec_schema *schema, const syncspec_table *t,
                        const parsed_query *q, bool streams) {
    arena *a = f->a;
    const char *want = arena_printf(a, "%s = %s", schema->owner_name,
                                    streams ? "auth.user_id()" : "bucket.user_id");
    if (!has_owner_filter(a, q, schema->owner_name, streams)) {
        finding *x =
            findings_add(f, FINDING_ERROR, "sync-rules-owner-filter", TARGET, t->name, NULL,
                         "the query for %s in %s (line %u) is not filtered by %s: "
                         "users would receive rows that are not theirs",
                         t->name, q->bucket, q->line, want);
        x->line = t->line;
        x->expected = want;
        x->actual = q->filter ? q->filter : "(no WHERE)";
    }
    if (q->star) {
        finding *x = findings_add(f, FINDING_ERROR, "sync-rules-select-star", TARGET, t->name, NULL,
                                  "the query for %s in %s (line %u) selects *: server-only "
                                  "columns would reach clients that do not declare them",
                                  t->name, q->bucket, q->line);
        x->line = t->line;
        x->expected = "an explicit column list";
        x->actual = "*";
        return;
    }
    for (size_t k = 0; k < t->column_count; k++) {
        bool selected = false;
        for (size_t c = 0; c < q->column_count && !selected; c++)
            selected = q->columns[c] && strcmp(q->columns[c], t->columns[k].name) == 0;
        if (selected) continue;
        finding *x =
            findings_add(f, FINDING_ERROR, "sync-rules-columns", TARGET, t->name,
                         t->columns[k].name, "the query for %s in %s (line %u) does not select %s",
                         t->name, q->bucket, q->line, t->columns[k].name);
        x->line = check_line(t, &t->columns[k]);
        x->expected = t->columns[k].name;
    }
    for (size_t c = 0; c < q->column_count; c++) {
        if (q->columns[c] && syncspec_table_column(t, q->columns[c])) continue;
        finding *x = findings_add(
            f, FINDING_ERROR, "sync-rules-columns", TARGET, t->name, q->columns[c],
            q->columns[c] ? "the query for %s in %s (line %u) selects %s, which the spec does "
                            "not have"
                          : "the query for %s in %s (line %u) selects %s, an expression without "
                            "a name",
            t->name, q->bucket, q->line, q->columns[c] ? q->columns[c] : q->items[c]);
        x->line = t->line;
        x->actual = q->items[c];
    }
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
    rules r = {0};
    int rc = read_rules(&r, f, schema, path, text, length, error);
    free(text);
    if (rc != 0) return -1;

    bool spec_streams = schema->sync_format == SYNCSPEC_SYNC_STREAMS;
    if (r.streams != spec_streams) {
        finding *x = findings_add(f, FINDING_ERROR, "sync-rules-format", TARGET, NULL, NULL,
                                  "%s uses %s, the spec says %s", path,
                                  r.streams ? "streams" : "bucket_definitions",
                                  spec_streams ? "streams" : "bucket_definitions");
        x->expected = spec_streams ? "streams" : "bucket_definitions";
        x->actual = r.streams ? "streams" : "bucket_definitions";
    }
    table_lookup lookup;
    table_lookup_init(&lookup, a, schema);
    bool *synced = arena_calloc(a, schema->table_count + 1, sizeof *synced);
    for (size_t k = 0; k < r.count; k++) {
        const parsed_query *q = &r.queries[k];
        const syncspec_table *t = table_lookup_find(&lookup, q->table);
        if (!t) {
            finding *x = findings_add(
                f, FINDING_ERROR, "sync-rules-extra-table", TARGET, q->table, NULL,
                "%s line %u syncs table %s, which the spec does not have", path, q->line, q->table);
            x->actual = q->table;
            continue;
        }
        if (t->local_only) {
            finding *x =
                findings_add(f, FINDING_ERROR, "sync-rules-local-only", TARGET, t->name, NULL,
                             "local-only table %s is synced by %s line %u", t->name, path, q->line);
            x->line = t->line;
            continue;
        }
        synced[t - schema->tables] = true;
        check_query(f, schema, t, q, r.streams);
    }
    for (size_t i = 0; i < schema->table_count; i++) {
        const syncspec_table *t = &schema->tables[i];
        if (t->local_only || synced[i]) continue;
        finding *x =
            findings_add(f, FINDING_ERROR, "sync-rules-missing-table", TARGET, t->name, NULL,
                         "no query syncs table %s: its rows never reach clients", t->name);
        x->line = t->line;
    }
    return 0;
}
