/*
 * `syncspec serve`: one process serving PowerSync clients from one PostgreSQL, thin over
 * libsyncspec's server API. A file per concern:
 *   http.c    libmicrohttpd: requests, limits, CORS, the log line, the route table lookup
 *   auth.c    JWT verification (Rhonabwy) against a JWKS from a file or a URL (libcurl)
 *   pool.c    a small pool of PostgreSQL connections, each with its libsyncspec server
 *   request.c what a request gets before its handler: route, CORS, user, refusal, body
 *   routes.c  the route table and its handlers
 *   sync.c    downloads: the PowerSync protocol's routes and the thread that wakes them
 * Nothing here prints but the request log and startup messages given to the caller.
 */
#ifndef SYNCSPEC_SERVE_SERVE_H
#define SYNCSPEC_SERVE_SERVE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "syncspec/model.h"

typedef struct pg_conn PGconn;
typedef struct syncspec_server syncspec_server;

/* The options of `syncspec serve`, as given; strings are borrowed from argv. */
typedef struct serve_config {
    const char *conninfo;
    const char *listen_host; /* numeric IPv4 or IPv6 address */
    uint16_t listen_port;
    const char *jwks;       /* a file, or an http(s) URL */
    const char *audience;   /* NULL: any (or none) */
    const char *dev_secret; /* NULL: HS256 refused */
    const char *upload_path;
    const char *const *cors_origins; /* "*" allows any */
    size_t cors_origin_count;
    size_t max_body;
    unsigned max_connections;
    unsigned pool_size;
} serve_config;

/* ---- auth.c ---- */

typedef struct serve_auth serve_auth;

/* Loads the JWKS (and the dev secret as an HS256 key). Returns 0, or -1 with `message` set. */
int serve_auth_new(serve_auth **out, const serve_config *config, char *message, size_t size);
void serve_auth_free(serve_auth *auth);

/*
 * Verifies the Authorization header value ("Token <jwt>" or "Bearer <jwt>"). Returns 0 with
 * the token's sub copied to `user` (at most user_size - 1 bytes, else refused), or -1 with
 * `reason` set to what is wrong (safe to send to the client; never the token). Thread-safe.
 */
int serve_auth_verify(serve_auth *auth, const char *header, char *user, size_t user_size,
                      char *reason, size_t reason_size);

/* ---- pool.c ---- */

typedef struct serve_pool serve_pool;

/* A connection lent by the pool, with a libsyncspec server of its own (its prepared
 * statements belong to the connection). */
typedef struct serve_conn {
    PGconn *pg;
    syncspec_server *server;
} serve_conn;

/* A pool of at most `size` connections, opened as needed. `schema` must outlive it. */
int serve_pool_new(serve_pool **out, const char *conninfo, const syncspec_schema *schema,
                   unsigned size, char *message, size_t message_size);
/* Closes every connection; none may be lent. */
void serve_pool_free(serve_pool *pool);
/*
 * Lends an idle connection, waiting up to a few seconds for one; a broken one is reset
 * first. Returns NULL when the database is unavailable (`message` says why).
 */
serve_conn *serve_pool_acquire(serve_pool *pool, char *message, size_t message_size);
void serve_pool_release(serve_pool *pool, serve_conn *conn);
/* Whether the tables of postgres_sync.sql exist in their current shape, on one connection:
 * 0, or -1 with `message` naming what is missing. */
int serve_pool_check_sync_tables(serve_pool *pool, char *message, size_t message_size);

/* ---- http.c and routes.c ---- */

typedef struct serve_sync serve_sync;

typedef struct serve_context {
    const serve_config *config;
    serve_auth *auth;
    serve_pool *pool;
    serve_sync *sync;
    atomic_bool stopping; /* set on SIGTERM/SIGINT: a streaming handler ends its stream */
} serve_context;

/* One request as the handlers see it. Strings belong to the request. */
typedef struct serve_request {
    struct MHD_Connection *connection;
    const char *method, *path;
    const char *origin; /* the Origin header when the configured CORS origins allow it */
    char *body;         /* NUL-terminated, body_length bytes before the NUL */
    size_t body_length;
    bool too_large;
    char user[256]; /* the JWT sub, for routes that need a user; "" before */
    int status;     /* of the response queued, for the log */
    double started; /* seconds, monotonic */
} serve_request;

