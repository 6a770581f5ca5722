/* check: the drift report, in text, JSON or GitHub annotations, and the repair SQL. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/check.h"
#include "cli/cli.h"
#include "spec/spec.h"
#include "util/fsutil.h"
#include "util/strbuf.h"

static const char *sqlite_path, *conninfo, *rules, *generated, *format, *fix;
static bool strict;

static const cli_option check_options[] = {
    CLI_STRING("sqlite", 0, &sqlite_path, "FILE",
               "an SQLite database (opened read-only, never created)"),
    CLI_STRING("postgres", 0, &conninfo, "CONNINFO",
               "a PostgreSQL database: URI or key=value; PG* apply"),
    CLI_STRING("sync-rules", 0, &rules, "FILE", "a deployed sync_rules.yaml (either format)"),
    CLI_STRING("generated", 0, &generated, "DIR",
               "a folder of generated files (as generate --check)"),
    CLI_STRING("format", 0, &format, "text|json|github", "report format (default: text)"),
    CLI_STRING("fix-sql", 0, &fix, "FILE|-", "write the SQL that repairs the databases"),
    CLI_FLAG("strict", 0, &strict, "exit 1 on any finding, not only on errors"),
};

static const cli_command check_command = {
    .name = "check",
    .arguments = "SPEC",
    .description =
        "Each finding has a severity, a stable code, the target, table and column, what the\n"
        "spec expects and what was found, and the spec line. Exit 0 when aligned, 1 on drift\n"
        "(errors; warnings too with --strict), 2 when it could not check (invalid spec,\n"
        "unreachable database, missing or unreadable file). --fix-sql writes additive repairs\n"
        "as statements and destructive or lossy ones as comments saying why.",
    .options = check_options,
    .option_count = sizeof check_options / sizeof check_options[0],
    .min_positionals = 1,
    .max_positionals = 1,
};

/* Colour only on a terminal, and never when NO_COLOR is set to something (no-color.org). */
static bool use_color(void) {
    const char *no_color = getenv("NO_COLOR");
    return isatty(STDOUT_FILENO) && !(no_color && *no_color);
}

static const char *severity_name(finding_severity s) {
    return s == FINDING_ERROR ? "error" : "warning";
}

/* What the text report groups a finding under: its table, or what it is about when it
 * has none. */
static const char *report_heading(const finding *x) {
    if (x->table) return x->table;
    if (strcmp(x->target, "generated") == 0) return "(generated files)";
    if (strcmp(x->target, "sync-rules") == 0) return "(sync rules)";
    return "(database)";
}

static void print_text(const findings *f, const char *spec_path, bool color) {
    const char *red = color ? "\033[31m" : "", *yellow = color ? "\033[33m" : "";
    const char *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";
    /* Grouped by table, in order of first appearance. */
    bool *done = calloc(f->count ? f->count : 1, sizeof *done);
    for (size_t i = 0; i < f->count; i++) {
        if (done[i]) continue;
        const char *heading = report_heading(&f->items[i]);
        printf("%s%s%s\n", bold, heading, reset);
        for (size_t k = i; k < f->count; k++) {
            const finding *x = &f->items[k];
            if (done[k] || strcmp(heading, report_heading(x)) != 0) continue;
            done[k] = true;
            printf("  %s%s%s[%s] %s: %s", x->severity == FINDING_ERROR ? red : yellow,
                   severity_name(x->severity), reset, x->code, x->target, x->message);
            if (x->line) printf(" (%s:%u)", spec_path, x->line);
            putchar('\n');
        }
    }
    free(done);
    size_t errors = findings_errors(f);
    if (f->count == 0)
        printf("aligned: no drift\n");
    else
        printf("%zu error%s, %zu warning%s\n", errors, errors == 1 ? "" : "s", f->count - errors,
               f->count - errors == 1 ? "" : "s");
}

static json_t *string_or_null(const char *s) { return s ? json_string(s) : json_null(); }

static void print_json(const findings *f, bool aligned) {
    json_t *root = json_object();
    json_object_set_new(root, "aligned", json_boolean(aligned));
    json_t *list = json_array();
    for (size_t i = 0; i < f->count; i++) {
        const finding *x = &f->items[i];
        json_t *o = json_object();
        json_object_set_new(o, "severity", json_string(severity_name(x->severity)));
        json_object_set_new(o, "code", json_string(x->code));
        json_object_set_new(o, "target", json_string(x->target));
        json_object_set_new(o, "table", string_or_null(x->table));
        json_object_set_new(o, "column", string_or_null(x->column));
        json_object_set_new(o, "expected", string_or_null(x->expected));
        json_object_set_new(o, "actual", string_or_null(x->actual));
        json_object_set_new(o, "message", json_string(x->message));
        json_object_set_new(o, "line", x->line ? json_integer(x->line) : json_null());
        json_array_append_new(list, o);
    }
    json_object_set_new(root, "findings", list);
    size_t errors = findings_errors(f);
    json_t *summary = json_object();
    json_object_set_new(summary, "errors", json_integer((json_int_t)errors));
    json_object_set_new(summary, "warnings", json_integer((json_int_t)(f->count - errors)));
    json_object_set_new(summary, "catalog_queries", json_integer((json_int_t)f->queries));
    json_object_set_new(root, "summary", summary);
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    puts(text);
    free(text);
    json_decref(root);
}

