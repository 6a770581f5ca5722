/* src/core/value.c: timestamps, reals, UUIDs, UTF-8, canonical JSON and the buffer they
 * write to, each against a table of inputs and the one answer each must get. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "syncspec.h"

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

static void test_buffer(void **state) {
    (void)state;
    syncspec_buffer b = {0};
    assert_int_equal(syncspec_buffer_append(&b, "", 0), 0);
    for (int i = 0; i < 5000; i++) assert_int_equal(syncspec_buffer_append(&b, "ab\0", 3), 0);
    assert_int_equal(b.len, 15000);
    assert_int_equal(b.data[14999], '\0');
    assert_int_equal(b.data[14998], 'b');
    assert_int_equal(b.data[15000], '\0'); /* NUL-terminated once written */
    syncspec_buffer_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    syncspec_buffer_free(&b);
}

static void test_timestamp_parse(void **state) {
    (void)state;
    static const struct {
        const char *text;
        int64_t ms;
    } good[] = {
        {"1970-01-01", 0},
        {"1970-01-01T00:00:00Z", 0},
        {"1970-01-01 00:00:01", 1000},
        {"1970-01-01t00:00:00.5z", 500},
        {"1970-01-01T00:00:00.123456789Z", 123}, /* truncated, not rounded */
        {"1970-01-01T00:00:00.9999Z", 999},
        {"1970-01-01T01:00:00+01:00", 0},
        {"1970-01-01T00:00:00-0130", 5400000},
        {"1969-12-31T23:59:59.999Z", -1},
        {"2000-02-29T12:00:00Z", 951825600000},
        {"2024-06-30T23:59:59.000Z", 1719791999000},
        {"0001-01-01T00:00:00Z", -62135596800000},
        {"9999-12-31T23:59:59.999Z", 253402300799999},
    };
    for (size_t i = 0; i < COUNT(good); i++) {
        int64_t ms = 42;
        if (syncspec_timestamp_parse(&ms, good[i].text) != 0) fail_msg("%s", good[i].text);
        if (ms != good[i].ms) fail_msg("%s: %lld", good[i].text, (long long)ms);
    }
    static const char *const bad[] = {
        "",
        "2024",
        "2024-1-01",
        "2024-13-01",
        "2024-00-10",
        "2023-02-29", /* not a leap year */
        "1900-02-29",
        "2024-04-31",
        "2024-01-01T",
        "2024-01-01T24:00:00",
        "2024-01-01T12:60:00",
        "2024-01-01T12:00:60",
        "2024-01-01T12:00",
        "2024-01-01T12:00:00.",
        "2024-01-01T12:00:00.1234567890Z", /* ten fraction digits */
        "2024-01-01T12:00:00+24:00",
        "2024-01-01T12:00:00+01:60",
        "2024-01-01T12:00:00+1",
        "2024-01-01T12:00:00Z ",
        "2024-01-01x",
        "0000-12-31T23:59:59Z",      /* before year 1 */
        "9999-12-31T23:59:59-01:00", /* after year 9999 */
        " 2024-01-01",
    };
    for (size_t i = 0; i < COUNT(bad); i++) {
        int64_t ms = 42;
        if (syncspec_timestamp_parse(&ms, bad[i]) == 0) fail_msg("accepted '%s'", bad[i]);
        assert_int_equal(ms, 42); /* untouched */
    }
}

static void test_timestamp_format(void **state) {
    (void)state;
    char buf[SYNCSPEC_TIMESTAMP_SIZE];
    static const struct {
        int64_t ms;
        const char *text;
    } cases[] = {
        {0, "1970-01-01T00:00:00.000Z"},
        {-1, "1969-12-31T23:59:59.999Z"},
        {951825600007, "2000-02-29T12:00:00.007Z"},
        {-62135596800000, "0001-01-01T00:00:00.000Z"},
        {253402300799999, "9999-12-31T23:59:59.999Z"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        assert_int_equal(syncspec_timestamp_format(buf, cases[i].ms), 0);
        assert_string_equal(buf, cases[i].text);
        int64_t back;
        assert_int_equal(syncspec_timestamp_parse(&back, buf), 0);
        assert_int_equal(back, cases[i].ms);
    }
    assert_int_equal(syncspec_timestamp_format(buf, -62135596800001), -1);
    assert_int_equal(syncspec_timestamp_format(buf, 253402300800000), -1);
    assert_int_equal(syncspec_timestamp_format(buf, INT64_MIN), -1);
    /* Every millisecond count in range round-trips (a sample across the range). */
    for (int64_t ms = -62135596800000; ms < 253402300799999; ms += 98765432109) {
        assert_int_equal(syncspec_timestamp_format(buf, ms), 0);
        int64_t back;
        assert_int_equal(syncspec_timestamp_parse(&back, buf), 0);
        assert_int_equal(back, ms);
    }
}

static void test_format_real(void **state) {
    (void)state;
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        {0, "0"},
        {-0.0, "0"},
        {1, "1"},
        {-1.5, "-1.5"},
        {0.1, "0.1"},
        {0.1 + 0.2, "0.30000000000000004"},
        {1000, "1000"},
        {123456789012345680000.0, "123456789012345680000"},
        {1e21, "1e+21"},
        {1.5e300, "1.5e+300"},
        {1e-6, "0.000001"},
        {1e-7, "1e-7"},
        {-2.5e-10, "-2.5e-10"},
        {5e-324, "5e-324"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
    };
    char buf[SYNCSPEC_REAL_SIZE];
    for (size_t i = 0; i < COUNT(cases); i++) {
        syncspec_format_real(buf, cases[i].v);
        if (strcmp(buf, cases[i].text) != 0) fail_msg("%.17g: '%s'", cases[i].v, buf);
    }
    /* Shortest and exact: the text reads back as the same double. */
    srand(7);
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = ((uint64_t)rand() << 42) ^ ((uint64_t)rand() << 21) ^ (uint64_t)rand();
        double v;
        memcpy(&v, &bits, sizeof v);
        if (!isfinite(v)) continue;
        syncspec_format_real(buf, v);
        assert_true(strlen(buf) < SYNCSPEC_REAL_SIZE);
        if (strtod(buf, NULL) != v) fail_msg("%.17g: '%s'", v, buf);
    }
}

