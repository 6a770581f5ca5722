/*
 * The comparison of a catalog (what a reader found in a database) with the spec model:
 * every finding about a database's tables, its server and its publication is filed here,
 * each code in one place for SQLite and PostgreSQL alike. What differs between them is
 * data: a db_kind says how the database names types, what it can alter in place, in which
 * order findings follow, and the like.
 */
#ifndef SYNCSPEC_CHECK_DIFF_H
#define SYNCSPEC_CHECK_DIFF_H

#include "check/catalog.h"
#include "check/check.h"
#include "check/repair.h"

struct db_kind {
    const char *target;         /* the findings' target and the repair templates: "sqlite" */
    const char *generated_file; /* the file that creates this database: "sqlite.sql" */
    const char *(*type_name)(syncspec_type type);
    bool (*not_null)(const syncspec_column *column);
    /* An index as the generated file creates it from the spec's. */
    syncspec_index (*created_index)(arena *a, const syncspec_table *table,
                                    const syncspec_index *index);
    /* The type a declared type stands for, compared with type_name (SQLite: its
     * affinity); NULL when types are compared as the database prints them. */
    const char *(*affinity)(const char *declared);
    /* Findings follow the database's columns and indexes, then the spec's missing ones
     * (SQLite); otherwise the spec's, then the database's extra ones. */
    bool database_order;
    bool keeps_local_only;     /* local-only tables belong in it (a client database) */
    bool key_per_column;       /* the primary key is read per column, not as an index */
    bool boolean_checks;       /* booleans are 0/1 under CHECK (c IN (0, 1)) */
    bool named_checks;         /* the generated CHECKs are compared by name and definition */
    bool alters_in_place;      /* ALTER TABLE changes types, NOT NULL and keys; else rebuild */
    bool powersync_views;      /* a view may be a PowerSync-managed table */
    bool reports_extra_tables; /* a table the spec does not have is drift (not server-only) */
};

/* The state one comparison shares. */
typedef struct diff {
    findings *f;
    arena *a;
    const syncspec_schema *schema;
    const catalog *cat;
    const db_kind *kind;
} diff;

/* Adds the findings of `cat` against the spec to f. */
void diff_catalog(findings *f, const syncspec_schema *schema, const catalog *cat);

/* The server's side (diff_server.c): settings before the tables, the publication after. */
void diff_settings(diff *d);
void diff_publication(diff *d);

/* A name of the database's schema as repair SQL writes it: quoted, and qualified by the
 * spec's PostgreSQL schema where there is one. Allocated in d->a. */
const char *diff_qualified(const diff *d, const char *name);

/* The repair statement `repair` for table t (NULL for the publication as a whole). */
const char *diff_repair(const diff *d, const syncspec_table *t, emit_repair repair);

#endif
