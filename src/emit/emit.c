#include "emit/emit.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "emit/embedded.h"
#include "emit/targets.h"
#include "emit/template.h"
#include "util/fsutil.h"
#include "util/strbuf.h"

typedef struct target_file {
    const char *template_path; /* below templates/ (or a user's --templates folder) */
    const char *output;        /* file name; "%s" stands for the spec's name */
} target_file;

typedef struct target {
    const char *name; /* as given to --only */
    context_builder build;
    target_file files[EMIT_MAX_FILES_PER_TARGET];
} target;

#define EMIT_FILE(template_path, output)                                                           \
    { template_path, output }
#define AS_TARGET(name, builder, ...) {name, builder, {__VA_ARGS__}},
#define AS_NAME(name, ...) name,
static const target targets[] = {EMIT_TARGETS(AS_TARGET)};
const char *const emit_target_names[] = {EMIT_TARGETS(AS_NAME) NULL};
#undef AS_NAME
#undef AS_TARGET
#undef EMIT_FILE

enum { TARGET_COUNT = sizeof targets / sizeof targets[0] };

static const target *find_target(const char *name) {
    for (size_t i = 0; i < TARGET_COUNT; i++)
        if (strcmp(targets[i].name, name) == 0) return &targets[i];
    return NULL;
}

/* "sqlite, postgres, ...": the valid --only names, for messages. */
static const char *target_list(arena *a) {
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < TARGET_COUNT; i++) {
        if (i) sb_append(&sb, ", ");
        sb_append(&sb, targets[i].name);
    }
    const char *out = arena_strndup(a, sb_str(&sb), sb.len);
    sb_free(&sb);
    return out;
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

enum { MAX_TEMPLATES = 64 };

typedef struct resolved_partial {
    const char *folder, *name;
    const template *t;
} resolved_partial;

/* The templates of one run, compiled once each; partials resolve within a target's folder. */
typedef struct template_set {
    arena *a;
    const char *templates_dir;
    diag_list *diags;
    const char *folder; /* of the template being rendered, for partials */
    const char *paths[MAX_TEMPLATES];
    const char *used[MAX_TEMPLATES + 1];
    const template *compiled[MAX_TEMPLATES];
    size_t count;
    /* The partial tags resolved so far, by the tag's name (a pointer into its template)
     * and the folder: a partial is asked for again for every table, and this answers
     * without making its path. */
    resolved_partial partials[MAX_TEMPLATES];
    size_t partial_count;
    strbuf out; /* reused from file to file: its memory is already paged in */
} template_set;

static const template *template_get(template_set *set, const char *path) {
    for (size_t i = 0; i < set->count; i++)
        if (strcmp(set->paths[i], path) == 0) return set->compiled[i];
    if (set->count == MAX_TEMPLATES) {
        diag_add(set->diags, DIAG_ERROR, "template-partial", path, 0, 0,
                 "more than %d templates in one run", MAX_TEMPLATES);
        return NULL;
    }
    const char *text, *used = NULL;
    size_t length;
    /* A template that fails to load or compile is remembered as NULL, so its diagnostics
     * are reported once, not once per table that uses it. */
    const template *t = NULL;
    if (load_template(&text, &length, &used, set->a, set->templates_dir, path, set->diags) == 0)
        t = template_compile(set->a, used, text, length, set->diags);
    set->paths[set->count] = arena_strdup(set->a, path);
    set->used[set->count] = used;
    set->compiled[set->count++] = t;
    return t;
}

static const template *resolve_partial(void *data, const char *name, size_t length) {
    template_set *set = data;
    for (size_t i = 0; i < set->partial_count; i++)
        if (set->partials[i].name == name && set->partials[i].folder == set->folder)
            return set->partials[i].t;
    const template *t =
        template_get(set, arena_printf(set->a, "%s/%.*s", set->folder, (int)length, name));
    if (set->partial_count < MAX_TEMPLATES)
        set->partials[set->partial_count++] = (resolved_partial){set->folder, name, t};
    return t;
}

/* The same folder keeps its string, which the resolved partials are known by. */
static void enter_folder(template_set *set, const char *path) {
    const char *slash = strrchr(path, '/');
    size_t length = slash ? (size_t)(slash - path) : 0;
    if (!slash)
        set->folder = ".";
    else if (!set->folder || strlen(set->folder) != length ||
             memcmp(set->folder, path, length) != 0)
        set->folder = arena_strndup(set->a, path, length);
}

