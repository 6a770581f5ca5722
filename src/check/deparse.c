/*
 * The generated CHECK constraints as PostgreSQL prints them back (pg_get_constraintdef),
 * so that a constraint of the right name but another definition is found. PostgreSQL
 * stores the parsed expression, not the text: the forms below are what its deparser
 * (ruleutils.c) writes for the expressions postgres.sql creates, constants typed the way
 * its parser types them.
 */
#include "check/deparse.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emit/types.h"
#include "spec/values.h"
#include "util/strbuf.h"

/* PostgreSQL 15's keywords other than the unreserved ones: an identifier spelled like one
 * of these is quoted (pg_get_keywords(), catcode <> 'U'), sorted for bsearch. */
static const char *const pg_keywords[] = {
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
};

static int compare_word(const void *key, const void *item) {
    return strcmp((const char *)key, *(const char *const *)item);
}

const char *deparse_ident(arena *a, const char *name) {
    bool plain = (name[0] >= 'a' && name[0] <= 'z') || name[0] == '_';
    for (const char *p = name; *p && plain; p++)
        plain = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
    if (plain && !bsearch(name, pg_keywords, sizeof pg_keywords / sizeof *pg_keywords,
                          sizeof *pg_keywords, compare_word))
        return name;
    strbuf sb = STRBUF_INIT;
    sb_putc(&sb, '"');
    for (const char *p = name; *p; p++) {
        if (*p == '"') sb_putc(&sb, '"');
        sb_putc(&sb, *p);
    }
    sb_putc(&sb, '"');
    const char *out = arena_strndup(a, sb_str(&sb), sb.len);
    sb_free(&sb);
    return out;
}

/* 'text' with quotes doubled (backslashes as they are: standard_conforming_strings). */
static void put_literal(strbuf *sb, const char *s) {
    sb_putc(sb, '\'');
    for (; *s; s++) {
        if (*s == '\'') sb_putc(sb, '\'');
        sb_putc(sb, *s);
    }
    sb_putc(sb, '\'');
}

/* How the parser types a numeric literal: integer when it fits, else bigint, else numeric. */
typedef enum { CONST_INT4, CONST_INT8, CONST_NUMERIC } const_type;

typedef struct numeric_const {
    const_type type;
    const char *text; /* as the type's output function prints it */
} numeric_const;

/* numeric_in then numeric_out: plain decimal notation, the scale the input implies. */
static const char *numeric_text(arena *a, const char *literal) {
    const char *p = literal;
    bool negative = *p == '-';
    if (*p == '-' || *p == '+') p++;
    strbuf digits = STRBUF_INIT;
    long point = -1, exponent = 0;
    for (; *p && *p != 'e' && *p != 'E'; p++) {
        if (*p == '.')
            point = (long)digits.len;
        else
            sb_putc(&digits, *p);
    }
    if (*p) exponent = strtol(p + 1, NULL, 10);
    long count = (long)digits.len;
    if (point < 0) point = count;
    long fraction = count - point;
    long scale = fraction - exponent > 0 ? fraction - exponent : 0;
    long whole = point + exponent; /* digits before the decimal point */
    const char *d = sb_str(&digits);
    strbuf out = STRBUF_INIT;
    bool zero = true;
    for (long i = 0; i < count; i++) zero &= d[i] == '0';
    if (negative && !zero) sb_putc(&out, '-');
    size_t start = out.len;
    for (long i = 0; i < whole; i++) {
        char c = i < count ? d[i] : '0';
        if (c == '0' && out.len == start) continue; /* leading zeros */
        sb_putc(&out, c);
    }
    if (out.len == start) sb_putc(&out, '0');
    if (scale > 0) {
        sb_putc(&out, '.');
        for (long i = whole; i < whole + scale; i++)
            sb_putc(&out, i >= 0 && i < count ? d[i] : '0');
    }
    const char *text = arena_strndup(a, sb_str(&out), out.len);
    sb_free(&digits);
    sb_free(&out);
    return text;
}

static numeric_const classify(arena *a, const char *literal) {
    const char *u = literal[0] == '-' || literal[0] == '+' ? literal + 1 : literal;
    bool integer = *u != '\0' && strspn(u, "0123456789") == strlen(u);
    if (integer) {
        /* An integer literal (its sign included) is integer when it fits, else bigint. */
        errno = 0;
        char *end;
        long long v = strtoll(literal, &end, 10);
        if (errno == 0 && *end == '\0')
            return (numeric_const){v >= INT32_MIN && v <= INT32_MAX ? CONST_INT4 : CONST_INT8,
                                   arena_printf(a, "%lld", v)};
    }
    return (numeric_const){CONST_NUMERIC, numeric_text(a, literal)};
}

