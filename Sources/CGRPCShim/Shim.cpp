// grpc++ behind the plain C API of CGRPCShim.h: CallbackGenericService (server) and GenericStub (client).
#include "CGRPCShim.h"

#include <grpc/grpc.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/support/byte_buffer.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

/// Copies a ByteBuffer into contiguous bytes (grpc's slices are released with the buffer).
std::string copyBytes(const grpc::ByteBuffer &buffer) {
    std::string out;
    std::vector<grpc::Slice> slices;
    if (!buffer.Dump(&slices).ok()) return out;
    out.reserve(buffer.Length());
    for (const auto &slice : slices) out.append(reinterpret_cast<const char *>(slice.begin()), slice.size());
    return out;
}

grpc::ByteBuffer makeBuffer(const uint8_t *data, size_t length) {
    grpc::Slice slice(data, length);
    return grpc::ByteBuffer(&slice, 1);
}

std::string joinProperty(const grpc::AuthContext &auth, const char *name, bool *found) {
    std::string out;
    *found = false;
    for (const auto &value : auth.FindPropertyValues(name)) {
        if (*found) out.push_back('\n');
        out.append(value.data(), value.size());
        *found = true;
    }
    return out;
}

void ensureGrpcInitialized() {
    static std::once_flag once;
    std::call_once(once, [] { grpc_init(); });
}

}  // namespace

// MARK: - Server

/// One call: a bidi reactor used as unary (read one message, then finish once).
struct cgrpc_call final : grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
    grpc::CallbackServerContext *context;
    cgrpc_server *server;
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
    std::atomic<bool> cancelled{false};

    cgrpc_call(grpc::CallbackServerContext *context, cgrpc_server *server);
    void OnReadDone(bool ok) override;
    void OnCancel() override { cancelled.store(true); }
    void OnDone() override { delete this; }
    void OnWriteDone(bool) override {}
};

struct cgrpc_server final : grpc::CallbackGenericService {
    void *handlerContext = nullptr;
    cgrpc_call_handler handler = nullptr;
    std::unique_ptr<grpc::Server> server;

    grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> *CreateReactor(
        grpc::GenericCallbackServerContext *context) override {
        return new cgrpc_call(context, this);
    }
};

cgrpc_call::cgrpc_call(grpc::CallbackServerContext *context, cgrpc_server *server)
    : context(context), server(server) {
    StartRead(&request);
}

void cgrpc_call::OnReadDone(bool ok) {
    if (!ok) {
        // No request message: the client half-closed early, cancelled, or the message was too large (grpc core
        // has then already chosen the status, e.g. RESOURCE_EXHAUSTED; this Finish only completes the reactor).
        Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "request message missing or too large"));
        return;
    }
    auto *generic = static_cast<grpc::GenericCallbackServerContext *>(context);
    std::string method = generic->method();
    std::string bytes = copyBytes(request);
    request.Clear();
    std::string address = context->peer();
    std::string subject, commonName, names, metadata;
    bool hasSubject = false, hasCommonName = false, found = false;
    int authenticated = 0;
    if (auto auth = context->auth_context()) {
        subject = joinProperty(*auth, GRPC_X509_SUBJECT_PROPERTY_NAME, &hasSubject);
        commonName = joinProperty(*auth, GRPC_X509_CN_PROPERTY_NAME, &hasCommonName);
        names = joinProperty(*auth, GRPC_X509_SAN_PROPERTY_NAME, &found);
        authenticated = auth->IsPeerAuthenticated() && hasSubject ? 1 : 0;
    }
    for (const auto &entry : context->client_metadata()) {
        std::string key(entry.first.data(), entry.first.size());
        if (key.size() > 4 && key.compare(key.size() - 4, 4, "-bin") == 0) continue;
        metadata.append(key).push_back('\t');
        metadata.append(entry.second.data(), entry.second.size()).push_back('\n');
    }
    cgrpc_call_info info{};
    info.method = method.c_str();
    info.request = reinterpret_cast<const uint8_t *>(bytes.data());
    info.request_length = bytes.size();
    info.peer_address = address.c_str();
    info.subject = hasSubject ? subject.c_str() : nullptr;
    info.common_name = hasCommonName ? commonName.c_str() : nullptr;
    info.alternative_names = names.c_str();
    info.metadata = metadata.c_str();
    info.authenticated = authenticated;
    server->handler(server->handlerContext, this, &info);
}

extern "C" void cgrpc_call_respond(cgrpc_call *call, const uint8_t *response, size_t length, int code,
                                   const char *message) {
    if (code == 0) {
        call->response = makeBuffer(response, length);
        call->StartWriteAndFinish(&call->response, grpc::WriteOptions(), grpc::Status::OK);
    } else {
        call->Finish(grpc::Status(static_cast<grpc::StatusCode>(code), message ? message : ""));
    }
}

extern "C" int cgrpc_call_is_cancelled(cgrpc_call *call) { return call->cancelled.load() ? 1 : 0; }

