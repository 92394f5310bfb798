// Plain grpc++ echo server and client used only by `kms-bench grpc` as the baseline for the Swift shim.
#ifndef CRAW_GRPC_BENCH_H
#define CRAW_GRPC_BENCH_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef struct craw_bench_server craw_bench_server;

/// Starts a grpc++ callback echo server on 127.0.0.1 (any method echoes the request); mutual TLS when
/// certificate_chain is not NULL. Returns NULL on failure.
craw_bench_server *craw_bench_server_start(const char *certificate_chain, const char *private_key,
                                           const char *trusted_roots, int *bound_port);
void craw_bench_server_stop(craw_bench_server *server);

typedef struct craw_bench_result {
    double p50_microseconds;
    double p99_microseconds;
    double calls_per_second;
} craw_bench_result;

/// Runs `sequential_calls` one after another (latency percentiles), then `concurrent_calls` with `in_flight`
/// outstanding (throughput), with a grpc++ GenericStub client. Returns 0 on success, -1 if a call failed.
int craw_bench_client_run(const char *target, const char *trusted_roots, const char *certificate_chain,
                          const char *private_key, const char *method, size_t payload_bytes,
                          int warmup_calls, int sequential_calls, int concurrent_calls, int in_flight,
                          craw_bench_result *result);

#ifdef __cplusplus
}
#endif
#endif