/* A constant as ruleutils prints it (get_const_expr): an integer plain unless negative, a
 * numeric plain when it has a point or exponent and no sign, anything else quoted with
 * its type. */
static void put_const(strbuf *sb, numeric_const c) {
    const char *t = c.text;
    bool plain = c.type == CONST_INT4 ? t[0] != '-'
                 : c.type == CONST_NUMERIC
                     ? t[0] >= '0' && t[0] <= '9' && strcspn(t, "eE.") != strlen(t)
                     : false;
    if (plain) {
        sb_append(sb, t);
        return;
    }
    put_literal(sb, t);
    sb_append(sb, c.type == CONST_INT4   ? "::integer"
                  : c.type == CONST_INT8 ? "::bigint"
                                         : "::numeric");
}

/* A constant converted to the column's type (bigint or double precision), as a cast the
 * parser leaves in place: (1)::bigint, ('-1.5'::numeric)::double precision. Nothing to
 * convert for a bigint constant in a bigint context. */
static void put_converted(strbuf *sb, numeric_const c, syncspec_type type) {
    if (type == SYNCSPEC_TYPE_INTEGER && c.type == CONST_INT8) {
        put_const(sb, c);
        return;
    }
    sb_putc(sb, '(');
    put_const(sb, c);
    sb_append(sb, type == SYNCSPEC_TYPE_INTEGER ? ")::bigint" : ")::double precision");
}

/* The right side of a comparison with a bigint or double precision column: bigint meets
 * integer and bigint constants with its own operators (int84ge), double precision
 * converts every constant. */
static void put_operand(strbuf *sb, numeric_const c, syncspec_type type) {
    if (type == SYNCSPEC_TYPE_INTEGER)
        put_const(sb, c);
    else
        put_converted(sb, c, type);
}

static bool numeric_type(syncspec_type type) {
    return type == SYNCSPEC_TYPE_INTEGER || type == SYNCSPEC_TYPE_REAL;
}

static bool text_type(syncspec_type type) {
    return type == SYNCSPEC_TYPE_TEXT || type == SYNCSPEC_TYPE_ID;
}

static const char *bound_literal(arena *a, const syncspec_column *c, const syncspec_bound *b) {
    if (c->type == SYNCSPEC_TYPE_INTEGER) return arena_printf(a, "%" PRId64, b->i);
    char buf[32];
    spec_format_real(buf, b->r);
    return arena_strdup(a, buf);
}

/* An enum, after "<column> = ": one value alone, several "ANY (ARRAY[...])" with each value converted
 * to the column's type (the parser's common type of the IN list). */
static bool put_enum(arena *a, strbuf *sb, const syncspec_column *c) {
    if (!text_type(c->type) && !numeric_type(c->type)) return false;
    if (c->enum_count == 1) {
        if (text_type(c->type)) {
            put_literal(sb, c->enum_values[0]);
            sb_append(sb, "::text");
        } else {
            put_operand(sb, classify(a, c->enum_values[0]), c->type);
        }
        return true;
    }
    sb_append(sb, "ANY (ARRAY[");
    for (size_t i = 0; i < c->enum_count; i++) {
        if (i) sb_append(sb, ", ");
        if (text_type(c->type)) {
            put_literal(sb, c->enum_values[i]);
            sb_append(sb, "::text");
        } else {
            put_converted(sb, classify(a, c->enum_values[i]), c->type);
        }
    }
    sb_append(sb, "])");
    return true;
}

const char *deparse_check(arena *a, const syncspec_column *c, model_check_kind kind) {
    const model_check *k = model_check_of(kind);
    const char *q = deparse_ident(a, c->name);
    strbuf sb = STRBUF_INIT;
    sb_append(&sb, "CHECK ((");
    if (k->of_length)
        sb_appendf(&sb, "char_length(%s) %s ", q, k->printed);
    else
        sb_appendf(&sb, "%s %s ", q, k->printed);
    bool ok = true;
    switch (kind) {
    case MODEL_CHECK_ENUM:
        ok = put_enum(a, &sb, c);
        break;
    case MODEL_CHECK_MIN:
    case MODEL_CHECK_MAX:
        ok = numeric_type(c->type);
        if (ok)
            put_operand(&sb,
                        classify(a, bound_literal(a, c, kind == MODEL_CHECK_MIN ? &c->min : &c->max)),
                        c->type);
        break;
    case MODEL_CHECK_LENGTH:
        put_const(&sb, classify(a, arena_printf(a, "%" PRId64, c->max_length)));
        break;
    case MODEL_CHECK_FORMAT:
        put_literal(&sb, pg_uuid_regex);
        sb_append(&sb, "::text");
        break;
    }
    sb_append(&sb, "))");
    const char *out = ok ? arena_strndup(a, sb_str(&sb), sb.len) : NULL;
    sb_free(&sb);
    return out;
}
