/* The client store's HTTP transport on libcurl (syncspec/http.h). */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sync_internal.h"
#include "syncspec/http.h"

struct syncspec_http {
    syncspec_credentials_fn credentials;
    void *context;
    char *upload_url;
    long timeout_ms;
    char *endpoint, *token; /* the last credentials, NULL before the first request */
    CURL *curl;             /* kept, so requests reuse the connection */
    char last_error[256];
};

int syncspec_http_new(syncspec_http **out, const syncspec_http_options *options,
                      syncspec_error *error) {
    *out = NULL;
    if (!options || !options->credentials)
        return sync_error(error, SYNCSPEC_EINVALID, "http: no credentials callback");
    syncspec_http *h = calloc(1, sizeof *h);
    if (!h || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(h->curl = curl_easy_init()) ||
        !(h->upload_url =
              strdup(options->upload_url ? options->upload_url : "/api/powersync/upload"))) {
        syncspec_http_free(h);
        return sync_error(error, SYNCSPEC_ENOMEM, "out of memory");
    }
    h->credentials = options->credentials;
    h->context = options->context;
    h->timeout_ms = options->timeout_ms > 0 ? options->timeout_ms : 30000;
    *out = h;
    return 0;
}

void syncspec_http_free(syncspec_http *h) {
    if (!h) return;
    if (h->curl) curl_easy_cleanup(h->curl);
    free(h->upload_url);
    free(h->endpoint);
    free(h->token);
    free(h);
}

const char *syncspec_http_last_error(const syncspec_http *h) { return h->last_error; }

/* Asks for credentials when there are none, or new ones (`refresh`). 0 or -1. */
static int credentials(syncspec_http *h, bool refresh) {
    if (h->token && !refresh) return 0;
    char *endpoint = NULL, *token = NULL;
    if (h->credentials(h->context, &endpoint, &token, refresh) != 0 || !endpoint || !token) {
        free(endpoint);
        free(token);
        snprintf(h->last_error, sizeof h->last_error, "no credentials");
        return -1;
    }
    free(h->endpoint);
    free(h->token);
    h->endpoint = endpoint;
    h->token = token;
    return 0;
}

/* Where the response body goes: collected, or handed to a stream's receiver once the
 * status is known to be 2xx. */
typedef struct sink {
    syncspec_http *h;
    syncspec_buffer body;
    int (*receive)(void *context, const char *bytes, size_t len);
    void *receive_context;
    bool stopped; /* the receiver had enough */
    bool failed;  /* out of memory */
} sink;

static size_t on_body(char *bytes, size_t size, size_t count, void *context) {
    sink *s = context;
    size_t n = size * count;
    long status = 0;
    curl_easy_getinfo(s->h->curl, CURLINFO_RESPONSE_CODE, &status);
    if (s->receive && status >= 200 && status < 300) {
        if (s->receive(s->receive_context, bytes, n) != 0) {
            s->stopped = true;
            return 0; /* closes the response */
        }
        return n;
    }
    if (s->body.len < 64 * 1024 * 1024 && syncspec_buffer_append(&s->body, bytes, n) != 0) {
        s->failed = true;
        return 0;
    }
    return n;
}

typedef enum method { GET, POST } method;

/*
 * One request to `path` (on the endpoint, or an absolute URL). Returns the HTTP status, 0
 * when the receiver stopped a stream, or -1 when no answer came.
 */
static long perform(syncspec_http *h, method m, const char *path, const char *body, sink *s) {
    syncspec_buffer url = {0}, auth = {0};
    struct curl_slist *headers = NULL;
    long status = -1;
    bool absolute = strstr(path, "://") != NULL;
    if ((!absolute && sync_puts(&url, h->endpoint)) || sync_puts(&url, path) ||
        sync_puts(&auth, "Authorization: Token ") || sync_puts(&auth, h->token))
        goto cleanup;
    CURL *c = h->curl;
    curl_easy_reset(c);
    headers = curl_slist_append(headers, auth.data);
    if (headers && m == POST)
        headers = curl_slist_append(headers, "Content-Type: application/json");
    if (headers && s->receive) headers = curl_slist_append(headers, "Accept: application/x-ndjson");
    if (!headers) goto cleanup;
    curl_easy_setopt(c, CURLOPT_URL, url.data);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    if (s->receive) {
        /* A stream lasts as long as it likes, but not silently. */
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
    } else {
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms);
    }
    if (m == POST) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    }
    CURLcode rc = curl_easy_perform(c);
    if (s->stopped) {
        status = 0;
    } else if (rc != CURLE_OK) {
        snprintf(h->last_error, sizeof h->last_error, "%s: %s", url.data, curl_easy_strerror(rc));
    } else {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (status < 200 || status >= 300)
            snprintf(h->last_error, sizeof h->last_error, "%s: HTTP %ld %.*s", url.data, status,
                     (int)(s->body.len < 160 ? s->body.len : 160),
                     s->body.data ? s->body.data : "");
    }
cleanup:
    curl_slist_free_all(headers);
    syncspec_buffer_free(&url);
    syncspec_buffer_free(&auth);
    return s->failed ? -1 : status;
}

/* A request with the credentials, asked again once after a 401. */
static long request(syncspec_http *h, method m, const char *path, const char *body, sink *s) {
    h->last_error[0] = '\0';
    long status = -1;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (credentials(h, attempt > 0) != 0) return -1;
        s->body.len = 0;
        status = perform(h, m, path, body, s);
        if (status != 401) break;
    }
    return status;
}

/* The collected body as a NUL-terminated malloc'd string in *response, for a 2xx answer. */
static int answer(long status, sink *s, char **response) {
    *response = NULL;
    if (status < 200 || status >= 300 || sync_puts(&s->body, "") != 0) {
        syncspec_buffer_free(&s->body);
        return -1;
    }
    *response = s->body.data;
    return 0;
}

static int http_upload(void *context, char **response, const char *body) {
    syncspec_http *h = context;
    sink s = {h, {0}, NULL, NULL, false, false};
    return answer(request(h, POST, h->upload_url, body, &s), &s, response);
}

static int http_write_checkpoint(void *context, char **response, const char *client_id) {
    syncspec_http *h = context;
    sink s = {h, {0}, NULL, NULL, false, false};
    syncspec_buffer path = {0};
    char *id = curl_easy_escape(h->curl, client_id, 0);
    int rc = -1;
    if (id && !sync_puts(&path, "/write-checkpoint2.json?client_id=") && !sync_puts(&path, id))
        rc = answer(request(h, GET, path.data, NULL, &s), &s, response);
    curl_free(id);
    syncspec_buffer_free(&path);
    return rc;
}

static int http_stream(void *context, const char *body,
                       int (*receive)(void *receive_context, const char *bytes, size_t len),
                       void *receive_context) {
    syncspec_http *h = context;
    sink s = {h, {0}, receive, receive_context, false, false};
    long status = request(h, POST, "/sync/stream", body, &s);
    syncspec_buffer_free(&s.body);
    return status == 0 || (status >= 200 && status < 300) ? 0 : -1;
}

syncspec_transport syncspec_http_transport(syncspec_http *http) {
    syncspec_transport t = {.upload = http_upload,
                            .context = http,
                            .stream = http_stream,
                            .write_checkpoint = http_write_checkpoint};
    return t;
}
