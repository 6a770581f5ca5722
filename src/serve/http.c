/*
 * The HTTP layer of `syncspec serve` (libmicrohttpd, a thread per connection): finds the
 * route, answers CORS preflights, verifies the JWT before reading a body, enforces the body
 * limit, hands whole requests to the route's handler and logs one line per request. It
 * knows nothing of uploads.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "serve/serve.h"

enum {
    STACK_SIZE = 2 << 20,      /* per connection thread: jansson recurses into deep JSON */
    IDLE_TIMEOUT_SECONDS = 90, /* an idle keep-alive connection is closed after this */
    DRAIN_SECONDS = 20,        /* on shutdown, requests in flight get this long to finish */
};

typedef struct serve_http {
    serve_context *ctx;
    serve_route routes[SERVE_MAX_ROUTES];
    size_t route_count;
    atomic_int active; /* requests begun and not completed */
} serve_http;

static double monotonic(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- responses ---- */

/* Headers every response carries: CORS for an allowed origin, never cached. */
static void add_common_headers(const serve_request *req, struct MHD_Response *response) {
    MHD_add_response_header(response, "Cache-Control", "no-store");
    if (req->origin) {
        MHD_add_response_header(response, "Access-Control-Allow-Origin", req->origin);
        MHD_add_response_header(response, "Vary", "Origin");
    }
}

static int queue(serve_request *req, unsigned status, struct MHD_Response *response) {
    if (!response) return MHD_NO;
    add_common_headers(req, response);
    req->status = (int)status;
    enum MHD_Result rc = MHD_queue_response(req->connection, status, response);
    MHD_destroy_response(response);
    return rc;
}

int serve_reply_json(serve_request *req, unsigned status, const char *json) {
    struct MHD_Response *response =
        MHD_create_response_from_buffer(strlen(json), (void *)json, MHD_RESPMEM_MUST_COPY);
    if (response) MHD_add_response_header(response, "Content-Type", "application/json");
    return queue(req, status, response);
}

int serve_reply_error(serve_request *req, unsigned status, const char *message) {
    char *text = serve_error_json(message);
    int rc = text ? serve_reply_json(req, status, text) : MHD_NO;
    free(text);
    return rc;
}

int serve_reply_stream(serve_request *req, unsigned status, const char *content_type,
                       ssize_t (*reader)(void *cls, uint64_t pos, char *buf, size_t max), void *cls,
                       void (*free_cls)(void *cls)) {
    struct MHD_Response *response =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, reader, cls, free_cls);
    if (!response) {
        if (free_cls) free_cls(cls);
        return MHD_NO;
    }
    MHD_add_response_header(response, "Content-Type", content_type);
    /* Proxies must pass each line on as it comes. */
    MHD_add_response_header(response, "X-Accel-Buffering", "no");
    return queue(req, status, response);
}

/* ---- requests ---- */

static const char *header(const serve_request *req, const char *name) {
    return MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, name);
}

/* A preflight: what the browser may send to this path from the allowed origin. */
static int preflight(serve_request *req, const char *methods) {
    struct MHD_Response *response =
        MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (!response) return MHD_NO;
    MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, methods);
    if (req->origin) {
        const char *asked = header(req, "Access-Control-Request-Headers");
        MHD_add_response_header(response, "Access-Control-Allow-Methods", methods);
        MHD_add_response_header(response, "Access-Control-Allow-Headers",
                                serve_preflight_allow_headers(asked));
        MHD_add_response_header(response, "Access-Control-Max-Age", "600");
    }
    return queue(req, MHD_HTTP_NO_CONTENT, response);
}

/* The first call for a request, before its body: the route, the user, the declared size. */
static void begin(serve_http *http, serve_request_state *s) {
    const serve_request_headers headers = {
        .origin = header(&s->req, "Origin"),
        .authorization = header(&s->req, "Authorization"),
        .content_length = header(&s->req, "Content-Length"),
    };
    serve_request_begin(s, http->routes, http->route_count, http->ctx->config, http->ctx->auth,
                        &headers);
}

