/*
 * The op log's reader: a client's checkpoints and data lines. A checkpoint is read from the
 * bucket states (no rows scanned), and its ops in the same REPEATABLE READ transaction, so
 * a compaction or a sequencer run that commits meanwhile cannot change what it sends.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "server/protocol_internal.h"

#define NOMEM(error) sync_error(error, SYNCSPEC_ENOMEM, "out of memory")

enum { OPS_PER_LINE = 1000 };
#define OPS_PER_LINE_TEXT "1000"

typedef struct bucket_position {
    char *name;
    int64_t after;
} bucket_position;

struct syncspec_sync_request {
    bucket_position *buckets;
    size_t bucket_count;
    char *client_id;
    bool include_defaults; /* edition-3 streams: subscribe to the auto_subscribe streams */
};

/* What the client was last sent of one bucket (or asked for, before the first checkpoint). */
typedef struct bucket_state {
    char *name;
    int64_t after; /* the client has every op up to this one */
    int64_t checksum, count, last_op_id;
} bucket_state;

struct syncspec_sync_stream {
    const syncspec_schema *schema;
    char *user_id;
    syncspec_sync_request *request; /* the positions asked for, until the first checkpoint */
    char *checkpoint_sql;
    bucket_state *buckets;
    size_t bucket_count;
    bool started;
    bool has_write_checkpoint;
    int64_t write_checkpoint;
};

/* ---- the request ---- */

void syncspec_sync_request_free(syncspec_sync_request *request) {
    if (!request) return;
    for (size_t i = 0; i < request->bucket_count; i++) free(request->buckets[i].name);
    free(request->buckets);
    free(request->client_id);
    free(request);
}

const char *syncspec_sync_request_client_id(const syncspec_sync_request *request) {
    return request->client_id;
}

/* An op id: decimal digits of a non-negative int64. */
static bool parse_op_id(const char *s, int64_t *out) {
    int64_t v = 0;
    if (!*s || strlen(s) > 19) return false;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') return false;
        if (v > (INT64_MAX - (*p - '0')) / 10) return false;
        v = v * 10 + (*p - '0');
    }
    *out = v;
    return true;
}

static int parse_buckets(syncspec_sync_request *r, json_t *buckets, syncspec_error *error) {
    if (!buckets) return 0;
    if (!json_is_array(buckets))
        return sync_error(error, SYNCSPEC_EINVALID, "sync request: \"buckets\" is not a list");
    r->buckets = calloc(json_array_size(buckets) + 1, sizeof *r->buckets);
    if (!r->buckets) return NOMEM(error);
    size_t i;
    json_t *b;
    json_array_foreach(buckets, i, b) {
        const char *name = json_string_value(json_object_get(b, "name"));
        const char *after = json_string_value(json_object_get(b, "after"));
        bucket_position *p = &r->buckets[r->bucket_count];
        if (!name || !after || !parse_op_id(after, &p->after))
            return sync_error(error, SYNCSPEC_EINVALID,
                              "sync request: bucket %zu needs a \"name\" and an \"after\" op id",
                              i);
        if (!(p->name = strdup(name))) return NOMEM(error);
        r->bucket_count++;
    }
    return 0;
}

int syncspec_sync_request_parse(syncspec_sync_request **out, const char *body, size_t len,
                                syncspec_error *error) {
    *out = NULL;
    json_error_t jerr;
    json_t *root = json_loadb(body ? body : "", body ? len : 0, 0, &jerr);
    syncspec_sync_request *r = calloc(1, sizeof *r);
    int rc = 0;
    if (!r) {
        rc = NOMEM(error);
        goto cleanup;
    }
    r->include_defaults = true;
    if (!json_is_object(root)) {
        rc = sync_error(error, SYNCSPEC_EINVALID, "sync request: not a JSON object%s%s",
                        root ? "" : ": ", root ? "" : jerr.text);
        goto cleanup;
    }
    json_t *client_id = json_object_get(root, "client_id");
    json_t *streams = json_object_get(root, "streams");
    json_t *defaults = json_object_get(streams, "include_defaults");
    if ((client_id && !json_is_string(client_id) && !json_is_null(client_id)) ||
        (streams && !json_is_object(streams) && !json_is_null(streams)) ||
        (defaults && !json_is_boolean(defaults))) {
        rc = sync_error(error, SYNCSPEC_EINVALID,
                        "sync request: \"client_id\" must be a string and \"streams\" an object"
                        " with a boolean \"include_defaults\"");
        goto cleanup;
    }
    if (defaults) r->include_defaults = json_is_true(defaults);
    const char *id = json_string_value(client_id);
    if (!(r->client_id = strdup(id ? id : ""))) {
        rc = NOMEM(error);
        goto cleanup;
    }
    rc = parse_buckets(r, json_object_get(root, "buckets"), error);
cleanup:
    json_decref(root);
    if (rc == 0)
        *out = r;
    else
        syncspec_sync_request_free(r);
    return rc;
}

