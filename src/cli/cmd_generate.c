#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "emit/emit.h"
#include "spec/spec.h"
#include "util/fsutil.h"
#include "util/strbuf.h"

static const cli_option generate_options[] = {
    {"output", 'o', CLI_VALUE, "DIR", "write the files here (default: generated)"},
    {"only", 0, CLI_LIST, "TARGET,...", "generate only these targets (see below)"},
    {"check", 0, CLI_FLAG, NULL, "write nothing; list the files that would change, exit 1 if any"},
    {"depfile", 0, CLI_VALUE, "FILE", "write a Make-format depfile for the outputs"},
    {"stamp", 0, CLI_VALUE, "FILE", "touch FILE after every successful run; the depfile names it"},
    {"templates", 0, CLI_VALUE, "DIR", "render templates from DIR instead of the built-in ones"},
    {"dump-context", 0, CLI_FLAG, NULL, "print the JSON context of each target and write nothing"},
};

static const cli_command generate_command = {
    .name = "generate",
    .usage = "SPEC [-o DIR] [--only TARGET,...] [--check] [--depfile FILE [--stamp FILE]]",
    .summary = "Generate SQLite DDL, PostgreSQL DDL, sync rules and C code from a spec.",
    .description =
        "Output is deterministic: the same spec gives byte-identical files. Only files whose\n"
        "content changes are rewritten (atomically), so their mtimes stay and builds do not\n"
        "cascade. Targets: sqlite, postgres, sync-rules, c-schema, c-sanitize, sqlite-sync,\n"
        "postgres-sync.\n"
        "An invalid spec writes nothing and exits 2.",
    .options = generate_options,
    .option_count = sizeof generate_options / sizeof generate_options[0],
    .min_positionals = 1,
    .max_positionals = 1,
};

/* --only takes a comma-separated list and may be repeated. NULL when not given. */
static const char **parse_only(arena *a, const cli_args *args) {
    size_t i = cli_option_index(&generate_command, "only");
    if (!args->set[i]) return NULL;
    size_t cap = 1;
    for (size_t k = 0; k < args->list_count[i]; k++)
        for (const char *p = args->list[i][k]; *p; p++) cap += *p == ',';
    cap += args->list_count[i];
    const char **only = arena_calloc(a, cap + 1, sizeof *only);
    size_t n = 0;
    for (size_t k = 0; k < args->list_count[i]; k++) {
        const char *p = args->list[i][k];
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

/* --check: list what would change, write nothing. */
static int check_files(const char *out_dir, const emit_file *files, size_t count) {
    size_t stale = 0;
    for (size_t i = 0; i < count; i++) {
        char *path = fs_join(out_dir, files[i].path);
        FILE *f = fopen(path, "rb");
        bool exists = f != NULL;
        if (f) fclose(f);
        if (!exists) {
            printf("missing: %s\n", path);
            stale++;
        } else if (!fs_same_content(path, files[i].content, files[i].length)) {
            printf("stale: %s\n", path);
            stale++;
        }
        free(path);
    }
    if (stale)
        fprintf(stderr, "syncspec: %zu of %zu generated files out of date in %s\n", stale, count,
                out_dir);
    return stale ? EXIT_FOUND : EXIT_ALIGNED;
}

/*
 * Writes every changed file to a temporary first, then renames them all: a failure while
 * writing leaves every old file in place.
 */
static int write_files(const char *out_dir, const emit_file *files, size_t count) {
    if (fs_mkdirs(out_dir) != 0) {
        cli_error("cannot create %s: %s", out_dir, strerror(errno));
        return EXIT_FAILED;
    }
    char **tmp = calloc(count ? count : 1, sizeof *tmp);
    char **paths = calloc(count ? count : 1, sizeof *paths);
    int status = EXIT_ALIGNED;
    if (!tmp || !paths) abort();
    for (size_t i = 0; i < count && status == EXIT_ALIGNED; i++) {
        paths[i] = fs_join(out_dir, files[i].path);
        if (fs_same_content(paths[i], files[i].content, files[i].length)) continue;
        if (fs_write_temp(&tmp[i], paths[i], files[i].content, files[i].length) != 0) {
            cli_error("cannot write %s: %s", paths[i], strerror(errno));
            status = EXIT_FAILED;
        }
    }
    size_t written = 0;
    for (size_t i = 0; i < count; i++) {
        if (!tmp[i]) continue;
        if (status != EXIT_ALIGNED) {
            remove(tmp[i]);
        } else if (fs_commit(tmp[i], paths[i]) != 0) {
            cli_error("cannot replace %s: %s", paths[i], strerror(errno));
            status = EXIT_FAILED;
        } else {
            written++;
        }
        free(tmp[i]);
    }
    for (size_t i = 0; i < count; i++) free(paths[i]);
    free(tmp);
    free(paths);
    if (status == EXIT_ALIGNED)
        fprintf(stderr, "syncspec: %zu file%s written, %zu unchanged in %s\n", written,
                written == 1 ? "" : "s", count - written, out_dir);
    return status;
}

int cmd_generate(int argc, char **argv) {
    cli_args args;
    int rc = cli_parse(&args, &generate_command, argc, argv);
    if (rc) return rc > 0 ? EXIT_ALIGNED : EXIT_FAILED;
    const char *spec_path = args.positional[0];
    const char *out_dir = cli_value(&generate_command, &args, "output");
    if (!out_dir) out_dir = "generated";
    const char *depfile = cli_value(&generate_command, &args, "depfile");
    bool check = cli_has(&generate_command, &args, "check");

    int status = EXIT_FAILED;
    arena *a = arena_new();
    const syncspec_schema *schema = NULL;
    if (cli_load_spec(&schema, a, spec_path) != 0) goto cleanup;

    const char **only = parse_only(a, &args);
    if (cli_has(&generate_command, &args, "dump-context")) {
        status = dump_context(schema, only);
        goto cleanup;
    }

    emit_options options = EMIT_OPTIONS_INIT;
    options.only = only;
    options.templates_dir = cli_value(&generate_command, &args, "templates");
    emit_file *files = NULL;
    size_t count = 0;
    const char **templates_used = NULL;
    diag_list diags;
    diag_list_init(&diags, a);
    rc = emit_generate(&files, &count, &templates_used, a, schema, &options, &diags);
    diag_print(stderr, &diags);
    diag_list_free(&diags);
    if (rc != 0) goto cleanup;

    if (check) {
        status = check_files(out_dir, files, count);
        goto cleanup;
    }
    status = write_files(out_dir, files, count);
    const char *stamp = cli_value(&generate_command, &args, "stamp");
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
