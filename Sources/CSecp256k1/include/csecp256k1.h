// CSecp256k1: Debian's libsecp256k1 (libsecp256k1-dev) for the cores' operator keys (Sources/Signatures/).
// A plain C API over one process-wide context, randomized once with system randomness for side-channel blinding.
// Every function returns 1 on success and 0 on failure; byte arrays have the fixed sizes named in their parameters.
#ifndef CSECP256K1_H
#define CSECP256K1_H

/// Returns 1 when the shared context exists and is blinded; 0 when it could not be created or the system gave no
/// randomness to blind it, in which case every other function fails.
int csecp256k1_context_ready(void);

/// Returns 1 when the 32 bytes are a valid secret key (nonzero and below the group order).
int csecp256k1_seckey_verify(const unsigned char seckey32[32]);

/// Writes the 65-byte uncompressed public key (0x04 ‖ x ‖ y) of a valid secret key.
int csecp256k1_pubkey_create(unsigned char pubkey65[65], const unsigned char seckey32[32]);

/// Signs a 32-byte digest (RFC 6979 nonce, low-s as libsecp256k1 always produces): writes r ‖ s and the
/// recovery id (0 or 1; 2 and 3 mean r overflowed the group order, which happens with negligible probability).
int csecp256k1_sign_recoverable(unsigned char signature64[64], int *recovery_id,
                                const unsigned char digest32[32], const unsigned char seckey32[32]);

/// Recovers the 65-byte uncompressed public key from a digest, r ‖ s and a recovery id in 0...3.
/// Fails on r or s out of range and on a high s (s > n/2, a malleated signature).
int csecp256k1_recover(unsigned char pubkey65[65], const unsigned char digest32[32],
                       const unsigned char signature64[64], int recovery_id);

/// Verifies r ‖ s over a digest against a 65-byte uncompressed public key; a high s fails.
int csecp256k1_verify(const unsigned char digest32[32], const unsigned char signature64[64],
                      const unsigned char pubkey65[65]);

#endif