/* ---- the stream ---- */

/*
 * One statement: the op log's end, the user's write checkpoint and each bucket's state,
 * all from one snapshot. $1 is the user; $2 false leaves out every bucket (a streams
 * client that does not want the default streams). Rows in bucket order; with no bucket,
 * one row whose name is NULL.
 */
static int checkpoint_sql(syncspec_buffer *b, const syncspec_schema *schema) {
    const char *ps = schema->pg_schema;
    bool failed = sync_puts(b, "SELECT s.\"last_op_id\", w.\"write_checkpoint\", b.\"name\","
                               " coalesce(k.\"checksum\", 0), coalesce(k.\"count\", 0),"
                               " coalesce(k.\"last_op_id\", 0) FROM ") ||
                  sync_qualified(b, ps, "syncspec_sequencer") ||
                  sync_puts(b, " AS s LEFT JOIN (SELECT NULL::bigint AS \"i\", NULL::text AS"
                               " \"name\" WHERE false");
    for (size_t i = 0; i < protocol_bucket_count(schema); i++)
        failed |=
            sync_printf(b, " UNION ALL SELECT %zu, ", i) || protocol_bucket_sql(b, schema, i, "$1");
    failed |= sync_puts(b, ") AS b ON $2::boolean LEFT JOIN ") ||
              sync_qualified(b, ps, "syncspec_buckets") ||
              sync_puts(b, " AS k ON k.\"bucket\" = b.\"name\" LEFT JOIN ") ||
              sync_qualified(b, ps, "syncspec_write_checkpoints") ||
              sync_puts(b, " AS w ON w.\"user_id\" = $1 ORDER BY b.\"i\"");
    return failed ? -1 : 0;
}

/*
 * A cursor over a bucket's ops in (after, last], each as the JSON the client reads (made
 * once, by the sequencer): one scan in op order, fetched OPS_PER_LINE at a time.
 */
static int ops_sql(syncspec_buffer *b, const syncspec_schema *schema) {
    return sync_puts(b, "DECLARE \"syncspec_ops\" NO SCROLL CURSOR FOR SELECT \"line\" FROM ") ||
           sync_qualified(b, schema->pg_schema, "syncspec_ops") ||
           sync_puts(b, " WHERE \"bucket\" = $1 AND \"op_id\" > $2::bigint AND \"op_id\" <="
                        " $3::bigint ORDER BY \"op_id\"");
}

int syncspec_sync_stream_new(syncspec_sync_stream **out, syncspec_server *server,
                             const char *user_id, const syncspec_sync_request *request,
                             syncspec_error *error) {
    *out = NULL;
    if (!user_id || !*user_id) return sync_error(error, SYNCSPEC_EINVALID, "sync stream: no user");
    syncspec_sync_stream *s = calloc(1, sizeof *s);
    syncspec_buffer sql = {0};
    if (!s) return NOMEM(error);
    s->schema = server->schema;
    s->request = calloc(1, sizeof *s->request);
    if (!(s->user_id = strdup(user_id)) || !s->request || checkpoint_sql(&sql, s->schema))
        goto nomem;
    s->checkpoint_sql = sql.data;
    s->request->include_defaults = request->include_defaults;
    if (!(s->request->buckets = calloc(request->bucket_count + 1, sizeof *s->request->buckets)))
        goto nomem;
    for (size_t i = 0; i < request->bucket_count; i++) {
        bucket_position *p = &s->request->buckets[i];
        if (!(p->name = strdup(request->buckets[i].name))) goto nomem;
        p->after = request->buckets[i].after;
        s->request->bucket_count++;
    }
    *out = s;
    return 0;
nomem:
    if (!s->checkpoint_sql) syncspec_buffer_free(&sql);
    syncspec_sync_stream_free(s);
    return NOMEM(error);
}

