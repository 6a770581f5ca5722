/*
 * A PowerSync client as the protocol defines it (what powersync-sqlite-core does with the
 * lines it reads), for the protocol tests: per bucket the ops received (rows by
 * type/id) and the wrapping u32 sum of every op's checksum since the last CLEAR; a
 * checkpoint is validated at its checkpoint_complete (each bucket's sum must equal the
 * checkpoint's; a bucket that fails is dropped, as the client drops it before its resync)
 * and applied only when no local write is pending and its write checkpoint has reached the
 * one the client waits for. Buckets not in a checkpoint are dropped.
 */
#ifndef SYNC_POWERSYNC_CLIENT_H
#define SYNC_POWERSYNC_CLIENT_H

#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ps_client {
    json_t *buckets;  /* name -> {"last": op id validated, "sum": u32, "rows": {"type/id": data}} */
    json_t *target;   /* the checkpoint being received: {"last", "wc", "buckets": {name: sum}} */
    json_t *visible;  /* "type/id" -> data: the rows as the app sees them */
    int64_t wait_for; /* the write checkpoint the client waits for (0: none) */
    bool pending_crud; /* local writes not uploaded yet */
    int applied, deferred, checksum_failures, ops, puts, removes, clears, lines, keepalives;
    char last_line[4096];
} ps_client;

static inline void ps_client_init(ps_client *c) {
    memset(c, 0, sizeof *c);
    c->buckets = json_object();
    c->visible = json_object();
}

static inline void ps_client_free(ps_client *c) {
    json_decref(c->buckets);
    json_decref(c->target);
    json_decref(c->visible);
}

/* The body of POST /sync/stream for what the client has. */
static inline char *ps_client_request(const ps_client *c) {
    json_t *buckets = json_array();
    const char *name;
    json_t *b;
    json_object_foreach(c->buckets, name, b) {
        char after[24];
        snprintf(after, sizeof after, "%" JSON_INTEGER_FORMAT,
                 json_integer_value(json_object_get(b, "last")));
        json_array_append_new(buckets, json_pack("{s:s,s:s}", "name", name, "after", after));
    }
    json_t *req =
        json_pack("{s:o,s:b,s:b,s:s,s:{},s:{s:b,s:[]}}", "buckets", buckets, "include_checksum", 1,
                  "raw_data", 1, "client_id", "3b241101-e2bb-4255-8caf-4136c566a962", "parameters",
                  "streams", "include_defaults", 1, "subscriptions");
    char *text = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    return text;
}

static inline json_t *ps_bucket(ps_client *c, const char *name) {
    json_t *b = json_object_get(c->buckets, name);
    if (!b) {
        b = json_pack("{s:I,s:I,s:{}}", "last", (json_int_t)0, "sum", (json_int_t)0, "rows");
        json_object_set_new(c->buckets, name, b);
    }
    return b;
}

static inline void ps_take_buckets(json_t *into, json_t *list) {
    size_t i;
    json_t *b;
    json_array_foreach(list, i, b) {
        json_object_set(into, json_string_value(json_object_get(b, "bucket")),
                        json_object_get(b, "checksum"));
    }
}

static inline void ps_op(ps_client *c, json_t *bucket, json_t *op) {
    const char *kind = json_string_value(json_object_get(op, "op"));
    uint32_t checksum = (uint32_t)json_integer_value(json_object_get(op, "checksum"));
    uint32_t sum = (uint32_t)json_integer_value(json_object_get(bucket, "sum"));
    json_t *rows = json_object_get(bucket, "rows");
    char key[512];
    snprintf(key, sizeof key, "%s/%s", json_string_value(json_object_get(op, "object_type")),
             json_string_value(json_object_get(op, "object_id")));
    c->ops++;
    if (strcmp(kind, "PUT") == 0) {
        json_object_set(rows, key, json_object_get(op, "data"));
        c->puts++;
    } else if (strcmp(kind, "REMOVE") == 0) {
        json_object_del(rows, key);
        c->removes++;
    } else if (strcmp(kind, "CLEAR") == 0) {
        json_object_clear(rows);
        sum = 0;
        c->clears++;
    }
    json_object_set_new(bucket, "sum", json_integer((json_int_t)(uint32_t)(sum + checksum)));
}

