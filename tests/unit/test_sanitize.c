/*
 * The upload sanitizer, table-driven over the generated code for schemas/app.yaml and for
 * the edge-case golden spec (real, JSON, enum, min/max, pattern and max_length columns):
 * each case asserts the exact output row or the exact set of error codes. Sanitized rows
 * are bound into SQLite tables made from the generated sqlite.sql and read back. Then a seeded
 * mutation run: 100,000 ops derived from valid ones by edits of their values and keys (so
 * that nearly all still parse and reach the sanitizer) never crash and always give a row
 * or well-formed errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "app_schema.h"
#include "core/json_load.h"
#include "edge_schema.h"

/* The tables keep one case a line. */
/* clang-format off */
#define U1 "11111111-1111-4111-8111-111111111111"
#define P1 "22222222-2222-4222-8222-222222222222"
#define USER "user-1"

/* A document op with `data` (a JSON object's members). */
#define DOC(op, data) "{\"op\":\"" op "\",\"table\":\"documents\",\"id\":\"" U1 "\",\"data\":{" data "}}"
#define DOC_BASE "\"content\":\"c\",\"device_id\":\"d\""
/* The row a valid document PUT gives, with `extra` members (before the owner). */
#define DOC_ROW(extra) "{\"id\":\"" U1 "\",\"content\":\"c\",\"device_id\":\"d\"" extra ",\"owner_id\":\"" USER "\"}"
#define TS(value) DOC("PUT", DOC_BASE ",\"created_at\":" value)
#define TS_ROW(text) "{\"id\":\"" U1 "\",\"content\":\"c\",\"device_id\":\"d\",\"owner_id\":\"" USER "\",\"created_at\":\"" text "\"}"
#define PROJ(op, data) "{\"op\":\"" op "\",\"table\":\"projects\",\"id\":\"" P1 "\",\"data\":{" data "}}"
#define GROUP(data) "{\"op\":\"PUT\",\"table\":\"groups\",\"id\":\"" P1 "\",\"data\":{\"name\":\"g\"" data "}}"
/* 10, 50 and 200 two-byte characters. */
#define E10 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
#define E50 E10 E10 E10 E10 E10
#define E200 E50 E50 E50 E50
#define VERSION(op, data) "{\"op\":\"" op "\",\"table\":\"document_versions\",\"id\":\"" P1 "\",\"data\":{" data "}}"

/* clang-format on */

typedef struct sanitize_case {
    const char *name;
    const char *op;
    const char *errors; /* sorted, comma-separated codes; NULL when the op is valid */
    const char *row;    /* the expected row as JSON (keys in any order); NULL to skip */
} sanitize_case;

