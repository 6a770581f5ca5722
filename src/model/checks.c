#include "model/checks.h"

/* In the order postgres.sql declares a column's constraints. */
static const model_check checks[MODEL_CHECK_COUNT] = {
    [MODEL_CHECK_ENUM] = {"enum", "enum_check", "IN", "=", false},
    [MODEL_CHECK_MIN] = {"min", "min_check", ">=", ">=", false},
    [MODEL_CHECK_MAX] = {"max", "max_check", "<=", "<=", false},
    [MODEL_CHECK_LENGTH] = {"length", "length_check", "<=", "<=", true},
    [MODEL_CHECK_FORMAT] = {"format", "format_check", "~", "~", false},
};

const model_check *model_check_of(model_check_kind kind) {
    return &checks[(unsigned)kind < MODEL_CHECK_COUNT ? kind : MODEL_CHECK_ENUM];
}
