#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/diag.h"

void cli_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("syncspec: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

size_t cli_option_index(const cli_command *cmd, const char *name) {
    for (size_t i = 0; i < cmd->option_count; i++)
        if (strcmp(cmd->options[i].name, name) == 0) return i;
    fprintf(stderr, "syncspec: internal error: no option --%s in %s\n", name, cmd->name);
    abort();
}

bool cli_has(const cli_command *cmd, const cli_args *args, const char *name) {
    return args->set[cli_option_index(cmd, name)];
}

const char *cli_value(const cli_command *cmd, const cli_args *args, const char *name) {
    return args->value[cli_option_index(cmd, name)];
}

void cli_args_free(cli_args *args) {
    for (size_t i = 0; i < CLI_MAX_OPTIONS; i++) {
        free(args->list[i]);
        args->list[i] = NULL;
    }
}

static const cli_option *find_long(const cli_command *cmd, const char *name, size_t len) {
    for (size_t i = 0; i < cmd->option_count; i++)
        if (strlen(cmd->options[i].name) == len && strncmp(cmd->options[i].name, name, len) == 0)
            return &cmd->options[i];
    return NULL;
}

/* The long option closest to `typed` ("verison" -> "version", a value after '=' ignored)
 * when it looks like a typo of one; NULL otherwise. */
static const char *closest_long(const cli_command *cmd, const char *typed) {
    const char *names[CLI_MAX_OPTIONS + 2];
    size_t n = 0;
    for (size_t i = 0; i < cmd->option_count && n < CLI_MAX_OPTIONS; i++)
        names[n++] = cmd->options[i].name;
    names[n++] = "help";
    names[n] = NULL;
    char word[64];
    snprintf(word, sizeof word, "%.*s", (int)strcspn(typed, "="), typed);
    return diag_did_you_mean(word, names);
}

static const cli_option *find_short(const cli_command *cmd, char c) {
    for (size_t i = 0; i < cmd->option_count; i++)
        if (cmd->options[i].short_name == c) return &cmd->options[i];
    return NULL;
}

static void store(cli_args *out, const cli_command *cmd, const cli_option *opt, const char *v) {
    size_t i = (size_t)(opt - cmd->options);
    out->set[i] = true;
    if (opt->kind == CLI_VALUE) out->value[i] = v;
    if (opt->kind == CLI_LIST) {
        const char **list = realloc(out->list[i], (out->list_count[i] + 1) * sizeof *list);
        if (!list) abort();
        list[out->list_count[i]++] = v;
        out->list[i] = list;
    }
}

int cli_parse(cli_args *out, const cli_command *cmd, int argc, char **argv) {
    memset(out, 0, sizeof *out);
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (options_done || a[0] != '-' || a[1] == '\0') {
            if (out->positional_count == CLI_MAX_POSITIONALS ||
                out->positional_count == cmd->max_positionals) {
                cli_error("%s: unexpected argument '%s' (usage: syncspec %s %s)", cmd->name, a,
                          cmd->name, cmd->usage);
                goto usage_error;
            }
            out->positional[out->positional_count++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            options_done = true;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cli_print_help(stdout, cmd);
            cli_args_free(out);
            return 1;
        }
        const cli_option *opt;
        const char *inline_value = NULL;
        if (a[1] == '-') {
            const char *eq = strchr(a + 2, '=');
            size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
            opt = find_long(cmd, a + 2, len);
            if (eq) inline_value = eq + 1;
        } else {
            opt = a[2] == '\0' ? find_short(cmd, a[1]) : NULL;
        }
        if (!opt) {
            const char *guess = a[1] == '-' ? closest_long(cmd, a + 2) : NULL;
            if (guess)
                cli_error("%s: unknown option '%s'; did you mean '--%s'? (see 'syncspec %s "
                          "--help')",
                          cmd->name, a, guess, cmd->name);
            else
                cli_error("%s: unknown option '%s' (see 'syncspec %s --help')", cmd->name, a,
                          cmd->name);
            goto usage_error;
        }
        if (opt->kind == CLI_FLAG) {
            if (inline_value) {
                cli_error("%s: option --%s takes no value", cmd->name, opt->name);
                goto usage_error;
            }
            store(out, cmd, opt, NULL);
            continue;
        }
        const char *v = inline_value;
        if (!v) {
            if (i + 1 >= argc) {
                cli_error("%s: option --%s needs a value (%s)", cmd->name, opt->name, opt->metavar);
                goto usage_error;
            }
            v = argv[++i];
        }
        store(out, cmd, opt, v);
    }
    if (out->positional_count < cmd->min_positionals) {
        cli_error("%s: missing argument (usage: syncspec %s %s)", cmd->name, cmd->name, cmd->usage);
        goto usage_error;
    }
    return 0;
usage_error:
    cli_args_free(out);
    return -1;
}

void cli_print_help(FILE *out, const cli_command *cmd) {
    fprintf(out, "usage: syncspec %s %s\n\n%s\n", cmd->name, cmd->usage, cmd->summary);
    if (cmd->description) fprintf(out, "\n%s\n", cmd->description);
    fputs("\noptions:\n", out);
    for (size_t i = 0; i < cmd->option_count; i++) {
        const cli_option *o = &cmd->options[i];
        char left[64];
        int n = o->short_name ? snprintf(left, sizeof left, "-%c, --%s", o->short_name, o->name)
                              : snprintf(left, sizeof left, "    --%s", o->name);
        if (o->kind != CLI_FLAG && n > 0 && (size_t)n < sizeof left)
            snprintf(left + n, sizeof left - (size_t)n, " %s", o->metavar);
        /* A long option and value push the help text to a line of its own. */
        if (strlen(left) > 28)
            fprintf(out, "  %s\n  %-28s %s\n", left, "", o->help);
        else
            fprintf(out, "  %-28s %s\n", left, o->help);
    }
    fprintf(out, "  %-28s %s\n", "-h, --help", "show this help");
    fputs("\nexit status: 0 done and aligned, 1 found something, 2 could not do its job\n", out);
}