/* Answers a request refused before its body. */
static int refuse(serve_request_state *s) {
    serve_request *req = &s->req;
    if (s->refusal == MHD_HTTP_NO_CONTENT) return preflight(req, s->methods);
    if (s->refusal != MHD_HTTP_METHOD_NOT_ALLOWED)
        return serve_reply_error(req, s->refusal, s->reason);
    char *text = serve_error_json(s->reason);
    struct MHD_Response *response =
        text ? MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_COPY) : NULL;
    if (response) {
        MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, s->methods);
        MHD_add_response_header(response, "Content-Type", "application/json");
    }
    free(text);
    return queue(req, MHD_HTTP_METHOD_NOT_ALLOWED, response);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
    (void)version;
    serve_http *http = cls;
    serve_request_state *s = *con_cls;
    if (!s) {
        if (!(s = calloc(1, sizeof *s))) return MHD_NO;
        *con_cls = s;
        atomic_fetch_add(&http->active, 1);
        s->req.connection = connection;
        s->req.started = monotonic();
        s->req.method = strdup(method);
        s->req.path = strdup(url);
        if (!s->req.method || !s->req.path) return MHD_NO;
        begin(http, s);
        return MHD_YES;
    }
    if (*upload_data_size) {
        serve_request_take_body(s, upload_data, *upload_data_size, http->ctx->config->max_body);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (s->refusal) return (enum MHD_Result)refuse(s);
    if (s->req.too_large)
        return (enum MHD_Result)serve_reply_error(&s->req, MHD_HTTP_CONTENT_TOO_LARGE,
                                                  "the body is too large");
    if (!s->req.body && !(s->req.body = calloc(1, 1))) return MHD_NO;
    return (enum MHD_Result)s->route->handler(http->ctx, &s->req);
}

/* Text for the log: control characters and spaces would break its one line a request. */
static void log_text(char *out, size_t size, const char *text) {
    snprintf(out, size, "%s", text && *text ? text : "-");
    for (char *p = out; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f) *p = '?';
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                         enum MHD_RequestTerminationCode code) {
    (void)connection;
    serve_http *http = cls;
    serve_request_state *s = *con_cls;
    if (!s) return;
    char path[256], user[128], stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    log_text(path, sizeof path, s->req.path);
    log_text(user, sizeof user, s->req.user);
    /* 0: the client went away (or the server stopped) before an answer was queued. */
    fprintf(stderr, "%s %s %s %d %.1fms user=%s%s\n", stamp, s->req.method ? s->req.method : "-",
            path, s->req.status, (monotonic() - s->req.started) * 1000.0, user,
            code == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (not completed)");
    free((char *)s->req.method);
    free((char *)s->req.path);
    free(s->req.body);
    free(s);
    *con_cls = NULL;
    atomic_fetch_sub(&http->active, 1);
}

static void on_error(void *cls, const char *fmt, va_list ap) {
    (void)cls;
    fputs("syncspec serve: ", stderr);
    vfprintf(stderr, fmt, ap);
}

/* HOST as a numeric IPv4 or IPv6 address. Returns 0, or -1. */
static int parse_address(struct sockaddr_storage *out, socklen_t *length, const char *host,
                         uint16_t port) {
    memset(out, 0, sizeof *out);
    struct sockaddr_in *v4 = (struct sockaddr_in *)out;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        *length = sizeof *v4;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        *length = sizeof *v6;
        return 0;
    }
    return -1;
}

int serve_http_run(serve_context *ctx, char *message, size_t message_size) {
    const serve_config *config = ctx->config;
    serve_http http = {.ctx = ctx};
    http.route_count = serve_routes(http.routes, config);
    struct sockaddr_storage address;
    socklen_t address_length;
    if (parse_address(&address, &address_length, config->listen_host, config->listen_port)) {
        snprintf(message, message_size, "--listen: %s is not a numeric IPv4 or IPv6 address",
                 config->listen_host);
        return -1;
    }
    /* The signals that stop the server go to sigwait below, in no request thread. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | (address.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    struct MHD_Daemon *daemon = MHD_start_daemon(
        flags, config->listen_port, NULL, NULL, on_request, &http, MHD_OPTION_EXTERNAL_LOGGER,
        on_error, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&address,
        MHD_OPTION_CONNECTION_LIMIT, config->max_connections, MHD_OPTION_THREAD_STACK_SIZE,
        (size_t)STACK_SIZE, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_SECONDS,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, &http, MHD_OPTION_END);
    if (!daemon) {
        snprintf(message, message_size,
                 "cannot listen on %s:%u (in use, or not an address of "
                 "this machine)",
                 config->listen_host, (unsigned)config->listen_port);
        pthread_sigmask(SIG_UNBLOCK, &stop, NULL);
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    fprintf(stderr, "syncspec serve: listening on %s%s%s:%u, uploads at %s\n",
            address.ss_family == AF_INET6 ? "[" : "", config->listen_host,
            address.ss_family == AF_INET6 ? "]" : "",
            info ? (unsigned)info->port : (unsigned)config->listen_port, config->upload_path);
    int signal_number = 0;
    sigwait(&stop, &signal_number);
    fprintf(stderr, "syncspec serve: %s: finishing the requests in flight\n",
            signal_number == SIGINT ? "SIGINT" : "SIGTERM");
    atomic_store(&ctx->stopping, true);
    /* No new connections; requests in flight answer (an upload commits or rolls back
     * whole either way), then the rest are closed. */
    MHD_quiesce_daemon(daemon);
    for (int i = 0; i < DRAIN_SECONDS * 20 && atomic_load(&http.active) > 0; i++) usleep(50000);
    MHD_stop_daemon(daemon);
    fprintf(stderr, "syncspec serve: stopped\n");
    return 0;
}