static void buckets_free(bucket_state *buckets, size_t count) {
    for (size_t i = 0; buckets && i < count; i++) free(buckets[i].name);
    free(buckets);
}

void syncspec_sync_stream_free(syncspec_sync_stream *stream) {
    if (!stream) return;
    free(stream->user_id);
    syncspec_sync_request_free(stream->request);
    free(stream->checkpoint_sql);
    buckets_free(stream->buckets, stream->bucket_count);
    free(stream);
}

/* ---- one checkpoint ---- */

typedef struct checkpoint {
    int64_t last_op_id;
    bool has_write_checkpoint;
    int64_t write_checkpoint;
    bucket_state *buckets; /* `after` is what the client has before this checkpoint */
    size_t bucket_count;
} checkpoint;

typedef struct line_out {
    syncspec_line_writer write;
    void *context;
    syncspec_buffer line;
} line_out;

/* Sends the line built so far, with its newline, and empties it. */
static int send_line(line_out *o, syncspec_error *error) {
    if (sync_puts(&o->line, "\n")) return NOMEM(error);
    int rc = o->write(o->context, o->line.data, o->line.len) < 0
                 ? sync_error(error, SYNCSPEC_ERETRY, "sync stream: the client is gone")
                 : 0;
    o->line.len = 0;
    o->line.data[0] = '\0';
    return rc;
}

/* The position the request gave for `name`, 0 when none. */
static int64_t requested_after(const syncspec_sync_request *r, const char *name) {
    for (size_t i = 0; r && i < r->bucket_count; i++)
        if (strcmp(r->buckets[i].name, name) == 0) return r->buckets[i].after;
    return 0;
}

static int read_checkpoint(checkpoint *cp, syncspec_sync_stream *s, PGconn *conn,
                           syncspec_error *error) {
    bool include = s->started ? s->bucket_count > 0
                              : s->request->include_defaults ||
                                    s->schema->sync_format != SYNCSPEC_SYNC_STREAMS;
    const char *values[2] = {s->user_id, include ? "true" : "false"};
    PGresult *res = PQexecParams(conn, s->checkpoint_sql, 2, NULL, values, NULL, NULL, 0);
    int rc = 0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) < 1) {
        rc = PQresultStatus(res) == PGRES_TUPLES_OK
                 ? sync_error(error, SYNCSPEC_ERETRY,
                              "sync stream: syncspec_sequencer has no row (run postgres_sync.sql)")
                 : pg_db_error(error, conn, res, "checkpoint");
        goto cleanup;
    }
    int n = PQntuples(res);
    cp->last_op_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    cp->has_write_checkpoint = !PQgetisnull(res, 0, 1);
    cp->write_checkpoint = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    if (!(cp->buckets = calloc((size_t)n, sizeof *cp->buckets))) {
        rc = NOMEM(error);
        goto cleanup;
    }
    for (int r = 0; r < n && !PQgetisnull(res, r, 2); r++) {
        bucket_state *b = &cp->buckets[cp->bucket_count];
        if (!(b->name = strdup(PQgetvalue(res, r, 2)))) {
            rc = NOMEM(error);
            goto cleanup;
        }
        cp->bucket_count++;
        b->after = s->started ? s->buckets[r].after : requested_after(s->request, b->name);
        b->checksum = strtoll(PQgetvalue(res, r, 3), NULL, 10);
        b->count = strtoll(PQgetvalue(res, r, 4), NULL, 10);
        b->last_op_id = strtoll(PQgetvalue(res, r, 5), NULL, 10);
    }
cleanup:
    PQclear(res);
    return rc;
}

static bool bucket_moved(const syncspec_sync_stream *s, const checkpoint *cp, size_t i) {
    if (!s->started) return true;
    const bucket_state *was = &s->buckets[i], *now = &cp->buckets[i];
    return was->checksum != now->checksum || was->count != now->count ||
           was->last_op_id != now->last_op_id;
}

