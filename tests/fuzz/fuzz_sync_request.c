/*
 * The server's reading of a POST /sync/stream body (syncspec_sync_request_parse): buckets
 * with their "after" op ids, client_id, streams.include_defaults. An accepted request
 * then starts a stream for a user over schemas/app.yaml, and its first step runs with no
 * connection (NULL: libpq refuses every call on it), so it must answer "retry" and write
 * no line. A refused body says why, as the 400 answer will.
 */
#include <string.h>

#include "fuzz.h"
#include "syncspec/protocol.h"

static syncspec_server *server;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const syncspec_schema *schema = fuzz_spec("schemas/app.yaml");
    syncspec_error err;
    if (!schema || syncspec_server_new(&server, schema, &err)) {
        fprintf(stderr, "fuzz: no server\n");
        abort();
    }
    return 0;
}

static int count_line(void *context, const char *line, size_t len) {
    (void)line;
    (void)len;
    (*(size_t *)context)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* The body exactly as read: not NUL-terminated, so a read past it is seen. */
    syncspec_sync_request *request = NULL;
    syncspec_sync_stream *stream = NULL;
    syncspec_error err = {0};
    int rc = syncspec_sync_request_parse(&request, (const char *)data, size, &err);
    FUZZ_CHECK(rc == 0 || rc == SYNCSPEC_EINVALID);
    if (rc != 0) {
        FUZZ_CHECK(!request && strncmp(err.message, "sync request: ", 14) == 0);
        return 0;
    }
    FUZZ_CHECK(request && syncspec_sync_request_client_id(request));
    FUZZ_CHECK(syncspec_sync_stream_new(&stream, server, "user-1", request, &err) == 0);
    syncspec_sync_request_free(request); /* the stream holds a copy */
    size_t lines = 0;
    rc = syncspec_sync_stream_next(stream, NULL, count_line, &lines, &err);
    FUZZ_CHECK(rc == SYNCSPEC_ERETRY && lines == 0 && err.message[0]);
    syncspec_sync_stream_free(stream);
    return 0;
}
