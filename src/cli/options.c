/* Option tables: parsing into the bound variables, the usage line, --help and --man. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/options.h"
#include "util/diag.h"

void cli_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("syncspec: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void cli_args_free(cli_args *args) {
    for (size_t i = 0; args->cmd && i < args->cmd->option_count; i++) {
        const cli_option *o = &args->cmd->options[i];
        if (o->kind != CLI_OPT_LIST) continue;
        free(o->value.list->items);
        o->value.list->items = NULL;
        o->value.list->count = 0;
    }
}

/* Appends " word" to buf, or starts a new line indented by `indent` past 100 columns. */
static void append_word(char *buf, size_t size, size_t *len, size_t *column, size_t indent,
                        const char *word) {
    if (*len >= size) return;
    int n;
    if (*column + 1 + strlen(word) > 100) {
        n = snprintf(buf + *len, size - *len, "\n%*s%s", (int)indent, "", word);
        *column = indent + strlen(word);
    } else {
        n = snprintf(buf + *len, size - *len, " %s", word);
        *column += 1 + strlen(word);
    }
    if (n > 0) *len += (size_t)n;
}

/*
 * The usage line after "usage: syncspec NAME ": the arguments, then every option
 * by its long name ("--jwks FILE" when required, "[--output DIR]", "[--column SPEC]..."
 * when repeatable).
 */
static void format_usage(char *buf, size_t size, const cli_command *cmd) {
    size_t indent = strlen("usage: syncspec ") + strlen(cmd->name) + 1;
    int n = snprintf(buf, size, "%s", cmd->arguments);
    size_t len = n > 0 ? (size_t)n : 0, column = indent + len;
    for (size_t i = 0; i < cmd->option_count; i++) {
        const cli_option *o = &cmd->options[i];
        char word[160];
        if (o->kind == CLI_OPT_FLAG)
            snprintf(word, sizeof word, "[--%s]", o->name);
        else if (o->required)
            snprintf(word, sizeof word, "--%s %s", o->name, o->metavar);
        else
            snprintf(word, sizeof word, "[--%s %s]%s", o->name, o->metavar,
                     o->kind == CLI_OPT_LIST ? "..." : "");
        append_word(buf, size, &len, &column, indent, word);
    }
}

