// grpc++ behind the plain C API of CGRPCShim.h, server half: CallbackGenericService, calls and streams.
#include "ShimSupport.h"

using cgrpc_shim::contiguousView;
using cgrpc_shim::makeBuffer;
using cgrpc_shim::ensureGrpcInitialized;

namespace {

/// The identity strings of one connection, computed once from its grpc auth context (see IdentityCache).
struct PeerIdentityEntry {
    std::string subject, commonName, certificatePEM;
    bool hasSubject = false, hasCommonName = false, hasCertificate = false;
    std::vector<std::string> names;
    std::vector<cgrpc_string> nameViews;
    cgrpc_peer_identity view{};
    mutable std::atomic<void *> attached{nullptr};  // see cgrpc_peer_identity_attach
    void (*releaseAttached)(void *) = nullptr;

    PeerIdentityEntry(const PeerIdentityEntry &) = delete;
    PeerIdentityEntry &operator=(const PeerIdentityEntry &) = delete;
    ~PeerIdentityEntry() {
        if (void *object = attached.load()) {
            if (releaseAttached) releaseAttached(object);
        }
    }

    PeerIdentityEntry(const grpc_auth_context *auth, void (*release)(void *)) : releaseAttached(release) {
        auto first = [auth](const char *property, std::string *out) {
            grpc_auth_property_iterator it = grpc_auth_context_find_properties_by_name(auth, property);
            if (const grpc_auth_property *found = grpc_auth_property_iterator_next(&it)) {
                out->assign(found->value, found->value_length);
                return true;
            }
            return false;
        };
        hasSubject = first(GRPC_X509_SUBJECT_PROPERTY_NAME, &subject);
        hasCommonName = first(GRPC_X509_CN_PROPERTY_NAME, &commonName);
        hasCertificate = first(GRPC_X509_PEM_CERT_PROPERTY_NAME, &certificatePEM);
        grpc_auth_property_iterator it = grpc_auth_context_find_properties_by_name(auth, GRPC_X509_SAN_PROPERTY_NAME);
        while (const grpc_auth_property *name = grpc_auth_property_iterator_next(&it))
            names.emplace_back(name->value, name->value_length);
        for (const auto &name : names) nameViews.push_back({name.data(), name.size()});
        view.subject = hasSubject ? subject.c_str() : nullptr;
        view.common_name = hasCommonName ? commonName.c_str() : nullptr;
        view.certificate_pem = hasCertificate ? certificatePEM.c_str() : nullptr;
        view.alternative_names = nameViews.data();
        view.alternative_name_count = nameViews.size();
        view.authenticated = grpc_auth_context_peer_is_authenticated(auth) && hasSubject ? 1 : 0;
        view.internal = this;
    }
};

/// Peer identities by grpc auth context (one per connection). Each key holds a reference on its auth context,
/// so the pointer cannot be freed and reused by another connection while it is a key; the whole cache is
/// dropped when it reaches `kLimit` entries (identities are then recomputed) and when the server is destroyed.
class IdentityCache {
  public:
    explicit IdentityCache(void (*releaseAttached)(void *) = nullptr) : releaseAttached_(releaseAttached) {}
    ~IdentityCache() { clear(); }
    void setReleaseAttached(void (*release)(void *)) { releaseAttached_ = release; }

    /// Takes over the reference `auth` (from grpc_call_auth_context).
    std::shared_ptr<const PeerIdentityEntry> lookup(grpc_auth_context *auth) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            auto found = entries_.find(auth);
            if (found != entries_.end()) {
                auto entry = found->second;
                grpc_auth_context_release(auth);  // the cache already holds one reference
                return entry;
            }
        }
        auto entry = std::make_shared<const PeerIdentityEntry>(auth, releaseAttached_);
        std::lock_guard<std::mutex> lock(mutex_);
        if (entries_.size() >= kLimit) clearLocked();
        auto inserted = entries_.emplace(auth, entry);
        if (!inserted.second) {  // another thread cached the same connection meanwhile
            grpc_auth_context_release(auth);
            return inserted.first->second;
        }
        return entry;
    }

    void clear() {
        std::lock_guard<std::mutex> lock(mutex_);
        clearLocked();
    }

  private:
    static constexpr size_t kLimit = 1024;
    void (*releaseAttached_)(void *) = nullptr;
    void clearLocked() {
        for (auto &entry : entries_) grpc_auth_context_release(entry.first);
        entries_.clear();
    }
    std::mutex mutex_;
    std::unordered_map<grpc_auth_context *, std::shared_ptr<const PeerIdentityEntry>> entries_;
};

}  // namespace

// MARK: - Server

