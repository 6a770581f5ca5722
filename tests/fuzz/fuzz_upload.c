/*
 * The server's reading of an upload body, up to the database: the outline of the body
 * (json_reader: well-formed, a "transactions" list, an op_id each, no key twice), each
 * transaction parsed and sanitized over the edge-case spec (every type and option), and its
 * statements built (batched PUTs, PATCH and DELETE). With no connection (NULL: libpq
 * refuses every call on it) nothing is sent, so a well-formed body is answered "retry"
 * for its first transaction. The answer is always JSON with a "transactions" list, and a
 * refused body also has an "error".
 */
#include <jansson.h>
#include <string.h>

#include "fuzz.h"

static syncspec_server *server;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const syncspec_schema *schema = fuzz_spec("tests/golden/edge/spec.yaml");
    syncspec_error err;
    if (!schema || syncspec_server_new(&server, schema, &err)) {
        fprintf(stderr, "fuzz: no server\n");
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *body = malloc(size + 1); /* the API takes a C string */
    if (!body) return 0;
    memcpy(body, data, size);
    body[size] = '\0';
    char *response = NULL;
    syncspec_error err;
    int rc = syncspec_server_upload(server, &response, NULL, "user-1", body, &err);
    FUZZ_CHECK(rc == 0 || rc == SYNCSPEC_EINVALID);
    json_t *answer = json_loads(response, 0, NULL);
    FUZZ_CHECK(json_is_array(json_object_get(answer, "transactions")));
    FUZZ_CHECK(rc == 0 || json_is_string(json_object_get(answer, "error")));
    json_decref(answer);
    free(response);
    free(body);
    return 0;
}
