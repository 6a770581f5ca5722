/*
 * new-table: append a table to a spec without touching any other byte of the file
 * (comments, order, formatting), validate the result before writing, write atomically,
 * then regenerate.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "compile/compile.h"
#include "emit/escape.h"
#include "model/limits.h"
#include "model/names.h"
#include "model/types.h"
#include "spec/edit.h"
#include "util/fsutil.h"
#include "util/strbuf.h"

static cli_strings column_specs, reference_specs;
static const char *description, *out_dir;
static bool local_only, soft_delete, insert_only, no_generate;

static const cli_option new_table_options[] = {
    CLI_LIST("column", 'c', &column_specs, "NAME:TYPE[:required]", "add a column (repeatable)"),
    CLI_LIST("reference", 'r', &reference_specs, "COLUMN:TABLE",
             "COLUMN refers to TABLE (app-enforced; adds an id column if undeclared)"),
    CLI_STRING("description", 'd', &description, "TEXT", "the table's description"),
    CLI_FLAG("local-only", 0, &local_only, "device-only table: never uploaded, not in PostgreSQL"),
    CLI_FLAG("soft-delete", 0, &soft_delete, "add deleted_at; a DELETE upload sets it"),
    CLI_FLAG("insert-only", 0, &insert_only, "clients may only insert (PATCH and DELETE rejected)"),
    CLI_FLAG("no-generate", 0, &no_generate, "do not regenerate after writing the spec"),
    CLI_STRING("output", 'o', &out_dir, "DIR", "regenerate into DIR (default: generated)"),
};

static const cli_command new_table_command = {
    .name = "new-table",
    .arguments = "SPEC NAME",
    .description =
        "Every other byte of the spec stays as it was. The result is validated before it is\n"
        "written; the write is atomic (temporary file + rename). An existing table name, a\n"
        "bad name or type, or a result that does not validate leaves the spec untouched and\n"
        "exits 2. Types: text, integer, real, boolean, timestamp, json, id.",
    .options = new_table_options,
    .option_count = sizeof new_table_options / sizeof new_table_options[0],
    .min_positionals = 2,
    .max_positionals = 2,
};

typedef struct new_column {
    char *name;
    const char *type;
    bool required;
    const char *references;
} new_column;

static bool valid_name(const char *name) { return model_check_name(name, NULL) == MODEL_NAME_OK; }

static bool known_type(const char *type) {
    syncspec_type unused;
    return model_type_lookup(type, &unused);
}

/* Parses --column and --reference into `columns`; returns false after printing an error. */
static bool collect_columns(new_column *columns, size_t *count, size_t cap, arena *a) {
    for (size_t i = 0; i < column_specs.count; i++) {
        const char *spec = column_specs.items[i];
        char *copy = arena_strdup(a, spec);
        char *type = strchr(copy, ':');
        if (!type) {
            cli_error("new-table: --column '%s': expected NAME:TYPE[:required]", spec);
            return false;
        }
        *type++ = '\0';
        char *flag = strchr(type, ':');
        if (flag) *flag++ = '\0';
        if (!valid_name(copy)) {
            cli_error("new-table: --column '%s': '%s' is not a valid column name (lowercase "
                      "letters, digits and '_', starting with a letter, at most 63 bytes, no "
                      "ps_/sqlite_/pg_/syncspec_ prefix)",
                      spec, copy);
            return false;
        }
        if (!known_type(type)) {
            cli_error("new-table: --column '%s': unknown type '%s' (expected one of: text, "
                      "integer, real, boolean, timestamp, json, id)",
                      spec, type);
            return false;
        }
        if (flag && strcmp(flag, "required") != 0) {
            cli_error("new-table: --column '%s': unknown flag '%s' (expected 'required')", spec,
                      flag);
            return false;
        }
        for (size_t k = 0; k < *count; k++)
            if (strcmp(columns[k].name, copy) == 0) {
                cli_error("new-table: column '%s' is given twice", copy);
                return false;
            }
        if (*count == cap) {
            cli_error("new-table: too many columns");
            return false;
        }
        columns[(*count)++] = (new_column){copy, type, flag != NULL, NULL};
    }
    for (size_t i = 0; i < reference_specs.count; i++) {
        const char *spec = reference_specs.items[i];
        char *copy = arena_strdup(a, spec);
        char *table = strchr(copy, ':');
        if (table) *table++ = '\0';
        if (!table || !valid_name(copy) || !valid_name(table)) {
            cli_error("new-table: --reference '%s': expected COLUMN:TABLE with valid names", spec);
            return false;
        }
        new_column *target = NULL;
        for (size_t k = 0; k < *count; k++)
            if (strcmp(columns[k].name, copy) == 0) target = &columns[k];
        if (!target) {
            if (*count == cap) {
                cli_error("new-table: too many columns");
                return false;
            }
            target = &columns[(*count)++];
            *target = (new_column){copy, "id", false, NULL};
        }
        target->references = table;
    }
    return true;
}

