#include "emit/template.h"

#include <stdio.h>
#include <string.h>

typedef enum node_kind {
    NODE_TEXT,
    NODE_VARIABLE,
    NODE_SECTION,
    NODE_INVERTED,
    NODE_PARTIAL
} node_kind;

typedef struct node node;
struct node {
    node_kind kind;
    const char *text; /* literal text, or the name */
    size_t length;
    size_t first_length; /* of the name's first part, before any '.' */
    /* Where the name's first part was last found (ctx_get_hinted); the one thing rendering
     * writes into a compiled template, so a template renders on one thread at a time. */
    ctx_hint *hint;
    node *children; /* sections */
    size_t child_count, child_cap;
    unsigned line, col;
};

struct template {
    const char *file;
    node root;
};

enum {
    MAX_NESTING = 32,  /* sections inside one template, and partials inside partials */
    MAX_DEPTH = 256,   /* context stack while rendering, across partials */
    MAX_REPORTED = 64, /* render errors reported once per tag, up to this many tags */
};
/* The work of one render, which nesting alone does not bound: a partial that includes
 * itself twice renders 2^32 times before the nesting limit. The embedded templates render
 * a few partials a table. A fuzzing build reaches the same limit sooner. */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define MAX_PARTIAL_RENDERS (1 << 14)
#else
#define MAX_PARTIAL_RENDERS (1 << 20)
#endif
/* The output of one render: a 10,000-table spec's largest file is some hundred megabytes. */
#define MAX_OUTPUT ((size_t)512 << 20)

/* A partial names a file beside its template: no folder ("../../etc/hostname", "/x"), so a
 * user's templates never read outside their folder. */
static bool partial_name_ok(const char *name, size_t length) {
    if ((length == 1 && name[0] == '.') || (length == 2 && memcmp(name, "..", 2) == 0))
        return false;
    for (size_t i = 0; i < length; i++)
        if (name[i] == '/' || name[i] == '\\' || name[i] == '\0') return false;
    return true;
}

static void add_child(arena *a, node *parent, node child) {
    if (parent->child_count == parent->child_cap) {
        size_t cap = parent->child_cap ? parent->child_cap * 2 : 8;
        node *children = arena_calloc(a, cap, sizeof *children);
        if (parent->child_count)
            memcpy(children, parent->children, parent->child_count * sizeof *children);
        parent->children = children;
        parent->child_cap = cap;
    }
    parent->children[parent->child_count++] = child;
}

/* Line and column (1-based, in bytes) of a position, counted on from the previous one so
 * compiling stays linear in the template's size. */
typedef struct cursor {
    const char *at;
    unsigned line, col;
} cursor;

static void advance(cursor *c, const char *to) {
    for (; c->at < to; c->at++) {
        if (*c->at == '\n') {
            c->line++;
            c->col = 1;
        } else {
            c->col++;
        }
    }
}

static bool blank(char c) { return c == ' ' || c == '\t'; }

static const char *find(const char *from, const char *end, const char *what, size_t n) {
    for (const char *q = from; q + n <= end; q++)
        if (memcmp(q, what, n) == 0) return q;
    return NULL;
}

