// grpc++ behind the plain C API of CGRPCShim.h, client half: channels, unary calls (GenericStub) and bidi streams.
#include "ShimSupport.h"

using cgrpc_shim::contiguousView;
using cgrpc_shim::makeBuffer;
using cgrpc_shim::ensureGrpcInitialized;

/// One client call in flight. Released by the caller (cgrpc_unary_call_release) after `done` has run, from
/// another thread: destroying a ClientContext inside its own completion callback is not safe in grpc 1.51, and
/// releasing it from the woken caller is the pattern grpc's callback examples use (no extra thread hand-off).
struct cgrpc_unary_call {
    std::shared_ptr<grpc::GenericStub> stub;  // keeps the channel alive until completion
    grpc::ClientContext context;
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
};

extern "C" cgrpc_channel *cgrpc_channel_create(const cgrpc_channel_options *options) {
    ensureGrpcInitialized();
    std::shared_ptr<grpc::ChannelCredentials> credentials;
    grpc::ChannelArguments arguments;
    arguments.SetMaxReceiveMessageSize(options->max_receive_message_bytes);
    arguments.SetMaxSendMessageSize(options->max_send_message_bytes);
    // Reconnect quickly to a peer that comes (back) up: grpc's default backoff grows to 120 s, during which every
    // call fails at once with UNAVAILABLE although the peer answers again (cores start in any order and restart).
    // GRPC_ARG_MIN_RECONNECT_BACKOFF_MS is left alone: grpc also uses it as the connection attempt's timeout
    // (20 s), and a short one fails slow TLS handshakes.
    arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
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

extern "C" cgrpc_unary_call *cgrpc_channel_unary(cgrpc_channel *channel, const char *method,
                                                 const uint8_t *request, size_t length, const char *metadata,
                                                 int64_t timeout_milliseconds, void *context,
                                                 cgrpc_unary_done done) {
    auto *call = new cgrpc_unary_call();
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
                              grpc::Slice bytes;
                              if (status.ok() && !contiguousView(call->response, &bytes))
                                  status = grpc::Status(grpc::StatusCode::INTERNAL, "cannot read the response");
                              if (status.ok()) {
                                  done(context, 0, "", bytes.begin(), bytes.size());
                              } else {
                                  done(context, static_cast<int>(status.error_code()),
                                       status.error_message().c_str(), nullptr, 0);
                              }
                          });
    return call;
}

extern "C" void cgrpc_unary_call_release(cgrpc_unary_call *call) { delete call; }

/// A client bidi stream. One hold keeps grpc from finishing the reactor while the stream may still write; it is
/// removed once (cancel, release, or the server ending the stream), after which no write starts. The object is
/// freed when both grpc (OnDone) and the owner (cgrpc_client_stream_release) are done with it. As on the server,
/// no lock is held across StartWrite or the callbacks into Swift.
struct cgrpc_client_stream final : grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
    std::shared_ptr<grpc::GenericStub> stub;  // keeps the channel alive until the stream ends
    grpc::ClientContext context;
    grpc::ByteBuffer response;
    void *owner = nullptr;
    cgrpc_stream_message onMessage = nullptr;
    cgrpc_stream_done onDone = nullptr;
    std::atomic<int> references{2};

    std::mutex mutex;
    cgrpc_shim::WriteQueue outgoing;
    bool ending = false;  // no more writes; the hold is gone or going

    void OnReadDone(bool ok) override {
        if (!ok) {  // the server finished (or the call broke): stop writing, let grpc complete
            endWrites();
            return;
        }
        grpc::Slice bytes;
        if (contiguousView(response, &bytes)) onMessage(owner, bytes.begin(), bytes.size());
        StartRead(&response);
    }

    void OnWriteDone(bool ok) override {
        grpc::ByteBuffer *next = nullptr;
        {
            std::lock_guard<std::mutex> lock(mutex);
            next = outgoing.completed(ok, !ending);
        }
        if (next) {
            StartWrite(next);
        } else if (!ok) {
            endWrites();
        }
    }

    void OnDone(const grpc::Status &status) override {
        onDone(owner, static_cast<int>(status.error_code()), status.error_message().c_str());
        unreference();
    }

    /// Stops writing and removes the hold, once.
    void endWrites() {
        {
            std::lock_guard<std::mutex> lock(mutex);
            if (ending) return;
            ending = true;
            if (!outgoing.writing) outgoing.writes.clear();
        }
        RemoveHold();
    }

    void unreference() {
        if (references.fetch_sub(1) == 1) delete this;
    }
};

extern "C" cgrpc_client_stream *cgrpc_channel_open_stream(cgrpc_channel *channel, const char *method, void *context,
                                                          cgrpc_stream_message message, cgrpc_stream_done done) {
    auto *stream = new cgrpc_client_stream();
    stream->stub = channel->stub;
    stream->owner = context;
    stream->onMessage = message;
    stream->onDone = done;
    stream->stub->PrepareBidiStreamingCall(&stream->context, method, grpc::StubOptions(), stream);
    stream->AddHold();
    stream->StartRead(&stream->response);
    stream->StartCall();
    return stream;
}

extern "C" int cgrpc_client_stream_write(cgrpc_client_stream *stream, const uint8_t *message, size_t length) {
    grpc::ByteBuffer *start = nullptr;
    {
        std::lock_guard<std::mutex> lock(stream->mutex);
        if (stream->ending) return 0;
        start = stream->outgoing.push(makeBuffer(message, length));
    }
    if (start) stream->StartWrite(start);
    return 1;
}

extern "C" void cgrpc_client_stream_cancel(cgrpc_client_stream *stream) {
    stream->context.TryCancel();
    stream->endWrites();
}

extern "C" void cgrpc_client_stream_release(cgrpc_client_stream *stream) {
    cgrpc_client_stream_cancel(stream);
    stream->unreference();
}

extern "C" void cgrpc_channel_destroy(cgrpc_channel *channel) { delete channel; }
