/*
 * Numbers read and written as JSON and SQL spell them, with '.' as the decimal point,
 * whatever locale the program that links libsyncspec has set: after setlocale(LC_ALL, "")
 * in a de_DE program, strtod stops at '.' and printf writes ','.
 */
#ifndef SYNCSPEC_RUNTIME_C_NUMBERS_H
#define SYNCSPEC_RUNTIME_C_NUMBERS_H

#include <locale.h>

/* Switches this thread to the C locale's numbers until c_numbers_end(the result). */
locale_t c_numbers_begin(void);
void c_numbers_end(locale_t previous);

/* strtod in the C locale. */
double c_strtod(const char *s, char **end);

#endif