template *template_compile(arena *a, const char *file, const char *text, size_t length,
                           diag_list *diags) {
    template *t = arena_alloc(a, sizeof *t);
    t->file = file;
    /* The open sections; stack[0] is the root. A section is added to its parent when it
     * closes, so the stack holds the nodes being filled. */
    node stack[MAX_NESTING + 1];
    memset(stack, 0, sizeof stack);
    size_t depth = 0;
    const char *end = text + length;
    const char *p = text;
    cursor cur = {text, 1, 1};
    size_t errors_before = diag_error_count(diags);

    while (p < end) {
        const char *open = find(p, end, "{{", 2);
        if (!open) {
            add_child(a, &stack[depth],
                      (node){.kind = NODE_TEXT, .text = p, .length = (size_t)(end - p)});
            break;
        }
        advance(&cur, open);
        unsigned line = cur.line, col = cur.col;
        /* {{{name}}} is mustache's unescaped variable; every variable is unescaped here,
         * so it is accepted as a synonym, as is {{&name}}. */
        bool triple = open + 2 < end && open[2] == '{';
        const char *close = find(open + 2, end, triple ? "}}}" : "}}", triple ? 3 : 2);
        if (!close) {
            diag_add(diags, DIAG_ERROR, "template-syntax", file, line, col,
                     "'%s' is never closed with '%s'", triple ? "{{{" : "{{",
                     triple ? "}}}" : "}}");
            break;
        }
        const char *inner = open + (triple ? 3 : 2), *inner_end = close;
        const char *next = close + (triple ? 3 : 2);
        char sigil = triple ? '&' : inner < inner_end ? *inner : '\0';
        bool tag = sigil == '#' || sigil == '^' || sigil == '/' || sigil == '!' || sigil == '>';
        if (tag || sigil == '&') inner += !triple;
        while (inner < inner_end && blank(*inner)) inner++;
        while (inner_end > inner && blank(inner_end[-1])) inner_end--;

        /* A tag alone on its line takes the line: its indentation and its line end. */
        const char *text_end = open;
        if (tag) {
            const char *line_start = open;
            while (line_start > p && blank(line_start[-1])) line_start--;
            bool at_line_start = line_start == text || line_start[-1] == '\n';
            const char *after = next;
            while (after < end && blank(*after)) after++;
            size_t eol = after == end                                            ? 0
                         : *after == '\n'                                        ? 1
                         : *after == '\r' && after + 1 < end && after[1] == '\n' ? 2
                                                                                 : (size_t)-1;
            if (at_line_start && eol != (size_t)-1) {
                text_end = line_start;
                next = after + eol;
            }
        }
        if (text_end > p)
            add_child(a, &stack[depth],
                      (node){.kind = NODE_TEXT, .text = p, .length = (size_t)(text_end - p)});
        p = next;

        size_t name_len = (size_t)(inner_end - inner);
        if (sigil == '!') continue;
        if (name_len == 0) {
            diag_add(diags, DIAG_ERROR, "template-syntax", file, line, col, "empty tag");
            continue;
        }
        const char *dot = memchr(inner, '.', name_len);
        size_t first_length = dot && name_len > 1 ? (size_t)(dot - inner) : name_len;
        if (sigil == '#' || sigil == '^') {
            if (depth == MAX_NESTING) {
                diag_add(diags, DIAG_ERROR, "template-syntax", file, line, col,
                         "sections nest deeper than %d", MAX_NESTING);
                break;
            }
            stack[++depth] = (node){.kind = sigil == '#' ? NODE_SECTION : NODE_INVERTED,
                                    .text = inner,
                                    .length = name_len,
                                    .first_length = first_length,
                                    .hint = arena_alloc(a, sizeof(ctx_hint)),
                                    .line = line,
                                    .col = col};
        } else if (sigil == '/') {
            if (depth == 0) {
                diag_add(diags, DIAG_ERROR, "template-syntax", file, line, col,
                         "'{{/%.*s}}' closes no open section", (int)name_len, inner);
                continue;
            }
            node *open_section = &stack[depth];
            if (open_section->length != name_len ||
                memcmp(open_section->text, inner, name_len) != 0) {
                diag *d = diag_add(diags, DIAG_ERROR, "template-syntax", file, line, col,
                                   "'{{/%.*s}}' closes section '%.*s'", (int)name_len, inner,
                                   (int)open_section->length, open_section->text);
                diag_note(diags, d, open_section->line, open_section->col,
                          "section '%.*s' opens here", (int)open_section->length,
                          open_section->text);
                continue;
            }
            depth--;
            add_child(a, &stack[depth], *open_section);
        } else if (sigil == '>' && !partial_name_ok(inner, name_len)) {
            diag_add(diags, DIAG_ERROR, "template-partial", file, line, col,
                     "partial '%.*s' is not a file name: a partial is a template of the same "
                     "folder",
                     (int)name_len, inner);
        } else {
            add_child(a, &stack[depth],
                      (node){.kind = sigil == '>' ? NODE_PARTIAL : NODE_VARIABLE,
                             .text = inner,
                             .length = name_len,
                             .first_length = first_length,
                             .hint = arena_alloc(a, sizeof(ctx_hint)),
                             .line = line,
                             .col = col});
        }
    }
    for (; depth > 0; depth--)
        diag_add(diags, DIAG_ERROR, "template-syntax", file, stack[depth].line, stack[depth].col,
                 "section '%.*s' is never closed", (int)stack[depth].length, stack[depth].text);
    if (diag_error_count(diags) > errors_before) return NULL;
    t->root = stack[0];
    return t;
}

