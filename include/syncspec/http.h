/*
 * A ready transport over HTTP (libcurl) for the client store: downloads through the
 * PowerSync protocol (POST <endpoint>/sync/stream, GET <endpoint>/write-checkpoint2.json)
 * from `syncspec serve` or the PowerSync Service, uploads to the app's upload endpoint
 * (`syncspec serve`'s, by default). Tokens go as "Authorization: Token <jwt>"; a 401 asks
 * the credentials callback for a new token and tries once more.
 *
 * Threads: an syncspec_http and its transport are used by one thread at a time.
 */
#ifndef SYNCSPEC_HTTP_H
#define SYNCSPEC_HTTP_H

#include <stdbool.h>

#include "syncspec/export.h"
#include "syncspec/store.h"

/*
 * Sets *endpoint (the server's base URL, no trailing slash, e.g. "http://host:8080") and
 * *token (a JWT), both malloc'd (freed by the transport), and returns 0; or returns a
 * negative value when there are none (the request then fails as unanswered). `refresh` is
 * true when the last token was refused: fetch a new one.
 */
typedef int (*syncspec_credentials_fn)(void *context, char **endpoint, char **token, bool refresh);

typedef struct syncspec_http_options {
    syncspec_credentials_fn credentials;
    void *context;
    /* Where uploads are POSTed: an absolute URL, or a path on the endpoint. NULL:
     * "/api/powersync/upload", syncspec serve's default. Copied. */
    const char *upload_url;
    long timeout_ms; /* for uploads and write checkpoints; 0: 30 s. A stream has none, but
                      * ends when nothing arrives for 60 s (keepalives come every 20 s). */
} syncspec_http_options;

typedef struct syncspec_http syncspec_http;

/*
 * A transport with `options` (copied). Free with syncspec_http_free (NULL-safe). Calls
 * curl_global_init. Returns 0, SYNCSPEC_EINVALID without a credentials callback, or
 * SYNCSPEC_ENOMEM.
 */
SYNCSPEC_API int syncspec_http_new(syncspec_http **out, const syncspec_http_options *options,
                                   syncspec_error *error);
SYNCSPEC_API void syncspec_http_free(syncspec_http *http);

/* The transport's callbacks (upload, stream, write_checkpoint), for
 * syncspec_store_sync. Its context is `http`, which must outlive its use. */
SYNCSPEC_API syncspec_transport syncspec_http_transport(syncspec_http *http);

/* The last HTTP failure, for logs: "" when none. Borrowed, valid until the next request. */
SYNCSPEC_API const char *syncspec_http_last_error(const syncspec_http *http);

#endif