static unsigned count_lines(const char *text, size_t length) {
    unsigned n = 0;
    for (size_t i = 0; i < length; i++) n += text[i] == '\n';
    return n;
}

/*
 * Diagnostics of the result are at lines of the file as it would be. Lines first ..
 * first + added - 1 are the new table, which the file does not have: they are reported as
 * in `label`, without a position; lines after it are moved back to where they are now.
 */
static void map_positions(diag_list *diags, unsigned first, unsigned added, const char *label) {
    for (size_t i = 0; i < diags->count; i++) {
        diag *d = &diags->items[i];
        if (d->line >= first && d->line < first + added) {
            d->file = label;
            d->line = d->col = 0;
        } else if (d->line >= first + added) {
            d->line -= added;
        }
        if (d->note_line >= first + added) d->note_line -= added;
    }
}

static void indent(strbuf *sb, size_t n) {
    for (size_t i = 0; i < n; i++) sb_putc(sb, ' ');
}

static void table_text(strbuf *sb, arena *a, const spec_table_slot *at, const char *name,
                       const new_column *columns, size_t count) {
    size_t k = at->key_indent, o = at->key_indent + at->option_indent;
    indent(sb, k);
    sb_appendf(sb, "%s:\n", name);
    if (description) {
        indent(sb, o);
        /* As the generated YAML writes text: U+0085, U+2028 and U+2029 are line breaks to
         * YAML, which would read them back as spaces, so they are escaped too. */
        sb_appendf(sb, "description: %s\n", esc_yaml_scalar(a, description));
    }
    const bool flags[] = {local_only, insert_only, soft_delete};
    static const char *const keys[] = {"local_only", "insert_only", "soft_delete"};
    for (size_t i = 0; i < 3; i++) {
        if (!flags[i]) continue;
        indent(sb, o);
        sb_appendf(sb, "%s: true\n", keys[i]);
    }
    indent(sb, o);
    sb_append(sb, "columns:");
    if (count == 0) {
        sb_append(sb, " {}\n");
        return;
    }
    sb_putc(sb, '\n');
    for (size_t i = 0; i < count; i++) {
        indent(sb, o + at->option_indent);
        const new_column *c = &columns[i];
        if (!c->required && !c->references) {
            sb_appendf(sb, "%s: %s\n", c->name, c->type);
            continue;
        }
        sb_appendf(sb, "%s: { type: %s", c->name, c->type);
        if (c->required) sb_append(sb, ", required: true");
        if (c->references) sb_appendf(sb, ", references: %s", c->references);
        sb_append(sb, " }\n");
    }
}

/* Regenerates from the spec just written, as `generate SPEC -o DIR` does. */
static int generate(arena *a, const char *spec_path, const strbuf *spec) {
    const char *dir = out_dir ? out_dir : "generated";
    compile_request request = {
        .spec_path = spec_path, .spec_text = spec->data, .spec_length = spec->len, .out_dir = dir};
    compile_result result;
    diag_list diags;
    diag_list_init(&diags, a);
    int rc = cli_print_diags(&diags, spec_path, compile_run(&result, a, &request, &diags));
    diag_list_free(&diags);
    if (rc != COMPILE_OK) return EXIT_FAILED;
    cli_print_written(&result, dir);
    return EXIT_ALIGNED;
}

