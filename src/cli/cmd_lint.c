#include "cli/cli.h"
#include "spec/spec.h"

static bool quiet;

static const cli_option lint_options[] = {
    CLI_FLAG("quiet", 'q', &quiet, "print nothing when the spec is valid"),
};

static const cli_command lint_command = {
    .name = "lint",
    .arguments = "SPEC",
    .description = "Reports every error at once as FILE:LINE:COL: error[CODE]: message, with a\n"
                   "note at the first definition for duplicates and a suggestion for\n"
                   "misspelled keys and types. Exits 1 when the spec has errors.",
    .options = lint_options,
    .option_count = sizeof lint_options / sizeof lint_options[0],
    .min_positionals = 1,
    .max_positionals = 1,
};

int cmd_lint(int argc, char **argv) {
    cli_args args;
    int rc = cli_parse(&args, &lint_command, argc, argv);
    if (rc) return rc > 0 ? EXIT_ALIGNED : EXIT_FAILED;
    const char *path = args.positional[0];
    arena *a = arena_new();
    const syncspec_schema *schema = NULL;
    rc = cli_load_spec(&schema, a, path);
    int status = rc == 0 ? EXIT_ALIGNED : rc == -1 ? EXIT_FOUND : EXIT_FAILED;
    if (status == EXIT_ALIGNED && !quiet)
        printf("%s: ok (%zu tables)\n", path, schema->table_count);
    arena_free(a);
    cli_args_free(&args);
    return status;
}