/* Renders one template file over a context; NULL on error (diagnostics added). */
static const char *render_file(size_t *length, template_set *set, const char *path,
                               const ctx_value *context) {
    const template *t = template_get(set, path);
    if (!t) return NULL;
    enter_folder(set, path);
    template_partials partials = {resolve_partial, set};
    const char *out = NULL;
    sb_reset(&set->out);
    if (template_render(&set->out, t, context, &partials, set->diags) == 0) {
        out = arena_strndup(set->a, sb_str(&set->out), set->out.len);
        *length = set->out.len;
    }
    return out;
}

/*
 * The size of the pieces a file is streamed in: large enough that each write or compare
 * is worth its call, small enough that the buffer stays in the CPU's cache.
 */
enum { EMIT_PIECE = 128 * 1024 };

/* Renders one template file over a context into a sink's file; false on error
 * (diagnostics added). */
static bool render_to_sink(template_set *set, const char *path, const ctx_value *context,
                           const emit_sink *sink, void *file) {
    const template *t = template_get(set, path);
    if (!t) return false;
    enter_folder(set, path);
    template_partials partials = {resolve_partial, set};
    template_flush flush = {EMIT_PIECE, sink->write, file};
    sb_reset(&set->out);
    if (template_render_flushing(&set->out, t, context, &partials, &flush, set->diags) != 0)
        return false;
    if (set->out.len) sink->write(file, set->out.data, set->out.len);
    return true;
}

/*
 * The targets render on two lanes, one a thread: the C targets (whose schema.c is the
 * largest file by far), the Drizzle schemas and the sync rules on one, the rest on the
 * other, which balances the two for specs large and small (the thread starts once the spec
 * is loaded and validated, so an even split ends both lanes together). A lane has its own
 * arena, templates and diagnostics, since none of them can be shared between threads;
 * targets that share a builder share a lane, and each lane's templates come from its
 * targets' own folders, so no template is compiled (or reported broken) twice. What a lane
 * leaves behind is merged afterwards target by target, in target order, so diagnostics and
 * the list of templates used come out as one thread would have made them.
 *
 * The thread is worth its keep: on the 1,000-table benchmark spec (make bench) it takes
 * 0.38 G of 1.02 G instructions, half of the rendering, to the other core (callgrind;
 * docs/testing.md has the figures).
 */
enum { LANES = 2 };

static size_t lane_of(const target *t) {
    return t->build == context_c || t->build == context_drizzle_sqlite ||
           t->build == context_drizzle_pg || t->build == context_sync_rules;
}

typedef struct lane {
    template_set set; /* its arena: the caller's for lane 0, its own for lane 1 */
    diag_list diags;
    const syncspec_schema *schema;
    const emit_sink *sink;
    const emit_file *files; /* the run's files, planned in target order */
    size_t file_count;
    bool wanted[TARGET_COUNT]; /* the selected targets of this lane */
    /* Where each target's diagnostics and first-used templates sit in diags and set.used. */
    size_t diag_begin[TARGET_COUNT], diag_end[TARGET_COUNT];
    size_t used_begin[TARGET_COUNT], used_end[TARGET_COUNT];
} lane;

static void run_lane(lane *l) {
    ctx_value *contexts[TARGET_COUNT] = {NULL};
    const emit_file *file = l->files;
    for (size_t t = 0; t < TARGET_COUNT; t++) {
        if (!l->wanted[t]) {
            /* Another lane's, or not selected: skip its files in the plan. */
            while (file < l->files + l->file_count && file->target == targets[t].name) file++;
            continue;
        }
        l->diag_begin[t] = l->diags.count;
        l->used_begin[t] = l->set.count;
        /* Targets that share a builder (c-schema and c-sanitize) share its context. */
        for (size_t p = 0; p < t && !contexts[t]; p++)
            if (targets[p].build == targets[t].build) contexts[t] = contexts[p];
        if (!contexts[t]) contexts[t] = targets[t].build(l->set.a, l->schema);
        for (size_t f = 0; f < EMIT_MAX_FILES_PER_TARGET && targets[t].files[f].output;
             f++, file++) {
            void *handle = l->sink->begin(l->sink->data, file);
            l->sink->end(handle, render_to_sink(&l->set, targets[t].files[f].template_path,
                                                contexts[t], l->sink, handle));
        }
        l->diag_end[t] = l->diags.count;
        l->used_end[t] = l->set.count;
    }
    sb_free(&l->set.out);
}

