/* init: start a project with a starter spec, a Makefile fragment and a CI workflow. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "emit/embedded.h"
#include "util/fsutil.h"

/* init has no options; the table stays so --help reads like every other command's. */
static const cli_option init_options[1];

static const cli_command init_command = {
    .name = "init",
    .arguments = "[DIR]",
    .description = "Writes DIR/schemas/app.yaml (one synced and one local-only table),\n"
                   "DIR/syncspec.mk (regenerates on change) and\n"
                   "DIR/.github/workflows/syncspec.yml (the drift check). DIR defaults to the\n"
                   "current folder. Refuses, writing nothing, when any of them exists.",
    .options = init_options,
    .option_count = 0,
    .min_positionals = 0,
    .max_positionals = 1,
};

typedef struct starter_file {
    const char *path;     /* relative to DIR */
    const char *template; /* below templates/ */
} starter_file;

static const starter_file starter_files[] = {
    {"schemas/app.yaml", "init/app.yaml"},
    {"syncspec.mk", "init/syncspec.mk"},
    {".github/workflows/syncspec.yml", "init/syncspec-workflow.yml"},
};

enum { STARTER_COUNT = sizeof starter_files / sizeof starter_files[0] };

static const embedded_file *find_embedded(const char *path) {
    for (const embedded_file *f = embedded_templates; f->path; f++)
        if (strcmp(f->path, path) == 0) return f;
    return NULL;
}

static int make_parent(const char *path) {
    char *copy = strdup(path);
    if (!copy) return -1;
    char *slash = strrchr(copy, '/');
    int rc = 0;
    if (slash && slash != copy) {
        *slash = '\0';
        rc = fs_mkdirs(copy);
    }
    free(copy);
    return rc;
}

int cmd_init(int argc, char **argv) {
    cli_args args;
    int rc = cli_parse(&args, &init_command, argc, argv);
    if (rc) return rc > 0 ? EXIT_ALIGNED : EXIT_FAILED;
    const char *dir = args.positional_count ? args.positional[0] : ".";
    int status = EXIT_FAILED;
    char *paths[STARTER_COUNT] = {0};

    /* Check everything before writing anything: a refusal leaves the folder as it was. */
    size_t existing = 0;
    for (size_t i = 0; i < STARTER_COUNT; i++) {
        paths[i] = fs_join(dir, starter_files[i].path);
        struct stat st;
        if (lstat(paths[i], &st) == 0) {
            cli_error("init: %s already exists", paths[i]);
            existing++;
        }
    }
    if (existing) {
        cli_error("init: refusing to overwrite; nothing written");
        goto cleanup;
    }
    for (size_t i = 0; i < STARTER_COUNT; i++) {
        const embedded_file *f = find_embedded(starter_files[i].template);
        if (!f) {
            cli_error("init: internal error: template %s is not built in",
                      starter_files[i].template);
            goto cleanup;
        }
        char *tmp = NULL;
        if (make_parent(paths[i]) != 0 || fs_write_temp(&tmp, paths[i], f->data, f->size) != 0 ||
            fs_commit(tmp, paths[i]) != 0) {
            cli_error("init: cannot write %s: %s", paths[i], strerror(errno));
            free(tmp);
            goto cleanup;
        }
        free(tmp);
        printf("created %s\n", paths[i]);
    }
    printf("\nnext:\n");
    if (strcmp(dir, ".") != 0) printf("  cd %s\n", dir);
    printf("  syncspec generate schemas/app.yaml      # writes generated/\n"
           "  syncspec new-table schemas/app.yaml NAME --column title:text:required\n");
    status = EXIT_ALIGNED;
cleanup:
    for (size_t i = 0; i < STARTER_COUNT; i++) free(paths[i]);
    cli_args_free(&args);
    return status;
}
