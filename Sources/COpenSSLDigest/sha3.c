#include "COpenSSLDigest.h"

#include <openssl/evp.h>
#include <pthread.h>

// The algorithm is fetched from the default provider once per process: an implicit fetch on every call costs a
// provider lookup under a lock.
static EVP_MD *sha3_256;
static pthread_once_t sha3_256_once = PTHREAD_ONCE_INIT;

static void fetch_sha3_256(void) { sha3_256 = EVP_MD_fetch(NULL, "SHA3-256", NULL); }

int kms_openssl_sha3_256(const uint8_t *data, size_t length, uint8_t digest[32]) {
    pthread_once(&sha3_256_once, fetch_sha3_256);
    if (sha3_256 == NULL) return 0;
    unsigned int written = 0;
    if (EVP_Digest(data, length, digest, &written, sha3_256, NULL) != 1 || written != 32) return 0;
    return 1;
}
