/*
 * Sanitizing a 10,000-op upload body (the recipe's wire format; documents, 9 columns with
 * ~200-byte text), against the floor measured in the same run: jansson parsing the same
 * body alone. Prints ops/s for both and the ratio (target: at least 0.60).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app_schema.h"

enum { OPS = 10000, ROUNDS = 7 };

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void) {
    /* The body: one transaction of 10,000 PUTs with snake and camel keys, as clients send. */
    size_t cap = (size_t)OPS * 600 + 64, len = 0;
    char *body = malloc(cap);
    len += (size_t)sprintf(body + len, "{\"transactions\":[{\"op_id\":\"bench:1\",\"ops\":[");
    char text[201];
    memset(text, 'x', 200);
    text[200] = '\0';
    for (int i = 0; i < OPS; i++)
        len += (size_t)sprintf(
            body + len,
            "%s{\"op\":\"PUT\",\"table\":\"documents\",\"id\":\"%08x-1111-4111-8111-"
            "111111111111\",\"data\":{\"title\":\"Title %d\",\"content\":\"%s\","
            "\"projectId\":\"22222222-2222-4222-8222-222222222222\",\"device_id\":"
            "\"device-a\",\"owner_id\":null,\"created_at\":\"2025-09-22 "
            "14:29:30.12Z\",\"updated_at\":1758551370123,\"deleted_at\":null}}",
            i ? "," : "", i, i, text);
    len += (size_t)sprintf(body + len, "]}]}");

    syncspec_sanitizer *s;
    if (syncspec_sanitizer_new(&s, &app_schema, NULL) != 0) return 2;
    double parse[ROUNDS], full[ROUNDS];
    size_t valid = 0;
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now();
        json_t *doc = json_loadb(body, len, 0, NULL);
        parse[r] = now() - t0;
        json_decref(doc);

        t0 = now();
        doc = json_loadb(body, len, 0, NULL);
        json_t *ops =
            json_object_get(json_array_get(json_object_get(doc, "transactions"), 0), "ops");
        valid = 0;
        for (size_t i = 0; i < json_array_size(ops); i++) {
            syncspec_op out;
            valid += app_sanitize(&out, s, json_array_get(ops, i), "user-1") == 0;
        }
        full[r] = now() - t0;
        json_decref(doc);
    }
    syncspec_sanitizer_free(s);
    free(body);
    if (valid != OPS) {
        fprintf(stderr, "bench_sanitize: only %zu of %d ops were valid\n", valid, OPS);
        return 1;
    }
    qsort(parse, ROUNDS, sizeof *parse, compare);
    qsort(full, ROUNDS, sizeof *full, compare);
    double floor_rate = OPS / parse[ROUNDS / 2], rate = OPS / full[ROUNDS / 2];
    printf("sanitize 10,000 ops (parse + sanitize): %.0f ops/s\n", rate);
    printf("  floor  jansson parse only: %.0f ops/s\n", floor_rate);
    printf("  ratio  %.2f of the floor (target >= 0.60)\n", rate / floor_rate);
    return 0;
}
