/*
 * JWT verification for `syncspec serve`: Rhonabwy parses and checks signatures; the claims
 * are checked here, so each refusal says which claim is wrong. Keys come from a JWKS file or
 * URL; a token whose kid the cached set lacks triggers one refetch (keys rotate at the URL),
 * at most once a second so tokens with made-up kids cannot flood the key server.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <rhonabwy.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "serve/serve.h"

enum {
    LEEWAY_SECONDS = 30,          /* exp and nbf, for clocks a little apart */
    MAX_TOKEN = 16384,            /* no real JWT comes near */
    MAX_JWKS = 1 << 20,           /* bytes fetched from a JWKS URL */
    FETCH_TIMEOUT_SECONDS = 5,    /* a JWKS URL that hangs fails requests, not the server */
    REFETCH_INTERVAL_SECONDS = 1, /* at most one refetch for unknown kids per second */
};

struct serve_auth {
    pthread_mutex_t lock; /* guards keys and fetched_at */
    const char *source;   /* the file or URL */
    bool remote;
    jwks_t *keys;
    double fetched_at;
    jwk_t *dev_key; /* HS256, from --dev-secret; NULL without */
    const char *audience;
};

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct fetched {
    char *data;
    size_t length;
} fetched;

static size_t on_data(char *ptr, size_t size, size_t n, void *userdata) {
    fetched *f = userdata;
    size_t more = size * n;
    if (f->length + more > MAX_JWKS) return 0; /* stops the transfer */
    char *data = realloc(f->data, f->length + more + 1);
    if (!data) return 0;
    memcpy(data + f->length, ptr, more);
    f->data = data;
    f->length += more;
    f->data[f->length] = '\0';
    return more;
}

/* The JWKS text from the URL. Returns a malloc'd string, or NULL with `message` set. */
static char *fetch_url(const char *url, char *message, size_t size) {
    fetched f = {0};
    CURL *curl = curl_easy_init();
    if (!curl) {
        snprintf(message, size, "cannot start an HTTP client");
        return NULL;
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &f);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)FETCH_TIMEOUT_SECONDS);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L); /* from request threads */
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK || status != 200 || !f.data) {
        snprintf(message, size, "cannot fetch the JWKS from %s: %s", url,
                 rc != CURLE_OK  ? curl_easy_strerror(rc)
                 : status != 200 ? "HTTP status not 200"
                                 : "empty answer");
        free(f.data);
        return NULL;
    }
    return f.data;
}

static char *read_file(const char *path, char *message, size_t size) {
    FILE *in = fopen(path, "rb");
    fetched f = {0};
    char chunk[4096];
    size_t n;
    if (!in) {
        snprintf(message, size, "cannot read the JWKS file %s", path);
        return NULL;
    }
    while ((n = fread(chunk, 1, sizeof chunk, in)) > 0)
        if (on_data(chunk, 1, n, &f) != n) break;
    bool failed = ferror(in) || !feof(in) || !f.data;
    fclose(in);
    if (failed) {
        snprintf(message, size, "cannot read the JWKS file %s (empty, unreadable or too large)",
                 path);
        free(f.data);
        return NULL;
    }
    return f.data;
}

/* Replaces the cached keys with the source's. Call with the lock held (or before threads). */
static int load_keys(serve_auth *auth, char *message, size_t size) {
    char *text = auth->remote ? fetch_url(auth->source, message, size)
                              : read_file(auth->source, message, size);
    jwks_t *keys = NULL;
    int rc = -1;
    if (!text) goto cleanup;
    if (r_jwks_init(&keys) != RHN_OK || r_jwks_import_from_json_str(keys, text) != RHN_OK ||
        r_jwks_size(keys) == 0) {
        snprintf(message, size, "%s is not a JWKS with a usable key", auth->source);
        goto cleanup;
    }
    r_jwks_free(auth->keys);
    auth->keys = keys;
    keys = NULL;
    rc = 0;
cleanup:
    if (auth->remote) auth->fetched_at = now_seconds();
    r_jwks_free(keys);
    free(text);
    return rc;
}

