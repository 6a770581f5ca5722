#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "emit/emit.h"
#include "spec/spec.h"
#include "util/fs_update.h"
#include "util/fsutil.h"
#include "util/strbuf.h"

static const char *opt_output, *opt_depfile, *opt_stamp, *opt_templates;
static cli_strings opt_only;
static bool opt_check, opt_dump;

static const cli_option generate_options[] = {
    CLI_STRING("output", 'o', &opt_output, "DIR", "write the files here (default: generated)"),
    CLI_LIST("only", 0, &opt_only, "TARGET,...", "generate only these targets (listed above)"),
    CLI_FLAG("check", 0, &opt_check,
             "write nothing; list the files that would change, exit 1 if any"),
    CLI_STRING("depfile", 0, &opt_depfile, "FILE", "write a Make-format depfile for the outputs"),
    CLI_STRING("stamp", 0, &opt_stamp, "FILE",
               "touch FILE after every successful run; the depfile names it"),
    CLI_STRING("templates", 0, &opt_templates, "DIR",
               "render templates from DIR instead of the built-in ones"),
    CLI_FLAG("dump-context", 0, &opt_dump,
             "print the JSON context of each target and write nothing"),
};

static const cli_command generate_command = {
    .name = "generate",
    .arguments = "SPEC",
    .description =
        "Output is deterministic: the same spec gives byte-identical files. Only files whose\n"
        "content changes are rewritten (atomically), so their mtimes stay and builds do not\n"
        "cascade. Targets: sqlite, postgres, sync-rules, c-schema, c-sanitize, sqlite-sync,\n"
        "postgres-sync, and for TypeScript apps powersync-ts (the PowerSync client schema),\n"
        "powersync-json (the same schema as the core extension's JSON), powersync-connector\n"
        "(the upload connector), drizzle-sqlite and drizzle-pg (Drizzle ORM tables).\n"
        "An invalid spec writes nothing and exits 2.",
    .options = generate_options,
    .option_count = sizeof generate_options / sizeof generate_options[0],
    .min_positionals = 1,
    .max_positionals = 1,
};

/* --only takes a comma-separated list and may be repeated. NULL when not given. */
static const char **parse_only(arena *a, const cli_strings *lists) {
    if (!lists->count) return NULL;
    size_t cap = 1;
    for (size_t k = 0; k < lists->count; k++)
        for (const char *p = lists->items[k]; *p; p++) cap += *p == ',';
    cap += lists->count;
    const char **only = arena_calloc(a, cap + 1, sizeof *only);
    size_t n = 0;
    for (size_t k = 0; k < lists->count; k++) {
        const char *p = lists->items[k];
        while (*p) {
            const char *comma = strchr(p, ',');
            size_t len = comma ? (size_t)(comma - p) : strlen(p);
            if (len) only[n++] = arena_strndup(a, p, len);
            p += len + (comma ? 1 : 0);
        }
    }
    return only;
}

