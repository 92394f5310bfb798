// Thin wrapper so Swift sees fixed-size byte arrays instead of libsecp256k1's opaque structs and contexts.
#include "csecp256k1.h"
#include <pthread.h>
#include <string.h>
#include <sys/random.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

static secp256k1_context *shared_context;
static pthread_once_t shared_context_once = PTHREAD_ONCE_INIT;

/// Creates the context and blinds it with 32 bytes from getrandom(2). Randomizing is not thread-safe, so it runs
/// once here; afterwards libsecp256k1 allows concurrent use of a context by all the functions below.
static void create_shared_context(void) {
    secp256k1_context *context = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (context == NULL) return;
    unsigned char seed[32];
    size_t filled = 0;
    while (filled < sizeof seed) {
        ssize_t got = getrandom(seed + filled, sizeof seed - filled, 0);
        if (got <= 0) break;
        filled += (size_t)got;
    }
    if (filled == sizeof seed && secp256k1_context_randomize(context, seed)) {
        shared_context = context;
    } else {
        secp256k1_context_destroy(context);  // refuse to sign unblinded; every call then fails
    }
    explicit_bzero(seed, sizeof seed);
}

static const secp256k1_context *context(void) {
    pthread_once(&shared_context_once, create_shared_context);
    return shared_context;
}

int csecp256k1_context_ready(void) { return context() != NULL; }

int csecp256k1_seckey_verify(const unsigned char seckey32[32]) {
    const secp256k1_context *ctx = context();
    return ctx != NULL && secp256k1_ec_seckey_verify(ctx, seckey32);
}

static int serialize_uncompressed(const secp256k1_context *ctx, unsigned char pubkey65[65],
                                  const secp256k1_pubkey *pubkey) {
    size_t length = 65;
    return secp256k1_ec_pubkey_serialize(ctx, pubkey65, &length, pubkey, SECP256K1_EC_UNCOMPRESSED)
        && length == 65;
}

int csecp256k1_pubkey_create(unsigned char pubkey65[65], const unsigned char seckey32[32]) {
    const secp256k1_context *ctx = context();
    secp256k1_pubkey pubkey;
    if (ctx == NULL || !secp256k1_ec_pubkey_create(ctx, &pubkey, seckey32)) return 0;
    return serialize_uncompressed(ctx, pubkey65, &pubkey);
}

int csecp256k1_sign_recoverable(unsigned char signature64[64], int *recovery_id,
                                const unsigned char digest32[32], const unsigned char seckey32[32]) {
    const secp256k1_context *ctx = context();
    secp256k1_ecdsa_recoverable_signature signature;
    if (ctx == NULL || !secp256k1_ecdsa_sign_recoverable(ctx, &signature, digest32, seckey32, NULL, NULL)) {
        return 0;
    }
    return secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, signature64, recovery_id, &signature);
}

/// Parses r ‖ s and fails unless both are in range and s is low.
static int parse_low_s(const secp256k1_context *ctx, secp256k1_ecdsa_signature *signature,
                       const unsigned char signature64[64]) {
    if (!secp256k1_ecdsa_signature_parse_compact(ctx, signature, signature64)) return 0;
    secp256k1_ecdsa_signature normalized;
    return secp256k1_ecdsa_signature_normalize(ctx, &normalized, signature) == 0;
}

int csecp256k1_recover(unsigned char pubkey65[65], const unsigned char digest32[32],
                       const unsigned char signature64[64], int recovery_id) {
    const secp256k1_context *ctx = context();
    if (ctx == NULL || recovery_id < 0 || recovery_id > 3) return 0;
    secp256k1_ecdsa_signature plain;
    if (!parse_low_s(ctx, &plain, signature64)) return 0;
    secp256k1_ecdsa_recoverable_signature signature;
    secp256k1_pubkey pubkey;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &signature, signature64, recovery_id)) return 0;
    if (!secp256k1_ecdsa_recover(ctx, &pubkey, &signature, digest32)) return 0;
    return serialize_uncompressed(ctx, pubkey65, &pubkey);
}

int csecp256k1_verify(const unsigned char digest32[32], const unsigned char signature64[64],
                      const unsigned char pubkey65[65]) {
    const secp256k1_context *ctx = context();
    if (ctx == NULL) return 0;
    secp256k1_ecdsa_signature signature;
    secp256k1_pubkey pubkey;
    if (!parse_low_s(ctx, &signature, signature64)) return 0;
    if (!secp256k1_ec_pubkey_parse(ctx, &pubkey, pubkey65, 65)) return 0;
    return secp256k1_ecdsa_verify(ctx, &signature, digest32, &pubkey);
}