/* Every required option given; otherwise names them all ("give --a, --b and --c"). */
static int check_required(const cli_command *cmd) {
    size_t required = 0, missing = 0;
    for (size_t i = 0; i < cmd->option_count; i++) {
        const cli_option *o = &cmd->options[i];
        if (!o->required) continue;
        required++;
        missing += *o->value.string == NULL;
    }
    if (!missing) return 0;
    char list[512];
    size_t len = 0, seen = 0;
    list[0] = '\0';
    for (size_t i = 0; i < cmd->option_count && len < sizeof list; i++) {
        const cli_option *o = &cmd->options[i];
        if (!o->required) continue;
        seen++;
        const char *sep = seen == 1 ? "" : seen == required ? " and " : ", ";
        int n = snprintf(list + len, sizeof list - len, "%s--%s", sep, o->name);
        if (n > 0) len += (size_t)n;
    }
    cli_error("%s: give %s (see 'syncspec %s --help')", cmd->name, list, cmd->name);
    return -1;
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

/* Sets the option's variable; -1 when out of memory. */
static int store(const cli_option *opt, const char *v) {
    if (opt->kind == CLI_OPT_FLAG) *opt->value.flag = true;
    if (opt->kind == CLI_OPT_STRING) *opt->value.string = v;
    if (opt->kind == CLI_OPT_LIST) {
        cli_strings *l = opt->value.list;
        const char **items = realloc(l->items, (l->count + 1) * sizeof *items);
        if (!items) return -1;
        items[l->count++] = v;
        l->items = items;
    }
    return 0;
}

/* Every variable back to "not given", so a table can be parsed more than once. */
static void reset(const cli_command *cmd) {
    for (size_t i = 0; i < cmd->option_count; i++) {
        const cli_option *o = &cmd->options[i];
        if (o->kind == CLI_OPT_FLAG) *o->value.flag = false;
        if (o->kind == CLI_OPT_STRING) *o->value.string = NULL;
        if (o->kind == CLI_OPT_LIST) *o->value.list = (cli_strings){0};
    }
}

int cli_parse(cli_args *out, const cli_command *cmd, int argc, char **argv) {
    memset(out, 0, sizeof *out);
    out->cmd = cmd;
    reset(cmd);
    bool options_done = false;
    char usage[1024];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (options_done || a[0] != '-' || a[1] == '\0') {
            if (out->positional_count == CLI_MAX_POSITIONALS ||
                out->positional_count == cmd->max_positionals) {
                format_usage(usage, sizeof usage, cmd);
                cli_error("%s: unexpected argument '%s' (usage: syncspec %s %s)", cmd->name, a,
                          cmd->name, usage);
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
        if (strcmp(a, "--man") == 0) {
            cli_print_man(stdout, cmd);
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
        if (opt->kind == CLI_OPT_FLAG) {
            if (inline_value) {
                cli_error("%s: option --%s takes no value", cmd->name, opt->name);
                goto usage_error;
            }
            store(opt, NULL);
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
        if (store(opt, v) != 0) {
            cli_error("%s: out of memory", cmd->name);
            goto usage_error;
        }
    }
    if (out->positional_count < cmd->min_positionals) {
        format_usage(usage, sizeof usage, cmd);
        cli_error("%s: missing argument (usage: syncspec %s %s)", cmd->name, cmd->name, usage);
        goto usage_error;
    }
    if (check_required(cmd) != 0) goto usage_error;
    return 0;
usage_error:
    cli_args_free(out);
    return -1;
}

void cli_print_help(FILE *out, const cli_command *cmd) {
    /* The summary starts with a capital and ends with a period here, as a sentence. */
    const char *summary = cli_summary_of(cmd->name);
    char usage[1024];
    format_usage(usage, sizeof usage, cmd);
    fprintf(out, "usage: syncspec %s %s\n\n%c%s.\n", cmd->name, usage,
            toupper((unsigned char)summary[0]), summary[0] ? summary + 1 : "");
    if (cmd->description) fprintf(out, "\n%s\n", cmd->description);
    fputs("\noptions:\n", out);
    for (size_t i = 0; i < cmd->option_count; i++) {
        const cli_option *o = &cmd->options[i];
        char left[64];
        int n = o->short_name ? snprintf(left, sizeof left, "-%c, --%s", o->short_name, o->name)
                              : snprintf(left, sizeof left, "    --%s", o->name);
        if (o->kind != CLI_OPT_FLAG && n > 0 && (size_t)n < sizeof left)
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

/* Writes text for roff: a backslash doubled, a dash as \- (a minus, not a hyphen). */
static void man_text(FILE *out, const char *text) {
    for (const char *p = text; *p; p++) {
        if (*p == '\\')
            fputs("\\\\", out);
        else if (*p == '-')
            fputs("\\-", out);
        else
            fputc(*p, out);
    }
}

void cli_print_man(FILE *out, const cli_command *cmd) {
    fputs(".SS syncspec ", out);
    man_text(out, cmd->name);
    fputc('\n', out);
    if (cmd->option_count == 0) fputs("No options besides\n.BR \\-\\-help .\n", out);
    for (size_t i = 0; i < cmd->option_count; i++) {
        const cli_option *o = &cmd->options[i];
        fputs(o->kind == CLI_OPT_FLAG ? ".TP\n.B \"" : ".TP\n.BI \"", out);
        if (o->short_name) fprintf(out, "\\-%c, ", o->short_name);
        fputs("\\-\\-", out);
        man_text(out, o->name);
        if (o->kind == CLI_OPT_FLAG) {
            fputs("\"\n", out);
        } else {
            fputs(" \" \"", out);
            man_text(out, o->metavar);
            fputs("\"\n", out);
        }
        /* A help line never starts with '.' or '\'', so roff reads it as text. */
        man_text(out, o->help);
        fputc('\n', out);
    }
}