int cmd_new_table(int argc, char **argv) {
    cli_args args;
    int rc = cli_parse(&args, &new_table_command, argc, argv);
    if (rc) return rc > 0 ? EXIT_ALIGNED : EXIT_FAILED;
    const char *spec_path = args.positional[0];
    const char *name = args.positional[1];
    int status = EXIT_FAILED;
    arena *a = arena_new();
    char *text = NULL;
    size_t length = 0;
    strbuf result = STRBUF_INIT, table = STRBUF_INIT;
    new_column columns[1500];
    size_t column_count = 0;

    if (!valid_name(name)) {
        cli_error("new-table: '%s' is not a valid table name (lowercase letters, digits and "
                  "'_', starting with a letter, at most 63 bytes, no ps_/sqlite_/pg_/syncspec_ "
                  "prefix)",
                  name);
        goto cleanup;
    }
    if (!collect_columns(columns, &column_count, sizeof columns / sizeof columns[0], a))
        goto cleanup;
    if (fs_read_file(&text, &length, spec_path, SPEC_LIMIT_BYTES) != 0) {
        cli_error("new-table: cannot read %s: %s", spec_path, strerror(errno));
        goto cleanup;
    }
    const syncspec_schema *schema = NULL;
    if (cli_load_spec(&schema, a, spec_path) != 0) {
        cli_error("new-table: %s must be valid before a table is added; nothing written",
                  spec_path);
        goto cleanup;
    }
    const syncspec_table *existing = syncspec_schema_table(schema, name);
    if (existing) {
        cli_error("new-table: table '%s' already exists (%s:%u:%u); nothing written", name,
                  spec_path, existing->line, existing->col);
        goto cleanup;
    }
    spec_table_slot at;
    const char *error = NULL;
    if (spec_find_table_slot(&at, a, text, length, &error) != 0) {
        cli_error("new-table: %s: %s; nothing written", spec_path, error);
        goto cleanup;
    }
    table_text(&table, a, &at, name, columns, column_count);
    /* The new lines end as the file's do: a spec saved on Windows stays CRLF throughout. */
    const char *first_break = memchr(text, '\n', length);
    const char *eol = first_break && first_break > text && first_break[-1] == '\r' ? "\r\n" : "\n";
    sb_append_n(&result, text, at.offset);
    if (at.offset > 0 && text[at.offset - 1] != '\n') sb_append(&result, eol);
    for (size_t i = 0; i < table.len; i++) {
        if (table.data[i] == '\n')
            sb_append(&result, eol);
        else
            sb_putc(&result, table.data[i]);
    }
    sb_append_n(&result, text + at.offset, length - at.offset);

    /* Validate the result exactly as generate would read it. */
    diag_list diags;
    diag_list_init(&diags, a);
    const syncspec_schema *updated = NULL;
    rc = compile_load_buffer(&updated, a, spec_path, result.data, result.len, &diags);
    if (rc != 0 || diag_error_count(&diags)) {
        unsigned first =
            count_lines(text, at.offset) + 1 + (at.offset > 0 && text[at.offset - 1] != '\n');
        map_positions(&diags, first, count_lines(table.data, table.len),
                      arena_printf(a, "new table '%s'", name));
        diag_sort(&diags);
        diag_print(stderr, &diags);
        diag_list_free(&diags);
        cli_error("new-table: the result would not be a valid spec; nothing written");
        goto cleanup;
    }
    diag_list_free(&diags);

    char *tmp = NULL;
    if (fs_write_temp(&tmp, spec_path, result.data, result.len) != 0 ||
        fs_commit(tmp, spec_path) != 0) {
        cli_error("new-table: cannot write %s: %s; the spec is unchanged", spec_path,
                  strerror(errno));
        free(tmp);
        goto cleanup;
    }
    free(tmp);
    fprintf(stderr, "syncspec: added table '%s' to %s\n", name, spec_path);
    status = EXIT_ALIGNED;
    if (!no_generate) status = generate(a, spec_path, &result);
cleanup:
    sb_free(&result);
    sb_free(&table);
    free(text);
    arena_free(a);
    cli_args_free(&args);
    return status;
}
