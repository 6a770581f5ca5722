/* syncspec: a thin command table over the compiler, the checker and the scaffolder. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "syncspec.h"
#include "util/diag.h"

/* How each command runs; what it is called and does is in cli_summaries (commands.c). */
typedef struct command_entry {
    const char *name;
    int (*run)(int argc, char **argv);
} command_entry;

/*
 * serve is the program syncspec-serve, found beside this one (an installed or built pair),
 * else on PATH: its HTTP, JWT and TLS libraries load only when it runs.
 */
static int cmd_serve_program(int argc, char **argv) {
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    (void)argc;
    if (n > 0) {
        path[n] = '\0';
        char *slash = strrchr(path, '/');
        if (slash && (size_t)(slash - path) + sizeof "/syncspec-serve" <= sizeof path) {
            strcpy(slash, "/syncspec-serve");
            execv(path, argv);
        }
    }
    execvp("syncspec-serve", argv);
    cli_error("serve: cannot run syncspec-serve (installed beside syncspec): %s", strerror(errno));
    return EXIT_FAILED;
}

static const command_entry commands[] = {
    {"lint", cmd_lint},           {"generate", cmd_generate}, {"check", cmd_check},
    {"new-table", cmd_new_table}, {"init", cmd_init},         {"serve", cmd_serve_program},
};

static const size_t command_count = sizeof commands / sizeof commands[0];

static void print_usage(FILE *out) {
    fputs("usage: syncspec COMMAND [ARGS]\n\n"
          "One declarative table spec as the single source of truth for SQLite, PostgreSQL\n"
          "and PowerSync-style sync.\n\ncommands:\n",
          out);
    for (const cli_summary *s = cli_summaries; s->name; s++)
        fprintf(out, "  %-12s %s\n", s->name, s->summary);
    fputs("\n  syncspec help COMMAND    the options of one command\n"
          "  syncspec --version       print the version\n\n"
          "exit status: 0 done and aligned, 1 found something (drift, stale files, spec\n"
          "errors from lint), 2 could not do its job (usage, invalid input, unreachable\n"
          "database)\n",
          out);
}

static const command_entry *find_command(const char *name) {
    for (size_t i = 0; i < command_count; i++)
        if (strcmp(commands[i].name, name) == 0) return &commands[i];
    return NULL;
}

/* Names the closest command when `name` looks like a typo of one ("genrate"). */
static void no_such_command(const char *name) {
    const char *names[sizeof commands / sizeof commands[0] + 5];
    size_t n = 0;
    for (size_t i = 0; i < command_count; i++) names[n++] = commands[i].name;
    static const char *const others[] = {"help", "version", "--help", "--version"};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) names[n++] = others[i];
    names[n] = NULL;
    const char *guess = diag_did_you_mean(name, names);
    if (guess)
        cli_error("no such command '%s'; did you mean '%s'? (see 'syncspec --help')", name, guess);
    else
        cli_error("no such command '%s' (see 'syncspec --help')", name);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        print_usage(stderr);
        return EXIT_FAILED;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        print_usage(stdout);
        return EXIT_ALIGNED;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("syncspec %s\n", SYNCSPEC_VERSION);
        return EXIT_ALIGNED;
    }
    if (strcmp(name, "help") == 0) {
        if (argc < 3) {
            print_usage(stdout);
            return EXIT_ALIGNED;
        }
        const command_entry *c = find_command(argv[2]);
        if (!c) {
            no_such_command(argv[2]);
            return EXIT_FAILED;
        }
        char *help_argv[] = {argv[2], "--help", NULL};
        return c->run(2, help_argv);
    }
    const command_entry *c = find_command(name);
    if (!c) {
        no_such_command(name);
        return EXIT_FAILED;
    }
    return c->run(argc - 1, argv + 1);
}
