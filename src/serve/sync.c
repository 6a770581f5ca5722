/*
 * Downloads for `syncspec serve`: the PowerSync protocol of libsyncspec (protocol.h) over
 * HTTP. A listener thread LISTENs on a connection of its own, runs the sequencer when a
 * synced table was written and wakes the streams. Each stream has a producer thread that
 * writes its lines into a pipe the HTTP response reads: a full pipe blocks the producer, so
 * a slow client holds at most a pipe's worth of lines in memory, however large its sync.
 */
#include <errno.h>
#include <libpq-fe.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "serve/serve.h"
#include "syncspec/protocol.h"

enum {
    KEEPALIVE_SECONDS = 20,     /* as the PowerSync Service: a line this often */
    COMPACT_SECONDS = 3600,     /* the op log is compacted this often */
    NO_EXPIRY = 3600,           /* what a token without "exp" reports as its time left */
    RECONNECT_SECONDS = 1,      /* the listener's wait after its connection failed */
    PRODUCER_STACK = 512 << 10, /* a stream's thread only calls libpq (connects, too) */
};

struct serve_sync {
    serve_context *ctx;
    const syncspec_schema *schema;
    syncspec_server *server; /* makes the streams, which read only its schema */
    pthread_t listener;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t moved;     /* broadcast when `generation` rises or the server stops */
    unsigned long generation; /* raised after each sequencer run that may have moved data */
    unsigned producers;       /* streams' threads running: stopping waits for them */
};

/* Blocks every signal in the threads created here: SIGTERM and SIGINT go to the thread
 * that waits for them (http.c). `stack` 0 takes the default size. */
static int start_thread(pthread_t *thread, void *(*run)(void *), void *arg, size_t stack) {
    sigset_t all, old;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    if (stack) pthread_attr_setstacksize(&attr, stack);
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(thread, &attr, run, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    return rc;
}

static void wake_streams(serve_sync *sync) {
    pthread_mutex_lock(&sync->lock);
    sync->generation++;
    pthread_cond_broadcast(&sync->moved);
    pthread_mutex_unlock(&sync->lock);
}

/* ---- the listener ---- */

static void say(const char *what, const syncspec_error *error) {
    fprintf(stderr, "syncspec serve: %s: %s\n", what, error->message);
}

/* A connection that LISTENs, or NULL (said on stderr). */
static PGconn *listen_connect(serve_sync *sync) {
    PGconn *conn = PQconnectdb(sync->ctx->config->conninfo);
    syncspec_error error = {0};
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "syncspec serve: listener: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    if (syncspec_sync_listen(conn, &error) != 0) {
        say("listener", &error);
        PQfinish(conn);
        return NULL;
    }
    return conn;
}

static void *listener_main(void *arg) {
    serve_sync *sync = arg;
    syncspec_server *server = NULL;
    syncspec_error error = {0};
    PGconn *conn = NULL;
    time_t compacted = time(NULL);
    if (syncspec_server_new(&server, sync->schema, &error) != 0) {
        say("listener", &error);
        return NULL;
    }
    while (!sync->ctx->stopping) {
        if (!conn && !(conn = listen_connect(sync))) {
            sleep(RECONNECT_SECONDS);
            continue;
        }
        /* Whatever committed while nobody listened is sequenced by this first run. */
        if (syncspec_sync_sequence(server, conn, NULL, &error) != 0) say("sequencer", &error);
        if (time(NULL) - compacted >= COMPACT_SECONDS) {
            int64_t removed = 0;
            if (syncspec_sync_compact(server, conn, &removed, &error) != 0) say("compact", &error);
            compacted = time(NULL);
        }
        wake_streams(sync);
        /* Until a commit, the next compaction, or the server stops. */
        int got = 0;
        while (!sync->ctx->stopping && time(NULL) - compacted < COMPACT_SECONDS &&
               (got = syncspec_sync_wait(conn, 1000, &error)) == 0) {
        }
        if (got < 0) {
            say("listener", &error);
            PQfinish(conn);
            conn = NULL;
        }
    }
    PQfinish(conn);
    syncspec_server_free(server);
    wake_streams(sync); /* streams see `stopping` and end */
    return NULL;
}

