/*
 * The download's JSON reader (src/core/json_reader.c): values, escapes, in-place
 * strings, skipping and seeking, and every malformed input failing at its byte, checked
 * against jansson, which the rest of the library parses with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/json_reader.h"

/* Skips one whole document; true when the text is well-formed JSON. */
static bool reader_accepts(const char *text) {
    json_reader r;
    json_reader_init(&r, text, strlen(text));
    return json_reader_skip(&r) && json_reader_end(&r);
}

static bool jansson_accepts(const char *text) {
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    json_decref(v);
    return v != NULL;
}

static void test_values(void **state) {
    (void)state;
    const char *text = " {\"s\": \"plain\", \"e\": \"a\\\"b\\\\c\\/\\n\\u00e9\\ud83c\\udf89\", "
                       "\"n\": [0, -12, 9223372036854775807, 1.5e3, -0.25, 1e-400], "
                       "\"w\": [true, false, null]} ";
    json_reader r;
    syncspec_buffer scratch = {0};
    json_scalar key, v;
    json_reader_init(&r, text, strlen(text));
    assert_true(json_reader_object_begin(&r));
    size_t i = 0;
    assert_true(json_reader_object_next(&r, &i, &key, &scratch));
    assert_true(json_scalar_is(&key, "s"));
    assert_true(json_reader_scalar(&r, &v, &scratch));
    assert_true(json_scalar_is(&v, "plain"));
    assert_false(v.in_scratch); /* no escapes: the value is read in place */
    assert_ptr_equal(v.text, strstr(text, "plain"));
    i++;
    assert_true(json_reader_object_next(&r, &i, &key, &scratch));
    assert_true(json_reader_scalar(&r, &v, &scratch));
    assert_true(v.in_scratch);
    assert_int_equal(v.length, strlen("a\"b\\c/\n\xc3\xa9\xf0\x9f\x8e\x89"));
    assert_memory_equal(v.text, "a\"b\\c/\n\xc3\xa9\xf0\x9f\x8e\x89", v.length);
    i++;
    assert_true(json_reader_object_next(&r, &i, &key, &scratch));
    assert_true(json_scalar_is(&key, "n"));
    assert_true(json_reader_array_begin(&r));
    const int64_t ints[] = {0, -12, INT64_MAX};
    const double reals[] = {1500, -0.25, 0};
    size_t k = 0;
    for (; json_reader_array_next(&r, &k); k++) {
        assert_true(json_reader_scalar(&r, &v, &scratch));
        if (k < 3) {
            assert_int_equal(v.kind, JSON_SCALAR_INTEGER);
            assert_true(v.integer == ints[k]);
        } else {
            assert_int_equal(v.kind, JSON_SCALAR_REAL);
            assert_true(v.real == reals[k - 3]);
        }
    }
    assert_int_equal(k, 6);
    i++;
    assert_true(json_reader_object_next(&r, &i, &key, &scratch));
    size_t at = json_reader_offset(&r);
    assert_true(json_reader_skip(&r));
    /* Seeking back reads the skipped value again. */
    json_reader_seek(&r, at);
    assert_true(json_reader_array_begin(&r));
    const json_scalar_kind kinds[] = {JSON_SCALAR_TRUE, JSON_SCALAR_FALSE, JSON_SCALAR_NULL};
    for (k = 0; json_reader_array_next(&r, &k); k++) {
        assert_true(json_reader_scalar(&r, &v, &scratch));
        assert_int_equal(v.kind, kinds[k]);
    }
    assert_int_equal(k, 3);
    i++;
    assert_false(json_reader_object_next(&r, &i, &key, &scratch));
    assert_null(r.error);
    assert_true(json_reader_end(&r));
    syncspec_buffer_free(&scratch);
}

/* Each malformed text fails, at the byte given, with jansson refusing it too. */
static void test_malformed(void **state) {
    (void)state;
    static const struct {
        const char *text;
        size_t offset;
    } cases[] = {
        {"", 0},
        {"[1,]", 3},
        {"[1 2]", 3},
        {"{\"a\" 1}", 5},
        {"{\"a\":1,}", 7},
        {"{1:2}", 1},
        {"\"open", 5},
        {"\"tab\there\"", 4},
        {"\"\xff\"", 2},
        {"\"\xc0\xaf\"", 3},
        {"\"\\udc00\"", 1},
        {"\"\\ud800x\"", 1},
        {"\"\\u0000\"", 1},
        {"\"\\x\"", 1},
        {"01", 1},
        {"1.", 0},
        {"-", 0},
        {"1e", 0},
        {"tru", 0},
        {"{} x", 3},
        {"[[]", 3},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        json_reader r;
        json_reader_init(&r, cases[c].text, strlen(cases[c].text));
        bool ok = json_reader_skip(&r) && json_reader_end(&r);
        if (ok || json_reader_offset(&r) != cases[c].offset || !r.error)
            fail_msg("case %zu (%s): %s at %zu", c, cases[c].text, ok ? "accepted" : r.error,
                     json_reader_offset(&r));
        assert_false(jansson_accepts(cases[c].text));
        /* After a failure every call fails. */
        json_scalar v;
        assert_false(json_reader_scalar(&r, &v, NULL));
    }
}

/* Numbers past 64 bits or a double fail where their value is read, as in jansson; skipping
 * checks their grammar only, so an upload's outline leaves them to the sanitizer. */
