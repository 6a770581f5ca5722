/*
 * Option tables: each command declares one table whose rows bind an option to a variable
 * of the command (libgit2's src/cli style). The same table drives parsing, --help and the
 * man page's option list, so an option is described once.
 */
#ifndef SYNCSPEC_CLI_OPTIONS_H
#define SYNCSPEC_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum cli_option_kind {
    CLI_OPT_FLAG,   /* sets a bool */
    CLI_OPT_STRING, /* sets a const char *: the last one given */
    CLI_OPT_LIST    /* appends to a cli_strings: repeatable */
} cli_option_kind;

/* The values of a repeatable option, in the order given; items point into argv. */
typedef struct cli_strings {
    const char **items; /* malloc'ed, freed by cli_args_free */
    size_t count;
} cli_strings;

typedef struct cli_option {
    cli_option_kind kind;
    const char *name; /* long name without dashes */
    char short_name;  /* 0 when none */
    union {
        bool *flag;
        const char **string;
        cli_strings *list;
    } value;             /* the command's variable; cli_parse resets it first */
    const char *metavar; /* shown for CLI_OPT_STRING and CLI_OPT_LIST */
    const char *help;
    bool required; /* cli_parse refuses a command line without it */
} cli_option;

/* Rows of an option table; the union member makes the compiler check the variable's type. */
#define CLI_FLAG(name, short_name, var, help)                                                      \
    { CLI_OPT_FLAG, (name), (short_name), {.flag = (var)}, NULL, (help), false }
#define CLI_STRING(name, short_name, var, metavar, help)                                           \
    { CLI_OPT_STRING, (name), (short_name), {.string = (var)}, (metavar), (help), false }
#define CLI_REQUIRED_STRING(name, short_name, var, metavar, help)                                  \
    { CLI_OPT_STRING, (name), (short_name), {.string = (var)}, (metavar), (help), true }
#define CLI_LIST(name, short_name, var, metavar, help)                                             \
    { CLI_OPT_LIST, (name), (short_name), {.list = (var)}, (metavar), (help), false }

enum { CLI_MAX_OPTIONS = 24, CLI_MAX_POSITIONALS = 8 };

/* A command's name and its one line (commands.c), in the order `syncspec --help` lists them. */
typedef struct cli_summary {
    const char *name;
    const char *summary;
} cli_summary;

extern const cli_summary cli_summaries[]; /* ends with {NULL, NULL} */
/* The summary of the command `name`; "" for none. */
const char *cli_summary_of(const char *name);

typedef struct cli_command {
    const char *name;
    const char *arguments;   /* "SPEC NAME": the usage line before the options */
    const char *description; /* paragraphs for `help COMMAND` */
    const cli_option *options;
    size_t option_count;
    size_t min_positionals, max_positionals;
} cli_command;

/* What is left after the options went to their variables. */
typedef struct cli_args {
    const cli_command *cmd;
    const char *positional[CLI_MAX_POSITIONALS]; /* point into argv */
    size_t positional_count;
} cli_args;

/*
 * Parses argv (argv[0] is the command name): resets every variable of cmd's table, then
 * sets them from the options given. Returns 0 on success, 1 when --help (or --man) was
 * asked for and printed, and -1 on a usage error (message printed to stderr). On 0 the
 * caller owns the lists and frees them with cli_args_free; otherwise nothing is left.
 */
int cli_parse(cli_args *out, const cli_command *cmd, int argc, char **argv);
/* Frees the lists of args->cmd's table and empties them. */
void cli_args_free(cli_args *args);
void cli_print_help(FILE *out, const cli_command *cmd);
/* Prints the command's options as man page source (roff), for docs/syncspec.1. */
void cli_print_man(FILE *out, const cli_command *cmd);

/* Prints "syncspec: <message>" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