/* clang-format off */
static const sanitize_case cases[] = {
    /* Shapes of an op */
    {"put minimal", DOC("PUT", DOC_BASE), NULL, DOC_ROW("")},
    {"not an object", "[1,2]", "bad-op", NULL},
    {"op missing", "{\"table\":\"documents\",\"id\":\"" U1 "\"}", "bad-op", NULL},
    {"op lower case", "{\"op\":\"put\",\"table\":\"documents\",\"id\":\"" U1 "\",\"data\":{" DOC_BASE "}}", "bad-op", NULL},
    {"op with NUL and text", "{\"op\":\"PUT\\u0000x\",\"table\":\"documents\",\"id\":\"" U1 "\",\"data\":{" DOC_BASE "}}", "bad-op", NULL},
    {"table with NUL and text", "{\"op\":\"PUT\",\"table\":\"documents\\u0000x\",\"id\":\"" U1 "\",\"data\":{" DOC_BASE "}}", "unknown-table", NULL},
    {"unknown table", "{\"op\":\"PUT\",\"table\":\"users\",\"id\":\"" U1 "\",\"data\":{}}", "unknown-table", NULL},
    {"table missing", "{\"op\":\"PUT\",\"id\":\"" U1 "\"}", "unknown-table", NULL},
    {"local-only table", "{\"op\":\"PUT\",\"table\":\"preferences\",\"id\":\"" U1 "\",\"data\":{\"key\":\"k\"}}", "local-only-table", NULL},
    {"local-only table 2", "{\"op\":\"DELETE\",\"table\":\"local_metadata\",\"id\":\"" U1 "\"}", "local-only-table", NULL},
    {"data not an object", "{\"op\":\"PUT\",\"table\":\"documents\",\"id\":\"" U1 "\",\"data\":[1]}", "bad-data,required,required", NULL},
    {"delete ignores data", "{\"op\":\"DELETE\",\"table\":\"documents\",\"id\":\"" U1 "\",\"data\":{\"bogus\":1}}", NULL, "{\"id\":\"" U1 "\"}"},
    {"delete", "{\"op\":\"DELETE\",\"table\":\"documents\",\"id\":\"" U1 "\"}", NULL, "{\"id\":\"" U1 "\"}"},
    /* id */
    {"id upper case uuid: one UUID, one spelling", "{\"op\":\"DELETE\",\"table\":\"documents\",\"id\":\"AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE\"}", "bad-id", NULL},
    {"reference in upper case", DOC("PUT", DOC_BASE ",\"project_id\":\"AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE\""), "bad-id", NULL},
    {"id not a uuid", "{\"op\":\"DELETE\",\"table\":\"documents\",\"id\":\"42\"}", "bad-id", NULL},
    {"id a number", "{\"op\":\"DELETE\",\"table\":\"documents\",\"id\":42}", "bad-id", NULL},
    {"id missing", "{\"op\":\"DELETE\",\"table\":\"documents\"}", "bad-id", NULL},
    {"id uuid without dashes", "{\"op\":\"DELETE\",\"table\":\"documents\",\"id\":\"11111111111141118111111111111111\"}", "bad-id", NULL},
    {"data.id equal", DOC("PUT", DOC_BASE ",\"id\":\"" U1 "\""), NULL, DOC_ROW("")},
    {"data.id differs", DOC("PUT", DOC_BASE ",\"id\":\"" P1 "\""), "id-mismatch", NULL},
    {"data.id with NUL and text", DOC("PUT", DOC_BASE ",\"id\":\"" U1 "\\u0000x\""), "id-mismatch", NULL},
    {"id with NUL and text", "{\"op\":\"DELETE\",\"table\":\"documents\",\"id\":\"" U1 "\\u0000x\"}", "bad-id", NULL},
    {"patch changes id", DOC("PATCH", "\"id\":\"" P1 "\""), "id-mismatch", NULL},
    /* Keys */
    {"camel keys", DOC("PUT", "\"content\":\"c\",\"deviceId\":\"d\",\"projectId\":\"" P1 "\""), NULL, DOC_ROW(",\"project_id\":\"" P1 "\"")},
    {"snake and camel agree", DOC("PUT", DOC_BASE ",\"deviceId\":\"d\""), NULL, DOC_ROW("")},
    {"snake and camel conflict", DOC("PUT", DOC_BASE ",\"deviceId\":\"e\""), "key-conflict", NULL},
    {"unknown key", DOC("PUT", DOC_BASE ",\"color\":\"red\""), "unknown-key", NULL},
    {"unknown key with SQL", DOC("PUT", DOC_BASE ",\"title; DROP TABLE documents; --\":\"x\""), "unknown-key", NULL},
    {"SQL text as a value is just text", DOC("PUT", DOC_BASE ",\"title\":\"'); DROP TABLE documents; --\""), NULL, DOC_ROW(",\"title\":\"'); DROP TABLE documents; --\"")},
    {"several errors at once", DOC("PUT", "\"x\":1,\"y\":2"), "required,required,unknown-key,unknown-key", NULL},
    {"key twice", DOC("PUT", DOC_BASE ",\"content\":\"b\""), "duplicate-key", NULL},
    {"key twice, other errors kept", DOC("PUT", DOC_BASE ",\"title\":\"a\",\"x\":1,\"title\":\"b\",\"sort\":2"), "duplicate-key,unknown-key,unknown-key", NULL},
    {"key three times", DOC("PUT", DOC_BASE ",\"title\":\"a\",\"title\":\"b\",\"title\":\"c\""), "duplicate-key", NULL},
    {"key twice, once escaped", DOC("PUT", DOC_BASE ",\"con\\u0074ent\":\"c\""), "duplicate-key", NULL},
    {"unknown key twice", DOC("PUT", DOC_BASE ",\"x\":1,\"x\":1"), "duplicate-key,unknown-key", NULL},
    {"camel key twice", DOC("PUT", DOC_BASE ",\"deviceId\":\"d\",\"deviceId\":\"d\""), "duplicate-key", NULL},
    {"owner twice", DOC("PUT", DOC_BASE ",\"owner_id\":\"" USER "\",\"owner_id\":null"), "duplicate-key", NULL},
    {"two keys twice and a bad value", DOC("PUT", DOC_BASE ",\"title\":1,\"title\":2,\"content\":\"e\",\"created_at\":\"no\""), "duplicate-key,duplicate-key,type", NULL},
    {"op key twice", "{\"op\":\"PUT\",\"op\":\"DELETE\",\"table\":\"documents\",\"id\":\"" U1 "\"}", "bad-op", NULL},
    {"data twice", "{\"op\":\"PUT\",\"table\":\"documents\",\"id\":\"" U1 "\",\"data\":{},\"data\":{" DOC_BASE "}}", "bad-op", NULL},
    {"table twice and a key twice", "{\"op\":\"PUT\",\"table\":\"documents\",\"table\":\"documents\",\"id\":\"" U1 "\",\"data\":{" DOC_BASE ",\"title\":\"a\",\"title\":\"a\"}}", "bad-op,duplicate-key", NULL},
    {"table twice, unknown", "{\"op\":\"PUT\",\"table\":\"nope\",\"table\":\"nope\",\"id\":\"" U1 "\"}", "bad-op,unknown-table", NULL},
    {"id twice on an insert-only table", "{\"op\":\"DELETE\",\"table\":\"document_versions\",\"id\":\"" P1 "\",\"id\":\"" P1 "\"}", "bad-op,insert-only", NULL},
    {"same key in sibling objects is fine", DOC("PUT", DOC_BASE ",\"title\":\"t\"") , NULL, DOC_ROW(",\"title\":\"t\"")},
    /* Owner */
    {"owner absent", DOC("PUT", DOC_BASE), NULL, DOC_ROW("")},
    {"owner null", DOC("PUT", DOC_BASE ",\"owner_id\":null"), NULL, DOC_ROW("")},
    {"owner equal", DOC("PUT", DOC_BASE ",\"ownerId\":\"" USER "\""), NULL, DOC_ROW("")},
    {"owner foreign", DOC("PUT", DOC_BASE ",\"owner_id\":\"user-2\""), "forbidden-owner", NULL},
    {"owner not a string", DOC("PUT", DOC_BASE ",\"owner_id\":7"), "forbidden-owner", NULL},
    {"owner with NUL and text", DOC("PUT", DOC_BASE ",\"owner_id\":\"" USER "\\u0000evil\""), "forbidden-owner", NULL},
    {"patch owner with NUL and text", DOC("PATCH", "\"owner_id\":\"" USER "\\u0000evil\""), "immutable", NULL},
    {"patch changes owner", DOC("PATCH", "\"owner_id\":\"user-2\""), "immutable", NULL},
    {"patch clears owner", DOC("PATCH", "\"owner_id\":null"), "immutable", NULL},
    {"patch keeps owner", DOC("PATCH", "\"owner_id\":\"" USER "\""), NULL, "{\"id\":\"" U1 "\"}"},
    /* Required */
    {"put missing required", DOC("PUT", "\"content\":\"c\""), "required", NULL},
    {"put null required", DOC("PUT", "\"content\":null,\"device_id\":\"d\""), "required", NULL},
    {"patch clears required", DOC("PATCH", "\"content\":null"), "required", NULL},
    {"patch clears nullable", DOC("PATCH", "\"title\":null"), NULL, "{\"id\":\"" U1 "\",\"title\":null}"},
    {"patch partial", DOC("PATCH", "\"title\":\"t\""), NULL, "{\"id\":\"" U1 "\",\"title\":\"t\"}"},
    {"required with default may be absent", PROJ("PUT", "\"name\":\"p\""), NULL, "{\"id\":\"" P1 "\",\"name\":\"p\",\"owner_id\":\"" USER "\"}"},
    /* Timestamps: every form PowerSync and its SDKs send */
    {"ts legacy", TS("\"2025-09-22 14:29:30.12Z\""), NULL, TS_ROW("2025-09-22T14:29:30.120Z")},
    {"ts iso 6 digits", TS("\"2025-09-22T14:29:30.120000Z\""), NULL, TS_ROW("2025-09-22T14:29:30.120Z")},
    {"ts toISOString", TS("\"2025-09-22T14:29:30.123Z\""), NULL, TS_ROW("2025-09-22T14:29:30.123Z")},
    {"ts 9 digits truncated", TS("\"2025-09-22T14:29:30.123999999Z\""), NULL, TS_ROW("2025-09-22T14:29:30.123Z")},
    {"ts no fraction", TS("\"2025-09-22T14:29:30Z\""), NULL, TS_ROW("2025-09-22T14:29:30.000Z")},
    {"ts +05:30", TS("\"2025-09-22T20:00:00+05:30\""), NULL, TS_ROW("2025-09-22T14:30:00.000Z")},
    {"ts -0800", TS("\"2025-09-22T06:29:30.5-0800\""), NULL, TS_ROW("2025-09-22T14:29:30.500Z")},
    {"ts no offset is UTC", TS("\"2025-09-22 14:29:30\""), NULL, TS_ROW("2025-09-22T14:29:30.000Z")},
    {"ts date only", TS("\"2025-09-22\""), NULL, TS_ROW("2025-09-22T00:00:00.000Z")},
    {"ts epoch seconds", TS("1758551370"), NULL, TS_ROW("2025-09-22T14:29:30.000Z")},
    {"ts epoch seconds real", TS("1758551370.5"), NULL, TS_ROW("2025-09-22T14:29:30.500Z")},
    {"ts epoch milliseconds", TS("1758551370123"), NULL, TS_ROW("2025-09-22T14:29:30.123Z")},
    {"ts negative epoch seconds", TS("-86400"), NULL, TS_ROW("1969-12-31T00:00:00.000Z")},
    {"ts negative epoch milliseconds", TS("-86400000000"), NULL, TS_ROW("1967-04-07T00:00:00.000Z")},
    {"ts epoch zero", TS("0"), NULL, TS_ROW("1970-01-01T00:00:00.000Z")},
    {"ts leap day", TS("\"2024-02-29T00:00:00Z\""), NULL, TS_ROW("2024-02-29T00:00:00.000Z")},
    {"ts impossible date", TS("\"2025-02-30T00:00:00Z\""), "type", NULL},
    {"ts not a leap year", TS("\"2025-02-29\""), "type", NULL},
    {"ts hour 24", TS("\"2025-09-22T24:00:00Z\""), "type", NULL},
    {"ts garbage", TS("\"yesterday\""), "type", NULL},
    {"ts empty", TS("\"\""), "type", NULL},
    {"ts 10 fraction digits", TS("\"2025-09-22T14:29:30.1234567890Z\""), "type", NULL},
    {"ts bad offset", TS("\"2025-09-22T14:29:30+25:00\""), "type", NULL},
    {"ts trailing text", TS("\"2025-09-22T14:29:30Z junk\""), "type", NULL},
    {"ts boolean", TS("true"), "type", NULL},
    {"ts object", TS("{}"), "type", NULL},
    {"ts with NUL and text", TS("\"2025-09-22\\u0000junk\""), "type", NULL},
    {"ts out of range", TS("1e300"), "type", NULL},
    /* Booleans */
    {"bool true", PROJ("PUT", "\"name\":\"p\",\"is_default\":true"), NULL, "{\"id\":\"" P1 "\",\"name\":\"p\",\"is_default\":1,\"owner_id\":\"" USER "\"}"},
    {"bool 0", PROJ("PUT", "\"name\":\"p\",\"isDefault\":0"), NULL, "{\"id\":\"" P1 "\",\"name\":\"p\",\"is_default\":0,\"owner_id\":\"" USER "\"}"},
    {"bool 1.0 from the Node SDK", PROJ("PUT", "\"name\":\"p\",\"is_default\":1.0"), NULL, "{\"id\":\"" P1 "\",\"name\":\"p\",\"is_default\":1,\"owner_id\":\"" USER "\"}"},
    {"bool string true", PROJ("PUT", "\"name\":\"p\",\"is_default\":\"true\""), NULL, "{\"id\":\"" P1 "\",\"name\":\"p\",\"is_default\":1,\"owner_id\":\"" USER "\"}"},
    {"bool string 0", PROJ("PUT", "\"name\":\"p\",\"is_default\":\"0\""), NULL, "{\"id\":\"" P1 "\",\"name\":\"p\",\"is_default\":0,\"owner_id\":\"" USER "\"}"},
    {"bool 2", PROJ("PUT", "\"name\":\"p\",\"is_default\":2"), "type", NULL},
    {"bool 0.5", PROJ("PUT", "\"name\":\"p\",\"is_default\":0.5"), "type", NULL},
    {"bool yes", PROJ("PUT", "\"name\":\"p\",\"is_default\":\"yes\""), "type", NULL},
    {"bool string with NUL", PROJ("PUT", "\"name\":\"p\",\"is_default\":\"true\\u0000x\""), "type", NULL},
    {"bool string 0 with NUL", PROJ("PUT", "\"name\":\"p\",\"is_default\":\"0\\u0000\""), "type", NULL},
    {"bool null on required", PROJ("PUT", "\"name\":\"p\",\"is_default\":null"), "required", NULL},
    /* Integers */
    {"int", GROUP(",\"sort_order\":5"), NULL, "{\"id\":\"" P1 "\",\"name\":\"g\",\"sort_order\":5,\"owner_id\":\"" USER "\"}"},
    {"int 5.0 from the Node SDK", GROUP(",\"sortOrder\":5.0"), NULL, "{\"id\":\"" P1 "\",\"name\":\"g\",\"sort_order\":5,\"owner_id\":\"" USER "\"}"},
    {"int max int64", GROUP(",\"sort_order\":9223372036854775807"), NULL, "{\"id\":\"" P1 "\",\"name\":\"g\",\"sort_order\":9223372036854775807,\"owner_id\":\"" USER "\"}"},
    {"int real beyond int64", GROUP(",\"sort_order\":9.3e18"), "type", NULL},
    {"int fraction", GROUP(",\"sort_order\":5.5"), "type", NULL},
    {"int string", GROUP(",\"sort_order\":\"5\""), "type", NULL},
    {"int bool", GROUP(",\"sort_order\":true"), "type", NULL},
    {"int min int64", GROUP(",\"sort_order\":-9223372036854775808"), NULL, "{\"id\":\"" P1 "\",\"name\":\"g\",\"sort_order\":-9223372036854775808,\"owner_id\":\"" USER "\"}"},
    {"int below int64, other errors kept", GROUP(",\"sort_order\":-9223372036854775809,\"color\":\"red\",\"x\":1"), "pattern,type,unknown-key", NULL},
    {"int above int64", GROUP(",\"sortOrder\":9223372036854775808"), "type", NULL},
    {"int 1e400", GROUP(",\"sort_order\":1e400"), "type", NULL},
    {"text from a number beyond int64", DOC("PUT", DOC_BASE ",\"title\":9223372036854775808,\"bogus\":1"), "type,unknown-key", NULL},
    {"text from -1e400", DOC("PUT", DOC_BASE ",\"title\":-1e400"), "type", NULL},
    {"text holding a huge number is text", DOC("PUT", DOC_BASE ",\"title\":\"1e400 \\\" 9223372036854775808\""), NULL, DOC_ROW(",\"title\":\"1e400 \\\" 9223372036854775808\"")},
    {"ts 1e400", TS("1e400"), "type", NULL},
    {"bool beyond int64", PROJ("PUT", "\"name\":\"p\",\"is_default\":18446744073709551616"), "type", NULL},
    {"owner beyond int64", DOC("PUT", DOC_BASE ",\"owner_id\":9223372036854775808"), "forbidden-owner", NULL},
    {"id beyond int64", "{\"op\":\"DELETE\",\"table\":\"documents\",\"id\":1e999}", "bad-id", NULL},
    {"data.id beyond int64", DOC("PUT", DOC_BASE ",\"id\":-1e400"), "id-mismatch", NULL},
    {"huge numbers in a whole op", "{\"op\":1e400,\"table\":\"documents\",\"id\":\"" U1 "\"}", "bad-op", NULL},
    {"int below min", VERSION("PUT", "\"document_id\":\"" U1 "\",\"version\":0,\"content\":\"c\",\"device_id\":\"d\""), "min", NULL},
    {"int at min", VERSION("PUT", "\"document_id\":\"" U1 "\",\"version\":1,\"content\":\"c\",\"device_id\":\"d\""), NULL, "{\"id\":\"" P1 "\",\"document_id\":\"" U1 "\",\"version\":1,\"content\":\"c\",\"device_id\":\"d\",\"owner_id\":\"" USER "\"}"},
    /* Text */
    {"text from number", DOC("PUT", DOC_BASE ",\"title\":42"), NULL, DOC_ROW(",\"title\":\"42\"")},
    {"text from real", DOC("PUT", DOC_BASE ",\"title\":0.1"), NULL, DOC_ROW(",\"title\":\"0.1\"")},
    {"text from bool", DOC("PUT", DOC_BASE ",\"title\":false"), NULL, DOC_ROW(",\"title\":\"false\"")},
    {"text object", DOC("PUT", DOC_BASE ",\"title\":{\"a\":1}"), "type", NULL},
    {"text array", DOC("PUT", DOC_BASE ",\"title\":[1]"), "type", NULL},
    {"text with NUL", DOC("PUT", DOC_BASE ",\"title\":\"a\\u0000b\""), "type", NULL},
    {"text unicode", DOC("PUT", DOC_BASE ",\"title\":\"h\\u00e9llo \\ud83c\\udf89\""), NULL, DOC_ROW(",\"title\":\"h\xc3\xa9llo \xf0\x9f\x8e\x89\"")},
    {"max_length 200 multi-byte ok", PROJ("PUT", "\"name\":\"" E200 "\""), NULL, "{\"id\":\"" P1 "\",\"name\":\"" E200 "\",\"owner_id\":\"" USER "\"}"},
    {"max_length 201 multi-byte", PROJ("PUT", "\"name\":\"" E200 "\xc3\xa9\""), "max-length", NULL},
    {"reference must be an id", DOC("PUT", DOC_BASE ",\"project_id\":\"nope\""), "bad-id", NULL},
    /* Patterns and insert-only */
    {"pattern ok", GROUP(",\"color\":\"#a0b1c2\""), NULL, "{\"id\":\"" P1 "\",\"name\":\"g\",\"color\":\"#a0b1c2\",\"owner_id\":\"" USER "\"}"},
    {"pattern mismatch", GROUP(",\"color\":\"red\""), "pattern", NULL},
    {"pattern upper case", GROUP(",\"color\":\"#A0B1C2\""), "pattern", NULL},
    {"pattern and a final newline", GROUP(",\"color\":\"#a0b1c2\\n\""), "pattern", NULL},
    {"insert-only patch", VERSION("PATCH", "\"version\":2"), "insert-only", NULL},
    {"insert-only delete", "{\"op\":\"DELETE\",\"table\":\"document_versions\",\"id\":\"" P1 "\"}", "insert-only", NULL},
};
/* clang-format on */

