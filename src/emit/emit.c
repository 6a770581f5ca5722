#include "emit/emit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "emit/embedded.h"
#include "emit/targets.h"
#include "emit/template.h"
#include "util/fsutil.h"
#include "util/strbuf.h"

typedef struct target {
    const char *name; /* as given to --only */
    context_builder build;
} target;

typedef struct target_file {
    const char *target;
    const char *template_path; /* below templates/ (or a user's --templates folder) */
    const char *output;        /* file name; "%s" stands for the spec's name */
} target_file;

static const target targets[] = {
    {"sqlite", context_sqlite},
    {"postgres", context_postgres},
    {"sync-rules", context_sync_rules},
};

static const target_file target_files[] = {
    {"sqlite", "sqlite/sqlite.sql", "sqlite.sql"},
    {"postgres", "postgres/postgres.sql", "postgres.sql"},
    {"sync-rules", "sync_rules/sync_rules.yaml", "sync_rules.yaml"},
};

enum {
    TARGET_COUNT = sizeof targets / sizeof targets[0],
    FILE_COUNT = sizeof target_files / sizeof target_files[0]
};

const char *const emit_target_names[] = {"sqlite", "postgres", "sync-rules", NULL};

static const target *find_target(const char *name) {
    for (size_t i = 0; i < TARGET_COUNT; i++)
        if (strcmp(targets[i].name, name) == 0) return &targets[i];
    return NULL;
}

static bool selected(const emit_options *options, const char *name) {
    if (!options || !options->only) return true;
    for (const char *const *o = options->only; *o; o++)
        if (strcmp(*o, name) == 0) return true;
    return false;
}

/* A user's template when their folder has it, else the built-in one. */
static int load_template(const char **text, size_t *length, const char **used, arena *a,
                         const char *templates_dir, const char *path, diag_list *diags) {
    if (templates_dir) {
        char *full = fs_join(templates_dir, path);
        char *data = NULL;
        size_t n = 0;
        int rc = fs_read_file(&data, &n, full, 16u << 20);
        if (rc == 0) {
            *text = arena_strndup(a, data, n);
            *length = n;
            *used = arena_strdup(a, full);
            free(data);
            free(full);
            return 0;
        }
        if (errno != ENOENT) {
            diag_add(diags, DIAG_ERROR, "io", full, 0, 0, "cannot read template: %s",
                     strerror(errno));
            free(full);
            return -1;
        }
        free(full);
    }
    for (const embedded_file *f = embedded_templates; f->path; f++)
        if (strcmp(f->path, path) == 0) {
            *text = f->data;
            *length = f->size;
            *used = arena_printf(a, "<embedded>/%s", path);
            return 0;
        }
    diag_add(diags, DIAG_ERROR, "io", path, 0, 0, "no such template");
    return -1;
}

int emit_generate(emit_file **files, size_t *count, const char ***templates_used, arena *a,
                  const syncspec_schema *schema, const emit_options *options, diag_list *diags) {
    *files = NULL;
    *count = 0;
    *templates_used = NULL;
    size_t errors_before = diag_error_count(diags);
    for (const char *const *o = options && options->only ? options->only : NULL; o && *o; o++)
        if (!find_target(*o)) {
            diag *d = diag_add(diags, DIAG_ERROR, "unknown-target", NULL, 0, 0,
                               "unknown target '%s'", *o);
            diag_note(diags, d, 0, 0, "targets: sqlite, postgres, sync-rules");
        }
    const char *templates_dir = options ? options->templates_dir : NULL;
    struct stat st;
    if (templates_dir && (stat(templates_dir, &st) != 0 || !S_ISDIR(st.st_mode)))
        diag_add(diags, DIAG_ERROR, "io", templates_dir, 0, 0, "not a readable folder");
    if (diag_error_count(diags) > errors_before) return -1;

    emit_file *out = arena_calloc(a, FILE_COUNT, sizeof *out);
    const char **used = arena_calloc(a, FILE_COUNT + 1, sizeof *used);
    size_t n = 0;
    for (size_t t = 0; t < TARGET_COUNT; t++) {
        if (!selected(options, targets[t].name)) continue;
        ctx_value *context = targets[t].build(a, schema);
        for (size_t f = 0; f < FILE_COUNT; f++) {
            const target_file *tf = &target_files[f];
            if (strcmp(tf->target, targets[t].name) != 0) continue;
            const char *text;
            size_t length;
            if (load_template(&text, &length, &used[n], a, templates_dir, tf->template_path,
                              diags) != 0)
                continue;
            template *tpl = template_compile(a, used[n], text, length, diags);
            strbuf sb = STRBUF_INIT;
            if (tpl && template_render(&sb, tpl, context, diags) == 0) {
                out[n].target = targets[t].name;
                out[n].path = strstr(tf->output, "%s") ? arena_printf(a, tf->output, schema->name)
                                                       : tf->output;
                out[n].content = arena_strndup(a, sb_str(&sb), sb.len);
                out[n].length = sb.len;
                n++;
            }
            sb_free(&sb);
        }
    }
    if (diag_error_count(diags) > errors_before) return -1;
    *files = out;
    *count = n;
    *templates_used = used;
    return 0;
}

json_t *emit_context(const syncspec_schema *schema, const char *target_name) {
    const target *t = find_target(target_name);
    if (!t) return NULL;
    arena *a = arena_new();
    json_t *json = ctx_to_json(t->build(a, schema));
    arena_free(a);
    return json;
}
