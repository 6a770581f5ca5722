/*
 * What every function of libsyncspec returns: 0, or a negative SYNCSPEC_SYNC_* code, with a
 * message in the caller's syncspec_sync_error (which may be NULL). The client and the server
 * share it.
 */
#ifndef SYNCSPEC_ERROR_H
#define SYNCSPEC_ERROR_H

enum {
    SYNCSPEC_SYNC_OK = 0,
    SYNCSPEC_SYNC_ERROR = -1,    /* a local database error */
    SYNCSPEC_SYNC_NOMEM = -2,    /* memory exhausted */
    SYNCSPEC_SYNC_INVALID = -3,  /* a bad argument, or a malformed message from the peer */
    SYNCSPEC_SYNC_RETRY = -4,    /* transport or server database error, or the local database
                                  * locked by another connection: try again later */
    SYNCSPEC_SYNC_PENDING = -5,  /* server changes not applied: local writes are queued */
    SYNCSPEC_SYNC_CHECKSUM = -6, /* the local rows disagree with the server: resync */
    SYNCSPEC_SYNC_REJECTED = -7  /* the server refused (e.g. a PostgreSQL schema mismatch) */
};

typedef struct syncspec_sync_error {
    int code; /* the returned code */
    char message[512];
} syncspec_sync_error;

#endif