static void *lane_thread(void *data) {
    run_lane(data);
    return NULL;
}

int emit_generate_to(const emit_sink *sink, const char ***templates_used, arena *a,
                     const syncspec_schema *schema, const emit_options *options, diag_list *diags) {
    *templates_used = NULL;
    size_t errors_before = diag_error_count(diags);
    for (const char *const *o = options && options->only ? options->only : NULL; o && *o; o++)
        if (!find_target(*o)) {
            diag *d = diag_add(diags, DIAG_ERROR, "unknown-target", NULL, 0, 0,
                               "unknown target '%s'", *o);
            const char *guess = diag_did_you_mean(*o, emit_target_names);
            diag_note(diags, d, 0, 0, "%s%s%stargets: %s", guess ? "did you mean '" : "",
                      guess ? guess : "", guess ? "'? " : "", target_list(a));
        }
    const char *templates_dir = options ? options->templates_dir : NULL;
    struct stat st;
    if (templates_dir && (stat(templates_dir, &st) != 0 || !S_ISDIR(st.st_mode)))
        diag_add(diags, DIAG_ERROR, "io", templates_dir, 0, 0, "not a readable folder");
    if (diag_error_count(diags) > errors_before) return -1;

    /* Every file of the run, named before any thread starts (the names live in `a`). */
    _Static_assert(TARGET_COUNT * EMIT_MAX_FILES_PER_TARGET <= EMIT_MAX_FILES,
                   "EMIT_MAX_FILES holds every file of every target");
    emit_file *files = arena_calloc(a, EMIT_MAX_FILES, sizeof *files);
    size_t file_count = 0;
    lane lanes[LANES];
    memset(lanes, 0, sizeof lanes);
    bool busy[LANES] = {false};
    for (size_t t = 0; t < TARGET_COUNT; t++) {
        if (!selected(options, targets[t].name)) continue;
        lanes[lane_of(&targets[t])].wanted[t] = busy[lane_of(&targets[t])] = true;
        for (size_t f = 0; f < EMIT_MAX_FILES_PER_TARGET && targets[t].files[f].output; f++) {
            const char *output = targets[t].files[f].output;
            files[file_count] = (emit_file){
                .target = targets[t].name,
                .path = strstr(output, "%s") ? arena_printf(a, output, schema->name) : output,
                .index = file_count,
            };
            file_count++;
        }
    }
    for (size_t i = 0; i < LANES; i++) {
        lane *l = &lanes[i];
        l->set.a = i == 0 ? a : arena_new();
        if (!l->set.a) abort();
        l->set.templates_dir = templates_dir;
        l->set.diags = &l->diags;
        diag_list_init(&l->diags, l->set.a);
        l->schema = schema;
        l->sink = sink;
        l->files = files;
        l->file_count = file_count;
    }
    /* Lane 1 gets a thread when both lanes have work; if none can be had, it runs after. */
    pthread_t thread;
    bool threaded =
        busy[0] && busy[1] && pthread_create(&thread, NULL, lane_thread, &lanes[1]) == 0;
    run_lane(&lanes[0]);
    if (threaded)
        pthread_join(thread, NULL);
    else
        run_lane(&lanes[1]);

    /* Merged in target order; lane 1's strings are copied out of its arena. */
    const char **used = arena_calloc(a, lanes[0].set.count + lanes[1].set.count + 1, sizeof *used);
    size_t used_count = 0;
    for (size_t t = 0; t < TARGET_COUNT; t++) {
        const lane *l = &lanes[lane_of(&targets[t])];
        if (!l->wanted[t]) continue;
        for (size_t i = l->diag_begin[t]; i < l->diag_end[t]; i++)
            diag_copy(diags, &l->diags.items[i]);
        for (size_t i = l->used_begin[t]; i < l->used_end[t]; i++)
            if (l->set.used[i]) used[used_count++] = arena_strdup(a, l->set.used[i]);
    }
    for (size_t i = 0; i < LANES; i++) {
        diag_list_free(&lanes[i].diags);
        if (i > 0) arena_free(lanes[i].set.a);
    }
    if (diag_error_count(diags) > errors_before) return -1;
    *templates_used = used;
    return 0;
}