/* clang-format off */
/* The edge-case spec: id_format text, owner column user_id. */
#define EUSER "u"
#define ORDER(data) "{\"op\":\"PUT\",\"table\":\"order\",\"id\":\"o-1\",\"data\":{" data "}}"
/* The row of an order PUT with `extra` members. */
#define ORDER_ROW(extra) "{\"id\":\"o-1\"" extra ",\"user_id\":\"" EUSER "\"}"
#define EGROUP(data) "{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"g-1\",\"data\":{" data "}}"
#define EGROUP_ROW(extra) "{\"id\":\"g-1\"" extra ",\"user_id\":\"" EUSER "\"}"

static const sanitize_case edge_cases[] = {
    {"order minimal", ORDER(""), NULL, ORDER_ROW("")},
    /* Reals */
    {"real", ORDER("\"total\":0.1"), NULL, ORDER_ROW(",\"total\":0.1")},
    {"real from integer", ORDER("\"total\":7"), NULL, ORDER_ROW(",\"total\":7.0")},
    {"real negative exponent", ORDER("\"total\":-1.5e0"), NULL, ORDER_ROW(",\"total\":-1.5")},
    {"real string", ORDER("\"total\":\"2.5\""), NULL, ORDER_ROW(",\"total\":2.5")},
    {"real string exponent", ORDER("\"total\":\"1e3\""), NULL, ORDER_ROW(",\"total\":1000.0")},
    {"real string negative", ORDER("\"total\":\"-1.25\""), NULL, ORDER_ROW(",\"total\":-1.25")},
    {"real at max", ORDER("\"total\":1e6"), NULL, ORDER_ROW(",\"total\":1000000.0")},
    {"real above max", ORDER("\"total\":1000000.5"), "max", NULL},
    {"real at min", ORDER("\"total\":-1.5"), NULL, ORDER_ROW(",\"total\":-1.5")},
    {"real below min", ORDER("\"total\":-1.51"), "min", NULL},
    {"real string below min", ORDER("\"total\":\"-2\""), "min", NULL},
    {"real string words", ORDER("\"total\":\"five\""), "type", NULL},
    {"real string empty", ORDER("\"total\":\"\""), "type", NULL},
    {"real string leading space", ORDER("\"total\":\" 5\""), "type", NULL},
    {"real string with NUL", ORDER("\"total\":\"1\\u0000\""), "type", NULL},
    {"real string hex", ORDER("\"total\":\"0x10\""), "type", NULL},
    {"real string tab", ORDER("\"total\":\"\\t5\""), "type", NULL},
    {"real string newline", ORDER("\"total\":\"\\n5\""), "type", NULL},
    {"real string trailing space", ORDER("\"total\":\"5 \""), "type", NULL},
    {"real string inf", ORDER("\"total\":\"inf\""), "type", NULL},
    {"real string Infinity", ORDER("\"total\":\"-Infinity\""), "type", NULL},
    {"real string nan", ORDER("\"total\":\"nan\""), "type", NULL},
    {"real string plus", ORDER("\"total\":\"+5\""), "type", NULL},
    {"real string leading zero", ORDER("\"total\":\"05\""), "type", NULL},
    {"real string bare fraction", ORDER("\"total\":\".5\""), "type", NULL},
    {"real string bare point", ORDER("\"total\":\"5.\""), "type", NULL},
    {"real string comma", ORDER("\"total\":\"1,5\""), "type", NULL},
    {"real string bare exponent", ORDER("\"total\":\"1e\""), "type", NULL},
    {"real string minus only", ORDER("\"total\":\"-\""), "type", NULL},
    {"real string exponent sign", ORDER("\"total\":\"25E-1\""), NULL, ORDER_ROW(",\"total\":2.5")},
    {"real string zero", ORDER("\"total\":\"-0\""), NULL, ORDER_ROW(",\"total\":0.0")},
    {"real string 1e400", ORDER("\"total\":\"1e400\""), "type", NULL},
    {"real string underflow is 0 as a number", ORDER("\"total\":\"1e-400\""), NULL, ORDER_ROW(",\"total\":0.0")},
    {"real string beyond int64 is a real", ORDER("\"total\":\"9223372036854775808\""), "max", NULL},
    {"real bool", ORDER("\"total\":true"), "type", NULL},
    {"real object", ORDER("\"total\":{}"), "type", NULL},
    {"real null", ORDER("\"total\":null"), NULL, ORDER_ROW(",\"total\":null")},
    {"real 1e400", ORDER("\"total\":1e400,\"ratio\":3,\"code\":\"x\""), "enum,pattern,type", NULL},
    {"real -1e400", ORDER("\"total\":-1e400"), "type", NULL},
    {"real integer beyond int64", ORDER("\"total\":9223372036854775808"), "type", NULL},
    {"real underflow is 0", ORDER("\"total\":1e-400"), NULL, ORDER_ROW(",\"total\":0.0")},
    /* Enums: text, integer and real */
    {"enum text", EGROUP("\"select\":\"b'c\""), NULL, EGROUP_ROW(",\"select\":\"b'c\"")},
    {"enum text with a quote", EGROUP("\"select\":\"d\\\"e\""), NULL, EGROUP_ROW(",\"select\":\"d\\\"e\"")},
    {"enum text not allowed", EGROUP("\"select\":\"b\""), "enum", NULL},
    {"enum text case", EGROUP("\"select\":\"A\""), "enum", NULL},
    {"enum integer", ORDER("\"priority\":3"), NULL, ORDER_ROW(",\"priority\":3")},
    {"enum integer 3.0", ORDER("\"priority\":3.0"), NULL, ORDER_ROW(",\"priority\":3")},
    {"enum integer not allowed", ORDER("\"priority\":4"), "enum", NULL},
    {"enum real", ORDER("\"ratio\":2.25"), NULL, ORDER_ROW(",\"ratio\":2.25")},
    {"enum real from integer", ORDER("\"ratio\":1"), NULL, ORDER_ROW(",\"ratio\":1.0")},
    {"enum real string", ORDER("\"ratio\":\"0.5\""), NULL, ORDER_ROW(",\"ratio\":0.5")},
    {"enum real not allowed", ORDER("\"ratio\":0.25"), "enum", NULL},
    /* Integer min and max */
    {"int at max", EGROUP("\"order\":1000000"), NULL, EGROUP_ROW(",\"order\":1000000")},
    {"int above max", EGROUP("\"order\":1000001"), "max", NULL},
    {"int at min 0", EGROUP("\"order\":0"), NULL, EGROUP_ROW(",\"order\":0")},
    {"int below min -1", EGROUP("\"order\":-1"), "min", NULL},
    {"int below min and bad enum", "{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"g-1\",\"data\":{\"order\":-1,\"select\":\"z\"}}", "enum,min", NULL},
    /* JSON as text and as a value, stored canonical */
    {"json text", ORDER("\"meta\":\"{\\\"b\\\": [1, 2.50], \\\"a\\\": null}\""), NULL, ORDER_ROW(",\"meta\":\"{\\\"a\\\":null,\\\"b\\\":[1,2.5]}\"")},
    {"json text scalar", ORDER("\"meta\":\"42\""), NULL, ORDER_ROW(",\"meta\":\"42\"")},
    {"json text string", ORDER("\"meta\":\"\\\"x\\\"\""), NULL, ORDER_ROW(",\"meta\":\"\\\"x\\\"\"")},
    {"json text invalid", ORDER("\"meta\":\"{a:1}\""), "type", NULL},
    {"json text empty", ORDER("\"meta\":\"\""), "type", NULL},
    {"json text with NUL", ORDER("\"meta\":\"[\\\"a\\\\u0000\\\"]\""), "type", NULL},
    {"json text with NUL after it", ORDER("\"meta\":\"[1]\\u0000x\""), "type", NULL},
    {"json value object", ORDER("\"meta\":{\"z\":[true,false],\"a\":{\"y\":1.0}}"), NULL, ORDER_ROW(",\"meta\":\"{\\\"a\\\":{\\\"y\\\":1},\\\"z\\\":[true,false]}\"")},
    {"json value array", ORDER("\"meta\":[1,\"two\",null]"), NULL, ORDER_ROW(",\"meta\":\"[1,\\\"two\\\",null]\"")},
    {"json value number", ORDER("\"meta\":1e2"), NULL, ORDER_ROW(",\"meta\":\"100\"")},
    {"json value true", ORDER("\"meta\":true"), NULL, ORDER_ROW(",\"meta\":\"true\"")},
    {"json value with 1e400", ORDER("\"meta\":{\"a\":[1,1e400]}"), "type", NULL},
    {"json value beyond int64", ORDER("\"meta\":-9223372036854775809"), "type", NULL},
    {"json value with a key twice", ORDER("\"meta\":{\"a\":1,\"b\":{\"c\":1,\"c\":2}}"), "type", NULL},
    {"json value with a key in two objects", ORDER("\"meta\":[{\"a\":1},{\"a\":2}]"), NULL, ORDER_ROW(",\"meta\":\"[{\\\"a\\\":1},{\\\"a\\\":2}]\"")},
    {"json text with a key twice", ORDER("\"meta\":\"{\\\"a\\\":1,\\\"a\\\":2}\""), "type", NULL},
    {"key twice beside a huge number", ORDER("\"total\":1,\"total\":1e999"), "duplicate-key,type", NULL},
    {"json text with 1e400", ORDER("\"meta\":\"[1e400]\""), "type", NULL},
    {"json null is SQL NULL", ORDER("\"meta\":null"), NULL, ORDER_ROW(",\"meta\":null")},
    {"json value with NUL in a string", ORDER("\"meta\":{\"a\":\"x\\u0000y\"}"), "type", NULL},
    {"json value with NUL deep in an array", ORDER("\"meta\":[1,[{\"b\":[\"\\u0000\"]}]]"), "type", NULL},
    {"json value string-free with NUL elsewhere", ORDER("\"meta\":[\"ok\"],\"note\":\"a\\u0000\""), "type", NULL},
    /* max_length counts characters, with a pattern on the same column */
    {"note 5 characters", ORDER("\"note\":\"h\\u00e9llo\""), NULL, ORDER_ROW(",\"note\":\"h\xc3\xa9llo\"")},
    {"note 5 two-byte characters", ORDER("\"note\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\""), NULL, ORDER_ROW(",\"note\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"")},
    {"note 6 characters", ORDER("\"note\":\"h\\u00e9llo!\""), "max-length", NULL},
    {"note 5 emoji", ORDER("\"note\":\"\\ud83c\\udf89\\ud83c\\udf89\\ud83c\\udf89\\ud83c\\udf89\\ud83c\\udf89\""), NULL, ORDER_ROW(",\"note\":\"\xf0\x9f\x8e\x89\xf0\x9f\x8e\x89\xf0\x9f\x8e\x89\xf0\x9f\x8e\x89\xf0\x9f\x8e\x89\"")},
    {"code ok", ORDER("\"code\":\"ABC-12\""), NULL, ORDER_ROW(",\"code\":\"ABC-12\"")},
    {"code too long and matching", ORDER("\"code\":\"ABC-123456789\""), "max-length", NULL},
    {"code lower case", ORDER("\"code\":\"abc-12\""), "pattern", NULL},
    {"code with a final newline", ORDER("\"code\":\"ABC-12\\n\""), "pattern", NULL},
    {"code with an inner newline", ORDER("\"code\":\"ABC-1\\n2\""), "pattern", NULL},
    {"code too long and not matching", ORDER("\"code\":\"abc-1234567890\""), "max-length,pattern", NULL},
    /* Timestamps and ids on a text id_format */
    {"placed_at", ORDER("\"placedAt\":\"2025-09-22T14:29:30.12+00:00\""), NULL, ORDER_ROW(",\"placed_at\":\"2025-09-22T14:29:30.120Z\"")},
    {"placed_at null is required", ORDER("\"placed_at\":null"), "required", NULL},
    {"text id", ORDER("\"parent\":\"any text\""), NULL, ORDER_ROW(",\"parent\":\"any text\"")},
    {"text id empty", ORDER("\"parent\":\"\""), "bad-id", NULL},
    {"text id with NUL", ORDER("\"parent\":\"p\\u0000q\""), "type", NULL},
    {"enum text with NUL", EGROUP("\"select\":\"a\\u0000b\""), "type", NULL},
    {"placed_at with NUL", ORDER("\"placed_at\":\"2025-09-22\\u0000\""), "type", NULL},
    {"owner other user", ORDER("\"userId\":\"v\""), "forbidden-owner", NULL},
    {"insert-only patch", "{\"op\":\"PATCH\",\"table\":\"order\",\"id\":\"o-1\",\"data\":{\"total\":1}}", "insert-only", NULL},
    {"local-only keyword table", "{\"op\":\"PUT\",\"table\":\"user\",\"id\":\"x\",\"data\":{\"key\":\"k\"}}", "local-only-table", NULL},
    {"boolean keyword column", EGROUP("\"from\":\"false\",\"archived\":1"), NULL, EGROUP_ROW(",\"from\":0,\"archived\":1")},
};
/* clang-format on */

static syncspec_sanitizer *sanitizer, *edge_sanitizer;

static int setup(void **state) {
    (void)state;
    syncspec_error error = {0};
    if (syncspec_sanitizer_new(&sanitizer, &app_schema, &error) != 0 ||
        syncspec_sanitizer_new(&edge_sanitizer, &edge_schema, &error) != 0) {
        fprintf(stderr, "%s\n", error.message);
        return -1;
    }
    return 0;
}

static int teardown(void **state) {
    (void)state;
    syncspec_sanitizer_free(sanitizer);
    syncspec_sanitizer_free(edge_sanitizer);
    return 0;
}

static int compare_codes(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Runs a table of cases; returns how many failed (each printed). */
static size_t run_cases(syncspec_sanitizer *s, const sanitize_case *cases_, size_t count,
                        const char *user) {
    size_t failures = 0;
    for (size_t i = 0; i < count; i++) {
        const sanitize_case *c = &cases_[i];
        syncspec_op op;
        int rc = syncspec_sanitize_text(&op, s, c->op, strlen(c->op), user);
        char got[512] = "";
        const char *codes[SYNCSPEC_MAX_FIELD_ERRORS];
        size_t n =
            op.error_count < SYNCSPEC_MAX_FIELD_ERRORS ? op.error_count : SYNCSPEC_MAX_FIELD_ERRORS;
        for (size_t k = 0; k < n; k++) codes[k] = op.errors[k].code;
        qsort(codes, n, sizeof *codes, compare_codes);
        for (size_t k = 0; k < n; k++) {
            if (k) strcat(got, ",");
            strcat(got, codes[k]);
        }
        const char *want = c->errors ? c->errors : "";
        if (strcmp(got, want) != 0 || rc != (c->errors ? 1 : 0)) {
            fprintf(stderr, "case '%s': errors [%s] (rc %d), expected [%s]\n", c->name, got, rc,
                    want);
            for (size_t k = 0; k < n; k++) fprintf(stderr, "    %s\n", op.errors[k].message);
            failures++;
            continue;
        }
        if (!c->errors && !c->row) {
            fprintf(stderr, "case '%s': a valid case must give its expected row\n", c->name);
            failures++;
        }
        if (c->row && rc == 0) {
            json_t *row = syncspec_row_to_json(op.table, op.row);
            json_t *expected = json_loads(c->row, 0, NULL);
            if (!expected || !json_equal(row, expected)) {
                char *text = json_dumps(row, JSON_COMPACT | JSON_SORT_KEYS);
                fprintf(stderr, "case '%s': row %s, expected %s\n", c->name, text, c->row);
                free(text);
                failures++;
            }
            json_decref(row);
            json_decref(expected);
        }
    }
    return failures;
}

static void test_cases(void **state) {
    (void)state;
    assert_true(sizeof cases / sizeof cases[0] >= 80);
    assert_int_equal(run_cases(sanitizer, cases, sizeof cases / sizeof cases[0], USER), 0);
}

static void test_edge_cases(void **state) {
    (void)state;
    assert_int_equal(
        run_cases(edge_sanitizer, edge_cases, sizeof edge_cases / sizeof edge_cases[0], EUSER), 0);
}

/* The loader's tree: huge numbers as NUL-led strings, repeated keys listed in their object. */
static void test_upload_json_loadb(void **state) {
    (void)state;
    const char *text = "{\"a\":1e400,\"b\":[-9223372036854775809, 1],\"s\":\"1e400\","
                       "\"c\":{\"x\":1,\"y\":{},\"\\u0078\":2,\"x\":3}}";
    json_t *v = upload_json_loadb(text, strlen(text), NULL);
    assert_non_null(v);
    const json_t *a = json_object_get(v, "a"), *b0 = json_array_get(json_object_get(v, "b"), 0);
    assert_int_equal(json_string_length(a), 6);
    assert_memory_equal(json_string_value(a),
                        "\0"
                        "1e400",
                        6);
    assert_int_equal(json_string_length(b0), 21);
    assert_memory_equal(json_string_value(b0),
                        "\0"
                        "-9223372036854775809",
                        21);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(v, "b"), 1)), 1);
    assert_string_equal(json_string_value(json_object_get(v, "s")), "1e400");
    const json_t *c = json_object_get(v, "c");
    const json_t *repeated =
        json_object_getn(c, UPLOAD_JSON_DUPLICATES, UPLOAD_JSON_DUPLICATES_LENGTH);
    assert_int_equal(json_array_size(repeated), 1);
    assert_string_equal(json_string_value(json_array_get(repeated, 0)), "x");
    assert_int_equal(json_integer_value(json_object_get(c, "x")), 3);
    assert_null(json_object_getn(v, UPLOAD_JSON_DUPLICATES, UPLOAD_JSON_DUPLICATES_LENGTH));
    assert_null(json_object_getn(json_object_get(c, "y"), UPLOAD_JSON_DUPLICATES,
                                 UPLOAD_JSON_DUPLICATES_LENGTH));
    json_decref(v);
    /* Other errors stay errors. */
    json_error_t error;
    assert_null(upload_json_loadb("{\"a\":1e400,}", 12, &error));
    assert_null(upload_json_loadb("{\"a\":1e400", 10, &error));
}

