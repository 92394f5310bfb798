// CArgon2: Debian's libargon2 (libargon2-dev) for the vault's password root key (Sources/Vault/PasswordRootKey.swift).
#ifndef CARGON2_H
#define CARGON2_H

#include <stddef.h>
#include <stdint.h>

/// Argon2id (version 0x13) raw hash: writes `hash_length` bytes to `hash`. Returns 0 (ARGON2_OK) or an argon2 error code.
int cargon2_argon2id_raw(uint32_t time_cost, uint32_t memory_kib, uint32_t parallelism,
                         const void *password, size_t password_length,
                         const void *salt, size_t salt_length,
                         void *hash, size_t hash_length);

/// The library's message for an error code returned above.
const char *cargon2_error_message(int code);

#endif
