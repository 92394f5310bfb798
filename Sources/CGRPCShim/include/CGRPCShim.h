// CGRPCShim: a small plain-C API over grpc++ (callback API, generic service/stub).
// It only moves bytes, status codes and the caller's verified TLS identity; routing and (de)serialization are
// done by the Swift layer (GRPCCore). Ownership: every pointer handed to a callback is valid only during the
// callback (copy what you keep); every handle is released by exactly one call documented below.
#ifndef CGRPC_SHIM_H
#define CGRPC_SHIM_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef struct cgrpc_server cgrpc_server;
typedef struct cgrpc_call cgrpc_call;
typedef struct cgrpc_channel cgrpc_channel;

/// A byte string that is not NUL-terminated (a view: valid as long as its owner says).
typedef struct cgrpc_string {
    const char *data;
    size_t length;
} cgrpc_string;

/// One ASCII client metadata entry (binary "-bin" headers are not passed).
typedef struct cgrpc_metadata_entry {
    cgrpc_string key;
    cgrpc_string value;
} cgrpc_metadata_entry;

/// The verified TLS identity of a connection's peer. The server computes it once per connection (per grpc auth
/// context) and caches it, so every call on that connection sees the same pointer while the server lives.
typedef struct cgrpc_peer_identity {
    const char *subject;                        // NUL-terminated; NULL when the peer presented no certificate
    const char *common_name;                    // NUL-terminated; NULL when absent
    const char *certificate_pem;                // the verified leaf certificate, PEM, NUL-terminated; NULL when
                                                // the peer presented none (grpc's "x509_pem_cert")
    const cgrpc_string *alternative_names;      // DNS names and IP addresses
    size_t alternative_name_count;
    int authenticated;                          // 1 = a client certificate was presented and verified
    const void *internal;                       // the cache entry (for cgrpc_peer_identity_attach)
} cgrpc_peer_identity;

/// Attaches the caller's own representation of `identity` (e.g. a retained Swift object) to its cache entry,
/// once: returns the object attached first (`object` if it won; otherwise the caller releases `object`). The
/// server releases the attached object with `release_attached` (cgrpc_server_options) when the entry goes.
void *cgrpc_peer_identity_attach(const cgrpc_peer_identity *identity, void *object);
/// The object attached to `identity`, or NULL.
void *cgrpc_peer_identity_attached(const cgrpc_peer_identity *identity);

/// What the server knows about one incoming call; every pointer is valid during the callback only.
typedef struct cgrpc_call_info {
    cgrpc_string method;
    const uint8_t *request;                     // a view of grpc's buffer (no copy was made)
    size_t request_length;
    cgrpc_string peer_address;
    const cgrpc_peer_identity *identity;        // NULL when the connection has no auth context
    const cgrpc_metadata_entry *metadata;
    size_t metadata_count;
} cgrpc_call_info;

/// Called on a grpc thread for each call. The handler must eventually call cgrpc_call_respond exactly once.
typedef void (*cgrpc_call_handler)(void *context, cgrpc_call *call, const cgrpc_call_info *info);

typedef struct cgrpc_server_options {
    const char *address;              // "127.0.0.1:0"
    const char *certificate_chain;    // NULL = plaintext
    const char *private_key;
    const char *trusted_roots;        // CA for client certificates (NULL = none)
    int require_client_certificate;   // 1 = mutual TLS
    int max_receive_message_bytes;
    int max_send_message_bytes;
    void (*release_attached)(void *object);  // releases objects given to cgrpc_peer_identity_attach (or NULL)
} cgrpc_server_options;

/// Builds and starts a server. Returns NULL (and a message in error, up to error_capacity bytes) on failure.
cgrpc_server *cgrpc_server_start(const cgrpc_server_options *options, void *context, cgrpc_call_handler handler,
                                 int *bound_port, char *error, size_t error_capacity);