int serve_auth_new(serve_auth **out, const serve_config *config, char *message, size_t size) {
    *out = NULL;
    serve_auth *auth = calloc(1, sizeof *auth);
    if (!auth || pthread_mutex_init(&auth->lock, NULL) != 0) {
        free(auth);
        snprintf(message, size, "out of memory");
        return -1;
    }
    auth->source = config->jwks;
    auth->remote =
        strncmp(config->jwks, "http://", 7) == 0 || strncmp(config->jwks, "https://", 8) == 0;
    auth->audience = config->audience;
    int rc = -1;
    /* Both are process-wide and not thread-safe: here, before any request thread. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || r_global_init() != RHN_OK) {
        snprintf(message, size, "cannot initialize the HTTP client or the JWT library");
        goto cleanup;
    }
    if (load_keys(auth, message, size) != 0) goto cleanup;
    if (config->dev_secret) {
        const char *secret = config->dev_secret;
        if (r_jwk_init(&auth->dev_key) != RHN_OK ||
            r_jwk_import_from_symmetric_key(auth->dev_key, (const unsigned char *)secret,
                                            strlen(secret)) != RHN_OK) {
            snprintf(message, size, "cannot use the --dev-secret as a key");
            goto cleanup;
        }
    }
    *out = auth;
    auth = NULL;
    rc = 0;
cleanup:
    serve_auth_free(auth);
    return rc;
}

void serve_auth_free(serve_auth *auth) {
    if (!auth) return;
    r_jwks_free(auth->keys);
    r_jwk_free(auth->dev_key);
    pthread_mutex_destroy(&auth->lock);
    free(auth);
}

/* Copies of the keys that may have signed a token with this kid (all keys without one),
 * refetching the set once when the kid is unknown. NULL when there is none. */
static jwks_t *candidate_keys(serve_auth *auth, const char *kid) {
    jwks_t *found = NULL;
    pthread_mutex_lock(&auth->lock);
    for (int attempt = 0; attempt < 2 && !found; attempt++) {
        if (attempt == 1) {
            char ignored[256];
            if (!auth->remote || now_seconds() - auth->fetched_at < REFETCH_INTERVAL_SECONDS ||
                load_keys(auth, ignored, sizeof ignored) != 0)
                break;
        }
        if (!kid) {
            found = r_jwks_copy(auth->keys);
            break;
        }
        jwk_t *key = r_jwks_get_by_kid(auth->keys, kid);
        if (key && r_jwks_init(&found) == RHN_OK && r_jwks_append_jwk(found, key) != RHN_OK) {
            r_jwks_free(found);
            found = NULL;
        }
        r_jwk_free(key);
    }
    pthread_mutex_unlock(&auth->lock);
    return found;
}

/* Whether one of `keys` (whose "alg", when given, is the token's) signed the token. */
static bool signed_by(jwt_t *jwt, jwks_t *keys, const char *alg) {
    bool ok = false;
    for (size_t i = 0; keys && i < r_jwks_size(keys) && !ok; i++) {
        jwk_t *key = r_jwks_get_at(keys, i);
        const char *key_alg = r_jwk_get_property_str(key, "alg");
        ok = (!key_alg || strcmp(key_alg, alg) == 0) &&
             r_jwt_verify_signature(jwt, key, R_FLAG_IGNORE_REMOTE) == RHN_OK;
        r_jwk_free(key);
    }
    return ok;
}

static bool audience_matches(const json_t *aud, const char *expected) {
    if (json_is_string(aud)) return strcmp(json_string_value(aud), expected) == 0;
    size_t i;
    const json_t *item;
    json_array_foreach(aud, i, item) {
        if (json_is_string(item) && strcmp(json_string_value(item), expected) == 0) return true;
    }
    return false;
}

/* The claims a server must check itself: exp, nbf, aud, sub. NULL when they hold. */
static const char *claims_problem(const json_t *claims, const char *audience, char *user,
                                  size_t user_size) {
    const json_t *exp = json_object_get(claims, "exp"), *nbf = json_object_get(claims, "nbf");
    const json_t *sub = json_object_get(claims, "sub");
    double now = (double)time(NULL);
    if (!json_is_number(exp)) return "the token has no exp";
    if (now > json_number_value(exp) + LEEWAY_SECONDS) return "the token has expired";
    if (nbf && (!json_is_number(nbf) || now + LEEWAY_SECONDS < json_number_value(nbf)))
        return "the token is not valid yet (nbf)";
    if (audience && !audience_matches(json_object_get(claims, "aud"), audience))
        return "the token is not for this audience (aud)";
    const char *s = json_string_value(sub);
    size_t n = json_string_length(sub);
    if (!s || n == 0) return "the token has no sub";
    if (n >= user_size || memchr(s, '\0', n)) return "the token's sub is too long or not text";
    memcpy(user, s, n + 1);
    return NULL;
}

/* Whether a token has the compact form of a signed JWT: three base64url parts (header,
 * claims, signature) joined by two dots. Anything else (five parts: an encrypted or nested
 * token) is refused before Rhonabwy parses it, so hostile input never reaches its JWE code,
 * which a server that only verifies signatures has no use for. */
static bool is_compact_jws(const char *token, size_t length) {
    size_t dots = 0;
    for (size_t i = 0; i < length; i++) {
        char c = token[i];
        if (c == '.')
            dots++;
        else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_'))
            return false;
    }
    return dots == 2;
}

int serve_auth_verify(serve_auth *auth, const char *header, char *user, size_t user_size,
                      char *reason, size_t reason_size) {
    const char *problem = NULL;
    jwt_t *jwt = NULL;
    jwks_t *keys = NULL;
    json_t *claims = NULL;
    user[0] = '\0';
    const char *token = NULL;
    if (!header)
        problem = "no Authorization header";
    else if (strncasecmp(header, "Token ", 6) == 0)
        token = header + 6;
    else if (strncasecmp(header, "Bearer ", 7) == 0)
        token = header + 7;
    else
        problem = "the Authorization header must be 'Token <jwt>' or 'Bearer <jwt>'";
    while (token && *token == ' ') token++;
    size_t length = token ? strcspn(token, " ") : 0;
    if (problem) goto done;
    if (length == 0 || length > MAX_TOKEN || token[length]) {
        problem = "the Authorization header holds no single token";
        goto done;
    }
    /* Signed tokens only; no keys or key URLs taken from the token itself. */
    if (!is_compact_jws(token, length) || r_jwt_init(&jwt) != RHN_OK ||
        r_jwt_advanced_parsen(jwt, token, length, R_PARSE_NONE, R_FLAG_IGNORE_REMOTE) != RHN_OK ||
        r_jwt_get_type(jwt) != R_JWT_TYPE_SIGN) {
        problem = "the token is not a signed JWT";
        goto done;
    }
    jwa_alg alg = r_jwt_get_sign_alg(jwt);
    const char *kid = r_jwt_get_header_str_value(jwt, "kid");
    if (alg == R_JWA_ALG_HS256 && auth->dev_key) {
        if (r_jwt_verify_signature(jwt, auth->dev_key, R_FLAG_IGNORE_REMOTE) != RHN_OK)
            problem = "the token's signature does not verify";
    } else if (alg == R_JWA_ALG_RS256 || alg == R_JWA_ALG_ES256 || alg == R_JWA_ALG_EDDSA) {
        const char *name = alg == R_JWA_ALG_RS256   ? "RS256"
                           : alg == R_JWA_ALG_ES256 ? "ES256"
                                                    : "EdDSA";
        if (!(keys = candidate_keys(auth, kid)))
            problem = "the token's key (kid) is not in the JWKS";
        else if (!signed_by(jwt, keys, name))
            problem = "the token's signature does not verify";
    } else {
        problem = auth->dev_key ? "the token's algorithm is not RS256, ES256, EdDSA or HS256"
                                : "the token's algorithm is not RS256, ES256 or EdDSA";
    }
    if (problem) goto done;
    if (!(claims = r_jwt_get_full_claims_json_t(jwt)))
        problem = "the token has no claims";
    else
        problem = claims_problem(claims, auth->audience, user, user_size);
done:
    json_decref(claims);
    r_jwks_free(keys);
    r_jwt_free(jwt);
    if (problem) {
        user[0] = '\0';
        snprintf(reason, reason_size, "%s", problem);
        return -1;
    }
    return 0;
}