/* A sink that keeps every file whole, for emit_generate. */
typedef struct collected_file {
    emit_file file;
    strbuf text;
    bool begun, ok;
} collected_file;

static void *collect_begin(void *data, const emit_file *file) {
    collected_file *c = &((collected_file *)data)[file->index];
    c->file = *file;
    c->begun = true;
    return c;
}

static void collect_write(void *file, const char *text, size_t length) {
    sb_append_n(&((collected_file *)file)->text, text, length);
}

static void collect_end(void *file, bool ok) { ((collected_file *)file)->ok = ok; }

int emit_generate(emit_file **files, size_t *count, const char ***templates_used, arena *a,
                  const syncspec_schema *schema, const emit_options *options, diag_list *diags) {
    *files = NULL;
    *count = 0;
    collected_file collected[EMIT_MAX_FILES];
    memset(collected, 0, sizeof collected);
    emit_sink sink = {collect_begin, collect_write, collect_end, collected};
    int rc = emit_generate_to(&sink, templates_used, a, schema, options, diags);
    emit_file *out = arena_calloc(a, EMIT_MAX_FILES, sizeof *out);
    size_t n = 0;
    for (size_t i = 0; i < EMIT_MAX_FILES && collected[i].begun; i++) {
        collected_file *c = &collected[i];
        if (rc == 0 && c->ok) {
            out[n] = c->file;
            out[n].content = arena_strndup(a, sb_str(&c->text), c->text.len);
            out[n++].length = c->text.len;
        }
        sb_free(&c->text);
    }
    if (rc != 0) return rc;
    *files = out;
    *count = n;
    return 0;
}

/* The keys repair.sql tests, by emit_repair_kind. */
static const char *const repair_keys[EMIT_REPAIR_KIND_COUNT] = {
    [EMIT_REPAIR_CREATE_TABLE] = "create_table",
    [EMIT_REPAIR_ADD_COLUMN] = "add_column",
    [EMIT_REPAIR_ADD_CHECK] = "add_check",
    [EMIT_REPAIR_REPLACE_CHECK] = "replace_check",
    [EMIT_REPAIR_VALIDATE_CHECK] = "validate_check",
    [EMIT_REPAIR_SET_NOT_NULL] = "set_not_null",
    [EMIT_REPAIR_DROP_NOT_NULL] = "drop_not_null",
    [EMIT_REPAIR_ADD_PRIMARY_KEY] = "add_primary_key",
    [EMIT_REPAIR_SET_LOGGED] = "set_logged",
    [EMIT_REPAIR_REPLICA_IDENTITY] = "replica_identity",
    [EMIT_REPAIR_CREATE_INDEX] = "create_index",
    [EMIT_REPAIR_PUBLICATION_ADD_TABLE] = "publication_add_table",
    [EMIT_REPAIR_PUBLICATION_DROP_TABLE] = "publication_drop_table",
    [EMIT_REPAIR_PUBLICATION_READD_TABLE] = "publication_readd_table",
    [EMIT_REPAIR_PUBLICATION_OPTIONS] = "publication_options",
    [EMIT_REPAIR_PUBLICATION] = "publication",
};

typedef struct repair_render {
    template_set set;
    const char *path;
    ctx_value *root;
    const emit_repair *repair;
    const char *sql;
} repair_render;

/* Item `k` of a list in `object` (NULL when there is none). */
static const ctx_value *list_item(const ctx_value *object, const char *key, size_t k) {
    const ctx_value *list = ctx_get(object, key, strlen(key));
    return list && list->kind == CTX_LIST && k < list->count ? list->as.items[k] : NULL;
}

/* The piece of the table's context that a repair needs: its column, that column's CHECK
 * of the kind asked for, or its index; true for the others. NULL if none. */
