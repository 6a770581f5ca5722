#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "compile/compile.h"
#include "emit/emit.h"
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
static int write_depfile(const char *depfile, const char *stamp, const compile_result *r,
                         const char *spec_path) {
    const char **templates_used = r->templates_used;
    strbuf sb = STRBUF_INIT;
    if (stamp) depfile_path(&sb, stamp);
    for (size_t i = 0; !stamp && i < r->file_count; i++) {
        if (i) sb_append(&sb, " \\\n ");
        depfile_path(&sb, r->files[i].path);
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
static int check_files(const compile_result *r, const char *out_dir) {
    size_t stale = 0;
    for (size_t i = 0; i < r->file_count; i++) {
        const compile_file *f = &r->files[i];
        if (!f->changed) continue;
        printf("%s: %s\n", f->missing ? "missing" : "stale", f->path);
        stale++;
    }
    if (stale)
        fprintf(stderr, "syncspec: %zu of %zu generated files out of date in %s\n", stale,
                r->file_count, out_dir);
    return stale ? EXIT_FOUND : EXIT_ALIGNED;
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
    const char **only = parse_only(a, &opt_only);
    if (opt_dump) {
        const syncspec_schema *schema = NULL;
        if (cli_load_spec(&schema, a, spec_path) == 0) status = dump_context(schema, only);
        goto cleanup;
    }

    compile_request request = {.spec_path = spec_path, .out_dir = out_dir, .check = check};
    request.emit.only = only;
    request.emit.templates_dir = opt_templates;
    compile_result result;
    diag_list diags;
    diag_list_init(&diags, a);
    rc = compile_run(&result, a, &request, &diags);
    cli_print_diags(&diags, spec_path, rc);
    diag_list_free(&diags);
    if (rc != COMPILE_OK) goto cleanup;
    if (check) {
        status = check_files(&result, out_dir);
        goto cleanup;
    }
    cli_print_written(&result, out_dir);
    status = EXIT_ALIGNED;
    if (depfile && write_depfile(depfile, stamp, &result, spec_path) != 0) status = EXIT_FAILED;
    if (status == EXIT_ALIGNED && stamp && touch(stamp) != 0) {
        cli_error("cannot touch %s: %s", stamp, strerror(errno));
        status = EXIT_FAILED;
    }
cleanup:
    arena_free(a);
    cli_args_free(&args);
    return status;
}