typedef int (*serve_handler)(serve_context *ctx, serve_request *req);

typedef struct serve_route {
    const char *method, *path;
    bool needs_user; /* the handler runs only with a verified JWT */
    serve_handler handler;
} serve_route;

enum { SERVE_MAX_ROUTES = 16 };

/* Fills `routes` (SERVE_MAX_ROUTES entries) for the configuration; returns their count. */
size_t serve_routes(serve_route *routes, const serve_config *config);

/* Queues a JSON response (`json` is copied). Returns the MHD result of queuing it. */
int serve_reply_json(serve_request *req, unsigned status, const char *json);
/* Queues {"error": message}. */
int serve_reply_error(serve_request *req, unsigned status, const char *message);
/*
 * Queues a streamed response: `reader` is called for more bytes as the client takes them
 * (see MHD_ContentReaderCallback: return the bytes written, MHD_CONTENT_READER_END_OF_STREAM
 * or _WITH_ERROR); `free_cls` frees `cls` when the response is done (or the client went
 * away). Each connection has a thread of its own, so the reader may block until it has a
 * line to send, waking often enough to see ctx->stopping. Sent chunked, each part as soon
 * as the reader returns it, with X-Accel-Buffering: no.
 */
int serve_reply_stream(serve_request *req, unsigned status, const char *content_type,
                       ssize_t (*reader)(void *cls, uint64_t pos, char *buf, size_t max), void *cls,
                       void (*free_cls)(void *cls));

/* ---- request.c ---- */

/* The headers a request is decided by; each NULL when absent. Borrowed. */
typedef struct serve_request_headers {
    const char *origin, *authorization, *content_length;
} serve_request_headers;

/* A request from its first call to its completion. */
typedef struct serve_request_state {
    serve_request req;
    const serve_route *route; /* NULL when refused before the body */
    size_t body_cap;
    /* Decided before the body, answered after it: a client gets no answer to a request
     * whose body it is still sending (the connection closes, and it sees only a network
     * error), so the body of a refused request is read and dropped. */
    unsigned refusal; /* 0, or the status */
    char reason[160];
    char methods[128]; /* of the path, for Allow */
} serve_request_state;

/*
 * Decides a request before its body, from s->req.method and s->req.path and its headers:
 * sets s->req.origin (borrowed from `headers`), s->route, s->methods, and either
 * s->refusal with s->reason (404 no such path, 204 preflight, 405 method, 401 JWT) or,
 * when the declared length is over config->max_body, s->req.too_large.
 */
void serve_request_begin(serve_request_state *s, const serve_route *routes, size_t route_count,
                         const serve_config *config, serve_auth *auth,
                         const serve_request_headers *headers);
/* Takes the next part of the body into s->req.body (owned by s, NUL-terminated); past
 * `max_body` it is read and dropped, and s->req.too_large set. */
void serve_request_take_body(serve_request_state *s, const char *data, size_t n, size_t max_body);
/* Access-Control-Allow-Headers for a preflight that asked for `asked` (NULL: nothing). */
const char *serve_preflight_allow_headers(const char *asked);
/* {"error": message} as compact JSON, malloc'd (the caller frees it), or NULL. */
char *serve_error_json(const char *message);

/* ---- sync.c ---- */

/*
 * Starts the thread that LISTENs for commits, runs the sequencer (at once, then on each
 * commit to a synced table), compacts the op log hourly and wakes the streams. `ctx` and
 * `schema` must outlive it. Returns 0, or -1 with `message` set.
 */
int serve_sync_start(serve_sync **out, serve_context *ctx, const syncspec_schema *schema,
                     char *message, size_t size);
/* Sets ctx->stopping and waits for the thread (NULL-safe). */
void serve_sync_stop(serve_sync *sync);
/* The handlers of POST /sync/stream and GET /write-checkpoint2.json. */
int serve_sync_stream(serve_context *ctx, serve_request *req);
int serve_sync_write_checkpoint(serve_context *ctx, serve_request *req);

/*
 * Serves until SIGTERM or SIGINT, then stops taking connections and lets the requests in
 * flight finish. Returns 0, or -1 with `message` set when it cannot listen.
 */
int serve_http_run(serve_context *ctx, char *message, size_t message_size);

#endif
