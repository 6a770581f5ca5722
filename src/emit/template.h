/*
 * Logic-free templates, a subset of mustache:
 *   {{name}} {{a.b}} {{.}}     a string, inserted as is (escaping is the context's job;
 *                              {{{name}}} and {{&name}} mean the same), a boolean
 *                              ("true"/"false"); null renders empty
 *   {{#name}}...{{/name}}      a list: once per item, the item on top of the context
 *                              stack; an object or a true or non-empty string: once, with
 *                              it on top of the stack; false, null, "" or []: not at all
 *   {{^name}}...{{/name}}      once when the value is false, null, "" or an empty list
 *   {{! comment }}             may span lines
 *   {{>name}}                  another template of the same folder, rendered in the
 *                              current context
 * A section, comment or partial tag alone on its line (spaces around it allowed, LF or
 * CRLF line ends) takes the whole line with it, so templates can be laid out readably
 * without leaving blank lines in the output; a standalone partial's indentation is not
 * applied to its lines. A name found nowhere on the context stack is an error (a typo in
 * the template, never an empty value), reported once per tag with the tag's position.
 */
#ifndef SYNCSPEC_EMIT_TEMPLATE_H
#define SYNCSPEC_EMIT_TEMPLATE_H

#include <stddef.h>

#include "emit/context.h"
#include "util/arena.h"
#include "util/diag.h"
#include "util/strbuf.h"

typedef struct template template;

/* Compiles a template; NULL after adding diagnostics (file:line:col) on a syntax error.
 * The text must outlive the template. */
template *template_compile(arena *a, const char *file, const char *text, size_t length,
                           diag_list *diags);

/* Where partials come from: `resolve` returns the compiled template for a name, or NULL. */
typedef struct template_partials {
    const template *(*resolve)(void *data, const char *name, size_t length);
    void *data;
} template_partials;

/* Renders into `out`; returns 0, or -1 after adding a diagnostic per unknown name.
 * `partials` may be NULL when the template uses none. */
int template_render(strbuf *out, const template *t, const ctx_value *root,
                    const template_partials *partials, diag_list *diags);

/*
 * Where a large output goes while it is rendered: once `out` holds `at` bytes or more
 * after an item of a list, `write` is given them and `out` is emptied. A 1,000-table file
 * then passes through a buffer that stays in cache instead of growing to megabytes of
 * memory the system has to hand over page by page. What is left in `out` at the end is
 * the caller's to pass on.
 */
typedef struct template_flush {
    size_t at;
    void (*write)(void *data, const char *text, size_t length);
    void *data;
} template_flush;

/* template_render, handing the output to `flush` in pieces (NULL: all of it in `out`). */
int template_render_flushing(strbuf *out, const template *t, const ctx_value *root,
                             const template_partials *partials, const template_flush *flush,
                             diag_list *diags);

#endif
