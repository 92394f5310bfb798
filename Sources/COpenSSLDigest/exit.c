#include <openssl/crypto.h>

// OpenSSL frees its global locks and providers in an atexit handler by default. A core exits with grpc's TLS
// threads and Swift's pool still calling into OpenSSL, and those threads then crash or fail in the freed state
// (a core segfaulted in pthread_rwlock_rdlock on shutdown). Turning the handler off must be the process's first
// OpenSSL call, so it runs when the binary loads; every binary of the project links this target via Algebra.
// The memory it leaves is the process's, returned by the exit itself. OpenSSLExitTests checks it.
__attribute__((constructor)) static void kms_openssl_keep_state_until_exit(void) {
    OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
}
