#include "emit/template.h"

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
    node *children; /* sections */
    size_t child_count, child_cap;
    unsigned line, col;
};

struct template {
    const char *file;
    node root;
};

enum { MAX_NESTING = 32 };

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

static void position(const char *text, const char *at, unsigned *line, unsigned *col) {
    unsigned l = 1, c = 1;
    for (const char *p = text; p < at; p++) {
        if (*p == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static bool blank(char c) { return c == ' ' || c == '\t'; }

template *template_compile(arena *a, const char *file, const char *text, size_t length,
                           diag_list *diags) {
    template *t = arena_alloc(a, sizeof *t);
    t->file = file;
    /* The open sections; stack[0] is the root. Children are copied into the parent when a
     * section closes, so the stack holds the nodes being filled. */
    node stack[MAX_NESTING + 1];
    memset(stack, 0, sizeof stack);
    size_t depth = 0;
    const char *end = text + length;
    const char *p = text;
    size_t errors_before = diag_error_count(diags);

    while (p < end) {
        const char *open = NULL;
        for (const char *q = p; q + 1 < end; q++)
            if (q[0] == '{' && q[1] == '{') {
                open = q;
                break;
            }
        if (!open) {
            add_child(a, &stack[depth],
                      (node){.kind = NODE_TEXT, .text = p, .length = (size_t)(end - p)});
            break;
        }
        const char *close = NULL;
        for (const char *q = open + 2; q + 1 < end; q++)
            if (q[0] == '}' && q[1] == '}') {
                close = q;
                break;
            }
        unsigned line, col;
        position(text, open, &line, &col);
        if (!close) {
            diag_add(diags, DIAG_ERROR, "template-syntax", file, line, col,
                     "'{{' is never closed with '}}'");
            break;
        }
        const char *inner = open + 2, *inner_end = close;
        char sigil = inner < inner_end ? *inner : '\0';
        bool tag = sigil == '#' || sigil == '^' || sigil == '/' || sigil == '!' || sigil == '>';
        if (tag) inner++;
        while (inner < inner_end && blank(*inner)) inner++;
        while (inner_end > inner && blank(inner_end[-1])) inner_end--;

        /* A tag alone on its line takes the line: drop its indentation and newline. */
        const char *text_end = open, *next = close + 2;
        if (tag) {
            const char *line_start = open;
            while (line_start > p && blank(line_start[-1])) line_start--;
            bool at_line_start = line_start == text || line_start[-1] == '\n';
            const char *after = next;
            while (after < end && blank(*after)) after++;
            bool at_line_end = after == end || *after == '\n';
            if (at_line_start && at_line_end) {
                text_end = line_start;
                next = after < end ? after + 1 : after;
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
        if (sigil == '#' || sigil == '^') {
            if (depth == MAX_NESTING) {
                diag_add(diags, DIAG_ERROR, "template-syntax", file, line, col,
                         "sections nest deeper than %d", MAX_NESTING);
                break;
            }
            stack[++depth] = (node){sigil == '#' ? NODE_SECTION : NODE_INVERTED,
                                    inner,
                                    name_len,
                                    NULL,
                                    0,
                                    0,
                                    line,
                                    col};
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
        } else if (sigil == '>') {
            add_child(a, &stack[depth],
                      (node){NODE_PARTIAL, inner, name_len, NULL, 0, 0, line, col});
        } else {
            add_child(a, &stack[depth],
                      (node){NODE_VARIABLE, inner, name_len, NULL, 0, 0, line, col});
        }
    }
    while (depth > 0) {
        diag_add(diags, DIAG_ERROR, "template-syntax", file, stack[depth].line, stack[depth].col,
                 "section '%.*s' is never closed", (int)stack[depth].length, stack[depth].text);
        depth--;
    }
    if (diag_error_count(diags) > errors_before) return NULL;
    t->root = stack[0];
    return t;
}

typedef struct render_state {
    const template *t;
    strbuf *out;
    diag_list *diags;
    const template_partials *partials;
    unsigned partial_depth;
    const ctx_value *stack[MAX_NESTING + 2];
    size_t depth;
    int status;
} render_state;

/* Resolves a dotted name: the first part from the innermost context that has it. */
static const ctx_value *lookup(const render_state *s, const node *n) {
    if (n->length == 1 && n->text[0] == '.') return s->stack[s->depth - 1];
    const char *dot = memchr(n->text, '.', n->length);
    size_t first = dot ? (size_t)(dot - n->text) : n->length;
    const ctx_value *v = NULL;
    for (size_t i = s->depth; i-- > 0 && !v;) v = ctx_get(s->stack[i], n->text, first);
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
        return v->count > 0;
    case CTX_OBJECT:
        return true;
    default:
        return false;
    }
}

static void render_nodes(render_state *s, const node *nodes, size_t count);

static void unknown_name(render_state *s, const node *n) {
    diag_add(s->diags, DIAG_ERROR, "template-unknown-name", s->t->file, n->line, n->col,
             "'%.*s' is not in the context (see generate --dump-context)", (int)n->length, n->text);
    s->status = -1;
}

static void render_with(render_state *s, const node *n, const ctx_value *top) {
    if (s->depth == MAX_NESTING + 1) return;
    s->stack[s->depth++] = top;
    render_nodes(s, n->children, n->child_count);
    s->depth--;
}

/* A partial renders in the current context, from the template the resolver names. */
static void render_partial(render_state *s, const node *n) {
    const template *t =
        s->partials ? s->partials->resolve(s->partials->data, n->text, n->length) : NULL;
    if (!t || s->partial_depth >= MAX_NESTING) {
        diag_add(s->diags, DIAG_ERROR, "template-partial", s->t->file, n->line, n->col,
                 t ? "partials nest deeper than %d" : "no partial '%.*s'",
                 t ? MAX_NESTING : (int)n->length, n->text);
        s->status = -1;
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
    for (size_t i = 0; i < count; i++) {
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
            unknown_name(s, n);
            continue;
        }
        if (n->kind == NODE_VARIABLE) {
            if (v->kind == CTX_STRING)
                sb_append(s->out, v->as.string);
            else if (v->kind == CTX_BOOL)
                sb_append(s->out, v->boolean ? "true" : "false");
            else if (v->kind != CTX_NULL) {
                diag_add(s->diags, DIAG_ERROR, "template-not-a-value", s->t->file, n->line, n->col,
                         "'%.*s' is a list or object, not a value", (int)n->length, n->text);
                s->status = -1;
            }
        } else if (n->kind == NODE_INVERTED) {
            if (!truthy(v)) render_nodes(s, n->children, n->child_count);
        } else if (v->kind == CTX_LIST) {
            for (size_t k = 0; k < v->count; k++) render_with(s, n, v->as.items[k]);
        } else if (truthy(v)) {
            render_with(s, n, v);
        }
    }
}

int template_render(strbuf *out, const template *t, const ctx_value *root,
                    const template_partials *partials, diag_list *diags) {
    render_state s = {.t = t, .out = out, .diags = diags, .partials = partials, .depth = 1};
    s.stack[0] = root;
    render_nodes(&s, t->root.children, t->root.child_count);
    return s.status;
}