static void test_uuid(void **state) {
    (void)state;
    assert_true(syncspec_is_uuid("00000000-0000-0000-0000-000000000000"));
    assert_true(syncspec_is_uuid("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"));
    static const char *const bad[] = {
        "",
        "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0", /* uppercase: another spelling */
        "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f",
        "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f00",
        "0f1e2d3c4b5a-6978-8796-a5b4c3d2e1f0-",
        "0f1e2d3c-4b5a-6978-8796_a5b4c3d2e1f0",
        "{0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f}",
        "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1fg",
    };
    for (size_t i = 0; i < COUNT(bad); i++)
        if (syncspec_is_uuid(bad[i])) fail_msg("accepted '%s'", bad[i]);
}

static void test_utf8(void **state) {
    (void)state;
    static const struct {
        const char *bytes;
        size_t n;
        bool valid;
        size_t length; /* characters, when valid */
    } cases[] = {
        {"", 0, true, 0},
        {"abc", 3, true, 3},
        {"a\0b", 3, true, 3},
        {"\xc3\xa9t\xc3\xa9", 5, true, 3},
        {"\xe2\x82\xac", 3, true, 1},
        {"\xf0\x9f\x98\x80", 4, true, 1},
        {"\xf4\x8f\xbf\xbf", 4, true, 1},      /* U+10FFFF */
        {"\xf4\x90\x80\x80", 4, false, 0},     /* past U+10FFFF */
        {"\xed\xa0\x80", 3, false, 0},         /* a surrogate */
        {"\xc0\xaf", 2, false, 0},             /* overlong '/' */
        {"\xe0\x80\xaf", 3, false, 0},         /* overlong */
        {"\xc3", 1, false, 0},                 /* cut short */
        {"\xf0\x9f\x98", 3, false, 0},         /* cut short */
        {"\x80", 1, false, 0},                 /* a continuation byte alone */
        {"\xc3\x28", 2, false, 0},             /* not a continuation byte */
        {"\xf8\x88\x80\x80\x80", 5, false, 0}, /* five bytes */
        {"\xff", 1, false, 0},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        if (syncspec_utf8_valid(cases[i].bytes, cases[i].n) != cases[i].valid)
            fail_msg("case %zu", i);
        if (cases[i].valid)
            assert_int_equal(syncspec_utf8_length(cases[i].bytes, cases[i].n), cases[i].length);
    }
    /* The length stops at n, not at the first NUL or past it. */
    assert_int_equal(syncspec_utf8_length("\xc3\xa9xyz", 3), 2);
}

static void test_json_canonical(void **state) {
    (void)state;
    static const struct {
        const char *json;
        const char *canonical;
    } cases[] = {
        {"{\"b\": 1, \"a\": [true, false, null], \"B\": {}}",
         "{\"B\":{},\"a\":[true,false,null],\"b\":1}"},
        {"[1.0, 0.1, -0, 1e21, 2.5e-7, 12345678901234567]",
         "[1,0.1,0,1e+21,2.5e-7,12345678901234567]"},
        {"\"q\\\" b\\\\ n\\n r\\r t\\t b\\b f\\f \\u0001 \\u001f \\u00e9 \\u2028\"",
         "\"q\\\" b\\\\ n\\n r\\r t\\t b\\b f\\f \\u0001 \\u001f \xc3\xa9 \xe2\x80\xa8\""},
        {"{\"z\": {\"y\": [], \"x\": [{\"b\": 2, \"a\": 1}]}}",
         "{\"z\":{\"x\":[{\"a\":1,\"b\":2}],\"y\":[]}}"},
        {"-9223372036854775808", "-9223372036854775808"},
        {"\"\"", "\"\""},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        json_error_t error;
        json_t *v = json_loads(cases[i].json, JSON_DECODE_ANY, &error);
        if (!v) fail_msg("%s: %s", cases[i].json, error.text);
        syncspec_buffer out = {0};
        assert_int_equal(syncspec_json_canonical(&out, v), 0);
        if (strcmp(out.data, cases[i].canonical) != 0)
            fail_msg("%s: got %s", cases[i].json, out.data);
        /* Canonical text is a fixed point. */
        json_t *again = json_loads(out.data, JSON_DECODE_ANY, &error);
        assert_non_null(again);
        syncspec_buffer twice = {0};
        assert_int_equal(syncspec_json_canonical(&twice, again), 0);
        assert_string_equal(twice.data, out.data);
        syncspec_buffer_free(&out);
        syncspec_buffer_free(&twice);
        json_decref(again);
        json_decref(v);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buffer),
        cmocka_unit_test(test_timestamp_parse),
        cmocka_unit_test(test_timestamp_format),
        cmocka_unit_test(test_format_real),
        cmocka_unit_test(test_uuid),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_json_canonical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
