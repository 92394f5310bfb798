// Baseline grpc++ client and server with no Swift in the path (see CRawGRPCBench.h).
#include "CRawGRPCBench.h"

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

namespace {

class EchoReactor final : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
  public:
    EchoReactor() { StartRead(&request_); }
    void OnReadDone(bool ok) override {
        if (!ok) {
            Finish(grpc::Status(grpc::StatusCode::INTERNAL, "no request"));
            return;
        }
        response_ = request_;
        StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
    }
    void OnWriteDone(bool) override {}
    void OnDone() override { delete this; }

  private:
    grpc::ByteBuffer request_, response_;
};

class EchoService final : public grpc::CallbackGenericService {
    grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> *CreateReactor(
        grpc::GenericCallbackServerContext *) override {
        return new EchoReactor();
    }
};

grpc::ByteBuffer makePayload(size_t bytes) {
    std::string data(bytes, 'x');
    grpc::Slice slice(data);
    return grpc::ByteBuffer(&slice, 1);
}

/// One blocking-style call over the callback API (the client thread waits on a condition variable).
bool callOnce(grpc::GenericStub &stub, const std::string &method, const grpc::ByteBuffer &request) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    grpc::ByteBuffer response;
    std::mutex mutex;
    std::condition_variable done;
    bool finished = false, ok = false;
    stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response, [&](grpc::Status status) {
        std::lock_guard<std::mutex> lock(mutex);
        ok = status.ok();
        finished = true;
        done.notify_one();
    });
    std::unique_lock<std::mutex> lock(mutex);
    done.wait(lock, [&] { return finished; });
    return ok;
}

}  // namespace

struct craw_bench_server {
    EchoService service;
    std::unique_ptr<grpc::Server> server;
};

extern "C" craw_bench_server *craw_bench_server_start(const char *certificate_chain, const char *private_key,
                                                      const char *trusted_roots, int *bound_port) {
    auto *handle = new craw_bench_server();
    std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
    if (certificate_chain) {
        grpc::SslServerCredentialsOptions ssl(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
        ssl.pem_root_certs = trusted_roots;
        ssl.pem_key_cert_pairs.push_back({private_key, certificate_chain});
        credentials = grpc::SslServerCredentials(ssl);
    }
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", credentials, bound_port);
    builder.RegisterCallbackGenericService(&handle->service);
    handle->server = builder.BuildAndStart();
    if (!handle->server) {
        delete handle;
        return nullptr;
    }
    return handle;
}

extern "C" void craw_bench_server_stop(craw_bench_server *server) {
    server->server->Shutdown(std::chrono::system_clock::now());
    server->server->Wait();
    delete server;
}

extern "C" int craw_bench_client_run(const char *target, const char *trusted_roots, const char *certificate_chain,
                                     const char *private_key, const char *method, size_t payload_bytes,
                                     int warmup_calls, int sequential_calls, int concurrent_calls, int in_flight,
                                     craw_bench_result *result) {
    std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
    if (trusted_roots) {
        grpc::SslCredentialsOptions ssl;
        ssl.pem_root_certs = trusted_roots;
        if (certificate_chain) {
            ssl.pem_cert_chain = certificate_chain;
            ssl.pem_private_key = private_key;
        }
        credentials = grpc::SslCredentials(ssl);
    }
    auto channel = grpc::CreateCustomChannel(target, credentials, grpc::ChannelArguments());
    grpc::GenericStub stub(channel);
    const std::string name(method);
    const grpc::ByteBuffer request = makePayload(payload_bytes);
    for (int i = 0; i < warmup_calls; i++)
        if (!callOnce(stub, name, request)) return -1;

    std::vector<double> latencies;
    latencies.reserve(sequential_calls);
    for (int i = 0; i < sequential_calls; i++) {
        auto start = std::chrono::steady_clock::now();
        if (!callOnce(stub, name, request)) return -1;
        latencies.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                                .count());
    }
    std::sort(latencies.begin(), latencies.end());
    result->p50_microseconds = latencies.empty() ? 0 : latencies[latencies.size() / 2];
    result->p99_microseconds = latencies.empty() ? 0 : latencies[std::min(latencies.size() - 1,
                                                                          latencies.size() * 99 / 100)];

    // Throughput: `in_flight` client threads, each making calls one after another (as the Swift side's tasks do).
    std::atomic<int> next{0};
    std::atomic<bool> failed{false};
    auto begin = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (int worker = 0; worker < in_flight; worker++) {
        workers.emplace_back([&] {
            while (next.fetch_add(1) < concurrent_calls && !failed.load())
                if (!callOnce(stub, name, request)) failed.store(true);
        });
    }
    for (auto &worker : workers) worker.join();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    result->calls_per_second = seconds > 0 ? concurrent_calls / seconds : 0;
    return failed.load() ? -1 : 0;
}