/* A raw NUL byte in op text is no delimiter: the walk that finds repeated keys steps over it
 * (on `[1\0]` it once made no progress and never returned; the alarm turns that into a
 * failure). The op is refused. */
static void test_raw_nul_bytes(void **state) {
    (void)state;
    static const struct {
        const char *text;
        size_t len;
    } texts[] = {{"[1\0]", 4}, {"{\"a\":[1\0]}", 11}, {"{\"a\":1\0}", 8}, {"[\0]", 3}};
    alarm(10);
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        json_t *v = upload_json_loadb(texts[i].text, texts[i].len, NULL);
        json_decref(v);
        syncspec_op op;
        assert_int_equal(syncspec_sanitize_text(&op, sanitizer, texts[i].text, texts[i].len, USER),
                         1);
        assert_true(op.error_count > 0);
    }
    alarm(0);
}

/* jansson's parser refuses a NUL in a key, but an op built in code may hold one. */
static void test_nul_in_keys(void **state) {
    (void)state;
    json_t *op = json_loads(ORDER("\"meta\":{}"), 0, NULL);
    json_t *data = json_object_get(op, "data");
    json_object_setn_new(json_object_get(data, "meta"), "a\0b", 3, json_true());
    json_object_setn_new(data, "note\0x", 6, json_string("n"));
    syncspec_op out;
    assert_int_equal(syncspec_sanitize(&out, edge_sanitizer, op, EUSER), 1);
    assert_int_equal(out.error_count, 2);
    const char *codes[2] = {out.errors[0].code, out.errors[1].code};
    qsort(codes, 2, sizeof *codes, compare_codes);
    assert_string_equal(codes[0], SYNCSPEC_E_TYPE);
    assert_string_equal(codes[1], SYNCSPEC_E_UNKNOWN_KEY);
    json_decref(op);
}

