/*
 * Why not plain json_loadb for uploads: jansson refuses a whole document for one number it cannot
 * hold (an integer outside int64, a real past DBL_MAX), so an op with such a value got a single
 * bad-op and lost the errors of its other fields. Such numbers are rewritten into strings that
 * start with a NUL
 * ("\u0000" + the number's text) and the text is parsed again: no column type accepts a
 * string with a NUL (text included, and JSON columns refuse one anywhere in a value), so the
 * sanitizer reports a `type` error on that column and judges the others as usual.
 */
#include "runtime/json_load.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "syncspec.h"

/* From an opening quote to after the closing one; *escaped when it holds a backslash. */
static const char *skip_string(const char *p, const char *end, bool *escaped) {
    *escaped = false;
    for (p++; p < end && *p != '"'; p++)
        if (*p == '\\') {
            *escaped = true;
            p++;
        }
    return p < end ? p + 1 : end;
}

/* A number, true, false or null: up to the next delimiter. */
static const char *skip_word(const char *p, const char *end) {
    while (p < end && !strchr(",]}: \t\n\r\"[{", *p)) p++;
    return p;
}

/* ---- numbers jansson cannot hold --------------------------------------------------------- */

static bool overflows(const char *token, size_t n) {
    json_error_t error;
    json_t *v = json_loadb(token, n, JSON_DECODE_ANY, &error);
    json_decref(v);
    return !v && json_error_code(&error) == json_error_numeric_overflow;
}

/* `text` with every number jansson cannot hold turned into "\u0000<number>". */
static int rewrite_numbers(syncspec_buffer *out, const char *text, size_t n) {
    const char *p = text, *end = text + n, *copied = text;
    while (p < end) {
        if (*p == '"') {
            bool escaped;
            p = skip_string(p, end, &escaped);
            continue;
        }
        if (*p != '-' && !(*p >= '0' && *p <= '9')) {
            p++;
            continue;
        }
        const char *token = p;
        p = skip_word(p, end);
        if (!overflows(token, (size_t)(p - token))) continue;
        if (syncspec_buffer_append(out, copied, (size_t)(token - copied)) ||
            syncspec_buffer_append(out, "\"\\u0000", 7) ||
            syncspec_buffer_append(out, token, (size_t)(p - token)) ||
            syncspec_buffer_append(out, "\"", 1))
            return -1;
        copied = p;
    }
    return syncspec_buffer_append(out, copied, (size_t)(end - copied));
}

json_t *upload_json_loadb(const char *text, size_t n, json_error_t *error) {
    syncspec_buffer rewritten = {0};
    json_t *root = json_loadb(text, n, JSON_ALLOW_NUL, error);
    if (!root && json_error_code(error) == json_error_numeric_overflow &&
        rewrite_numbers(&rewritten, text, n) == 0) {
        text = rewritten.data;
        n = rewritten.len;
        root = json_loadb(text, n, JSON_ALLOW_NUL, error);
    }
    syncspec_buffer_free(&rewritten);
    return root;
}