int serve_sync_start(serve_sync **out, serve_context *ctx, const syncspec_schema *schema,
                     char *message, size_t size) {
    serve_sync *sync = calloc(1, sizeof *sync);
    *out = NULL;
    if (!sync) {
        snprintf(message, size, "out of memory");
        return -1;
    }
    sync->ctx = ctx;
    sync->schema = schema;
    pthread_mutex_init(&sync->lock, NULL);
    pthread_cond_init(&sync->moved, NULL);
    syncspec_error error = {0};
    if (syncspec_server_new(&sync->server, schema, &error) != 0) {
        snprintf(message, size, "%s", error.message);
        serve_sync_stop(sync);
        return -1;
    }
    if (start_thread(&sync->listener, listener_main, sync, 0) != 0) {
        snprintf(message, size, "cannot start the listener thread");
        serve_sync_stop(sync);
        return -1;
    }
    sync->started = true;
    *out = sync;
    return 0;
}

void serve_sync_stop(serve_sync *sync) {
    if (!sync) return;
    if (sync->started) {
        sync->ctx->stopping = 1;
        pthread_join(sync->listener, NULL);
    }
    /* The streams' threads see `stopping` within a second (their responses are gone once
     * the HTTP server stopped), and they borrow the pool's connections: wait for them. */
    pthread_mutex_lock(&sync->lock);
    while (sync->producers > 0) pthread_cond_wait(&sync->moved, &sync->lock);
    pthread_mutex_unlock(&sync->lock);
    syncspec_server_free(sync->server);
    pthread_cond_destroy(&sync->moved);
    pthread_mutex_destroy(&sync->lock);
    free(sync);
}

/* ---- a stream ---- */

static int sync_error_text(syncspec_error *error, const char *text) {
    snprintf(error->message, sizeof error->message, "%s", text);
    return error->code = SYNCSPEC_ERETRY;
}

/* Shared by the HTTP response (reading the pipe) and the producer (writing it); the last of
 * the two to finish frees it. */
typedef struct session {
    serve_sync *sync;
    syncspec_sync_stream *stream;
    int pipe[2];
    time_t expires;  /* the token's exp; 0: none */
    int socket;      /* the client's, watched for its leaving; -1: not watched */
    int refs;        /* under sync->lock */
    atomic_int gone; /* the response is finished: the client left */
} session;

static void session_release(session *s) {
    pthread_mutex_lock(&s->sync->lock);
    bool last = --s->refs == 0;
    pthread_mutex_unlock(&s->sync->lock);
    if (!last) return;
    syncspec_sync_stream_free(s->stream);
    free(s);
}

