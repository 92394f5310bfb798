// Exits while four threads hash with OpenSSL, as a core does when it stops with grpc's TLS threads and Swift's
// pool still working. It links COpenSSLDigest like every binary of the project; OpenSSLExitTests runs it many
// times and expects a clean exit every time (OpenSSL's atexit cleanup freed its locks under running threads).
#include <COpenSSLDigest.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// An implicit fetch (EVP_sha3_256) takes OpenSSL's global locks on every call, as libssl does in a handshake.
static void *hash_forever(void *unused) {
    (void)unused;
    unsigned char input[4096], digest[32];
    unsigned int written = 0;
    memset(input, 0x5a, sizeof input);
    for (;;) {
        if (EVP_Digest(input, sizeof input, digest, &written, EVP_sha3_256(), NULL) != 1) {
            fputs("kms-openssl-exit-probe: a digest failed while the process exited\n", stderr);
            _exit(3);
        }
    }
    return NULL;
}

int main(void) {
    uint8_t digest[32];
    if (kms_openssl_sha3_256((const uint8_t *)"probe", 5, digest) != 1) return 2;
    pthread_t threads[4];
    for (int index = 0; index < 4; index++) {
        if (pthread_create(&threads[index], NULL, hash_forever, NULL) != 0) return 2;
    }
    usleep(2000);
    exit(0);
}
