#ifndef JEJAK_SHA256_H
#define JEJAK_SHA256_H

#include <stddef.h>
#include <stdint.h>

/// A SHA-256 computation using the x86 SHA extensions (SHA-NI). Use only when
/// jejak_sha256_hardware_available() returns 1.
typedef struct {
    uint32_t state[8];
    uint8_t buffer[64];
    size_t buffered;
    uint64_t total;
} jejak_sha256_ctx;

/// 1 when this CPU has the SHA extensions (and SSSE3, SSE4.1) and the code was built for x86-64.
int jejak_sha256_hardware_available(void);

void jejak_sha256_init(jejak_sha256_ctx *ctx);
void jejak_sha256_update(jejak_sha256_ctx *ctx, const uint8_t *data, size_t length);
void jejak_sha256_final(jejak_sha256_ctx *ctx, uint8_t out[32]);

#endif