/* Every error has a code, and a message that is UTF-8 (it is reported as a JSON string). */
static void assert_errors_well_formed(const syncspec_op *op) {
    size_t n =
        op->error_count < SYNCSPEC_MAX_FIELD_ERRORS ? op->error_count : SYNCSPEC_MAX_FIELD_ERRORS;
    for (size_t k = 0; k < n; k++) {
        assert_non_null(op->errors[k].code);
        assert_true(op->errors[k].code[0] != '\0');
        assert_true(syncspec_utf8_valid(op->errors[k].message, strlen(op->errors[k].message)));
    }
}

/* Client text quoted in a message is cut at a character boundary, never inside one. */
static void test_messages_are_utf8(void **state) {
    (void)state;
/* 59 ASCII bytes, then a two-byte character across the 60-byte limit */
#define LONG59 "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghi"
    static const char *const ops[] = {
        DOC("PUT", DOC_BASE ",\"" LONG59 "\xc3\xa9tail\":1"),
        DOC("PUT", DOC_BASE ",\"" LONG59 "\xf0\x9f\x8e\x89\":1"),
        "{\"op\":\"PUT\",\"table\":\"" LONG59 "\xe6\x97\xa5\xe6\x9c\xac\",\"id\":\"" U1 "\"}",
        "{\"op\":\"PUT\",\"table\":\"documents\",\"id\":\xff\xfe}",
        "{\"op\":\"PUT\",\"table\":\"documents\",\"id\":\"\xc3\"}",
        DOC("PUT", DOC_BASE ",\"" LONG59 "\xc3\xa9\":1,\"" LONG59 "\xc3\xa9\":2"),
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        syncspec_op op;
        assert_int_equal(syncspec_sanitize_text(&op, sanitizer, ops[i], strlen(ops[i]), USER), 1);
        assert_true(op.error_count > 0);
        assert_errors_well_formed(&op);
    }
    syncspec_op op;
    assert_int_equal(syncspec_sanitize_text(&op, sanitizer, ops[0], strlen(ops[0]), USER), 1);
    assert_string_equal(op.errors[0].message, "documents has no column '" LONG59 "'");
    assert_int_equal(syncspec_sanitize_text(&op, sanitizer, ops[2], strlen(ops[2]), USER), 1);
    assert_string_equal(op.errors[0].message, "no table named '" LONG59 "'");
    const char *twice = DOC("PUT", DOC_BASE ",\"deviceId\":\"d\",\"deviceId\":\"d\"");
    assert_int_equal(syncspec_sanitize_text(&op, sanitizer, twice, strlen(twice), USER), 1);
    assert_int_equal(op.error_count, 1);
    assert_string_equal(op.errors[0].column, "device_id");
    assert_string_equal(op.errors[0].message, "data gives 'deviceId' more than once");
#undef LONG59
}

