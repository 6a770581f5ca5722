/*
 * The command line: a table of commands (cmd_<name>.c), each with one option table that
 * drives both parsing and --help. Only cli/ prints to the terminal or decides exit codes.
 */
#ifndef SYNCSPEC_CLI_CLI_H
#define SYNCSPEC_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit statuses, the same for every command. */
enum {
    EXIT_ALIGNED = 0, /* done, and everything is aligned */
    EXIT_FOUND = 1,   /* the command found something: drift, stale files, spec errors (lint) */
    EXIT_FAILED = 2   /* it could not do its job: usage, unreadable or invalid input, I/O */
};

typedef enum cli_option_kind { CLI_FLAG, CLI_VALUE, CLI_LIST } cli_option_kind;

typedef struct cli_option {
    const char *name; /* long name without dashes */
    char short_name;  /* 0 when none */
    cli_option_kind kind;
    const char *metavar; /* shown in --help for CLI_VALUE and CLI_LIST */
    const char *help;
} cli_option;

enum { CLI_MAX_OPTIONS = 24, CLI_MAX_POSITIONALS = 8 };

typedef struct cli_args {
    bool set[CLI_MAX_OPTIONS];
    const char *value[CLI_MAX_OPTIONS]; /* CLI_VALUE: the last one given */
    const char **list[CLI_MAX_OPTIONS]; /* CLI_LIST: malloc'ed, freed by cli_args_free */
    size_t list_count[CLI_MAX_OPTIONS];
    const char *positional[CLI_MAX_POSITIONALS];
    size_t positional_count;
} cli_args;

typedef struct cli_command {
    const char *name;
    const char *usage;       /* "SPEC [-o DIR] ..." */
    const char *summary;     /* one line, for the command list */
    const char *description; /* paragraphs for `help COMMAND` */
    const cli_option *options;
    size_t option_count;
    size_t min_positionals, max_positionals;
    int (*run)(const cli_args *args);
} cli_command;

/*
 * Parses argv (argv[0] is the command name). Returns 0 on success, 1 when --help was asked
 * for and printed, and -1 on a usage error (message printed to stderr).
 */
int cli_parse(cli_args *out, const cli_command *cmd, int argc, char **argv);
void cli_args_free(cli_args *args);
void cli_print_help(FILE *out, const cli_command *cmd);

/* Index of a named option in cmd->options; aborts on a typo in the code. */
size_t cli_option_index(const cli_command *cmd, const char *name);
bool cli_has(const cli_command *cmd, const cli_args *args, const char *name);
const char *cli_value(const cli_command *cmd, const cli_args *args, const char *name);

/* Prints "syncspec: <message>" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Loads and validates a spec, printing its diagnostics to stderr. Returns 0 (warnings may
 * have been printed), -1 when the spec has errors, -2 when it cannot be read.
 */
struct arena;
struct syncspec_schema;
int cli_load_spec(const struct syncspec_schema **out, struct arena *a, const char *path);

/* Each command: argv[0] is the command's name; returns the exit status. */
int cmd_lint(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_new_table(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_serve(int argc, char **argv);

#endif
