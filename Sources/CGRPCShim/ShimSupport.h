// Internal to CGRPCShim: what the server (Server.cpp) and the client (Client.cpp) halves of the shim share.
#pragma once
#include "CGRPCShim.h"

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/support/byte_buffer.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace cgrpc_shim {

/// Makes `buffer`'s bytes contiguous in `slice` without copying when grpc already holds them in one slice (the
/// usual case for small messages); the view `slice.begin()…end()` lives as long as `slice`.
inline bool contiguousView(const grpc::ByteBuffer &buffer, grpc::Slice *slice) {
    if (buffer.TrySingleSlice(slice).ok()) return true;
    return buffer.DumpToSingleSlice(slice).ok();
}

inline grpc::ByteBuffer makeBuffer(const uint8_t *data, size_t length) {
    grpc::Slice slice(data, length);
    return grpc::ByteBuffer(&slice, 1);
}

/// Initializes grpc once per process. Abseil's mutex deadlock detection is switched off first: Debian's absl is
/// built without NDEBUG, so every absl::Mutex grpc takes also maintained a lock-order graph and captured stack
/// traces (GraphCycles, ≈2% of a core's CPU under decryption load); grpc's locking is not ours to debug.
inline void ensureGrpcInitialized() {
    static std::once_flag once;
    std::call_once(once, [] {
        absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
        grpc_init();
    });
}

/// The messages a stream has queued for grpc, which allows one write in flight: the front is that write. A deque,
/// so `&front()` stays valid while later messages are pushed. Not locked itself: its owner calls it under its own
/// mutex and starts the returned write after releasing it (grpc may run the reaction inline).
struct WriteQueue {
    std::deque<grpc::ByteBuffer> writes;
    bool writing = false;

    /// Queues `message`; returns the write to start now, or null if one is in flight.
    grpc::ByteBuffer *push(grpc::ByteBuffer message) {
        writes.push_back(std::move(message));
        if (writing) return nullptr;
        writing = true;
        return &writes.front();
    }

    /// The write in flight completed: forgets it (everything, if it failed); returns the next write to start, or
    /// null when there is none or `mayContinue` is false.
    grpc::ByteBuffer *completed(bool ok, bool mayContinue) {
        if (!writes.empty()) writes.pop_front();
        writing = false;
        if (!ok) writes.clear();
        if (!mayContinue || writes.empty()) return nullptr;
        writing = true;
        return &writes.front();
    }
};

}  // namespace cgrpc_shim

/// A channel: grpc's channel and the generic stub every call and stream goes through.
struct cgrpc_channel {
    std::shared_ptr<grpc::Channel> channel;
    std::shared_ptr<grpc::GenericStub> stub;
};