static void test_typed_entry_point(void **state) {
    (void)state;
    json_t *op = json_loads(DOC("PUT", DOC_BASE ",\"title\":\"t\""), 0, NULL);
    syncspec_op out;
    const app_documents_row *row;
    assert_int_equal(app_documents_row_sanitize(&row, &out, sanitizer, op, USER), 0);
    assert_int_equal(row->title.state, SYNCSPEC_SET);
    assert_string_equal(row->title.value, "t");
    assert_int_equal(row->project_id.state, SYNCSPEC_ABSENT);
    assert_string_equal(row->owner_id.value, USER);
    /* An op for another table is refused by a table's own entry point. */
    const app_projects_row *project;
    assert_int_equal(app_projects_row_sanitize(&project, &out, sanitizer, op, USER), 1);
    assert_string_equal(out.errors[0].code, SYNCSPEC_E_UNKNOWN_TABLE);
    assert_null(project);
    json_decref(op);
}

static void test_pg_params(void **state) {
    (void)state;
    json_t *op = json_loads(TS("\"2025-09-22 14:29:30.12Z\""), 0, NULL);
    syncspec_op out;
    assert_int_equal(syncspec_sanitize(&out, sanitizer, op, USER), 0);
    const char *values[16];
    char scratch[16][SYNCSPEC_TIMESTAMP_SIZE];
    int n = syncspec_row_pg_params(values, scratch, out.table, out.row);
    assert_int_equal(n, (int)out.table->column_count);
    assert_string_equal(values[0], U1);
    assert_null(values[1]); /* title: absent */
    assert_string_equal(values[6], "2025-09-22T14:29:30.120Z");
    json_decref(op);
}

