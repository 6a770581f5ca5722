/*
 * Why not plain json_loadb for uploads:
 *
 * - jansson refuses a whole document for one number it cannot hold (an integer outside
 *   int64, a real past DBL_MAX), so an op with such a value got a single bad-op and lost the
 *   errors of its other fields. Such numbers are rewritten into strings that start with a
 *   NUL ("\u0000" + the number's text) and the text is parsed again: no column type accepts
 *   a string with a NUL (text included, and JSON columns refuse one anywhere in a value), so
 *   the sanitizer reports a `type` error on that column and judges the others as usual.
 * - jansson keeps the last of repeated keys without a word. Which value a client meant is
 *   unknowable, so each object whose text repeats a key says so in the tree.
 */
#include "core/json_load.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syncspec.h"

static const char *skip_space(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

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
/* memchr, not strchr: strchr finds a NUL byte of the text as the set's terminator, and the
 * walk would then stop on it for ever. */
static const char *skip_word(const char *p, const char *end) {
    static const char stops[] = ",]}: \t\n\r\"[{";
    while (p < end && !memchr(stops, *p, sizeof stops - 1)) p++;
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

/* ---- repeated keys -------------------------------------------------------------------- */

typedef struct member_key {
    const char *text;
    size_t length;
    char *owned; /* the unescaped key, when the text had escapes */
} member_key;

static int compare_member_keys(const void *a, const void *b) {
    const member_key *x = a, *y = b;
    size_t n = x->length < y->length ? x->length : y->length;
    int c = memcmp(x->text, y->text, n);
    return c ? c : (x->length > y->length) - (x->length < y->length);
}

/* Adds the UPLOAD_JSON_DUPLICATES member to `object`: its keys given more than once. */
static int mark_duplicates(json_t *object, member_key *keys, size_t count) {
    qsort(keys, count, sizeof *keys, compare_member_keys);
    json_t *repeated = json_array();
    if (!repeated) return -1;
    for (size_t i = 1; i < count; i++) {
        if (compare_member_keys(&keys[i - 1], &keys[i]) != 0) continue;
        if (i >= 2 && compare_member_keys(&keys[i - 2], &keys[i]) == 0) continue; /* listed */
        if (json_array_append_new(repeated, json_stringn(keys[i].text, keys[i].length))) {
            json_decref(repeated);
            return -1;
        }
    }
    return json_object_setn_new_nocheck(object, UPLOAD_JSON_DUPLICATES,
                                        UPLOAD_JSON_DUPLICATES_LENGTH, repeated);
}

static const char *walk_value(const char *p, const char *end, json_t *node, int *rc);

/* The key whose text starts at the quote `p`; sets *next after it. False on exhausted memory. */
static bool read_key(member_key *k, const char *p, const char *end, const char **next) {
    bool escaped;
    *next = skip_string(p, end, &escaped);
    k->text = p + 1;
    k->length = (size_t)(*next - p - 2);
    k->owned = NULL;
    if (!escaped) return true;
    json_t *decoded = json_loadb(p, (size_t)(*next - p), JSON_DECODE_ANY, NULL);
    k->length = json_string_length(decoded);
    k->owned = decoded ? malloc(k->length + 1) : NULL;
    if (k->owned) memcpy(k->owned, json_string_value(decoded), k->length + 1);
    json_decref(decoded);
    k->text = k->owned;
    return k->owned != NULL;
}

/*
 * Walks an object's text beside its tree node (NULL when the tree has no counterpart): the
 * tree holds fewer members than the text exactly when a key repeats, and only then are the
 * keys gathered (a second pass over the object's text).
 */
static const char *walk_object(const char *p, const char *end, json_t *node, int *rc) {
    const char *start = p, *next;
    size_t count = 0;
    p = skip_space(p + 1, end);
    while (p < end && *p == '"' && *rc == 0) {
        member_key k;
        if (!read_key(&k, p, end, &next)) {
            *rc = -1;
            break;
        }
        json_t *child = node ? json_object_getn(node, k.text, k.length) : NULL;
        free(k.owned);
        count++;
        p = skip_space(next, end);
        if (p < end && *p == ':') p++;
        p = skip_space(walk_value(skip_space(p, end), end, child, rc), end);
        if (p < end && *p == ',') p = skip_space(p + 1, end);
    }
    if (p < end && *p == '}') p++;
    if (*rc != 0 || !node || count <= json_object_size(node)) return p;

    member_key *keys = calloc(count, sizeof *keys);
    size_t n = 0;
    const char *q = skip_space(start + 1, end);
    while (keys && n < count && q < end && *q == '"') {
        if (!read_key(&keys[n], q, end, &next)) break;
        n++;
        q = skip_space(next, end);
        if (q < end && *q == ':') q++;
        q = skip_space(walk_value(skip_space(q, end), end, NULL, rc), end);
        if (q < end && *q == ',') q = skip_space(q + 1, end);
    }
    if (!keys || n < count || mark_duplicates(node, keys, n)) *rc = -1;
    for (size_t i = 0; keys && i < n; i++) free(keys[i].owned);
    free(keys);
    return p;
}

static const char *walk_value(const char *p, const char *end, json_t *node, int *rc) {
    if (p >= end) return p;
    if (*p == '{') return walk_object(p, end, json_is_object(node) ? node : NULL, rc);
    if (*p == '"') {
        bool escaped;
        return skip_string(p, end, &escaped);
    }
    if (*p != '[') return skip_word(p, end);
    p = skip_space(p + 1, end);
    for (size_t i = 0; p < end && *p != ']' && *rc == 0; i++) {
        p = skip_space(walk_value(p, end, json_array_get(node, i), rc), end);
        if (p < end && *p == ',') p = skip_space(p + 1, end);
    }
    return p < end ? p + 1 : p;
}

json_t *upload_json_loadb(const char *text, size_t n, json_error_t *error) {
    json_error_t ignored;
    if (!error) error = &ignored; /* optional, as in jansson */
    syncspec_buffer rewritten = {0};
    json_t *root = json_loadb(text, n, JSON_ALLOW_NUL, error);
    if (!root && json_error_code(error) == json_error_numeric_overflow &&
        rewrite_numbers(&rewritten, text, n) == 0) {
        text = rewritten.data;
        n = rewritten.len;
        root = json_loadb(text, n, JSON_ALLOW_NUL, error);
    }
    if (root) {
        int rc = 0;
        walk_value(skip_space(text, text + n), text + n, root, &rc);
        if (rc != 0) {
            json_decref(root);
            root = NULL;
            snprintf(error->text, sizeof error->text, "out of memory");
        }
    }
    syncspec_buffer_free(&rewritten);
    return root;
}
