/*
 * The command line: a table of commands (cmd_<name>.c), each with one option table that
 * drives both parsing and --help. Only cli/ prints to the terminal or decides exit codes.
 */
#ifndef SYNCSPEC_CLI_CLI_H
#define SYNCSPEC_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli/options.h"

/* Exit statuses, the same for every command. */
enum {
    EXIT_ALIGNED = 0, /* done, and everything is aligned */
    EXIT_FOUND = 1,   /* the command found something: drift, stale files, spec errors (lint) */
    EXIT_FAILED = 2   /* it could not do its job: usage, unreadable or invalid input, I/O */
};

/*
 * Loads and validates a spec (compile_load_file), printing its diagnostics to stderr.
 * Returns 0 (warnings may have been printed), -1 when the spec has errors, -2 when it
 * cannot be read.
 */
struct arena;
struct syncspec_schema;
int cli_load_spec(const struct syncspec_schema **out, struct arena *a, const char *path);

/*
 * Prints the diagnostics of a compiler run over the spec at `path`, sorted by position,
 * then how many errors the spec has when it has some. `rc` is the run's compile_status;
 * returns it (-1 also when errors were found despite a 0).
 */
struct diag_list;
int cli_print_diags(struct diag_list *diags, const char *path, int rc);

/* Prints how many generated files a run wrote into out_dir, and how many it left. */
struct compile_result;
void cli_print_written(const struct compile_result *result, const char *out_dir);

/* Each command: argv[0] is the command's name; returns the exit status. */
int cmd_lint(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_new_table(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_serve(int argc, char **argv);

#endif
