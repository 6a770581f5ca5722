/*
 * What `syncspec serve` does with a request before its handler (src/serve/request.c and
 * auth.c): the route for the method and path, the CORS origin and preflight, the JWT in the
 * Authorization header verified against a fixed JWKS (an RS256, an ES256 and an EdDSA key)
 * and an HS256 dev secret, the refusal and its JSON reason, and the body fed in chunks
 * against its limit. No socket and no database.
 *
 * Input: lines "method", "path", "Origin", "Authorization", "Content-Length",
 * "Access-Control-Request-Headers" (an empty line: the header is absent), then the body;
 * each body byte taken decides the size of the next chunk.
 */
#include <jansson.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "serve/serve.h"

/* Public keys only; the seed tokens in corpus/serve were signed with their private halves,
 * exp in 2100, aud "fuzz", and HS256 with the secret below. */
static const char jwks[] =
    "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"y2R5dea73RnmcvhG9iFte-c7LOEpfbUasrZ8F8u4PzJrqAsuWOkW36jPNAIN3"
    "uLMIfWdD-wDkH5b0wgX76uY0ZTAPJIl4B4dVfFK9SXhRNxAnSLxHbz8ga3LkohmIioA6NjONMic9Gsox01dl792M"
    "eqFAFTV8VY5_6QxvHTffIBq4ix8k2RQroxMSOQH_RrjVxiItYytV91yRjexSFv1rlfH3nnXtocON2fOWrm29r1OQ"
    "cAzBT8so-4Y0NchBuwU1YXeuogAszcypaR9gd2fsQA8JxQSEd3st5Zi4EOeh9WS3QKmFwX1WXYC4kVjotTixXk-w"
    "YC0ksip9RcEonvt9Q\",\"e\":\"AQAB\",\"kid\":\"rs-1\",\"alg\":\"RS256\"},{\"kty\":\"EC\",\"x\":\"WxnVdA4vVKeLQ"
    "0MvZlqNpNCSIXpKpsMID0LCc0sgdlg\",\"y\":\"U0b2iLLf_TTnhVqg5s7fPClpbVmyEAd4ieV3YdR3Am4\",\"crv\":"
    "\"P-256\",\"kid\":\"es-1\",\"alg\":\"ES256\"},{\"crv\":\"Ed25519\",\"x\":\"7KXW1bBpaiDIqWK71H3q6Viujvwt8h"
    "xjY7lftE8RAp8\",\"kty\":\"OKP\",\"kid\":\"ed-1\",\"alg\":\"EdDSA\"}]}";

enum { MAX_BODY = 1024 };

static const char *const origins[] = {"https://app.example", "http://localhost:5173"};
static const serve_config config = {
    .audience = "fuzz",
    .dev_secret = "fuzz-dev-secret",
    .upload_path = "/upload",
    .cors_origins = origins,
    .cors_origin_count = 2,
    .max_body = MAX_BODY,
};
static serve_auth *auth;
static serve_route routes[SERVE_MAX_ROUTES];
static size_t route_count;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    /* serve_auth_new reads its JWKS from a file: a private one, gone once read. */
    char path[] = "/tmp/syncspec-fuzz-jwks-XXXXXX", message[256];
    int fd = mkstemp(path);
    bool written = fd >= 0 && write(fd, jwks, sizeof jwks - 1) == (ssize_t)(sizeof jwks - 1);
    if (fd >= 0) close(fd);
    serve_config with_file = config;
    with_file.jwks = path;
    int rc = written ? serve_auth_new(&auth, &with_file, message, sizeof message) : -1;
    if (fd >= 0) unlink(path);
    if (rc != 0) {
        fprintf(stderr, "fuzz: no JWKS: %s\n", written ? message : "cannot write it");
        abort();
    }
    route_count = serve_routes(routes, &config);
    return 0;
}

/* The next line of the input as a C string (NULL when empty), advancing `at`. */
static char *next_line(const uint8_t *data, size_t size, size_t *at) {
    const uint8_t *start = data + *at, *end = memchr(start, '\n', size - *at);
    size_t n = end ? (size_t)(end - start) : size - *at;
    *at += n + (end ? 1 : 0);
    if (n == 0) return NULL;
    char *line = malloc(n + 1);
    if (!line) abort();
    memcpy(line, start, n);
    line[n] = '\0';
    return line;
}

/* A header value must not split the response's header block. */
static bool one_line(const char *text) { return !text || !strpbrk(text, "\r\n"); }

/* A refusal's body is {"error": reason} with the reason intact. */
static void check_error_json(const char *reason) {
    FUZZ_CHECK(reason[0] != '\0');
    char *text = serve_error_json(reason);
    json_t *body = json_loads(text, 0, NULL);
    FUZZ_CHECK(json_is_object(body) && json_object_size(body) == 1);
    FUZZ_CHECK(strcmp(json_string_value(json_object_get(body, "error")), reason) == 0);
    json_decref(body);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    size_t at = 0;
    char *method = next_line(data, size, &at), *path = next_line(data, size, &at);
    char *origin = next_line(data, size, &at), *authorization = next_line(data, size, &at);
    char *length = next_line(data, size, &at), *asked = next_line(data, size, &at);
    serve_request_state s = {0};
    s.req.method = method ? method : "";
    s.req.path = path ? path : "";
    const serve_request_headers headers = {origin, authorization, length};
    serve_request_begin(&s, routes, route_count, &config, auth, &headers);

    FUZZ_CHECK(!s.req.origin || s.req.origin == origin);
    FUZZ_CHECK((s.refusal == 404) == (s.methods[0] == '\0'));
    FUZZ_CHECK(one_line(s.methods) && one_line(serve_preflight_allow_headers(asked)));
    switch (s.refusal) {
    case 0:
        FUZZ_CHECK(s.route && strcmp(s.route->method, s.req.method) == 0 &&
                   strcmp(s.route->path, s.req.path) == 0);
        FUZZ_CHECK(!s.route->needs_user || (s.req.user[0] && strlen(s.req.user) < 256));
        break;
    case 204:
        FUZZ_CHECK(strcmp(s.req.method, "OPTIONS") == 0);
        break;
    case 401:
    case 404:
    case 405:
        FUZZ_CHECK(s.req.user[0] == '\0');
        check_error_json(s.reason);
        break;
    default:
        FUZZ_CHECK(!"a refusal with an unexpected status");
    }

    /* The body, in chunks: kept whole within the limit, dropped past it or when refused. */
    size_t fed = 0;
    while (at < size) {
        size_t n = 1 + data[at] % 97;
        if (n > size - at) n = size - at;
        serve_request_take_body(&s, (const char *)data + at, n, config.max_body);
        fed += n;
        at += n;
    }
    if (s.refusal) {
        FUZZ_CHECK(s.req.body_length == 0);
    } else if (!s.req.too_large) {
        FUZZ_CHECK(fed <= MAX_BODY && s.req.body_length == fed);
        FUZZ_CHECK(fed == 0 || (memcmp(s.req.body, data + size - fed, fed) == 0 &&
                                s.req.body[fed] == '\0'));
    } else {
        FUZZ_CHECK(s.req.body_length <= MAX_BODY);
    }
    free(s.req.body);
    free(method);
    free(path);
    free(origin);
    free(authorization);
    free(length);
    free(asked);
    return 0;
}
