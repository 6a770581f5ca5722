/*
 * A database's schema as the checker reads it: the shape of the spec model (tables with
 * their columns, indexes, CHECKs and foreign keys), spelled as the database spells it
 * (types as declared or as format_type() prints them, index columns as text), plus what
 * the spec model has no room for (publication, replica identity, replication settings,
 * PowerSync's stores and table options). A reader fills it and judges nothing; diff.c
 * compares it with the spec model and files the findings.
 *
 * Everything is allocated in the arena given to the reader.
 */
#ifndef SYNCSPEC_CHECK_CATALOG_H
#define SYNCSPEC_CHECK_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "syncspec.h"
#include "util/arena.h"

typedef struct db_column {
    const char *name;
    const char *type; /* as declared (SQLite), as format_type() prints it (PostgreSQL) */
    /* In a PowerSync view: the type of the CAST it reads the column with (upper case),
     * NULL when it does not cast it. */
    const char *cast_type;
    bool not_null;
    bool has_default;   /* a default, or a generated or identity value */
    bool primary_key;   /* part of the primary key (SQLite, which says so per column) */
    bool boolean_check; /* the table's SQL holds CHECK (<column> IN (0, 1)) (SQLite) */
} db_column;

typedef struct db_index {
    const char *name;
    /* Key columns joined by ',', each followed by anything that makes it other than a
     * plain ascending column (" DESC", " COLLATE x"; SQLite); on a PowerSync store, each
     * followed by the type of its CAST ("title TEXT"). "" when none. */
    const char *columns;
    bool unique, primary;
    /* What else makes it other than a plain btree over columns ("partial", "USING gin
     * DESC", ...), "" when nothing does. */
    const char *irregular;
    const char *constraint; /* the unique constraint it implements (PostgreSQL), or NULL */
    bool inline_unique;     /* a UNIQUE inside CREATE TABLE (SQLite): only a rebuild drops it */
} db_index;

typedef struct db_check {
    const char *name, *columns, *definition; /* definition as pg_get_constraintdef() prints it */
} db_check;

typedef struct db_foreign_key {
    const char *name;   /* NULL where constraints are unnamed (SQLite) */
    const char *column; /* the referencing column(s), joined by ',' */
    const char *target; /* the referenced table (SQLite), or NULL */
} db_foreign_key;

/* The table options a PowerSync client schema gave a table, read from its view's
 * triggers. */
typedef struct db_powersync_options {
    bool insert_only, track_previous, track_metadata, ignore_empty_updates;
} db_powersync_options;

typedef struct db_table {
    const char *name;
    /* "table" (plain or partitioned), "view", "materialized view" or "foreign table". */
    const char *relation;
    /* A PowerSync-managed table: a view over a JSON store, ps_data__<name> (synced) or,
     * when only that exists, ps_data_local__<name>. */
    bool managed, local_store;
    db_powersync_options options;
    bool row_security, unlogged, replica_identity_nothing;
    /* In the database's order. */
    db_column *columns;
    size_t column_count;
    db_index *indexes;
    size_t index_count;
    db_check *checks;
    size_t check_count;
    db_foreign_key *foreign_keys;
    size_t foreign_key_count;
} db_table;

typedef struct db_publication_table {
    const char *schema, *name;
    const char *columns;    /* its column list, "a, b"; NULL when whole */
    const char *row_filter; /* its WHERE, NULL when none */
} db_publication_table;

/* What PowerSync needs of a PostgreSQL server, besides its tables. */
typedef struct db_server {
    /* The settings as pg_settings has them; NULL when not read. */
    const char *wal_level, *max_replication_slots, *max_wal_senders, *max_slot_wal_keep_size;
    const char **inactive_slots; /* read when max_slot_wal_keep_size is -1 */
    size_t inactive_slot_count;
    bool publication;  /* the spec's publication exists; then the rest is read */
    bool publishes[4]; /* insert, update, delete, truncate */
    bool via_root, all_tables;
    db_publication_table *published;
    size_t published_count;
} db_server;

/* What a database is, as far as comparing it with the spec goes. */
typedef struct db_kind db_kind;

typedef struct catalog {
    const db_kind *kind;
    bool fold_case;   /* names match without regard to ASCII case, as SQLite matches them */
    db_table *tables; /* sorted by name (see catalog_sort) */
    size_t table_count;
    db_server *server; /* PostgreSQL only; NULL otherwise */
    size_t queries;    /* catalog queries issued */
} catalog;

/* Appends a zeroed item of `size` bytes to an array in `a`: returns the array (moved when
 * it grew); the new item is the last of *count. */
void *catalog_push(arena *a, void *items, size_t *count, size_t *cap, size_t size);

/* The SQLite and PostgreSQL kinds (diff.h). */
extern const db_kind db_kind_sqlite, db_kind_postgres;

/* Whether two names are the same to the database (fold_case). */
bool catalog_same_name(const catalog *cat, const char *x, const char *y);
/* Sorts the tables by name for catalog_table; a reader calls it once it has them all. */
void catalog_sort(catalog *cat);
/* The table of that name (matched as the database matches names), or NULL. */
const db_table *catalog_table(const catalog *cat, const char *name);

/*
 * The readers. Each fills *cat from the database: SQLite's tables and views, with the
 * columns, indexes and the like of the spec's tables (one query each per table);
 * PostgreSQL's relations in the spec's schema with all of theirs (one query per kind of
 * object) and the server's side. Returns 0, or -1 with *error set (allocated in a).
 */
int read_sqlite(catalog *cat, arena *a, const syncspec_schema *schema, const char *path,
                const char **error);
int read_postgres(catalog *cat, arena *a, const syncspec_schema *schema, const char *conninfo,
                  const char **error);

#endif
