/*
 * The one error type of libsyncspec, client, server and core alike, in libgit2's manner:
 * a function returns 0 or a negative SYNCSPEC_E* code (SYNCSPEC_ERROR for a local database
 * error) and, when the caller passed one, fills the caller's syncspec_error with the same
 * code and a message. The caller owns it (on the stack, typically); NULL means "no message
 * wanted". Nothing of it is allocated, so nothing is freed.
 */
#ifndef SYNCSPEC_ERROR_H
#define SYNCSPEC_ERROR_H

enum {
    SYNCSPEC_OK = 0,
    SYNCSPEC_ERROR = -1,     /* a local database error */
    SYNCSPEC_ENOMEM = -2,    /* memory exhausted */
    SYNCSPEC_EINVALID = -3,  /* a bad argument, or a malformed message from the peer */
    SYNCSPEC_ERETRY = -4,    /* transport or server database error, or the local database
                              * locked by another connection: try again later */
    SYNCSPEC_EPENDING = -5,  /* server changes not applied: local writes are queued */
    SYNCSPEC_ECHECKSUM = -6, /* the local rows disagree with the server: resync */
    SYNCSPEC_EREJECTED = -7  /* the server refused (e.g. a PostgreSQL schema mismatch) */
};

typedef struct syncspec_error {
    int code; /* the returned code */
    char message[512];
} syncspec_error;

#endif