/// Answers a call (status code 0 = OK with the response bytes). Releases `call`.
void cgrpc_call_respond(cgrpc_call *call, const uint8_t *response, size_t length, int code, const char *message);
/// Streaming calls (the handler got the first request message as usual). Every function below may be called
/// from any thread until cgrpc_call_finish; after it the call is released.
/// Completion of cgrpc_call_read, on a grpc thread: ok 1 with the next message (valid during the callback only),
/// ok 0 when the client half-closed or the call ended. Called exactly once per cgrpc_call_read.
typedef void (*cgrpc_read_done)(void *context, int ok, const uint8_t *message, size_t length);
/// Reads the next request message; at most one cgrpc_call_read at a time. From the first call on, the shim reads
/// ahead (up to 2 MiB buffered), so `done` may run inline, before this returns, with a message already received.
void cgrpc_call_read(cgrpc_call *call, void *context, cgrpc_read_done done);
/// Ends the call's input for its handler (server shutdown): a pending cgrpc_call_read completes with ok 0 now, and
/// later ones after any message already buffered. The call itself goes on until cgrpc_call_finish.
void cgrpc_call_end_reads(cgrpc_call *call);
/// Queues one response message (sent in order). Returns 0 when the client is gone (cancelled, or a write
/// failed) or the call is finishing: stop writing then.
int cgrpc_call_write(cgrpc_call *call, const uint8_t *message, size_t length);
/// Ends the call with a status (0 = OK) after the queued writes. Releases `call`; a read still in flight
/// completes with ok 0 first.
void cgrpc_call_finish(cgrpc_call *call, int code, const char *message);
/// 1 if the client cancelled the call or its deadline passed.
int cgrpc_call_is_cancelled(cgrpc_call *call);

typedef void (*cgrpc_shutdown_done)(void *context);
/// Stops accepting, drains in-flight calls for up to grace_milliseconds, then cancels the rest; on a separate
/// thread. Calls done(context) when the server is gone. Releases `server`.
void cgrpc_server_shutdown(cgrpc_server *server, int64_t grace_milliseconds, void *context,
                           cgrpc_shutdown_done done);

typedef struct cgrpc_channel_options {
    const char *target;
    const char *trusted_roots;        // NULL = plaintext
    const char *certificate_chain;    // client certificate (NULL = none)
    const char *private_key;
    const char *server_name_override; // NULL = host of target
    int max_receive_message_bytes;
    int max_send_message_bytes;
} cgrpc_channel_options;

cgrpc_channel *cgrpc_channel_create(const cgrpc_channel_options *options);
/// Completion of a unary call, on a grpc thread. `response`/`message` valid during the callback only.
typedef void (*cgrpc_unary_done)(void *context, int code, const char *message, const uint8_t *response,
                                 size_t length);
typedef struct cgrpc_unary_call cgrpc_unary_call;
/// Starts one unary call. metadata: "key\tvalue\n" lines or NULL. done is called exactly once, on a grpc
/// thread (possibly before this returns). The returned handle must be released with cgrpc_unary_call_release
/// once done has been called, from any thread except inside done itself.
cgrpc_unary_call *cgrpc_channel_unary(cgrpc_channel *channel, const char *method, const uint8_t *request,
                                      size_t length, const char *metadata, int64_t timeout_milliseconds,
                                      void *context, cgrpc_unary_done done);
/// Frees a finished call (see cgrpc_channel_unary).
void cgrpc_unary_call_release(cgrpc_unary_call *call);
/// Releases the handle; calls in flight keep the underlying channel alive until they complete.
void cgrpc_channel_destroy(cgrpc_channel *channel);

/// A client's bidirectional streaming call (no deadline: it lives until either side ends it).
typedef struct cgrpc_client_stream cgrpc_client_stream;
/// One message from the server, on a grpc thread, in order and one at a time; `message` is valid during the
/// callback only.
typedef void (*cgrpc_stream_message)(void *context, const uint8_t *message, size_t length);
/// The end of the call with its status (0 = OK), on a grpc thread, exactly once and after the last message.
typedef void (*cgrpc_stream_done)(void *context, int code, const char *message);
/// Opens a stream on `method`. `context` is handed to both callbacks; it must stay valid until `done`. The handle
/// must be released with cgrpc_client_stream_release (from any thread except inside a callback), before or after
/// `done`.
cgrpc_client_stream *cgrpc_channel_open_stream(cgrpc_channel *channel, const char *method, void *context,
                                               cgrpc_stream_message message, cgrpc_stream_done done);
/// Queues one message (sent in order). Returns 0 once the stream is ending or ended (cancelled, a write failed, the
/// server finished): nothing more will be sent then.
int cgrpc_client_stream_write(cgrpc_client_stream *stream, const uint8_t *message, size_t length);
/// Ends the stream: what is queued is dropped and `done` follows with CANCELLED (or the status already received).
void cgrpc_client_stream_cancel(cgrpc_client_stream *stream);
/// Gives up the handle (cancelling the stream if it still runs).
void cgrpc_client_stream_release(cgrpc_client_stream *stream);

#ifdef __cplusplus
}
#endif
#endif