static void test_number_range(void **state) {
    (void)state;
    const char *out_of_range[] = {"9223372036854775808", "-9223372036854775809", "1e400"};
    for (size_t i = 0; i < sizeof out_of_range / sizeof *out_of_range; i++) {
        json_reader r;
        json_scalar v;
        json_reader_init(&r, out_of_range[i], strlen(out_of_range[i]));
        assert_false(json_reader_scalar(&r, &v, NULL));
        assert_string_equal(r.error, "a number out of range");
        assert_int_equal(json_reader_offset(&r), 0);
        assert_false(jansson_accepts(out_of_range[i]));
        assert_true(reader_accepts(out_of_range[i]));
    }
}

/* A NUL escape is refused unless asked for, as jansson does without JSON_ALLOW_NUL. */
static void test_nul(void **state) {
    (void)state;
    const char *text = "\"a\\u0000b\"";
    json_reader r;
    json_scalar v;
    syncspec_buffer scratch = {0};
    json_reader_init(&r, text, strlen(text));
    assert_false(json_reader_scalar(&r, &v, &scratch));
    json_reader_init(&r, text, strlen(text));
    r.allow_nul = true;
    assert_true(json_reader_scalar(&r, &v, &scratch));
    assert_int_equal(v.length, 3);
    assert_memory_equal(v.text, "a\0b", 3);
    /* In a key never, allow_nul or not, as jansson: skipping refuses it too. */
    const char *keyed = "{\"a\":{\"k\\u0000\":1}}";
    json_reader_init(&r, keyed, strlen(keyed));
    r.allow_nul = true;
    assert_false(json_reader_skip(&r));
    assert_string_equal(r.error, "a NUL character in a key");
    assert_null(json_loads(keyed, 0 | JSON_ALLOW_NUL, NULL));
    syncspec_buffer_free(&scratch);
}

/* Nesting deeper than jansson's limit (2048) fails cleanly instead of overflowing anything;
 * anything jansson takes, the reader takes. */
static void test_depth(void **state) {
    (void)state;
    static char deep[2 * 2100 + 1];
    for (int i = 0; i < 2100; i++) deep[i] = '[', deep[2100 + i] = ']';
    deep[4200] = '\0';
    assert_false(reader_accepts(deep));
    assert_false(jansson_accepts(deep));
    deep[4000] = '\0'; /* 2000 levels: fine once closed */
    memset(deep + 2000, ']', 2000);
    assert_true(reader_accepts(deep));
    assert_true(jansson_accepts(deep));
}

/* Reader and jansson agree on a spread of valid documents. */
static void test_agrees_with_jansson(void **state) {
    (void)state;
    const char *valid[] = {
        "null",
        "0",
        "-0",
        "1E+2",
        "0.5e-3",
        "\"\"",
        "[]",
        "{}",
        " [ {\"a\" : [ ] } ] ",
        "{\"a\":{\"b\":{\"c\":[1,\"x\",null,true,false,{}]}}}",
        "\"\\ud834\\udd1e\"",
        "\"\xe6\x97\xa5\xe6\x9c\xac\"",
        "[\"\\u001f\", \"\\\"\"]",
    };
    for (size_t i = 0; i < sizeof valid / sizeof *valid; i++) {
        if (!reader_accepts(valid[i])) fail_msg("refused: %s", valid[i]);
        assert_true(jansson_accepts(valid[i]));
    }
}

/*
 * Strings are scanned eight bytes at a time: each byte that ends a plain run (a quote, a
 * backslash, a control character, a UTF-8 sequence, valid or not) is tried at every offset
 * of a string of every length up to 24, and the reader must agree with jansson on whether
 * the string is JSON and, when it is, read the same value.
 */
static void test_strings_at_every_offset(void **state) {
    (void)state;
    const char *specials[] = {"\\\"",
                              "\\n",
                              "\\u00e9",
                              "\x01",
                              "\x1f",
                              "\x7f",
                              "\xc3\xa9",
                              "\xe2\x82\xac",
                              "\xf0\x9f\x8e\x89",
                              "\xc3",
                              "\x80",
                              "\xff",
                              "\"",
                              "\\"};
    for (size_t k = 0; k < sizeof specials / sizeof *specials; k++)
        for (size_t len = 0; len <= 24; len++)
            for (size_t at = 0; at <= len; at++) {
                char text[64];
                size_t n = 0;
                text[n++] = '"';
                for (size_t i = 0; i < len; i++) {
                    if (i == at) n += (size_t)sprintf(text + n, "%s", specials[k]);
                    text[n++] = (char)('a' + i % 26);
                }
                if (at == len) n += (size_t)sprintf(text + n, "%s", specials[k]);
                text[n++] = '"';
                text[n] = '\0';
                json_t *expected = json_loads(text, JSON_DECODE_ANY, NULL);
                json_reader r;
                json_scalar v;
                syncspec_buffer scratch = {0};
                json_reader_init(&r, text, n);
                bool read = json_reader_scalar(&r, &v, &scratch) && json_reader_end(&r);
                if (read != (expected != NULL))
                    fail_msg("special %zu at %zu of %zu: reader %d, jansson %d", k, at, len, read,
                             expected != NULL);
                if (read) {
                    assert_int_equal(v.length, json_string_length(expected));
                    assert_memory_equal(v.text, json_string_value(expected), v.length);
                }
                json_decref(expected);
                syncspec_buffer_free(&scratch);
            }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_number_range),
        cmocka_unit_test(test_nul),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_agrees_with_jansson),
        cmocka_unit_test(test_strings_at_every_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
