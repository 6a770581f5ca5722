/*
 * What a request of `syncspec serve` gets before its handler, decided from its method, path
 * and headers alone: the route, the CORS origin, the preflight, the user (JWT), the refusal
 * and its JSON reason, and the body within its limit. No socket and no database, so http.c
 * stays a thin libmicrohttpd layer and this part can be fuzzed on its own.
 */
#include <jansson.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/serve.h"

static const char *allowed_origin(const serve_config *config, const char *origin) {
    for (size_t i = 0; origin && i < config->cors_origin_count; i++)
        if (strcmp(config->cors_origins[i], "*") == 0 ||
            strcmp(config->cors_origins[i], origin) == 0)
            return origin;
    return NULL;
}

/* The methods a path takes, "GET, OPTIONS" style; "" when the path is unknown. */
static void methods_of(const serve_route *routes, size_t route_count, const char *path, char *out,
                       size_t size) {
    out[0] = '\0';
    for (size_t i = 0; i < route_count; i++)
        if (strcmp(routes[i].path, path) == 0 && !strstr(out, routes[i].method)) {
            size_t used = strlen(out);
            snprintf(out + used, size - used, "%s, ", routes[i].method);
        }
    if (out[0]) strncat(out, "OPTIONS", size - strlen(out) - 1);
}

void serve_request_begin(serve_request_state *s, const serve_route *routes, size_t route_count,
                         const serve_config *config, serve_auth *auth,
                         const serve_request_headers *headers) {
    serve_request *req = &s->req;
    req->origin = allowed_origin(config, headers->origin);
    methods_of(routes, route_count, req->path, s->methods, sizeof s->methods);
    for (size_t i = 0; i < route_count && !s->route; i++)
        if (strcmp(routes[i].path, req->path) == 0 && strcmp(routes[i].method, req->method) == 0)
            s->route = &routes[i];
    if (!s->methods[0]) {
        s->refusal = MHD_HTTP_NOT_FOUND;
        snprintf(s->reason, sizeof s->reason, "no such path");
    } else if (strcmp(req->method, "OPTIONS") == 0) {
        s->refusal = MHD_HTTP_NO_CONTENT; /* a preflight */
    } else if (!s->route) {
        s->refusal = MHD_HTTP_METHOD_NOT_ALLOWED;
        snprintf(s->reason, sizeof s->reason, "method not allowed: use %s", s->methods);
    } else if (s->route->needs_user &&
               serve_auth_verify(auth, headers->authorization, req->user, sizeof req->user,
                                 s->reason, sizeof s->reason) != 0) {
        s->refusal = MHD_HTTP_UNAUTHORIZED;
    } else if (headers->content_length &&
               strtoull(headers->content_length, NULL, 10) > config->max_body) {
        req->too_large = true;
    }
}

void serve_request_take_body(serve_request_state *s, const char *data, size_t n, size_t max_body) {
    serve_request *req = &s->req;
    if (s->refusal) return;
    if (req->too_large || req->body_length + n > max_body) {
        req->too_large = true;
        return;
    }
    if (req->body_length + n + 1 > s->body_cap) {
        size_t cap = s->body_cap ? s->body_cap : 4096;
        while (cap < req->body_length + n + 1) cap *= 2;
        char *body = realloc(req->body, cap);
        if (!body) {
            req->too_large = true; /* answered 413: the client may send less at a time */
            return;
        }
        req->body = body;
        s->body_cap = cap;
    }
    memcpy(req->body + req->body_length, data, n);
    req->body_length += n;
    req->body[req->body_length] = '\0';
}

const char *serve_preflight_allow_headers(const char *asked) {
    /* Echoed only when it is a plain header list. */
    bool plain = asked && strspn(asked, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789-_, ") == strlen(asked);
    return plain ? asked : "Authorization, Content-Type";
}

char *serve_error_json(const char *message) {
    json_t *body = json_pack("{s:s}", "error", message);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    return text;
}
