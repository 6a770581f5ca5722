/*
 * Loading the JSON text of client uploads for the sanitizers: jansson, with the two things
 * it cannot say about an op made visible in the tree (numbers it cannot hold, and keys given
 * twice), so that an op gets one error per bad field instead of one for the whole text.
 */
#ifndef SYNCSPEC_RUNTIME_JSON_LOAD_H
#define SYNCSPEC_RUNTIME_JSON_LOAD_H

#include <jansson.h>
#include <stddef.h>

/*
 * The member upload_json_loadb adds to an object whose text gave some key more than once:
 * an array of those keys (each once, sorted by bytes). Its name starts with a NUL, so no
 * JSON text can spell it (jansson refuses a NUL in a key).
 */
#define UPLOAD_JSON_DUPLICATES "\0duplicate-keys"
#define UPLOAD_JSON_DUPLICATES_LENGTH (sizeof UPLOAD_JSON_DUPLICATES - 1)

/*
 * Parses `text` (n bytes) as jansson does with JSON_ALLOW_NUL, except that an integer outside
 * int64 or a real that overflows a double becomes the string "\u0000" followed by the
 * number's text, and that each object with a repeated key gets an UPLOAD_JSON_DUPLICATES
 * member. Returns a new reference, or NULL with `error` (optional) set; its position is in
 * the text as parsed, which differs from `text` after a number was rewritten.
 */
json_t *upload_json_loadb(const char *text, size_t n, json_error_t *error);

#endif