static int bucket_json(syncspec_buffer *b, const syncspec_sync_stream *s, const bucket_state *x,
                       size_t index) {
    int rc = sync_puts(b, "{\"bucket\":") || sync_json_string(b, x->name, strlen(x->name)) ||
             sync_printf(b, ",\"checksum\":%" PRId64 ",\"priority\":3,\"count\":%" PRId64,
                         x->checksum, x->count);
    if (rc == 0 && s->schema->sync_format == SYNCSPEC_SYNC_STREAMS)
        rc = sync_printf(b, ",\"subscriptions\":[{\"default\":%zu}]", index);
    return rc || sync_puts(b, "}");
}

/* "checkpoint" (the first) or "checkpoint_diff": the buckets that moved. */
static int checkpoint_line(line_out *o, const syncspec_sync_stream *s, const checkpoint *cp,
                           syncspec_error *error) {
    syncspec_buffer *b = &o->line;
    bool failed = sync_printf(b, "{\"%s\":{\"last_op_id\":\"%" PRId64 "\",\"write_checkpoint\":",
                              s->started ? "checkpoint_diff" : "checkpoint", cp->last_op_id);
    failed |= cp->has_write_checkpoint ? sync_printf(b, "\"%" PRId64 "\"", cp->write_checkpoint)
                                       : sync_puts(b, "null");
    failed |= sync_puts(b, s->started ? ",\"updated_buckets\":[" : ",\"buckets\":[");
    bool first = true;
    for (size_t i = 0; i < cp->bucket_count; i++) {
        if (!bucket_moved(s, cp, i)) continue;
        failed |= (!first && sync_puts(b, ",")) || bucket_json(b, s, &cp->buckets[i], i);
        first = false;
    }
    failed |= sync_puts(b, "]");
    if (s->started) {
        failed |= sync_puts(b, ",\"removed_buckets\":[]");
    } else if (s->schema->sync_format == SYNCSPEC_SYNC_STREAMS) {
        /* The streams whose default subscription the buckets' "default" indexes name. */
        failed |= sync_puts(b, ",\"streams\":[");
        for (size_t i = 0; i < cp->bucket_count; i++) {
            const syncspec_table *t = protocol_bucket_table(s->schema, i);
            failed |= sync_printf(b, "%s{\"name\":\"%s\",\"is_default\":true,\"errors\":[]}",
                                  i ? "," : "", t->name);
        }
        failed |= sync_puts(b, "]");
    }
    if (failed || sync_puts(b, "}}")) return NOMEM(error);
    return send_line(o, error);
}

/* The bucket's ops after the client's position, in lines of OPS_PER_LINE ops. */
static int bucket_data(line_out *o, PGconn *conn, const syncspec_sync_stream *s,
                       const bucket_state *x, int64_t last_op_id, syncspec_error *error) {
    syncspec_buffer sql = {0};
    if (ops_sql(&sql, s->schema)) {
        syncspec_buffer_free(&sql);
        return NOMEM(error);
    }
    char after[24], last[24];
    snprintf(after, sizeof after, "%" PRId64, x->after);
    snprintf(last, sizeof last, "%" PRId64, last_op_id);
    const char *values[3] = {x->name, after, last};
    PGresult *res = PQexecParams(conn, sql.data, 3, NULL, values, NULL, NULL, 0);
    syncspec_buffer_free(&sql);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : pg_db_error(error, conn, res, "data");
    PQclear(res);
    for (int n = OPS_PER_LINE; rc == 0 && n == OPS_PER_LINE;) {
        res = PQexec(conn, "FETCH " OPS_PER_LINE_TEXT " FROM \"syncspec_ops\"");
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            rc = pg_db_error(error, conn, res, "data");
            PQclear(res);
            break;
        }
        n = PQntuples(res);
        if (n > 0) {
            syncspec_buffer *b = &o->line;
            bool failed = sync_puts(b, "{\"data\":{\"bucket\":") ||
                          sync_json_string(b, x->name, strlen(x->name)) ||
                          sync_puts(b, ",\"data\":[");
            for (int r = 0; r < n; r++)
                failed |= (r && sync_puts(b, ",")) ||
                          syncspec_buffer_append(b, PQgetvalue(res, r, 0),
                                                 (size_t)PQgetlength(res, r, 0));
            rc = failed || sync_puts(b, "]}}") ? NOMEM(error) : send_line(o, error);
        }
        PQclear(res);
    }
    /* Closed by the transaction's end too; closing it here frees the name for the next. */
    return rc ? rc : protocol_exec(conn, "CLOSE \"syncspec_ops\"", "data", error);
}