extern "C" cgrpc_server *cgrpc_server_start(const cgrpc_server_options *options, void *context,
                                            cgrpc_call_handler handler, int *bound_port, char *error,
                                            size_t error_capacity) {
    ensureGrpcInitialized();
    auto server = std::make_unique<cgrpc_server>();
    server->handlerContext = context;
    server->handler = handler;
    std::shared_ptr<grpc::ServerCredentials> credentials;
    if (options->certificate_chain && options->private_key) {
        grpc_ssl_client_certificate_request_type request = GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE;
        if (options->require_client_certificate)
            request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
        else if (options->trusted_roots)
            request = GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
        grpc::SslServerCredentialsOptions ssl(request);
        if (options->trusted_roots) ssl.pem_root_certs = options->trusted_roots;
        ssl.pem_key_cert_pairs.push_back({options->private_key, options->certificate_chain});
        credentials = grpc::SslServerCredentials(ssl);
    } else {
        credentials = grpc::InsecureServerCredentials();
    }
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort(options->address, credentials, &port);
    builder.RegisterCallbackGenericService(server.get());
    builder.SetMaxReceiveMessageSize(options->max_receive_message_bytes);
    builder.SetMaxSendMessageSize(options->max_send_message_bytes);
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);  // a busy port must fail, not be shared
    server->server = builder.BuildAndStart();
    if (!server->server || port == 0) {
        if (error && error_capacity > 0) {
            std::string text = std::string("cannot listen on ") + options->address;
            std::snprintf(error, error_capacity, "%s", text.c_str());
        }
        return nullptr;
    }
    *bound_port = port;
    return server.release();
}

extern "C" void cgrpc_server_shutdown(cgrpc_server *server, int64_t grace_milliseconds, void *context,
                                      cgrpc_shutdown_done done) {
    std::thread([server, grace_milliseconds, context, done] {
        auto deadline = std::chrono::system_clock::now() + std::chrono::milliseconds(grace_milliseconds);
        server->server->Shutdown(deadline);
        server->server->Wait();
        server->server.reset();
        delete server;
        if (done) done(context);
    }).detach();
}

// MARK: - Client

struct cgrpc_channel {
    std::shared_ptr<grpc::Channel> channel;
    std::shared_ptr<grpc::GenericStub> stub;
};

namespace {

struct PendingCall {
    std::shared_ptr<grpc::GenericStub> stub;  // keeps the channel alive until completion
    grpc::ClientContext context;
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
};

/// Deletes finished calls off grpc's completion thread (destroying a ClientContext inside its own completion
/// callback is not safe in grpc 1.51).
class Reaper {
  public:
    static Reaper &shared() {
        static Reaper *reaper = new Reaper();  // never destroyed: outlives every grpc thread
        return *reaper;
    }
    /// Only the first call into an empty queue wakes the reaper; it then waits a millisecond so that one
    /// wake-up frees a whole batch (a wake-up per call cost measurable throughput on two cores).
    void release(PendingCall *call) {
        bool wasEmpty;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            wasEmpty = queue_.empty();
            queue_.push_back(call);
        }
        if (wasEmpty) ready_.notify_one();
    }

  private:
    Reaper() {
        std::thread([this] {
            for (;;) {
                {
                    std::unique_lock<std::mutex> lock(mutex_);
                    ready_.wait(lock, [this] { return !queue_.empty(); });
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
                std::deque<PendingCall *> batch;
                {
                    std::lock_guard<std::mutex> lock(mutex_);
                    batch.swap(queue_);
                }
                for (auto *call : batch) delete call;
            }
        }).detach();
    }
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<PendingCall *> queue_;
};

}  // namespace

extern "C" cgrpc_channel *cgrpc_channel_create(const cgrpc_channel_options *options) {
    ensureGrpcInitialized();
    std::shared_ptr<grpc::ChannelCredentials> credentials;
    grpc::ChannelArguments arguments;
    arguments.SetMaxReceiveMessageSize(options->max_receive_message_bytes);
    arguments.SetMaxSendMessageSize(options->max_send_message_bytes);
    if (options->trusted_roots) {
        grpc::SslCredentialsOptions ssl;
        ssl.pem_root_certs = options->trusted_roots;
        if (options->certificate_chain && options->private_key) {
            ssl.pem_cert_chain = options->certificate_chain;
            ssl.pem_private_key = options->private_key;
        }
        credentials = grpc::SslCredentials(ssl);
        if (options->server_name_override)
            arguments.SetSslTargetNameOverride(options->server_name_override);
    } else {
        credentials = grpc::InsecureChannelCredentials();
    }
    auto channel = grpc::CreateCustomChannel(options->target, credentials, arguments);
    if (!channel) return nullptr;
    auto *handle = new cgrpc_channel();
    handle->channel = channel;
    handle->stub = std::make_shared<grpc::GenericStub>(channel);
    return handle;
}

extern "C" void cgrpc_channel_unary(cgrpc_channel *channel, const char *method, const uint8_t *request,
                                    size_t length, const char *metadata, int64_t timeout_milliseconds,
                                    void *context, cgrpc_unary_done done) {
    auto *call = new PendingCall();
    call->stub = channel->stub;
    call->request = makeBuffer(request, length);
    call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_milliseconds));
    if (metadata) {
        std::string lines(metadata);
        size_t start = 0;
        while (start < lines.size()) {
            size_t end = lines.find('\n', start);
            if (end == std::string::npos) end = lines.size();
            size_t tab = lines.find('\t', start);
            if (tab != std::string::npos && tab < end)
                call->context.AddMetadata(lines.substr(start, tab - start), lines.substr(tab + 1, end - tab - 1));
            start = end + 1;
        }
    }
    call->stub->UnaryCall(&call->context, method, grpc::StubOptions(), &call->request, &call->response,
                          [call, context, done](grpc::Status status) {
                              if (status.ok()) {
                                  std::string bytes = copyBytes(call->response);
                                  done(context, 0, "", reinterpret_cast<const uint8_t *>(bytes.data()),
                                       bytes.size());
                              } else {
                                  done(context, static_cast<int>(status.error_code()),
                                       status.error_message().c_str(), nullptr, 0);
                              }
                              Reaper::shared().release(call);
                          });
}

extern "C" void cgrpc_channel_destroy(cgrpc_channel *channel) { delete channel; }
