#include "spec/yaml_tree.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "model/limits.h"
#include "spec/strmap.h"

#define CORE_TAG "tag:yaml.org,2002:"

typedef struct frame {
    ynode *node;
    size_t start; /* first child in the scratch stack */
} frame;

typedef struct builder {
    arena *a;           /* the tree */
    arena *texts_arena; /* scalar texts, which the model keeps pointing to */
    diag_list *diags;
    const char *file;
    const char *data;
    size_t len;
    /* Children of the open containers, in document order; a container takes its own when
     * it closes, so arrays land in the arena at their final size. */
    const ynode **scratch;
    size_t scratch_len, scratch_cap;
    frame frames[SPEC_LIMIT_DEPTH];
    size_t depth;
    const ynode *root;
    bool failed;
    strmap keys; /* reused by every large mapping */
    /* Nodes and short texts are carved from larger arena blocks: a 1,000-table spec has
     * about 100,000 scalars, and per-allocation rounding would double its memory. */
    ynode *nodes;
    size_t nodes_left;
    char *texts;
    size_t texts_left;
} builder;

enum { NODE_CHUNK = 1024, TEXT_CHUNK = 64 * 1024, TEXT_OWN_BLOCK = 1024 };

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static bool matches_float(const char *s, size_t len) {
    size_t i = 0;
    if (i < len && (s[i] == '+' || s[i] == '-')) i++;
    const char *rest = s + i;
    size_t rest_len = len - i;
    if ((rest_len == 4 && (memcmp(rest, ".inf", 4) == 0 || memcmp(rest, ".Inf", 4) == 0 ||
                           memcmp(rest, ".INF", 4) == 0)))
        return true;
    size_t digits = 0;
    while (i < len && is_digit(s[i])) i++, digits++;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && is_digit(s[i])) i++, digits++;
    }
    if (!digits) return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) i++;
        size_t exp_digits = 0;
        while (i < len && is_digit(s[i])) i++, exp_digits++;
        if (!exp_digits) return false;
    }
    return i == len;
}

/* Could `s` be one of the words of the core schema (null, true, false and their
 * spellings)? Most scalars of a spec are names, and ruling them out with their first byte
 * and length keeps resolving them cheap. */
static bool maybe_word(const char *s, size_t len) {
    if (len == 0) return true;
    switch (s[0]) {
    case '~':
        return len == 1;
    case 'n':
    case 'N':
        return len == 4;
    case 't':
    case 'T':
        return len == 4;
    case 'f':
    case 'F':
        return len == 5;
    default:
        return false;
    }
}

/* Could `s` be a number? Numbers start with a sign, a digit or a dot. */
static bool maybe_number(const char *s, size_t len) {
    return len && (s[0] == '+' || s[0] == '-' || s[0] == '.' || is_digit(s[0]));
}

/* A word of the core schema with its length, so that a scalar of another length is ruled
 * out without reading the word. */
typedef struct core_word {
    const char *text;
    size_t len;
    yscalar_kind kind;
} core_word;

#define CORE_WORD(text, kind)                                                                      \
    { text, sizeof text - 1, kind }
static const core_word core_words[] = {
    CORE_WORD("", YSCALAR_NULL),      CORE_WORD("~", YSCALAR_NULL),
    CORE_WORD("null", YSCALAR_NULL),  CORE_WORD("Null", YSCALAR_NULL),
    CORE_WORD("NULL", YSCALAR_NULL),  CORE_WORD("true", YSCALAR_BOOL),
    CORE_WORD("True", YSCALAR_BOOL),  CORE_WORD("TRUE", YSCALAR_BOOL),
    CORE_WORD("false", YSCALAR_BOOL), CORE_WORD("False", YSCALAR_BOOL),
    CORE_WORD("FALSE", YSCALAR_BOOL),
};
#undef CORE_WORD

