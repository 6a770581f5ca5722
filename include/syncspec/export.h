/* SYNCSPEC_API marks what libsyncspec exports. The runtime is built with -fvisibility=hidden,
 * so a function without it stays inside the library (tests/integration/exports.sh checks
 * that the shared libraries export exactly the functions these headers declare). */
#ifndef SYNCSPEC_EXPORT_H
#define SYNCSPEC_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define SYNCSPEC_API __attribute__((visibility("default")))
#else
#define SYNCSPEC_API
#endif

#endif