typedef struct render_state {
    const template *t;
    strbuf *out;
    diag_list *diags;
    const template_partials *partials;
    const template_flush *flush;
    unsigned partial_depth;
    size_t partial_renders;
    size_t flushed; /* output already handed to `flush` */
    bool stopped;   /* a limit of the whole render was reached: render no more */
    const ctx_value *stack[MAX_DEPTH];
    size_t depth;
    const node *reported[MAX_REPORTED];
    size_t reported_count;
    int status;
} render_state;

/* Resolves a dotted name: the first part from the innermost context that has it. */
static const ctx_value *lookup(const render_state *s, const node *n) {
    if (n->length == 1 && n->text[0] == '.') return s->stack[s->depth - 1];
    const ctx_value *v = NULL;
    for (size_t i = s->depth; i-- > 0 && !v;)
        v = ctx_get_hinted(s->stack[i], n->text, n->first_length, n->hint);
    const char *dot = n->first_length < n->length ? n->text + n->first_length : NULL;
    while (v && dot) {
        const char *part = dot + 1;
        const char *stop = n->text + n->length;
        dot = memchr(part, '.', (size_t)(stop - part));
        v = ctx_get(v, part, (size_t)((dot ? dot : stop) - part));
    }
    return v;
}

static bool truthy(const ctx_value *v) {
    switch (v->kind) {
    case CTX_BOOL:
        return v->boolean;
    case CTX_STRING:
        return v->as.string[0] != '\0';
    case CTX_LIST:
    case CTX_LAZY_LIST:
        return v->count > 0;
    case CTX_OBJECT:
        return true;
    default:
        return false;
    }
}

static void render_nodes(render_state *s, const node *nodes, size_t count);

/* A tag inside a list fails once per item: report it once, at the tag. */
static bool first_report(render_state *s, const node *n) {
    s->status = -1;
    for (size_t i = 0; i < s->reported_count; i++)
        if (s->reported[i] == n) return false;
    if (s->reported_count < MAX_REPORTED) s->reported[s->reported_count++] = n;
    return true;
}

static void render_with(render_state *s, const node *n, const ctx_value *top) {
    if (s->depth == MAX_DEPTH) {
        if (first_report(s, n))
            diag_add(s->diags, DIAG_ERROR, "template-syntax", s->t->file, n->line, n->col,
                     "sections nest deeper than %d", MAX_DEPTH);
        return;
    }
    s->stack[s->depth++] = top;
    render_nodes(s, n->children, n->child_count);
    s->depth--;
}

/* Stops the whole render at `n` with an error. */
static void stop(render_state *s, const node *n, const char *message) {
    s->stopped = true;
    s->status = -1;
    diag_add(s->diags, DIAG_ERROR, "template-limit", s->t->file, n->line, n->col, "%s", message);
}

/* Output grows without bound only through list items and partials, so that is where its
 * size is checked, not at every tag. */
static bool output_limit_reached(render_state *s, const node *n) {
    if (s->stopped) return true;
    if (s->flushed + s->out->len <= MAX_OUTPUT) return false;
    stop(s, n, "the output passes 512 MiB (does a partial include itself?)");
    return true;
}

typedef struct section_items {
    render_state *s;
    const node *n;
} section_items;

