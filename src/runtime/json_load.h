/*
 * Loading the JSON text of client uploads for the sanitizers: jansson, with numbers it cannot
 * hold made visible in the tree, so that an op gets one error per bad field instead of one
 * for the whole text.
 */
#ifndef SYNCSPEC_RUNTIME_JSON_LOAD_H
#define SYNCSPEC_RUNTIME_JSON_LOAD_H

#include <jansson.h>
#include <stddef.h>

/*
 * Parses `text` (n bytes) as jansson does with JSON_ALLOW_NUL, except that an integer outside
 * int64 or a real that overflows a double becomes the string "\u0000" followed by the
 * number's text. Returns a new reference, or NULL with `error` set (its position is in the
 * text as parsed, which differs from `text` after a number was rewritten).
 */
json_t *upload_json_loadb(const char *text, size_t n, json_error_t *error);

#endif
