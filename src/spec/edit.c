#include "spec/edit.h"

#include <string.h>

#include "spec/yaml_tree.h"

/* The first option of a table written on a line of its own, indented deeper than the
 * table names: that indentation is what a new table's options get. */
static const ynode *first_option(const ynode *tables) {
    const ynode *first_name = tables->pairs[0].key;
    for (size_t t = 0; t < tables->count; t++) {
        const ynode *table = tables->pairs[t].value;
        size_t n = table->kind == YNODE_SCALAR ? 0 : table->count;
        for (size_t i = 0; i < 2 * n; i++) {
            const ynode *c = table->kind == YNODE_MAPPING
                                 ? (i % 2 ? table->pairs[i / 2].value : table->pairs[i / 2].key)
                                 : (i < n ? table->items[i] : NULL);
            if (c && c->kind == YNODE_SCALAR && c->line > first_name->line &&
                c->col > first_name->col)
                return c;
        }
    }
    return NULL;
}

int spec_find_table_slot(spec_table_slot *out, arena *a, const char *text, size_t length,
                         const char **error) {
    memset(out, 0, sizeof *out);
    out->key_indent = 2;
    out->option_indent = 2;
    *error = NULL;
    int rc = -1;
    arena *tree = arena_new();
    diag_list diags;
    diag_list_init(&diags, tree);
    const ynode *root = NULL;
    if (!tree) {
        *error = "out of memory";
        return -1;
    }
    if (ytree_parse(&root, tree, tree, "spec", text, length, &diags) != 0) {
        *error = arena_strdup(a, diags.count ? diags.items[0].message : "YAML error");
        goto cleanup;
    }
    const ynode *tables = ytree_get(root, "tables");
    if (!tables || tables->kind == YNODE_SCALAR) {
        *error = "the spec has no 'tables:' mapping";
        goto cleanup;
    }
    if (tables->kind != YNODE_MAPPING || tables->flow || tables->count == 0) {
        *error = "'tables' is not a block mapping; new-table appends only to a block mapping";
        goto cleanup;
    }
    const ynode *name = tables->pairs[0].key, *option = first_option(tables);
    out->key_indent = name->col - 1;
    if (option) out->option_indent = option->col - name->col;
    /* The end of the tables mapping itself is not content: libyaml places it at the next
     * less-indented token, past any trailing comments. Its last value's end is. */
    size_t off = tables->pairs[tables->count - 1].value->end;
    /* A block scalar (`|`, `>`) ends at the start of the next line already. */
    if (off > 0 && text[off - 1] == '\n') {
        out->offset = off;
    } else {
        while (off < length && text[off] != '\n') off++;
        out->offset = off < length ? off + 1 : length;
    }
    rc = 0;
cleanup:
    diag_list_free(&diags);
    arena_free(tree);
    return rc;
}