/* GitHub workflow commands: %, CR and LF are escaped in messages; also , and : in values. */
static void github_escape(strbuf *sb, const char *s, bool property) {
    for (const char *p = s; *p; p++) {
        if (*p == '%')
            sb_append(sb, "%25");
        else if (*p == '\r')
            sb_append(sb, "%0D");
        else if (*p == '\n')
            sb_append(sb, "%0A");
        else if (property && *p == ':')
            sb_append(sb, "%3A");
        else if (property && *p == ',')
            sb_append(sb, "%2C");
        else
            sb_putc(sb, *p);
    }
}

static void print_github(const findings *f, const char *spec_path) {
    for (size_t i = 0; i < f->count; i++) {
        const finding *x = &f->items[i];
        strbuf sb = STRBUF_INIT;
        sb_append(&sb, x->severity == FINDING_ERROR ? "::error file=" : "::warning file=");
        github_escape(&sb, spec_path, true);
        if (x->line) sb_appendf(&sb, ",line=%u", x->line);
        sb_append(&sb, ",title=");
        github_escape(&sb, x->code, true);
        sb_append(&sb, "::");
        sb_appendf(&sb, "%s: ", x->target);
        github_escape(&sb, x->message, false);
        puts(sb_str(&sb));
        sb_free(&sb);
    }
}

/* Appends text for a comment line: a name read from a database may hold a line break,
 * which would end the comment and run the rest as SQL. */
static void comment_text(strbuf *sb, const char *text) {
    for (const char *p = text; *p; p++) sb_putc(sb, *p == '\n' || *p == '\r' ? ' ' : *p);
}

/* The line before a repair: the finding's code and what it is about (the index for an
 * index finding, else the table and column). */
static void fix_heading(strbuf *sb, const finding *x) {
    sb_append(sb, x->code);
    if (!x->table) return;
    sb_putc(sb, ' ');
    if (x->index) {
        comment_text(sb, x->index);
        sb_append(sb, " on ");
    }
    comment_text(sb, x->table);
    if (x->column && !x->index) {
        sb_putc(sb, '.');
        comment_text(sb, x->column);
    }
}

static int write_fix_sql(const char *dest, const findings *f) {
    strbuf sb = STRBUF_INIT;
    static const char *const targets[] = {"sqlite", "postgres"};
    static const char *const titles[] = {"SQLite", "PostgreSQL"};
    for (size_t t = 0; t < 2; t++) {
        bool any = false;
        for (size_t i = 0; i < f->count; i++) {
            const finding *x = &f->items[i];
            if (!x->fix || strcmp(x->target, targets[t]) != 0) continue;
            if (!any) sb_appendf(&sb, "-- Repairs for %s, from syncspec check.\n", titles[t]);
            any = true;
            sb_append(&sb, "\n-- ");
            fix_heading(&sb, x);
            sb_putc(&sb, '\n');
            sb_append(&sb, x->fix);
            if (sb.len && sb.data[sb.len - 1] != '\n') sb_putc(&sb, '\n');
        }
        if (any) sb_putc(&sb, '\n');
    }
    if (sb.len == 0) sb_append(&sb, "-- Nothing to repair.\n");
    int rc = 0;
    if (strcmp(dest, "-") == 0) {
        fputs(sb_str(&sb), stdout);
    } else {
        char *tmp = NULL;
        if (fs_write_temp(&tmp, dest, sb_str(&sb), sb.len) != 0 || fs_commit(tmp, dest) != 0) {
            cli_error("check: cannot write %s: %s", dest, strerror(errno));
            rc = -1;
        }
        free(tmp);
    }
    sb_free(&sb);
    return rc;
}

int cmd_check(int argc, char **argv) {
    cli_args args;
    int rc = cli_parse(&args, &check_command, argc, argv);
    if (rc) return rc > 0 ? EXIT_ALIGNED : EXIT_FAILED;
    const char *spec_path = args.positional[0];
    if (!format) format = "text";
    int status = EXIT_FAILED;
    arena *a = arena_new();
    findings f;
    findings_init(&f, a);

    if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0 &&
        strcmp(format, "github") != 0) {
        cli_error("check: unknown format '%s' (expected text, json or github)", format);
        goto cleanup;
    }
    if (!sqlite_path && !conninfo && !rules && !generated) {
        cli_error("check: nothing to check: give --sqlite, --postgres, --sync-rules or "
                  "--generated (see 'syncspec check --help')");
        goto cleanup;
    }
    const syncspec_schema *schema = NULL;
    if (cli_load_spec(&schema, a, spec_path) != 0) goto cleanup;

    const char *error = NULL;
    if ((sqlite_path && check_sqlite(&f, schema, sqlite_path, &error) != 0) ||
        (conninfo && check_postgres(&f, schema, conninfo, &error) != 0) ||
        (rules && check_sync_rules(&f, schema, rules, &error) != 0) ||
        (generated && check_generated(&f, schema, generated, &error) != 0)) {
        cli_error("check: %s", error ? error : "failed");
        goto cleanup;
    }
    size_t errors = findings_errors(&f);
    bool aligned = errors == 0 && (!strict || f.count == 0);
    if (strcmp(format, "json") == 0)
        print_json(&f, aligned);
    else if (strcmp(format, "github") == 0)
        print_github(&f, spec_path);
    else
        print_text(&f, spec_path, use_color());
    if (fix && write_fix_sql(fix, &f) != 0) goto cleanup;
    status = aligned ? EXIT_ALIGNED : EXIT_FOUND;
cleanup:
    findings_free(&f);
    arena_free(a);
    cli_args_free(&args);
    return status;
}
