/*
 * A PostgreSQL server's readiness for PowerSync against the spec: the replication
 * settings, inactive slots, and the spec's publication (what it publishes, and exactly the
 * synced tables, each whole).
 */
#include <stdlib.h>
#include <string.h>

#include "check/diff.h"
#include "emit/escape.h"
#include "util/strbuf.h"

/* A finding about the server or its publication, filed under `table` (NULL: none). */
static finding *add(diff *d, finding_severity severity, const char *code, const char *table,
                    const char *message) {
    return findings_add(d->f, severity, code, d->kind->target, table, NULL, "%s", message);
}

/* A setting that needs a restart: what it is, what the sync service needs, the fix. */
static void setting(diff *d, const char *code, const char *value, bool fine, const char *expected,
                    const char *message, const char *fix) {
    if (!*value || fine) return;
    finding *x = add(d, FINDING_ERROR, code, NULL, message);
    x->expected = expected;
    x->actual = value;
    x->fix = repair_comment(d->a, SAY(d, "needs a restart, not applied: %s", fix));
}

void diff_settings(diff *d) {
    const db_server *s = d->cat->server;
    /* "" stands for a setting not read (no finding then), so that the messages can say it. */
    const char *wal = s->wal_level ? s->wal_level : "";
    const char *slots = s->max_replication_slots ? s->max_replication_slots : "";
    const char *senders = s->max_wal_senders ? s->max_wal_senders : "";
    setting(d, "wal-level", wal, strcmp(wal, "logical") == 0, "logical",
            SAY(d, "wal_level is %s: logical replication needs 'logical'", wal),
            "ALTER SYSTEM SET wal_level = logical;");
    setting(d, "replication-slots", slots, atoi(slots) >= 1, ">= 1",
            SAY(d, "max_replication_slots is %s: the sync service needs one", slots),
            "ALTER SYSTEM SET max_replication_slots = 10;");
    setting(d, "wal-senders", senders, atoi(senders) >= 1, ">= 1",
            SAY(d, "max_wal_senders is %s: the sync service needs one", senders),
            "ALTER SYSTEM SET max_wal_senders = 10;");
    for (size_t i = 0; i < s->inactive_slot_count; i++) {
        finding *x = add(d, FINDING_WARNING, "inactive-slot", NULL,
                         SAY(d,
                             "replication slot %s is inactive and max_slot_wal_keep_size is -1: "
                             "it retains WAL without bound",
                             s->inactive_slots[i]));
        x->actual = s->inactive_slots[i];
        x->fix =
            repair_comment(d->a, "not applied: ALTER SYSTEM SET max_slot_wal_keep_size = '1GB';");
    }
}

/* What the publication is: its operations, partition root, FOR ALL TABLES. */
static void publication_options(diff *d) {
    const db_server *s = d->cat->server;
    const char *pub = d->schema->publication;
    static const char *const operations[] = {"insert", "update", "delete", "truncate"};
    strbuf published = STRBUF_INIT, missing = STRBUF_INIT;
    for (int k = 0; k < 4; k++) {
        strbuf *into = s->publishes[k] ? &published : &missing;
        if (into->len) sb_append(into, ", ");
        sb_append(into, operations[k]);
    }
    if (missing.len) {
        finding *x = add(d, FINDING_ERROR, "publication-operation", NULL,
                         SAY(d,
                             "publication %s does not publish %s: the sync service needs "
                             "insert, update, delete and truncate",
                             pub, sb_str(&missing)));
        x->expected = "insert, update, delete, truncate";
        x->actual = arena_strdup(d->a, published.len ? sb_str(&published) : "(none)");
        x->fix = diff_repair(d, NULL, (emit_repair){.kind = EMIT_REPAIR_PUBLICATION_OPTIONS});
    }
    sb_free(&published);
    sb_free(&missing);
    if (s->via_root) {
        finding *x = add(d, FINDING_ERROR, "publication-via-root", NULL,
                         SAY(d, "publication %s publishes via the partition root", pub));
        x->expected = "publish_via_partition_root = false";
        x->actual = "publish_via_partition_root = true";
        x->fix = diff_repair(d, NULL, (emit_repair){.kind = EMIT_REPAIR_PUBLICATION_OPTIONS});
    }
    if (s->all_tables) {
        finding *x = add(d, FINDING_WARNING, "publication-all-tables", NULL,
                         SAY(d,
                             "publication %s is FOR ALL TABLES: server-only and local-only "
                             "tables are replicated too; the spec publishes exactly its synced "
                             "tables",
                             pub));
        x->expected = "FOR TABLE (the synced tables)";
        x->actual = "FOR ALL TABLES";
        x->fix = repair_comment(d->a, SAY(d,
                                          "not applied: a FOR ALL TABLES publication cannot be "
                                          "given a table list; DROP PUBLICATION %s, then run "
                                          "the publication block of the generated postgres.sql",
                                          esc_sql_ident(d->a, pub)));
    }
}