yscalar_kind ytree_resolve(const char *s, size_t len) {
    if (!maybe_word(s, len) && !maybe_number(s, len)) return YSCALAR_STRING;
    for (size_t i = 0; i < sizeof core_words / sizeof *core_words; i++)
        if (core_words[i].len == len && memcmp(core_words[i].text, s, len) == 0)
            return core_words[i].kind;
    size_t i = 0;
    if (i < len && (s[i] == '+' || s[i] == '-')) i++;
    if (i < len) {
        size_t j = i;
        while (j < len && is_digit(s[j])) j++;
        if (j == len) return YSCALAR_INT;
    }
    if (matches_float(s, len)) return YSCALAR_FLOAT;
    if (len == 4 &&
        (memcmp(s, ".nan", 4) == 0 || memcmp(s, ".NaN", 4) == 0 || memcmp(s, ".NAN", 4) == 0))
        return YSCALAR_FLOAT;
    return YSCALAR_STRING;
}

const ynode *ytree_get(const ynode *mapping, const char *key) {
    if (!mapping || mapping->kind != YNODE_MAPPING) return NULL;
    size_t len = strlen(key);
    for (size_t i = 0; i < mapping->count; i++) {
        const ynode *k = mapping->pairs[i].key;
        if (k->len == len && memcmp(k->text, key, len) == 0) return mapping->pairs[i].value;
    }
    return NULL;
}

static void push_scratch(builder *b, const ynode *n) {
    if (b->scratch_len == b->scratch_cap) {
        size_t cap = b->scratch_cap ? b->scratch_cap * 2 : 256;
        const ynode **grown = realloc(b->scratch, cap * sizeof *grown);
        if (!grown) {
            fputs("syncspec: out of memory\n", stderr);
            abort();
        }
        b->scratch = grown;
        b->scratch_cap = cap;
    }
    b->scratch[b->scratch_len++] = n;
}

static void add_node(builder *b, const ynode *n) {
    if (b->depth == 0) {
        if (!b->root) b->root = n;
    } else {
        push_scratch(b, n);
    }
}

static ynode *new_node(builder *b, ynode_kind kind, yaml_mark_t mark) {
    if (!b->nodes_left) {
        b->nodes = arena_calloc(b->a, NODE_CHUNK, sizeof *b->nodes);
        b->nodes_left = NODE_CHUNK;
    }
    ynode *n = b->nodes++;
    b->nodes_left--;
    n->kind = kind;
    n->line = (unsigned)mark.line + 1;
    n->col = (unsigned)mark.column + 1;
    return n;
}

/*
 * Tags: `!!str` (and the non-specific `!`) force a string; the other core tags are
 * accepted and resolved by content; anything else is an application tag that a spec has
 * no use for. Returns false when the tag is rejected.
 */
static bool check_tag(builder *b, const yaml_char_t *tag, yaml_mark_t mark, bool *force_string) {
    *force_string = false;
    if (!tag) return true;
    const char *t = (const char *)tag;
    if (strcmp(t, "!") == 0 || strcmp(t, CORE_TAG "str") == 0) {
        *force_string = true;
        return true;
    }
    static const char *const core[] = {"null", "bool", "int", "float", "map", "seq"};
    if (strncmp(t, CORE_TAG, strlen(CORE_TAG)) == 0) {
        for (size_t i = 0; i < sizeof core / sizeof *core; i++)
            if (strcmp(t + strlen(CORE_TAG), core[i]) == 0) return true;
    }
    const char *shown = t;
    if (strncmp(t, CORE_TAG, strlen(CORE_TAG)) == 0)
        shown = arena_printf(b->a, "!!%s", t + strlen(CORE_TAG));
    diag_add(b->diags, DIAG_ERROR, "unsupported-tag", b->file, (unsigned)mark.line + 1,
             (unsigned)mark.column + 1,
             "unsupported YAML tag '%s'; a spec uses plain mappings, lists and scalars", shown);
    b->failed = true;
    return false;
}

static const char *copy_text(builder *b, const char *text, size_t len) {
    if (len >= TEXT_OWN_BLOCK) return arena_strndup(b->texts_arena, text, len);
    if (b->texts_left < len + 1) {
        b->texts = arena_alloc(b->texts_arena, TEXT_CHUNK);
        b->texts_left = TEXT_CHUNK;
    }
    char *p = b->texts;
    memcpy(p, text, len);
    p[len] = '\0';
    b->texts += len + 1;
    b->texts_left -= len + 1;
    return p;
}

