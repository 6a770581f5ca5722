/* SHA-256 (FIPS 180-4), for the spec digest printed in every generated file's banner. */
#ifndef SYNCSPEC_SPEC_SHA256_H
#define SYNCSPEC_SPEC_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct sha256_ctx {
    uint32_t state[8];
    uint64_t length; /* bytes hashed so far */
    unsigned char block[64];
    size_t used; /* bytes waiting in `block` */
} sha256_ctx;

void sha256_init(sha256_ctx *ctx);
void sha256_update(sha256_ctx *ctx, const void *data, size_t len);
void sha256_final(unsigned char digest[32], sha256_ctx *ctx);

/* Writes 64 lowercase hex digits and a NUL into `hex`. */
void sha256_hex(char hex[65], const void *data, size_t len);

#endif