/* ---- rows into SQLite ------------------------------------------------------------------- */

/* A database from a generated sqlite.sql (the path is from the repository root). */
static sqlite3 *sqlite_from(const char *ddl_path) {
    FILE *f = fopen(ddl_path, "rb");
    assert_non_null(f);
    static char ddl[1 << 16];
    size_t n = fread(ddl, 1, sizeof ddl - 1, f);
    fclose(f);
    assert_true(n > 0 && n < sizeof ddl - 1);
    ddl[n] = '\0';
    sqlite3 *db;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, ddl, NULL, NULL, NULL), SQLITE_OK);
    return db;
}

/* Sanitizes the op, inserts its row with syncspec_row_bind_sqlite and returns its table. */
static const syncspec_table *insert_sanitized(sqlite3 *db, syncspec_sanitizer *s,
                                              const char *op_json, const char *user) {
    syncspec_op op;
    if (syncspec_sanitize_text(&op, s, op_json, strlen(op_json), user) != 0)
        fail_msg("sanitize: %s", op.errors[0].message);
    const syncspec_table *t = op.table;
    char sql[2048];
    int len = snprintf(sql, sizeof sql, "INSERT INTO \"%s\" (", t->name);
    for (size_t i = 0; i < t->column_count; i++)
        len += snprintf(sql + len, sizeof sql - (size_t)len, "%s\"%s\"", i ? ", " : "",
                        t->columns[i].name);
    len += snprintf(sql + len, sizeof sql - (size_t)len, ") VALUES (");
    for (size_t i = 0; i < t->column_count; i++)
        len += snprintf(sql + len, sizeof sql - (size_t)len, "%s?%zu", i ? ", " : "", i + 1);
    snprintf(sql + len, sizeof sql - (size_t)len, ")");
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(syncspec_row_bind_sqlite(st, t, op.row), SQLITE_OK);
    if (sqlite3_step(st) != SQLITE_DONE) fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return t;
}

/* Each column of the row with `id`, as "type:value" (SQLite's storage class), joined by '|'. */
static void assert_sqlite_row(sqlite3 *db, const syncspec_table *t, const char *id,
                              const char *expected) {
    char sql[256], got[2048] = "";
    snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" WHERE id = ?1", t->name);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    size_t len = 0;
    for (int i = 0; i < sqlite3_column_count(st); i++) {
        static const char *const types[] = {"?", "int", "real", "text", "blob", "null"};
        int type = sqlite3_column_type(st, i);
        const char *text = (const char *)sqlite3_column_text(st, i);
        len += (size_t)snprintf(got + len, sizeof got - len, "%s%s:%s", i ? "|" : "", types[type],
                                text ? text : "");
    }
    sqlite3_finalize(st);
    assert_string_equal(got, expected);
}

/* Sanitized rows bound into tables made from the generated sqlite.sql, and read back. */
static void test_bind_sqlite(void **state) {
    (void)state;
    sqlite3 *db = sqlite_from("generated/sqlite.sql");
    const syncspec_table *t = insert_sanitized(
        db, sanitizer,
        PROJ("PUT",
             "\"name\":\"Caf\\u00e9 \\ud83c\\udf89\",\"isDefault\":1.0,\"created_at\":1758551370,"
             "\"updated_at\":\"2025-09-22 14:29:30.12Z\",\"deleted_at\":null"),
        USER);
    assert_sqlite_row(db, t, P1,
                      "text:" P1 "|text:Caf\xc3\xa9 \xf0\x9f\x8e\x89|int:1|text:" USER
                      "|text:2025-09-22T14:29:30.000Z|text:2025-09-22T14:29:30.120Z|null:");
    t = insert_sanitized(db, sanitizer,
                         GROUP(",\"sort_order\":-9223372036854775808,\"color\":\"#a0b1c2\","
                               "\"created_at\":\"2025-09-22T20:00:00+05:30\",\"updated_at\":0"),
                         USER);
    assert_sqlite_row(db, t, P1,
                      "text:" P1 "|text:g|text:#a0b1c2|int:-9223372036854775808|text:" USER
                      "|text:2025-09-22T14:30:00.000Z|text:1970-01-01T00:00:00.000Z|null:");
    sqlite3_close(db);

    db = sqlite_from("tests/golden/edge/expected/sqlite.sql");
    t = insert_sanitized(
        db, edge_sanitizer,
        ORDER("\"total\":\"0.1\",\"placed_at\":1758551370123,\"meta\":{\"b\":[1,2.5],\"a\":null},"
              "\"code\":\"ABC-12\",\"note\":\"h\\u00e9llo\",\"parent\":\"p\",\"priority\":3.0,"
              "\"ratio\":2.25,\"path\":\"C:\\\\x\""),
        EUSER);
    assert_sqlite_row(
        db, t, "o-1",
        "text:o-1|real:0.1|text:2025-09-22T14:29:30.123Z|text:{\"a\":null,\"b\":[1,2.5]}"
        "|text:ABC-12|text:h\xc3\xa9llo|text:p|int:3|real:2.25|text:C:\\x|text:" EUSER);
    sqlite3_close(db);
}

/* ---- seeded mutations ---------------------------------------------------------------- */

static uint64_t next_random(uint64_t *seed) {
    *seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return *seed >> 33;
}

#define PICK(seed, array) (array)[next_random(seed) % (sizeof(array) / sizeof((array)[0]))]

/* Text that stands for a number no json_t can hold, swapped in after the op is written. */
#define HUGE_MARK "@huge@"