/* Writes the checkpoint `cp`, its data and its completion. */
static int write_checkpoint_lines(line_out *o, PGconn *conn, const syncspec_sync_stream *s,
                                  const checkpoint *cp, syncspec_error *error) {
    int rc = checkpoint_line(o, s, cp, error);
    for (size_t i = 0; rc == 0 && i < cp->bucket_count; i++)
        if (cp->buckets[i].last_op_id > cp->buckets[i].after)
            rc = bucket_data(o, conn, s, &cp->buckets[i], cp->last_op_id, error);
    if (rc == 0 &&
        sync_printf(&o->line, "{\"checkpoint_complete\":{\"last_op_id\":\"%" PRId64 "\"}}",
                    cp->last_op_id))
        rc = NOMEM(error);
    return rc ? rc : send_line(o, error);
}

static bool checkpoint_moved(const syncspec_sync_stream *s, const checkpoint *cp) {
    bool moved = !s->started || s->has_write_checkpoint != cp->has_write_checkpoint ||
                 s->write_checkpoint != cp->write_checkpoint;
    for (size_t i = 0; i < cp->bucket_count; i++) moved |= bucket_moved(s, cp, i);
    return moved;
}

int syncspec_sync_stream_next(syncspec_sync_stream *stream, PGconn *conn,
                              syncspec_line_writer write, void *context, syncspec_error *error) {
    checkpoint cp = {0};
    line_out o = {write, context, {0}};
    int rc = 0;
    /* Most wake-ups move nothing of this user's: one statement tells, with no transaction. */
    if (stream->started) {
        if ((rc = read_checkpoint(&cp, stream, conn, error)) != 0 || !checkpoint_moved(stream, &cp))
            goto cleanup;
        buckets_free(cp.buckets, cp.bucket_count);
        cp = (checkpoint){0};
    }
    rc =
        protocol_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "checkpoint", error);
    if (rc) goto cleanup;
    if ((rc = read_checkpoint(&cp, stream, conn, error)) != 0) goto rollback;
    if (!checkpoint_moved(stream, &cp)) goto rollback; /* nothing to send: rc is 0 */
    if ((rc = write_checkpoint_lines(&o, conn, stream, &cp, error)) != 0) goto rollback;
    if ((rc = protocol_exec(conn, "COMMIT", "checkpoint", error)) != 0) goto cleanup;
    /* The client now has every op up to the checkpoint. */
    for (size_t i = 0; i < cp.bucket_count; i++) cp.buckets[i].after = cp.last_op_id;
    buckets_free(stream->buckets, stream->bucket_count);
    stream->buckets = cp.buckets;
    stream->bucket_count = cp.bucket_count;
    cp.buckets = NULL;
    stream->has_write_checkpoint = cp.has_write_checkpoint;
    stream->write_checkpoint = cp.write_checkpoint;
    stream->started = true;
    syncspec_sync_request_free(stream->request);
    stream->request = NULL;
    rc = 1;
    goto cleanup;
rollback:
    protocol_exec(conn, "ROLLBACK", "checkpoint", NULL);
cleanup:
    buckets_free(cp.buckets, cp.bucket_count);
    syncspec_buffer_free(&o.line);
    return rc;
}

int syncspec_sync_keepalive(int64_t expires_in, syncspec_line_writer write, void *context,
                            syncspec_error *error) {
    char line[64];
    int n = snprintf(line, sizeof line, "{\"token_expires_in\":%" PRId64 "}\n", expires_in);
    return write(context, line, (size_t)n) < 0
               ? sync_error(error, SYNCSPEC_ERETRY, "sync stream: the client is gone")
               : 0;
}
