/* serve: the spec's upload endpoint over HTTP, for PowerSync clients, on one PostgreSQL. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "cli/cli.h"
#include "serve/serve.h"
#include "spec/spec.h"

static const char *listen_on, *postgres, *jwks, *audience, *dev_secret, *upload_path;
static const char *max_body_text, *max_connections_text, *pool_text;
static cli_strings cors_origins;

static const cli_option serve_options[] = {
    CLI_REQUIRED_STRING("postgres", 0, &postgres, "CONNINFO",
                        "the PostgreSQL database: URI or key=value; PG* apply"),
    CLI_REQUIRED_STRING(
        "listen", 0, &listen_on, "HOST:PORT",
        "numeric address and port to listen on ([::1]:8080 for IPv6; port 0 picks one)"),
    CLI_REQUIRED_STRING(
        "jwks", 0, &jwks, "FILE|URL",
        "the JWT keys (RS256, ES256, EdDSA); a URL is refetched when a token's kid is "
        "unknown"),
    CLI_STRING("audience", 0, &audience, "AUD", "tokens must name this audience (aud)"),
    CLI_STRING("dev-secret", 0, &dev_secret, "SECRET",
               "also accept HS256 tokens signed with SECRET (development)"),
    CLI_STRING("upload-path", 0, &upload_path, "PATH",
               "where uploads are PUT or POSTed (default /api/powersync/upload)"),
    CLI_LIST("cors-origin", 0, &cors_origins, "ORIGIN",
             "a web origin allowed to call the server; * for any (repeatable)"),
    CLI_STRING("max-body", 0, &max_body_text, "BYTES",
               "largest request body (default 4194304); larger gets 413"),
    CLI_STRING("max-connections", 0, &max_connections_text, "N",
               "simultaneous HTTP connections (default 512)"),
    CLI_STRING("pool", 0, &pool_text, "N", "PostgreSQL connections (default 10)"),
};

static const cli_command serve_command = {
    .name = "serve",
    .arguments = "SPEC",
    .description =
        "Uploads (PUT or POST at --upload-path) are applied by libsyncspec for the user the\n"
        "JWT names (sub): owner-safe, sanitized, each client transaction whole. Downloads use\n"
        "the PowerSync protocol: POST /sync/stream (NDJSON lines, live, until the token expires)\n"
        "and GET /write-checkpoint2.json; commits from any writer reach open streams at once\n"
        "(LISTEN/NOTIFY; see docs/sync-protocol.md). Tokens come as\n"
        "'Authorization: Token <jwt>' or 'Bearer <jwt>'. GET /healthz answers while the\n"
        "database does. Statuses: 200 the upload's results; 400 a body that is not an upload\n"
        "(nothing applied); 401 a missing or invalid token; 413 a body over --max-body; 503\n"
        "the database is unavailable, or a transaction must be sent again; 404, 405. Every\n"
        "error body is JSON with an \"error\". One line a request goes to stderr. It refuses\n"
        "to start when the database does not match the spec (as `syncspec check` sees it) or\n"
        "lacks the tables of postgres_sync.sql. SIGTERM or SIGINT: requests in flight finish,\n"
        "then it exits 0. See docs/serving.md.",
    .options = serve_options,
    .option_count = sizeof serve_options / sizeof serve_options[0],
    .min_positionals = 1,
    .max_positionals = 1,
};

/* A positive number for an option, at most `max`. Returns 0, or -1 after a message. */
static int number_option(size_t *out, const char *name, const char *text, size_t fallback,
                         size_t max) {
    *out = fallback;
    if (!text) return 0;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || !end || *end || text[0] == '-' || v == 0 || v > max) {
        cli_error("serve: --%s must be a number from 1 to %zu, not '%s'", name, max, text);
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

/* HOST:PORT, or [HOST]:PORT for IPv6. The host is written into `host`. */
static int parse_listen(serve_config *config, char *host, size_t size, const char *text) {
    const char *colon = strrchr(text, ':');
    const char *start = text, *stop = colon;
    if (colon && text[0] == '[' && colon > text && colon[-1] == ']') {
        start = text + 1;
        stop = colon - 1;
    }
    char *end = NULL;
    unsigned long port = colon ? strtoul(colon + 1, &end, 10) : 0;
    if (!colon || stop <= start || (size_t)(stop - start) >= size || !end || *end ||
        colon[1] == '\0' || port > 65535) {
        cli_error("serve: --listen must be HOST:PORT, like 127.0.0.1:8080 or [::1]:8080, not '%s'",
                  text);
        return -1;
    }
    memcpy(host, start, (size_t)(stop - start));
    host[stop - start] = '\0';
    config->listen_host = host;
    config->listen_port = (uint16_t)port;
    return 0;
}

/* The checker's view of the database: errors stop the server, warnings are shown. */
static int check_database(const syncspec_schema *schema, const char *conninfo, arena *a) {
    findings f;
    findings_init(&f, a);
    const char *error = NULL;
    int rc = -1;
    if (check_postgres(&f, schema, conninfo, &error) != 0) {
        cli_error("serve: %s", error ? error : "cannot check the database");
        goto cleanup;
    }
    for (size_t i = 0; i < f.count; i++) {
        const finding *x = &f.items[i];
        fprintf(stderr, "syncspec serve: %s[%s] %s%s%s: %s\n",
                x->severity == FINDING_ERROR ? "error" : "warning", x->code,
                x->table ? x->table : "(database)", x->column ? "." : "",
                x->column ? x->column : "", x->message);
    }
    size_t errors = findings_errors(&f);
    if (errors) {
        cli_error("serve: the database does not match the spec (%zu error%s above): run the "
                  "generated postgres.sql, or `syncspec check --fix-sql`",
                  errors, errors == 1 ? "" : "s");
        goto cleanup;
    }
    rc = 0;
cleanup:
    findings_free(&f);
    return rc;
}

int cmd_serve(int argc, char **argv) {
    cli_args args;
    int rc = cli_parse(&args, &serve_command, argc, argv);
    if (rc) return rc > 0 ? EXIT_ALIGNED : EXIT_FAILED;
    int status = EXIT_FAILED;
    arena *a = arena_new();
    serve_config config = {0};
    serve_context ctx = {.config = &config};
    char host[256], message[512];
    size_t max_body, max_connections, pool_size;
    config.conninfo = postgres;
    config.jwks = jwks;
    config.audience = audience;
    config.dev_secret = dev_secret;
    config.upload_path = upload_path ? upload_path : "/api/powersync/upload";
    config.cors_origins = cors_origins.items;
    config.cors_origin_count = cors_origins.count;
    if (config.upload_path[0] != '/' || strcmp(config.upload_path, "/healthz") == 0) {
        cli_error("serve: --upload-path must start with / and not be /healthz");
        goto cleanup;
    }
    if (config.dev_secret && strlen(config.dev_secret) < 32) {
        cli_error("serve: --dev-secret must be at least 32 characters");
        goto cleanup;
    }
    if (parse_listen(&config, host, sizeof host, listen_on) ||
        number_option(&max_body, "max-body", max_body_text, 4u << 20, (size_t)1 << 30) ||
        number_option(&max_connections, "max-connections", max_connections_text, 512, 65536) ||
        number_option(&pool_size, "pool", pool_text, 10, 1000))
        goto cleanup;
    config.max_body = max_body;
    config.max_connections = (unsigned)max_connections;
    config.pool_size = (unsigned)pool_size;

    const syncspec_schema *schema = NULL;
    if (cli_load_spec(&schema, a, args.positional[0]) != 0 ||
        check_database(schema, config.conninfo, a) != 0)
        goto cleanup;
    if (serve_pool_new(&ctx.pool, config.conninfo, schema, config.pool_size, message,
                       sizeof message) != 0 ||
        serve_pool_check_sync_tables(ctx.pool, message, sizeof message) != 0 ||
        serve_auth_new(&ctx.auth, &config, message, sizeof message) != 0 ||
        serve_sync_start(&ctx.sync, &ctx, schema, message, sizeof message) != 0 ||
        serve_http_run(&ctx, message, sizeof message) != 0) {
        cli_error("serve: %s", message);
        goto cleanup;
    }
    status = EXIT_ALIGNED;
cleanup:
    serve_sync_stop(ctx.sync);
    serve_auth_free(ctx.auth);
    serve_pool_free(ctx.pool);
    arena_free(a);
    cli_args_free(&args);
    return status;
}