/* A syncspec_line_writer into the pipe; blocks while the client is slow. */
static int pipe_line(void *context, const char *line, size_t len) {
    session *s = context;
    while (len > 0) {
        ssize_t n = write(s->pipe[1], line, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1; /* EPIPE: the response is gone */
        line += n;
        len -= (size_t)n;
    }
    return 0;
}

/* One `next` on a lent connection. Returns 0, or -1 when the stream must end. */
static int stream_next(session *s) {
    char message[256];
    serve_conn *c = serve_pool_acquire(s->sync->ctx->pool, message, sizeof message);
    if (!c) {
        fprintf(stderr, "syncspec serve: sync stream: %s\n", message);
        return -1;
    }
    syncspec_error error = {0};
    int rc = syncspec_sync_stream_next(s->stream, c->pg, pipe_line, s, &error);
    serve_pool_release(s->sync->ctx->pool, c);
    if (rc < 0 && !s->gone) fprintf(stderr, "syncspec serve: sync stream: %s\n", error.message);
    return rc < 0 ? -1 : 0;
}

static void *producer_main(void *arg) {
    session *s = arg;
    serve_sync *sync = s->sync;
    unsigned long seen = 0;
    time_t keepalive = 0;
    bool first = true;
    syncspec_error error;
    while (!sync->ctx->stopping && !s->gone) {
        time_t now = time(NULL);
        int64_t left = s->expires ? (int64_t)(s->expires - now) : NO_EXPIRY;
        if (left <= 0) { /* the client fetches a new token and reconnects */
            syncspec_sync_keepalive(0, pipe_line, s, &error);
            break;
        }
        pthread_mutex_lock(&sync->lock);
        bool moved = first || sync->generation != seen;
        seen = sync->generation;
        pthread_mutex_unlock(&sync->lock);
        if (moved && stream_next(s) != 0) break;
        if (now - keepalive >= KEEPALIVE_SECONDS) {
            if (syncspec_sync_keepalive(left, pipe_line, s, &error) != 0) break;
            keepalive = now;
        }
        first = false;
        /* Until the data moves, a keepalive is due, or a second passed (to see `stopping`,
         * a client gone, the token's end). */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_mutex_lock(&sync->lock);
        while (sync->generation == seen && !sync->ctx->stopping && !s->gone)
            if (pthread_cond_timedwait(&sync->moved, &sync->lock, &until) != 0) break;
        pthread_mutex_unlock(&sync->lock);
    }
    close(s->pipe[1]); /* the response reads its end, then ends */
    session_release(s);
    pthread_mutex_lock(&sync->lock);
    sync->producers--;
    pthread_cond_broadcast(&sync->moved);
    pthread_mutex_unlock(&sync->lock);
    return NULL;
}

/* Whether the client closed its connection (it sends nothing while it reads a stream): a
 * client that sends more is not watched again, and the next keepalive tells. */
static bool client_left(session *s) {
    char c;
    ssize_t n = recv(s->socket, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0) s->socket = -1;
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* The next lines, as the producer writes them; the stream ends when it closes its end, or
 * at once when the client leaves, so its thread and connection are freed without waiting
 * for a line that fails. */
static ssize_t read_pipe(void *cls, uint64_t pos, char *buf, size_t max) {
    (void)pos;
    session *s = cls;
    for (;;) {
        struct pollfd p[2] = {{.fd = s->pipe[0], .events = POLLIN},
                              {.fd = s->socket, .events = POLLIN}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if (p[1].revents && client_left(s)) return MHD_CONTENT_READER_END_WITH_ERROR;
        if (!p[0].revents) continue;
        ssize_t n = read(s->pipe[0], buf, max);
        if (n > 0) return n;
        if (n == 0) return MHD_CONTENT_READER_END_OF_STREAM;
        if (errno != EINTR) return MHD_CONTENT_READER_END_WITH_ERROR;
    }
}

static void response_done(void *cls) {
    session *s = cls;
    s->gone = 1;
    close(s->pipe[0]); /* the producer's next write fails */
    pthread_mutex_lock(&s->sync->lock);
    pthread_cond_broadcast(&s->sync->moved);
    pthread_mutex_unlock(&s->sync->lock);
    session_release(s);
}

/* The token's "exp" (already verified by the HTTP layer), 0 when it has none. */
static time_t token_expiry(const char *authorization) {
    const char *dot = authorization ? strchr(authorization, '.') : NULL;
    const char *end = dot ? strchr(dot + 1, '.') : NULL;
    if (!end || end - dot > 8192) return 0;
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char payload[6200];
    size_t n = 0;
    unsigned bits = 0, value = 0;
    for (const char *p = dot + 1; p < end; p++) {
        const char *at = strchr(alphabet, *p);
        if (!at || !*p) return 0;
        value = (value << 6) | (unsigned)(at - alphabet);
        if ((bits += 6) >= 8) {
            bits -= 8;
            payload[n++] = (char)((value >> bits) & 0xff);
        }
    }
    json_t *claims = json_loadb(payload, n, 0, NULL);
    json_t *exp = json_object_get(claims, "exp");
    time_t out = json_is_integer(exp) ? (time_t)json_integer_value(exp)
                 : json_is_real(exp)  ? (time_t)json_real_value(exp)
                                      : 0;
    json_decref(claims);
    return out;
}

/*
 * POST /sync/stream: 200 and NDJSON lines until the token expires, the client leaves or the
 * server stops; 400 for a body that is not a sync request.
 */
int serve_sync_stream(serve_context *ctx, serve_request *req) {
    serve_sync *sync = ctx->sync;
    syncspec_sync_request *request = NULL;
    syncspec_error error = {0};
    if (memchr(req->body, '\0', req->body_length))
        return serve_reply_error(req, MHD_HTTP_BAD_REQUEST, "sync request: a NUL byte in the body");
    int rc = syncspec_sync_request_parse(&request, req->body, req->body_length, &error);
    if (rc != 0)
        return serve_reply_error(
            req, rc == SYNCSPEC_EINVALID ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_INTERNAL_SERVER_ERROR,
            error.message);
    session *s = calloc(1, sizeof *s);
    if (s) {
        s->sync = sync;
        s->pipe[0] = s->pipe[1] = -1;
        s->refs = 2; /* the response's and the producer's */
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(req->connection, MHD_CONNECTION_INFO_CONNECTION_FD);
        s->socket = info ? info->connect_fd : -1;
        s->expires = token_expiry(
            MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, "Authorization"));
    }
    rc = !s ? SYNCSPEC_ENOMEM
            : syncspec_sync_stream_new(&s->stream, sync->server, req->user, request, &error);
    syncspec_sync_request_free(request);
    if (rc == 0 && pipe(s->pipe) != 0) rc = sync_error_text(&error, "cannot make a pipe");
    if (rc != 0) {
        if (s) syncspec_sync_stream_free(s->stream);
        free(s);
        return serve_reply_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                 error.message[0] ? error.message : "out of memory");
    }
    int queued =
        serve_reply_stream(req, MHD_HTTP_OK, "application/x-ndjson", read_pipe, s, response_done);
    pthread_t producer;
    pthread_mutex_lock(&sync->lock);
    sync->producers++;
    pthread_mutex_unlock(&sync->lock);
    if (queued != MHD_YES || start_thread(&producer, producer_main, s, PRODUCER_STACK) != 0) {
        close(s->pipe[1]); /* the response, if any, ends at once */
        session_release(s);
        pthread_mutex_lock(&sync->lock);
        sync->producers--;
        pthread_mutex_unlock(&sync->lock);
        return queued;
    }
    pthread_detach(producer);
    return queued;
}

/*
 * GET /write-checkpoint2.json?client_id=: sequences what is committed (the client's upload)
 * and answers the user's new write checkpoint; 503 when the database is unavailable.
 */
int serve_sync_write_checkpoint(serve_context *ctx, serve_request *req) {
    char message[256];
    serve_conn *c = serve_pool_acquire(ctx->pool, message, sizeof message);
    if (!c) return serve_reply_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, message);
    const char *client_id =
        MHD_lookup_connection_value(req->connection, MHD_GET_ARGUMENT_KIND, "client_id");
    int64_t checkpoint = 0;
    syncspec_error error = {0};
    int rc =
        syncspec_sync_write_checkpoint(c->server, c->pg, req->user, client_id, &checkpoint, &error);
    serve_pool_release(ctx->pool, c);
    if (rc != 0) return serve_reply_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, error.message);
    wake_streams(ctx->sync); /* the user's streams send the new write checkpoint */
    char body[96];
    snprintf(body, sizeof body, "{\"data\":{\"write_checkpoint\":\"%lld\"}}",
             (long long)checkpoint);
    return serve_reply_json(req, MHD_HTTP_OK, body);
}
