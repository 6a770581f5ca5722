/*
 * uselocale, not setlocale: it changes the calling thread only, so a program's other threads
 * keep their locale, and it costs a pointer swap.
 */
#include "core/c_numbers.h"

#include <pthread.h>
#include <stdlib.h>

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void) { c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0); }

locale_t c_numbers_begin(void) {
    pthread_once(&c_locale_once, make_c_locale);
    /* Without memory for the locale object, numbers are read in the program's locale. */
    return c_locale ? uselocale(c_locale) : (locale_t)0;
}

void c_numbers_end(locale_t previous) {
    if (previous) uselocale(previous);
}

double c_strtod(const char *s, char **end) {
    locale_t previous = c_numbers_begin();
    double v = strtod(s, end);
    c_numbers_end(previous);
    return v;
}