/// One call: a bidi reactor. A unary method reads one message and finishes once (cgrpc_call_respond); a
/// streaming method also reads further messages, ahead of the handler (cgrpc_call_read), queues writes (cgrpc_call_write,
/// one grpc write in flight at a time) and finishes after the queued writes (cgrpc_call_finish).
struct cgrpc_call final : grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
    grpc::CallbackServerContext *context;
    cgrpc_server *server;
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
    std::atomic<bool> cancelled{false};

    // Streaming state, guarded by `mutex`.
    std::mutex mutex;
    bool firstReadDone = false;
    void *readContext = nullptr;
    cgrpc_read_done readDone = nullptr;
    // Read-ahead of a streaming call: after the handler's first cgrpc_call_read, the next message is read while
    // the handler works on the last one (up to kReadAheadBytes buffered), so a stream's throughput is not one grpc
    // read round trip plus one hop into Swift per message.
    static constexpr size_t kReadAheadBytes = 2 << 20;
    std::deque<std::vector<uint8_t>> readAhead;
    size_t readAheadBytes = 0;
    bool reading = false;    // a StartRead after the first message is outstanding
    bool readEnded = false;  // the client half-closed or the call ended: no more messages
    cgrpc_shim::WriteQueue outgoing;
    bool broken = false;                  // a write failed: the client is gone
    bool finishing = false;               // cgrpc_call_finish was called: no more writes
    bool finishPending = false;           // ... while a write was in flight
    grpc::Status finishStatus;

    cgrpc_call(grpc::CallbackServerContext *context, cgrpc_server *server);
    void OnReadDone(bool ok) override;
    void OnCancel() override { cancelled.store(true); }
    void OnDone() override { delete this; }
    void OnWriteDone(bool ok) override;
    void firstMessage();
    void furtherMessage(bool ok);
};

struct cgrpc_server final : grpc::CallbackGenericService {
    void *handlerContext = nullptr;
    cgrpc_call_handler handler = nullptr;
    IdentityCache identities;  // declared before `server`: destroyed after it, when no call can still use it
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
    bool further = false;
    {
        std::lock_guard<std::mutex> lock(mutex);
        further = firstReadDone;
    }
    if (further) {
        furtherMessage(ok);
        return;
    }
    if (!ok) {
        // No request message: the client half-closed early, cancelled, or the message was too large (grpc core
        // has then already chosen the status, e.g. RESOURCE_EXHAUSTED; this Finish only completes the reactor).
        Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "request message missing or too large"));
        return;
    }
    {
        std::lock_guard<std::mutex> lock(mutex);
        firstReadDone = true;
    }
    firstMessage();
}

/// A further message of a streaming call (or its end: ok false): to the handler's pending read if there is one,
/// else into the read-ahead buffer; then the next read starts unless the buffer is full or the call is ending.
void cgrpc_call::furtherMessage(bool ok) {
    grpc::Slice bytes;
    bool readable = ok && contiguousView(request, &bytes);
    cgrpc_read_done done = nullptr;
    void *doneContext = nullptr;
    bool readNext = false;
    {
        std::lock_guard<std::mutex> lock(mutex);
        reading = false;
        if (!readable) readEnded = true;
        if (readDone) {
            done = readDone;
            doneContext = readContext;
            readDone = nullptr;
            readContext = nullptr;
        } else if (readable) {
            readAhead.emplace_back(bytes.begin(), bytes.end());
            readAheadBytes += bytes.size();
        }
        if (!readEnded && !finishing && readAheadBytes < kReadAheadBytes) readNext = reading = true;
    }
    if (done) {
        if (readable) {
            done(doneContext, 1, bytes.begin(), bytes.size());
        } else {
            done(doneContext, 0, nullptr, 0);
        }
    }
    // After the callback: `request` (which `bytes` views) is reused by the next read.
    if (readNext) StartRead(&request);
}