static inline void ps_complete(ps_client *c, json_int_t last) {
    json_t *want = json_object_get(c->target, "buckets");
    const char *name;
    json_t *b, *sum;
    void *tmp;
    bool ok = true;
    json_object_foreach(want, name, sum) {
        json_t *have = ps_bucket(c, name);
        if ((uint32_t)json_integer_value(json_object_get(have, "sum")) !=
            (uint32_t)json_integer_value(sum)) {
            fprintf(
                stderr,
                "checksum of %s: have %" JSON_INTEGER_FORMAT ", want %" JSON_INTEGER_FORMAT "\n",
                name, json_integer_value(json_object_get(have, "sum")), json_integer_value(sum));
            json_object_del(c->buckets, name); /* a full resend on reconnect */
            ok = false;
        }
    }
    if (!ok) {
        c->checksum_failures++;
        return;
    }
    json_object_foreach_safe(c->buckets, tmp, name, b) {
        if (!json_object_get(want, name))
            json_object_del(c->buckets, name);
        else
            json_object_set_new(b, "last", json_integer(last));
    }
    json_int_t wc = json_integer_value(json_object_get(c->target, "wc"));
    if (c->pending_crud || wc < c->wait_for) {
        c->deferred++;
        return;
    }
    json_object_clear(c->visible);
    json_object_foreach(c->buckets, name, b)
        json_object_update(c->visible, json_object_get(b, "rows"));
    c->applied++;
}

/* A syncspec_line_writer. */
static inline int ps_client_line(void *context, const char *line, size_t len) {
    ps_client *c = context;
    c->lines++;
    snprintf(c->last_line, sizeof c->last_line, "%.*s", (int)len, line);
    if (len == 0 || line[len - 1] != '\n') return -1;
    json_t *root = json_loadb(line, len, 0, NULL), *x;
    if (!root) return -1;
    if ((x = json_object_get(root, "checkpoint")) != NULL) {
        json_decref(c->target);
        c->target = json_object();
        json_t *wc = json_object_get(x, "write_checkpoint");
        json_object_set_new(
            c->target, "wc",
            json_integer(wc ? strtoll(json_string_value(wc) ? json_string_value(wc) : "0", NULL, 10)
                            : 0));
        json_object_set_new(c->target, "buckets", json_object());
        ps_take_buckets(json_object_get(c->target, "buckets"), json_object_get(x, "buckets"));
    } else if ((x = json_object_get(root, "checkpoint_diff")) != NULL) {
        json_t *wc = json_object_get(x, "write_checkpoint");
        json_object_set_new(
            c->target, "wc",
            json_integer(json_string_value(wc) ? strtoll(json_string_value(wc), NULL, 10) : 0));
        ps_take_buckets(json_object_get(c->target, "buckets"),
                        json_object_get(x, "updated_buckets"));
        size_t i;
        json_t *r;
        json_array_foreach(json_object_get(x, "removed_buckets"), i, r)
            json_object_del(json_object_get(c->target, "buckets"), json_string_value(r));
    } else if ((x = json_object_get(root, "data")) != NULL) {
        json_t *bucket = ps_bucket(c, json_string_value(json_object_get(x, "bucket")));
        size_t i;
        json_t *op;
        json_array_foreach(json_object_get(x, "data"), i, op) ps_op(c, bucket, op);
    } else if ((x = json_object_get(root, "checkpoint_complete")) != NULL) {
        ps_complete(c, strtoll(json_string_value(json_object_get(x, "last_op_id")), NULL, 10));
    } else if (json_object_get(root, "token_expires_in")) {
        c->keepalives++;
    }
    json_decref(root);
    return 0;
}

/* The visible row "type/id" as a JSON object (NULL when absent); the caller decrefs. */
static inline json_t *ps_client_row(const ps_client *c, const char *type, const char *id) {
    char key[512];
    snprintf(key, sizeof key, "%s/%s", type, id);
    const char *data = json_string_value(json_object_get(c->visible, key));
    return data ? json_loads(data, 0, NULL) : NULL;
}

#endif
