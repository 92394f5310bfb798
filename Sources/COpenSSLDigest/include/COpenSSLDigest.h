#ifndef C_OPENSSL_DIGEST_H
#define C_OPENSSL_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// SHA3-256 of `length` bytes at `data` into `digest` (32 bytes) with OpenSSL's libcrypto (Debian's libssl-dev),
/// whose Keccak is about twice as fast as the Swift sponge here. Returns 1 on success, 0 if OpenSSL failed.
int kms_openssl_sha3_256(const uint8_t *data, size_t length, uint8_t digest[32]);

#ifdef __cplusplus
}
#endif

#endif