static json_t *random_value(uint64_t *seed) {
    static const char *const values[] = {"null",
                                         "true",
                                         "false",
                                         "0",
                                         "1",
                                         "-1",
                                         "1.0",
                                         "0.5",
                                         "1e308",
                                         "-9223372036854775808",
                                         "\"\"",
                                         "\"x\"",
                                         "\"true\"",
                                         "\"0\"",
                                         "\"2025-02-30\"",
                                         "\"2025-09-22T14:29:30Z\"",
                                         "\"0x10\"",
                                         "\" 5\"",
                                         "\"inf\"",
                                         "{}",
                                         "[]",
                                         "[{\"a\":[null]}]",
                                         "{\"a\":{\"b\":1.5}}",
                                         "\"#a0b1c2\"",
                                         "\"" U1 "\"",
                                         "\"" USER "\"",
                                         "\"h\\u00e9llo \\ud83c\\udf89\"",
                                         "\"a\\u0000b\"",
                                         "\"" HUGE_MARK "\""};
    return json_loads(PICK(seed, values), JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
}

/* The key and value of a random member of `object`, or false when it has none. */
static bool random_member(uint64_t *seed, json_t *object, const char **key, json_t **value) {
    size_t n = json_object_size(object);
    if (n == 0) return false;
    size_t target = next_random(seed) % n, i = 0;
    const char *k;
    json_t *v;
    json_object_foreach(object, k, v) {
        if (i++ == target) {
            *key = k;
            *value = v;
            return true;
        }
    }
    return false;
}

/* A copy of `key` with one edit: a letter's case flipped, a suffix, or snake to camel. */
static void renamed_key(uint64_t *seed, char *out, size_t size, const char *key) {
    snprintf(out, size, "%s", key);
    size_t n = strlen(out);
    switch (next_random(seed) % 3) {
    case 0:
        if (n) {
            size_t at = next_random(seed) % n;
            if (out[at] >= 'a' && out[at] <= 'z')
                out[at] = (char)(out[at] - 32);
            else if (out[at] >= 'A' && out[at] <= 'Z')
                out[at] = (char)(out[at] + 32);
        }
        break;
    case 1:
        snprintf(out, size, "%s_x", key);
        break;
    default: { /* device_id -> deviceId */
        char *w = out;
        for (const char *r = key; *r; r++)
            if (*r == '_' && r[1])
                *w++ = (char)(*++r >= 'a' && *r <= 'z' ? *r - 32 : *r);
            else
                *w++ = *r;
        *w = '\0';
    }
    }
}

/* A prefix of a string's characters (never a part of one), or a NUL put inside it. */
static json_t *edited_string(uint64_t *seed, const json_t *v, bool nul) {
    const char *text = json_string_value(v);
    size_t n = json_string_length(v);
    size_t at = n ? next_random(seed) % (n + 1) : 0;
    while (at < n && ((unsigned char)text[at] & 0xC0) == 0x80) at++;
    if (!nul) return json_stringn(text, at);
    char buf[512];
    if (n + 1 > sizeof buf) return json_stringn(text, at);
    memcpy(buf, text, at);
    buf[at] = '\0';
    memcpy(buf + at + 1, text + at, n - at);
    return json_stringn(buf, n + 1);
}

/*
 * One edit of an op at the value level, so the op still parses and reaches the sanitizer:
 * swap a value's type, rename or drop a key, add one, truncate a string, nest a value in an
 * array or object, put a NUL in a string, mark a value to become a huge number, change the
 * op's kind, table or id. `duplicate` receives a data key to be given twice in the text.
 */
static void mutate(uint64_t *seed, json_t *op, char *duplicate, size_t duplicate_size) {
    static const char *const kinds[] = {"PUT", "PATCH", "DELETE", "put", ""};
    static const char *const tables[] = {"documents",         "projects",    "groups",
                                         "document_versions", "preferences", "nope"};
    static const char *const ids[] = {U1, P1, "42", "", "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE"};
    static const char *const columns[] = {
        "title",   "content",     "device_id", "name",       "is_default", "sort_order", "color",
        "version", "document_id", "owner_id",  "created_at", "projectId",  "id",         "bogus"};
    json_t *data = json_object_get(op, "data");
    json_t *object = json_is_object(data) && next_random(seed) % 4 ? data : op;
    const char *key;
    json_t *value;
    char name[96];
    switch (next_random(seed) % 12) {
    case 0: /* kind, table or id */
        switch (next_random(seed) % 3) {
        case 0:
            json_object_set_new(op, "op", json_string(PICK(seed, kinds)));
            break;
        case 1:
            json_object_set_new(op, "table", json_string(PICK(seed, tables)));
            break;
        default:
            json_object_set_new(op, "id", json_string(PICK(seed, ids)));
        }
        break;
    case 1:
    case 2: /* swap a value's type */
        if (random_member(seed, object, &key, &value))
            json_object_set_new(object, key, random_value(seed));
        break;
    case 3: /* rename a key */
        if (random_member(seed, object, &key, &value)) {
            renamed_key(seed, name, sizeof name, key);
            json_incref(value);
            json_object_del(object, key);
            json_object_set_new(object, name, value);
        }
        break;
    case 4: /* drop a key */
        if (random_member(seed, object, &key, &value)) json_object_del(object, key);
        break;
    case 5: /* add a key, known or not */
        if (json_is_object(data))
            json_object_set_new(data, PICK(seed, columns), random_value(seed));
        break;
    case 6:
    case 7: /* truncate a string, or put a NUL in it */
        if (random_member(seed, object, &key, &value) && json_is_string(value))
            json_object_set_new(object, key, edited_string(seed, value, next_random(seed) % 2));
        break;
    case 8: /* nest a value */
        if (random_member(seed, object, &key, &value)) {
            json_t *nest = next_random(seed) % 2 ? json_array() : json_object();
            if (json_is_array(nest))
                json_array_append(nest, value);
            else
                json_object_set(nest, "v", value);
            json_object_set_new(object, key, nest);
        }
        break;
    case 9: /* a number no json_t can hold */
        if (random_member(seed, object, &key, &value))
            json_object_set_new(object, key, json_string(HUGE_MARK));
        break;
    case 10: /* a data key given twice */
        if (json_is_object(data) && random_member(seed, data, &key, &value))
            snprintf(duplicate, duplicate_size, "%s", key);
        break;
    default: /* data itself replaced */
        json_object_set_new(op, "data", random_value(seed));
    }
}

/* The op's text with the huge-number marks and a repeated key written in. */
static char *op_text(uint64_t *seed, const json_t *op, const char *duplicate) {
    static const char *const huge[] = {"9223372036854775808", "-9223372036854775809", "1e400",
                                       "-1e999", "18446744073709551616"};
    char *text = json_dumps(op, JSON_COMPACT | JSON_ENCODE_ANY);
    size_t n = strlen(text);
    char *out = malloc(2 * n + 256), *w = out;
    for (const char *r = text; *r;) {
        if (strncmp(r, "\"" HUGE_MARK "\"", sizeof HUGE_MARK + 1) == 0) {
            w += sprintf(w, "%s", PICK(seed, huge));
            r += sizeof HUGE_MARK + 1;
        } else if (*duplicate && strncmp(r, "\"data\":{", 8) == 0) {
            w += sprintf(w, "\"data\":{\"%s\":\"again\"%s", duplicate, r[8] == '}' ? "" : ",");
            r += 8;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    free(text);
    return out;
}

/* Random edits of valid ops: a row or errors, never both, never a crash; well-formed errors. */
static void test_mutations(void **state) {
    (void)state;
    static const char *const seeds[] = {
        DOC("PUT", DOC_BASE ",\"title\":\"t\",\"created_at\":\"2025-01-01T00:00:00Z\""),
        PROJ("PUT", "\"name\":\"p\",\"is_default\":true"),
        GROUP(",\"color\":\"#a0b1c2\",\"sort_order\":3"),
        DOC("PATCH", "\"title\":null,\"projectId\":\"" P1 "\""),
        VERSION("PUT",
                "\"document_id\":\"" U1 "\",\"version\":1,\"content\":\"c\",\"device_id\":\"d\""),
    };
    uint64_t seed = 0x5eed5eedULL;
    size_t rows = 0, rejected = 0, reached = 0;
    const size_t total = 100000;
    for (size_t i = 0; i < total; i++) {
        json_t *op = json_loads(PICK(&seed, seeds), 0, NULL);
        char duplicate[96] = "";
        int edits = 1 + (int)(next_random(&seed) % 3);
        for (int e = 0; e < edits; e++) mutate(&seed, op, duplicate, sizeof duplicate);
        char *text = op_text(&seed, op, duplicate);
        json_decref(op);
        size_t len = strlen(text);
        if (next_random(&seed) % 20 == 0 && len > 1) { /* now and then, broken text */
            size_t at = next_random(&seed) % len;
            if (next_random(&seed) % 2)
                text[at] = (char)(next_random(&seed) | 1);
            else
                len = at;
        }
        syncspec_op out;
        int rc = syncspec_sanitize_text(&out, sanitizer, text, len, USER);
        free(text);
        assert_true(rc == 0 || rc == 1);
        assert_errors_well_formed(&out);
        if (rc == 0) {
            assert_int_equal(out.error_count, 0);
            assert_non_null(out.row);
            json_t *row = syncspec_row_to_json(out.table, out.row);
            assert_non_null(row);
            json_decref(row);
            rows++;
        } else {
            assert_true(out.error_count > 0);
            rejected++;
        }
        /* Only a parse error leaves the op unjudged. */
        if (!(rc == 1 && out.error_count == 1 && !out.table &&
              strncmp(out.errors[0].message, "not JSON", 8) == 0))
            reached++;
    }
    printf("mutations: %zu rows, %zu rejected, %.1f%% reached the sanitizer\n", rows, rejected,
           100.0 * (double)reached / (double)total);
    /* Both outcomes happen, and the edits test the sanitizer, not the JSON parser. */
    assert_true(rows > 1000);
    assert_true(rejected > 1000);
    assert_true(reached >= total * 9 / 10);
}

int main(void) {
    /* clang-format off */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_edge_cases),
        cmocka_unit_test(test_upload_json_loadb),
        cmocka_unit_test(test_raw_nul_bytes),
        cmocka_unit_test(test_nul_in_keys),
        cmocka_unit_test(test_messages_are_utf8),
        cmocka_unit_test(test_typed_entry_point),
        cmocka_unit_test(test_pg_params),
        cmocka_unit_test(test_bind_sqlite),
        cmocka_unit_test(test_mutations),
    };
    /* clang-format on */
    return cmocka_run_group_tests(tests, setup, teardown);
}
