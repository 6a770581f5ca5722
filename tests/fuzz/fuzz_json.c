/*
 * The runtime's JSON readers on any bytes: the streaming reader (json_reader.c, what the
 * server outlines an upload body with and the client reads a downloaded row with) walked
 * over the whole document, and the upload loader (json_load.c: repeated keys, numbers jansson
 * cannot hold). The first byte sets the reader's allow_nul. A document the streaming
 * reader accepts, jansson accepts too, unless a number is beyond its range (the server
 * outlines an upload with the one and parses its transactions with the other).
 */
#include <jansson.h>

#include "fuzz.h"
#include "core/json_load.h"
#include "core/json_reader.h"

enum { MAX_WALK_DEPTH = 512 };

/* Reads one value whole, as a consumer would. */
static bool walk(json_reader *r, syncspec_buffer *scratch, int depth) {
    json_scalar key, value;
    char c = json_reader_peek(r);
    if (depth > MAX_WALK_DEPTH) return json_reader_skip(r);
    if (c == '{') {
        if (!json_reader_object_begin(r)) return false;
        for (size_t i = 0; json_reader_object_next(r, &i, &key, scratch); i++)
            if (!walk(r, scratch, depth + 1)) return false;
        return !r->error;
    }
    if (c == '[') {
        if (!json_reader_array_begin(r)) return false;
        for (size_t i = 0; json_reader_array_next(r, &i); i++)
            if (!walk(r, scratch, depth + 1)) return false;
        return !r->error;
    }
    return json_reader_scalar(r, &value, scratch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    const char *text = (const char *)data + 1;
    size_t n = size - 1;

    json_reader r;
    syncspec_buffer scratch = {0};
    json_reader_init(&r, text, n);
    r.allow_nul = data[0] & 1;
    bool read = walk(&r, &scratch, 0) && json_reader_end(&r);
    syncspec_buffer_free(&scratch);

    json_reader skipper;
    json_reader_init(&skipper, text, n);
    skipper.allow_nul = r.allow_nul;
    bool skipped = json_reader_skip(&skipper) && json_reader_end(&skipper);
    FUZZ_CHECK(!read || skipped); /* skip checks less than a full read, never more */

    json_error_t error;
    json_t *tree =
        json_loadb(text, n, JSON_DECODE_ANY | (r.allow_nul ? JSON_ALLOW_NUL : 0), &error);
    if (read && !tree && json_error_code(&error) != json_error_numeric_overflow) {
        fprintf(stderr, "jansson refuses what json_reader reads: %s\n", error.text);
        FUZZ_CHECK(false);
    }
    json_decref(tree);

    json_t *loaded = upload_json_loadb(text, n, &error);
    json_decref(loaded);
    return 0;
}
