/* syncspec: a thin command table over the compiler, the checker and the scaffolder. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "syncspec.h"

typedef struct command_entry {
    const char *name;
    const char *summary;
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
    {"lint", "check a spec against every rule of the spec language", cmd_lint},
    {"generate", "generate SQL, sync rules and C code from a spec", cmd_generate},
    {"check", "diff live databases, sync rules and generated files against a spec", cmd_check},
    {"new-table", "append a table to a spec, then regenerate", cmd_new_table},
    {"init", "start a project: a starter spec, a Makefile fragment, a CI workflow", cmd_init},
    {"serve", "serve the upload endpoint of PowerSync clients from one PostgreSQL",
     cmd_serve_program},
};

static const size_t command_count = sizeof commands / sizeof commands[0];

static void print_usage(FILE *out) {
    fputs("usage: syncspec COMMAND [ARGS]\n\n"
          "One declarative table spec as the single source of truth for SQLite, PostgreSQL\n"
          "and PowerSync-style sync.\n\ncommands:\n",
          out);
    for (size_t i = 0; i < command_count; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
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
            cli_error("no such command '%s' (see 'syncspec --help')", argv[2]);
            return EXIT_FAILED;
        }
        char *help_argv[] = {argv[2], "--help", NULL};
        return c->run(2, help_argv);
    }
    const command_entry *c = find_command(name);
    if (!c) {
        cli_error("no such command '%s' (see 'syncspec --help')", name);
        return EXIT_FAILED;
    }
    return c->run(argc - 1, argv + 1);
}