void cgrpc_call::firstMessage() {
    auto *generic = static_cast<grpc::GenericCallbackServerContext *>(context);
    const std::string &method = generic->method();
    grpc::Slice bytes;
    if (!contiguousView(request, &bytes)) {
        Finish(grpc::Status(grpc::StatusCode::INTERNAL, "cannot read the request"));
        return;
    }
    const std::string address = context->peer();
    std::shared_ptr<const PeerIdentityEntry> identity;
    if (grpc_auth_context *auth = grpc_call_auth_context(context->c_call()))
        identity = server->identities.lookup(auth);

    // Metadata views into grpc's own strings; a few entries fit on the stack.
    constexpr size_t kInline = 8;
    cgrpc_metadata_entry inlineEntries[kInline];
    std::vector<cgrpc_metadata_entry> moreEntries;
    cgrpc_metadata_entry *entries = inlineEntries;
    size_t count = 0;
    const auto &metadata = context->client_metadata();
    if (metadata.size() > kInline) {
        moreEntries.resize(metadata.size());
        entries = moreEntries.data();
    }
    for (const auto &entry : metadata) {
        const auto &key = entry.first;
        if (key.size() > 4 && std::memcmp(key.data() + key.size() - 4, "-bin", 4) == 0) continue;
        entries[count++] = {{key.data(), key.size()}, {entry.second.data(), entry.second.size()}};
    }
    cgrpc_call_info info{};
    info.method = {method.data(), method.size()};
    info.request = bytes.begin();
    info.request_length = bytes.size();
    info.peer_address = {address.data(), address.size()};
    info.identity = identity ? &identity->view : nullptr;
    info.metadata = entries;
    info.metadata_count = count;
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

// grpc may run a reaction inline with the operation that triggers it, so no lock is held across StartWrite or
// Finish: each function decides under the lock, then acts after releasing it.
void cgrpc_call::OnWriteDone(bool ok) {
    grpc::ByteBuffer *next = nullptr;
    bool finishNow = false;
    {
        std::lock_guard<std::mutex> lock(mutex);
        if (!ok) broken = true;
        next = outgoing.completed(ok, true);  // the queue is sent before a pending finish
        if (!next && finishPending) {
            finishPending = false;
            finishNow = true;
        }
    }
    if (next) StartWrite(next);
    if (finishNow) Finish(finishStatus);
}

extern "C" void cgrpc_call_read(cgrpc_call *call, void *context, cgrpc_read_done done) {
    std::vector<uint8_t> buffered;
    bool haveBuffered = false, ended = false, readNext = false;
    {
        std::lock_guard<std::mutex> lock(call->mutex);
        if (!call->readAhead.empty()) {
            buffered = std::move(call->readAhead.front());
            call->readAhead.pop_front();
            call->readAheadBytes -= buffered.size();
            haveBuffered = true;
        } else if (call->readEnded) {
            ended = true;
        } else {
            call->readContext = context;
            call->readDone = done;
        }
        // Reading resumes when the buffer has room again (or starts, at the handler's first read).
        if (!call->reading && !call->readEnded && !call->finishing &&
            call->readAheadBytes < cgrpc_call::kReadAheadBytes) {
            readNext = call->reading = true;
        }
    }
    if (haveBuffered) done(context, 1, buffered.data(), buffered.size());
    if (ended) done(context, 0, nullptr, 0);
    if (readNext) call->StartRead(&call->request);
}

extern "C" void cgrpc_call_end_reads(cgrpc_call *call) {
    cgrpc_read_done done = nullptr;
    void *doneContext = nullptr;
    {
        std::lock_guard<std::mutex> lock(call->mutex);
        call->readEnded = true;
        done = call->readDone;
        doneContext = call->readContext;
        call->readDone = nullptr;
        call->readContext = nullptr;
    }
    if (done) done(doneContext, 0, nullptr, 0);
}

extern "C" int cgrpc_call_write(cgrpc_call *call, const uint8_t *message, size_t length) {
    grpc::ByteBuffer *start = nullptr;
    {
        std::lock_guard<std::mutex> lock(call->mutex);
        if (call->broken || call->finishing || call->cancelled.load()) return 0;
        start = call->outgoing.push(makeBuffer(message, length));
    }
    if (start) call->StartWrite(start);
    return 1;
}

extern "C" void cgrpc_call_finish(cgrpc_call *call, int code, const char *message) {
    grpc::Status status = code == 0 ? grpc::Status::OK
                                    : grpc::Status(static_cast<grpc::StatusCode>(code), message ? message : "");
    {
        std::lock_guard<std::mutex> lock(call->mutex);
        call->finishing = true;
        if (call->outgoing.writing) {  // OnWriteDone finishes once the queue is sent
            call->finishPending = true;
            call->finishStatus = status;
            return;
        }
    }
    call->Finish(status);
}

extern "C" void *cgrpc_peer_identity_attach(const cgrpc_peer_identity *identity, void *object) {
    auto *entry = static_cast<const PeerIdentityEntry *>(identity->internal);
    void *expected = nullptr;
    if (entry->attached.compare_exchange_strong(expected, object)) return object;
    return expected;
}

extern "C" void *cgrpc_peer_identity_attached(const cgrpc_peer_identity *identity) {
    return static_cast<const PeerIdentityEntry *>(identity->internal)->attached.load(std::memory_order_acquire);
}

extern "C" int cgrpc_call_is_cancelled(cgrpc_call *call) { return call->cancelled.load() ? 1 : 0; }

extern "C" cgrpc_server *cgrpc_server_start(const cgrpc_server_options *options, void *context,
                                            cgrpc_call_handler handler, int *bound_port, char *error,
                                            size_t error_capacity) {
    ensureGrpcInitialized();
    auto server = std::make_unique<cgrpc_server>();
    server->handlerContext = context;
    server->handler = handler;
    server->identities.setReleaseAttached(options->release_attached);
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