/* A synced table published with a column list or a row filter: the sync service then
 * replicates only some columns or rows, and clients silently miss the rest. */
static void published_subset(diff *d, const syncspec_table *t, const db_publication_table *p) {
    const struct {
        const char *actual; /* NULL when published whole in this respect */
        const char *code, *subset, *missed, *expected;
    } subsets[] = {
        {p->columns ? SAY(d, "(%s)", p->columns) : NULL, "publication-columns", "a column list",
         "the other columns", "all columns"},
        {p->row_filter ? SAY(d, "WHERE %s", p->row_filter) : NULL, "publication-row-filter",
         "a row filter", "other rows", "all rows"},
    };
    for (size_t i = 0; i < sizeof subsets / sizeof *subsets; i++) {
        if (!subsets[i].actual) continue;
        finding *x = add(d, FINDING_ERROR, subsets[i].code, t->name,
                         SAY(d, "table %s is in publication %s with %s %s: %s never reach clients",
                             t->name, d->schema->publication, subsets[i].subset, subsets[i].actual,
                             subsets[i].missed));
        x->line = t->line;
        x->expected = subsets[i].expected;
        x->actual = subsets[i].actual;
        x->fix = diff_repair(d, t, (emit_repair){.kind = EMIT_REPAIR_PUBLICATION_READD_TABLE});
    }
}

/* Harmless to the sync service (it replicates only what the sync rules select), but not
 * what the spec publishes. A table of another schema is named with it: filed under a spec
 * table of the same name, it would read as that table's drift. */
static void published_extra(diff *d, const db_publication_table *p) {
    const char *pub = d->schema->publication;
    bool ours = strcmp(p->schema, d->schema->pg_schema) == 0;
    finding *x =
        add(d, FINDING_WARNING, "publication-extra-table",
            ours ? p->name : SAY(d, "%s.%s", p->schema, p->name),
            SAY(d, "table %s.%s is in publication %s but is not a synced table of the spec",
                p->schema, p->name, pub));
    x->actual = SAY(d, "%s.%s", p->schema, p->name);
    x->fix = repair_comment(d->a, SAY(d, "not applied: ALTER PUBLICATION %s DROP TABLE %s.%s;",
                                      esc_sql_ident(d->a, pub), esc_sql_ident(d->a, p->schema),
                                      esc_sql_ident(d->a, p->name)));
}

void diff_publication(diff *d) {
    const db_server *s = d->cat->server;
    const syncspec_schema *schema = d->schema;
    if (!s->publication) {
        finding *x = add(d, FINDING_ERROR, "publication-missing", NULL,
                         SAY(d, "publication %s does not exist", schema->publication));
        x->expected = schema->publication;
        x->fix = diff_repair(d, NULL, (emit_repair){.kind = EMIT_REPAIR_PUBLICATION});
        return;
    }
    publication_options(d);
    table_lookup lookup;
    table_lookup_init(&lookup, d->a, schema);
    bool *listed = arena_calloc(d->a, schema->table_count + 1, sizeof *listed);
    for (size_t i = 0; i < s->published_count; i++) {
        const db_publication_table *p = &s->published[i];
        const syncspec_table *t =
            strcmp(p->schema, schema->pg_schema) == 0 ? table_lookup_find(&lookup, p->name) : NULL;
        if (t) {
            listed[t - schema->tables] = true;
            if (!t->local_only) published_subset(d, t, p);
        } else if (!s->all_tables) { /* one finding says it all */
            published_extra(d, p);
        }
    }
    for (size_t i = 0; i < schema->table_count; i++) {
        const syncspec_table *t = &schema->tables[i];
        const db_table *dt = catalog_table(d->cat, t->name);
        /* A view of that name is reported as such (not-a-table): it cannot be published. */
        bool not_table = dt && strcmp(dt->relation, "table") != 0;
        if (!t->local_only && !listed[i] && !not_table) {
            finding *x = add(d, FINDING_ERROR, "publication-table-missing", t->name,
                             SAY(d,
                                 "table %s is not in publication %s: its changes never reach "
                                 "clients",
                                 t->name, schema->publication));
            x->line = t->line;
            x->fix = diff_repair(d, t, (emit_repair){.kind = EMIT_REPAIR_PUBLICATION_ADD_TABLE});
        } else if (t->local_only && listed[i]) {
            finding *x = add(
                d, FINDING_ERROR, "publication-local-only", t->name,
                SAY(d, "local-only table %s is in publication %s", t->name, schema->publication));
            x->line = t->line;
            x->fix = diff_repair(d, t, (emit_repair){.kind = EMIT_REPAIR_PUBLICATION_DROP_TABLE});
        }
    }
}