static int render_item(void *data, const ctx_value *item) {
    section_items *it = data;
    render_state *s = it->s;
    render_with(s, it->n, item);
    /* Between items, where a list's output grows, is where a full buffer is passed on. */
    if (s->flush && s->out->len >= s->flush->at) {
        s->flush->write(s->flush->data, s->out->data, s->out->len);
        s->flushed += s->out->len;
        sb_reset(s->out);
    }
    output_limit_reached(s, it->n);
    return 0;
}

/* A partial renders in the current context, from the template the resolver names. */
static void render_partial(render_state *s, const node *n) {
    if (output_limit_reached(s, n)) return;
    if (++s->partial_renders > MAX_PARTIAL_RENDERS) {
        char message[96];
        snprintf(message, sizeof message,
                 "more than %d partials rendered (does a partial include itself?)",
                 MAX_PARTIAL_RENDERS);
        stop(s, n, message);
        return;
    }
    const template *t =
        s->partials ? s->partials->resolve(s->partials->data, n->text, n->length) : NULL;
    if (!t || s->partial_depth >= MAX_NESTING) {
        if (first_report(s, n))
            diag_add(s->diags, DIAG_ERROR, "template-partial", s->t->file, n->line, n->col,
                     t ? "partials nest deeper than %d" : "no partial '%.*s'",
                     t ? MAX_NESTING : (int)n->length, n->text);
        return;
    }
    const template *outer = s->t;
    s->t = t;
    s->partial_depth++;
    render_nodes(s, t->root.children, t->root.child_count);
    s->partial_depth--;
    s->t = outer;
}

static void render_nodes(render_state *s, const node *nodes, size_t count) {
    for (size_t i = 0; i < count && !s->stopped; i++) {
        const node *n = &nodes[i];
        if (n->kind == NODE_TEXT) {
            sb_append_n(s->out, n->text, n->length);
            continue;
        }
        if (n->kind == NODE_PARTIAL) {
            render_partial(s, n);
            continue;
        }
        const ctx_value *v = lookup(s, n);
        if (!v) {
            if (first_report(s, n))
                diag_add(s->diags, DIAG_ERROR, "template-unknown-name", s->t->file, n->line, n->col,
                         "'%.*s' is not in the context (see generate --dump-context)",
                         (int)n->length, n->text);
            continue;
        }
        if (n->kind == NODE_VARIABLE) {
            if (v->kind == CTX_STRING)
                sb_append(s->out, v->as.string);
            else if (v->kind == CTX_BOOL)
                sb_append(s->out, v->boolean ? "true" : "false");
            else if (v->kind != CTX_NULL && first_report(s, n))
                diag_add(s->diags, DIAG_ERROR, "template-not-a-value", s->t->file, n->line, n->col,
                         "'%.*s' is a list or object, not a value", (int)n->length, n->text);
        } else if (n->kind == NODE_INVERTED) {
            if (!truthy(v)) render_nodes(s, n->children, n->child_count);
        } else if (ctx_is_list(v)) {
            section_items it = {s, n};
            if (ctx_each(v, render_item, &it) != 0 && first_report(s, n))
                diag_add(s->diags, DIAG_ERROR, "template-render", s->t->file, n->line, n->col,
                         "out of memory while rendering '%.*s'", (int)n->length, n->text);
        } else if (truthy(v)) {
            render_with(s, n, v);
        }
    }
}

int template_render(strbuf *out, const template *t, const ctx_value *root,
                    const template_partials *partials, diag_list *diags) {
    return template_render_flushing(out, t, root, partials, NULL, diags);
}

int template_render_flushing(strbuf *out, const template *t, const ctx_value *root,
                             const template_partials *partials, const template_flush *flush,
                             diag_list *diags) {
    render_state s = {
        .t = t, .out = out, .diags = diags, .partials = partials, .flush = flush, .depth = 1};
    s.stack[0] = root;
    render_nodes(&s, t->root.children, t->root.child_count);
    return s.status;
}