static const ctx_value *repair_piece(const emit_repair *repair, const ctx_value *table) {
    const syncspec_table *t = repair->table;
    switch (repair->kind) {
    case EMIT_REPAIR_ADD_COLUMN:
    case EMIT_REPAIR_SET_NOT_NULL:
    case EMIT_REPAIR_DROP_NOT_NULL:
    case EMIT_REPAIR_ADD_PRIMARY_KEY:
        return list_item(table, "columns", (size_t)(repair->column - t->columns));
    case EMIT_REPAIR_ADD_CHECK:
    case EMIT_REPAIR_REPLACE_CHECK:
    case EMIT_REPAIR_VALIDATE_CHECK: {
        const ctx_value *column =
            list_item(table, "columns", (size_t)(repair->column - t->columns));
        const ctx_value *check;
        for (size_t k = 0; column && (check = list_item(column, "checks", k)); k++) {
            const ctx_value *kind = ctx_get(check, "kind", 4);
            if (kind && kind->kind == CTX_STRING &&
                strcmp(kind->as.string, model_check_of(repair->check_kind)->name) == 0)
                return check;
        }
        return NULL;
    }
    case EMIT_REPAIR_CREATE_INDEX:
        return list_item(table, "indexes", (size_t)(repair->index - t->indexes));
    default:
        return ctx_bool(true);
    }
}

/* Sets every repair key on the root: the one asked for to `piece`, the others false. */
static void set_repair_keys(arena *a, ctx_value *root, emit_repair_kind kind,
                            const ctx_value *piece) {
    for (size_t k = 0; k < EMIT_REPAIR_KIND_COUNT; k++)
        ctx_set(a, root, repair_keys[k], k == (size_t)kind ? piece : ctx_bool(false));
}

/* A lazy item is valid only during this call: the repair renders here. */
static int render_repair(void *data, const ctx_value *table) {
    repair_render *r = data;
    const ctx_value *piece = repair_piece(r->repair, table);
    if (!piece) return 0; /* nothing to repair with: *sql stays "" */
    ctx_set(r->set.a, r->root, "table", table);
    set_repair_keys(r->set.a, r->root, r->repair->kind, piece);
    size_t length;
    r->sql = render_file(&length, &r->set, r->path, r->root);
    return r->sql ? 0 : -1;
}

int emit_repair_sql(const char **sql, arena *a, const syncspec_schema *schema,
                    const char *target_name, const emit_repair *repair, diag_list *diags) {
    *sql = "";
    bool sqlite = strcmp(target_name, "sqlite") == 0;
    if (!sqlite && strcmp(target_name, "postgres") != 0) {
        diag_add(diags, DIAG_ERROR, "unknown-target", NULL, 0, 0, "no repair SQL for '%s'",
                 target_name);
        return -1;
    }
    const target *t = find_target(target_name);
    repair_render r = {.set = {.a = a, .diags = diags},
                       .path = sqlite ? "sqlite/repair.sql" : "postgres/repair.sql",
                       .repair = repair,
                       .sql = ""};
    bool whole_schema =
        repair->kind == EMIT_REPAIR_PUBLICATION_OPTIONS || repair->kind == EMIT_REPAIR_PUBLICATION;
    int rc = 0;
    if (whole_schema) {
        r.root = t->build(a, schema);
        ctx_set(a, r.root, "table", ctx_bool(false));
        set_repair_keys(a, r.root, repair->kind, ctx_bool(true));
        size_t length;
        r.sql = render_file(&length, &r.set, r.path, r.root);
        rc = r.sql ? 0 : -1;
    } else {
        /* A schema of this one table. A local-only table leaving the publication is named
         * as it would be were it synced: PostgreSQL's context has synced tables only. */
        syncspec_table one_table = *repair->table;
        if (repair->kind == EMIT_REPAIR_PUBLICATION_DROP_TABLE) one_table.local_only = false;
        syncspec_schema one = *schema;
        one.tables = &one_table;
        one.table_count = 1;
        r.root = t->build(a, &one);
        rc = ctx_each(ctx_get(r.root, "tables", 6), render_repair, &r);
    }
    sb_free(&r.set.out);
    if (rc != 0 || !r.sql) return -1;
    *sql = r.sql;
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

int emit_render_json(const char **out, size_t *length, arena *a, const char *path,
                     const json_t *context, const char *templates_dir, diag_list *diags) {
    template_set set = {.a = a, .templates_dir = templates_dir, .diags = diags};
    *out = render_file(length, &set, path, ctx_from_json(a, context));
    sb_free(&set.out);
    return *out ? 0 : -1;
}