static int dump_context(const syncspec_schema *schema, const char *const *only) {
    json_t *all = json_object();
    for (const char *const *t = emit_target_names; *t; t++) {
        bool wanted = !only;
        for (const char *const *o = only; o && *o; o++) wanted |= strcmp(*o, *t) == 0;
        if (wanted) json_object_set_new(all, *t, emit_context(schema, *t));
    }
    char *text = json_dumps(all, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(all);
    if (!text) return EXIT_FAILED;
    puts(text);
    free(text);
    return EXIT_ALIGNED;
}

/* Make escapes spaces with a backslash and '$' by doubling. */
static void depfile_path(strbuf *sb, const char *path) {
    for (const char *p = path; *p; p++) {
        if (*p == ' ' || *p == '#' || *p == '\\') sb_putc(sb, '\\');
        if (*p == '$') sb_putc(sb, '$');
        sb_putc(sb, *p);
    }
}

/*
 * The depfile's target is the stamp when there is one: outputs whose content did not change
 * keep their old mtime, so a build keyed on them would regenerate on every run.
 */
static int write_depfile(const char *depfile, const char *stamp, const char *out_dir,
                         const emit_file *files, size_t count, const char *spec_path,
                         const char **templates_used) {
    strbuf sb = STRBUF_INIT;
    if (stamp) depfile_path(&sb, stamp);
    for (size_t i = 0; !stamp && i < count; i++) {
        char *path = fs_join(out_dir, files[i].path);
        if (i) sb_append(&sb, " \\\n ");
        depfile_path(&sb, path);
        free(path);
    }
    sb_append(&sb, ": ");
    depfile_path(&sb, spec_path);
    /* Built-in templates are part of the binary, not files a build could depend on. */
    for (const char **t = templates_used; t && *t; t++) {
        if (strncmp(*t, "<embedded>", 10) == 0) continue;
        sb_append(&sb, " \\\n ");
        depfile_path(&sb, *t);
    }
    sb_append(&sb, "\n");
    /* Like gcc -MP: a phony rule per input, so deleting one does not break the build. */
    sb_append(&sb, "\n");
    depfile_path(&sb, spec_path);
    sb_append(&sb, ":\n");
    for (const char **t = templates_used; t && *t; t++) {
        if (strncmp(*t, "<embedded>", 10) == 0) continue;
        depfile_path(&sb, *t);
        sb_append(&sb, ":\n");
    }
    int rc = 0;
    if (!fs_same_content(depfile, sb_str(&sb), sb.len)) {
        char *tmp = NULL;
        rc = fs_write_temp(&tmp, depfile, sb_str(&sb), sb.len);
        if (rc == 0) rc = fs_commit(tmp, depfile);
        if (rc) cli_error("cannot write depfile %s: %s", depfile, strerror(errno));
        free(tmp);
    }
    sb_free(&sb);
    return rc;
}

static int touch(const char *path) {
    int fd = open(path, O_WRONLY | O_CREAT, 0666);
    if (fd < 0) return -1;
    int rc = futimens(fd, NULL);
    close(fd);
    return rc;
}

/*
 * The files of one run, streamed from the renderer: each is compared with the file on disk
 * while it renders, and only a file that changes is written, to a temporary file beside
 * it. Nothing is renamed into place before every file has rendered, so a template error
 * (or a failed write) leaves every old file as it was.
 */
typedef struct output_file {
    emit_file file; /* its name relative to the folder; no content */
    char *path;
    fs_update update;
    bool rendered; /* the template rendered without error */
    bool changed;
} output_file;

typedef struct output {
    const char *out_dir;
    bool write;                        /* false for --check */
    output_file files[EMIT_MAX_FILES]; /* by emit_file.index; two may be open at once */
    size_t count;                      /* set once rendering is over */
} output;

static void *output_begin(void *data, const emit_file *file) {
    output *o = data;
    output_file *f = &o->files[file->index];
    memset(f, 0, sizeof *f);
    f->file = *file;
    f->path = fs_join(o->out_dir, file->path);
    if (!f->path) abort();
    fs_update_open(&f->update, f->path, o->write);
    return f;
}

static void output_write(void *file, const char *text, size_t length) {
    fs_update_write(&((output_file *)file)->update, text, length);
}

static void output_end(void *file, bool ok) {
    output_file *f = file;
    f->rendered = ok;
    if (ok)
        f->changed = fs_update_finish(&f->update) != 0;
    else
        fs_update_discard(&f->update);
}

/* The files are numbered from 0 without gaps. */
static void output_count(output *o) {
    o->count = 0;
    while (o->count < EMIT_MAX_FILES && o->files[o->count].path) o->count++;
}

static void output_free(output *o) {
    for (size_t i = 0; i < o->count; i++) {
        fs_update_discard(&o->files[i].update);
        free(o->files[i].path);
    }
}

/* --check: list what would change, write nothing. */
static int check_files(const output *o) {
    size_t stale = 0;
    for (size_t i = 0; i < o->count; i++) {
        const output_file *f = &o->files[i];
        if (!f->changed) continue;
        printf("%s: %s\n", f->update.missing ? "missing" : "stale", f->path);
        stale++;
    }
    if (stale)
        fprintf(stderr, "syncspec: %zu of %zu generated files out of date in %s\n", stale, o->count,
                o->out_dir);
    return stale ? EXIT_FOUND : EXIT_ALIGNED;
}

/* Renames every written temporary file into place, once all of them were written. */
static int commit_files(output *o) {
    int status = EXIT_ALIGNED;
    for (size_t i = 0; i < o->count && status == EXIT_ALIGNED; i++) {
        const output_file *f = &o->files[i];
        if (f->changed && f->update.error) {
            cli_error("cannot write %s: %s", f->path, strerror(f->update.error));
            status = EXIT_FAILED;
        }
    }
    size_t written = 0;
    for (size_t i = 0; i < o->count; i++) {
        fs_update *u = &o->files[i].update;
        if (!u->tmp_path) continue;
        if (status != EXIT_ALIGNED) {
            remove(u->tmp_path);
        } else if (fs_commit(u->tmp_path, o->files[i].path) != 0) {
            cli_error("cannot replace %s: %s", o->files[i].path, strerror(errno));
            status = EXIT_FAILED;
        } else {
            written++;
        }
        free(u->tmp_path);
        u->tmp_path = NULL;
    }
    if (status == EXIT_ALIGNED)
        fprintf(stderr, "syncspec: %zu file%s written, %zu unchanged in %s\n", written,
                written == 1 ? "" : "s", o->count - written, o->out_dir);
    return status;
}

int cmd_generate(int argc, char **argv) {
    cli_args args;
    int rc = cli_parse(&args, &generate_command, argc, argv);
    if (rc) return rc > 0 ? EXIT_ALIGNED : EXIT_FAILED;
    const char *spec_path = args.positional[0];
    const char *out_dir = opt_output ? opt_output : "generated";
    const char *depfile = opt_depfile, *stamp = opt_stamp;
    bool check = opt_check;

    int status = EXIT_FAILED;
    arena *a = arena_new();
    const syncspec_schema *schema = NULL;
    if (cli_load_spec(&schema, a, spec_path) != 0) goto cleanup;

    const char **only = parse_only(a, &opt_only);
    if (opt_dump) {
        status = dump_context(schema, only);
        goto cleanup;
    }

    emit_options options = EMIT_OPTIONS_INIT;
    options.only = only;
    options.templates_dir = opt_templates;
    /* The folder is made before rendering, since the temporary files go in it, and
     * removed again if the run fails, so a failed run leaves no trace. */
    output o = {.out_dir = out_dir, .write = !check}; /* every file's slot zero until begun */
    size_t existed = strlen(out_dir);
    int mkdir_errno = 0;
    if (!check && fs_mkdirs_tracked(out_dir, &existed) != 0) {
        mkdir_errno = errno;
        o.write = false;
    }
    const char **templates_used = NULL;
    diag_list diags;
    diag_list_init(&diags, a);
    emit_sink sink = {output_begin, output_write, output_end, &o};
    rc = emit_generate_to(&sink, &templates_used, a, schema, &options, &diags);
    output_count(&o);
    diag_print(stderr, &diags);
    diag_list_free(&diags);
    if (rc != 0) {
        output_free(&o);
        if (!check && !mkdir_errno) fs_rmdirs(out_dir, existed);
        goto cleanup;
    }

    if (check) {
        status = check_files(&o);
        output_free(&o);
        goto cleanup;
    }
    if (mkdir_errno) {
        cli_error("cannot create %s: %s", out_dir, strerror(mkdir_errno));
        output_free(&o);
        goto cleanup;
    }
    status = commit_files(&o);
    emit_file *files = arena_calloc(a, o.count ? o.count : 1, sizeof *files);
    size_t count = o.count;
    for (size_t i = 0; i < count; i++) files[i] = o.files[i].file;
    output_free(&o);
    if (status == EXIT_ALIGNED && depfile &&
        write_depfile(depfile, stamp, out_dir, files, count, spec_path, templates_used) != 0)
        status = EXIT_FAILED;
    if (status == EXIT_ALIGNED && stamp && touch(stamp) != 0) {
        cli_error("cannot touch %s: %s", stamp, strerror(errno));
        status = EXIT_FAILED;
    }
cleanup:
    arena_free(a);
    cli_args_free(&args);
    return status;
}