static void on_scalar(builder *b, const yaml_event_t *ev) {
    ynode *n = new_node(b, YNODE_SCALAR, ev->start_mark);
    size_t len = ev->data.scalar.length;
    n->text = copy_text(b, (const char *)ev->data.scalar.value, len);
    n->len = (uint32_t)len;
    n->end = (uint32_t)ev->end_mark.index;
    bool force_string = false;
    check_tag(b, ev->data.scalar.tag, ev->start_mark, &force_string);
    bool plain_style =
        ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE || (ev->data.scalar.tag && !force_string);
    n->plain = plain_style && !force_string && !ev->data.scalar.tag;
    n->scalar = plain_style && !force_string ? ytree_resolve(n->text, len) : YSCALAR_STRING;
    if (memchr(n->text, '\0', len)) {
        diag_add(b->diags, DIAG_ERROR, "invalid-string", b->file, n->line, n->col,
                 "a string in a spec cannot contain a NUL character");
        b->failed = true;
    }
    add_node(b, n);
}

static bool open_container(builder *b, const yaml_event_t *ev, ynode_kind kind) {
    if (b->depth == SPEC_LIMIT_DEPTH) {
        diag_add(b->diags, DIAG_ERROR, "nesting-too-deep", b->file,
                 (unsigned)ev->start_mark.line + 1, (unsigned)ev->start_mark.column + 1,
                 "mappings and lists nest more than %d levels deep here", SPEC_LIMIT_DEPTH);
        b->failed = true;
        return false;
    }
    const yaml_char_t *tag =
        kind == YNODE_MAPPING ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
    bool force_string;
    check_tag(b, tag, ev->start_mark, &force_string);
    frame *f = &b->frames[b->depth++];
    f->node = new_node(b, kind, ev->start_mark);
    f->node->flow = kind == YNODE_MAPPING
                        ? ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                        : ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
    f->start = b->scratch_len;
    return true;
}

static bool same_key(const ynode *x, const ynode *y) {
    return x->len == y->len && memcmp(x->text, y->text, x->len) == 0;
}

static void close_mapping(builder *b, ynode *map, const ynode **children, size_t n) {
    size_t pairs_count = n / 2;
    ypair *pairs = arena_calloc(b->a, pairs_count ? pairs_count : 1, sizeof *pairs);
    size_t kept = 0;
    /* Small mappings (a column's options) compare keys directly; large ones (tables,
     * columns) use a hash map so duplicates cost linear time. */
    bool hashed = pairs_count > 8;
    strmap_clear(&b->keys);
    for (size_t i = 0; i < pairs_count; i++) {
        const ynode *key = children[2 * i], *value = children[2 * i + 1];
        if (key->kind != YNODE_SCALAR) {
            diag_add(b->diags, DIAG_ERROR, "wrong-kind", b->file, key->line, key->col,
                     "a key must be a string, not %s",
                     key->kind == YNODE_MAPPING ? "a mapping" : "a list");
            continue;
        }
        const ynode *first = NULL;
        if (hashed) {
            first = strmap_put(&b->keys, key->text, key->len, (void *)key);
        } else {
            for (size_t j = 0; j < kept && !first; j++)
                if (same_key(pairs[j].key, key)) first = pairs[j].key;
        }
        if (first) {
            diag *d = diag_add(b->diags, DIAG_ERROR, "duplicate-key", b->file, key->line, key->col,
                               "duplicate key '%s'", key->text);
            diag_note(b->diags, d, first->line, first->col, "'%s' is first defined here",
                      key->text);
            continue;
        }
        pairs[kept].key = key;
        pairs[kept].value = value;
        kept++;
    }
    map->pairs = pairs;
    map->count = (uint32_t)kept;
}

static void close_container(builder *b, const yaml_event_t *ev) {
    frame *f = &b->frames[--b->depth];
    ynode *n = f->node;
    n->end = (uint32_t)ev->end_mark.index;
    /* scratch is NULL until a first child is kept ({} or [] alone). */
    const ynode **children = b->scratch ? b->scratch + f->start : NULL;
    size_t count = b->scratch_len - f->start;
    if (n->kind == YNODE_MAPPING) {
        close_mapping(b, n, children, count);
    } else {
        const ynode **items = arena_calloc(b->a, count ? count : 1, sizeof *items);
        if (count) memcpy(items, children, count * sizeof *items);
        n->items = items;
        n->count = (uint32_t)count;
    }
    b->scratch_len = f->start;
    add_node(b, n);
}

