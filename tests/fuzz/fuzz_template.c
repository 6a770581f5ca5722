/*
 * The template engine with a user's templates: the input is a template, and after its
 * first NUL byte a partial named "p" (both compiled as a user's files would be), rendered
 * over the context of the example spec's sqlite target. Bounded whatever the text:
 * nesting, the partials rendered and the output all have limits.
 */
#include <string.h>

#include "emit/emit.h"
#include "emit/template.h"
#include "fuzz.h"

static arena *context_arena;
static const ctx_value *context;

static void free_context(void) { arena_free(context_arena); }

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const syncspec_schema *schema = fuzz_spec("schemas/app.yaml");
    json_t *json = schema ? emit_context(schema, "sqlite") : NULL;
    context_arena = arena_new();
    atexit(free_context);
    if (!json || !(context = ctx_from_json(context_arena, json))) {
        fprintf(stderr, "fuzz: no context\n");
        abort();
    }
    json_decref(json);
    return 0;
}

static const template *resolve(void *data, const char *name, size_t length) {
    return length == 1 && name[0] == 'p' ? data : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = (const char *)data;
    const char *nul = memchr(text, '\0', size);
    size_t main_length = nul ? (size_t)(nul - text) : size;
    arena *a = arena_new();
    diag_list diags;
    diag_list_init(&diags, a);
    /* The arena copies: a compiled template points into its text. */
    const char *main_text = arena_strndup(a, text, main_length);
    const char *partial_text = nul ? arena_strndup(a, nul + 1, size - main_length - 1) : "";
    template *t = template_compile(a, "main", main_text, main_length, &diags);
    template *p = template_compile(a, "p", partial_text, nul ? size - main_length - 1 : 0, &diags);
    if (t) {
        strbuf out = STRBUF_INIT;
        template_partials partials = {resolve, p};
        int rc = template_render(&out, t, context, &partials, &diags);
        FUZZ_CHECK(rc == 0 || diag_error_count(&diags) > 0);
        sb_free(&out);
    }
    diag_list_free(&diags);
    arena_free(a);
    return 0;
}
