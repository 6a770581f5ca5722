/*
 * The routes of `syncspec serve`: a table of plain handlers over a whole request. The HTTP
 * layer has found the route, verified the user where the route needs one and read the body.
 */
#include <jansson.h>
#include <libpq-fe.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "serve/serve.h"
#include "syncspec/server.h"

/* GET /healthz: 200 while the database answers, 503 when it does not. */
static int healthz(serve_context *ctx, serve_request *req) {
    char message[256];
    serve_conn *c = serve_pool_acquire(ctx->pool, message, sizeof message);
    if (!c) return serve_reply_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, message);
    PGresult *r = PQexec(c->pg, "SELECT 1");
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    serve_pool_release(ctx->pool, c);
    return ok ? serve_reply_json(req, MHD_HTTP_OK, "{\"status\":\"ok\"}")
              : serve_reply_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, "database unavailable");
}

/* Whether some transaction of an upload response is to be sent again later. */
static bool wants_retry(const char *response) {
    json_t *root = json_loads(response, 0, NULL);
    size_t i;
    const json_t *item;
    bool retry = false;
    json_array_foreach(json_object_get(root, "transactions"), i, item) {
        const char *status = json_string_value(json_object_get(item, "status"));
        retry |= status && strcmp(status, "retry") == 0;
    }
    json_decref(root);
    return retry;
}

/*
 * PUT or POST of an upload body, applied by libsyncspec for the token's user. 200 with the
 * library's answer; 503 with it when a transaction must be sent again (a connector that
 * completes on any 2xx, as PowerSync's examples do, keeps it queued); 400 for a body that is
 * not an upload (nothing applied).
 */
static int upload(serve_context *ctx, serve_request *req) {
    if (memchr(req->body, '\0', req->body_length))
        return serve_reply_error(req, MHD_HTTP_BAD_REQUEST, "upload: the body holds a NUL byte");
    char message[256];
    serve_conn *c = serve_pool_acquire(ctx->pool, message, sizeof message);
    if (!c) return serve_reply_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, message);
    char *response = NULL;
    syncspec_error error;
    int rc = syncspec_server_upload(c->server, &response, c->pg, req->user, req->body, &error);
    serve_pool_release(ctx->pool, c);
    int queued;
    if (rc == 0)
        queued = serve_reply_json(
            req, wants_retry(response) ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_OK, response);
    else if (rc == SYNCSPEC_EINVALID && response)
        queued = serve_reply_json(req, MHD_HTTP_BAD_REQUEST, response);
    else
        queued = serve_reply_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, error.message);
    free(response);
    return queued;
}

size_t serve_routes(serve_route *routes, const serve_config *config) {
    const serve_route table[] = {
        {"GET", "/healthz", false, healthz},
        {"PUT", config->upload_path, true, upload},
        {"POST", config->upload_path, true, upload},
        {"POST", "/sync/stream", true, serve_sync_stream},
        {"GET", "/write-checkpoint2.json", true, serve_sync_write_checkpoint},
    };
    size_t n = sizeof table / sizeof *table;
    memcpy(routes, table, sizeof table);
    return n;
}