/* libyaml reports reader errors (bad encoding) as a byte offset. */
static void offset_position(const char *data, size_t len, size_t offset, unsigned *line,
                            unsigned *col) {
    if (offset > len) offset = len;
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < offset; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c == '\n') {
            (*line)++;
            *col = 1;
        } else if ((c & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

static void syntax_error(builder *b, const yaml_parser_t *p) {
    unsigned line, col;
    const char *problem = p->problem ? p->problem : "invalid YAML";
    if (p->error == YAML_READER_ERROR) {
        offset_position(b->data, b->len, p->problem_offset, &line, &col);
        if (p->problem_value != -1)
            diag_add(b->diags, DIAG_ERROR, "yaml-syntax", b->file, line, col,
                     "%s (byte 0x%02X); a spec must be UTF-8 text", problem,
                     (unsigned)p->problem_value & 0xFFu);
        else
            diag_add(b->diags, DIAG_ERROR, "yaml-syntax", b->file, line, col, "%s", problem);
        return;
    }
    if (p->error == YAML_MEMORY_ERROR) {
        diag_add(b->diags, DIAG_ERROR, "yaml-syntax", b->file, 1, 1, "out of memory while parsing");
        return;
    }
    line = (unsigned)p->problem_mark.line + 1;
    col = (unsigned)p->problem_mark.column + 1;
    diag *d = diag_add(b->diags, DIAG_ERROR, "yaml-syntax", b->file, line, col, "%s", problem);
    if (p->context)
        diag_note(b->diags, d, (unsigned)p->context_mark.line + 1,
                  (unsigned)p->context_mark.column + 1, "%s", p->context);
}

int ytree_parse(const ynode **root, arena *a, arena *texts, const char *file, const char *data,
                size_t len, diag_list *diags) {
    builder b;
    memset(&b, 0, sizeof b);
    b.a = a;
    b.texts_arena = texts;
    b.diags = diags;
    b.file = file;
    b.data = data;
    b.len = len;
    strmap_init(&b.keys, a);
    *root = NULL;

    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        diag_add(diags, DIAG_ERROR, "yaml-syntax", file, 1, 1, "cannot start the YAML parser");
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    int documents = 0;
    bool done = false;
    while (!done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            syntax_error(&b, &parser);
            b.failed = true;
            break;
        }
        switch (ev.type) {
        case YAML_DOCUMENT_START_EVENT:
            if (++documents > 1) {
                diag_add(diags, DIAG_ERROR, "multiple-documents", file,
                         (unsigned)ev.start_mark.line + 1, (unsigned)ev.start_mark.column + 1,
                         "a spec is one YAML document; a second one starts here");
                b.failed = true;
                done = true;
            }
            break;
        case YAML_SCALAR_EVENT:
            on_scalar(&b, &ev);
            break;
        case YAML_ALIAS_EVENT: {
            diag_add(diags, DIAG_ERROR, "yaml-alias", file, (unsigned)ev.start_mark.line + 1,
                     (unsigned)ev.start_mark.column + 1,
                     "aliases (*%s) are not supported: write the value out, so every table "
                     "and column reads on its own",
                     (const char *)ev.data.alias.anchor);
            b.failed = true;
            ynode *n = new_node(&b, YNODE_SCALAR, ev.start_mark);
            n->end = (uint32_t)ev.end_mark.index;
            n->text = "";
            n->scalar = YSCALAR_NULL;
            add_node(&b, n);
            break;
        }
        case YAML_SEQUENCE_START_EVENT:
            if (!open_container(&b, &ev, YNODE_SEQUENCE)) done = true;
            break;
        case YAML_MAPPING_START_EVENT:
            if (!open_container(&b, &ev, YNODE_MAPPING)) done = true;
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            close_container(&b, &ev);
            break;
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    free(b.scratch);
    if (b.failed) return -1;
    if (!b.root) {
        /* An empty file, or one holding only comments. */
        ynode *n = arena_alloc(a, sizeof *n);
        n->kind = YNODE_SCALAR;
        n->line = n->col = 1;
        n->text = "";
        n->scalar = YSCALAR_NULL;
        n->plain = true;
        b.root = n;
    }
    *root = b.root;
    return 0;
}
