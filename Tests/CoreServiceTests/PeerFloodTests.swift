import Foundation
import GRPCCore
import KMSAPI
import Synchronization
import Testing

/// A hostile peer (the test, holding party 2's certificate) floods party 1 with 1 GiB of protocol messages, for
/// sessions that do not exist and for one session with ever new rounds: party 1 buffers at most its quota for
/// that peer, refuses the rest with RESOURCE_EXHAUSTED, and keeps serving.
@Suite(.serialized) struct PeerFloodTests {
    static let quota = 32 << 20

    /// Resident memory of a process, from /proc/<pid>/status (VmRSS, in bytes).
    static func residentBytes(_ pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        let kilobytes = try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
        return kilobytes * 1024
    }

    /// Four cores with the test's quota; the hostile peer's channel to party 1's peer endpoint, as party 2.
    static func startClusterWithHostilePeer() async throws -> (TestCluster, TestServer, GRPCChannel) {
        let cluster = try TestCluster(settings: TestCluster.fastSettings + ["peer_quota_bytes = \(quota)", "session_expiry_seconds = 600"])
        try await cluster.startAll()
        try await cluster.waitForDefaultEpoch(parties: [1, 2, 3, 4])
        let target = try cluster.server(1)
        let channel = try GRPCChannel(configuration: GRPCChannelConfiguration(
            target: try #require(target.peerTarget),
            tls: try cluster.workspace.certificates.clientTLS(certificate: "core-2.pem", key: "core-2.key")))
        return (cluster, target, channel)
    }

    @Test func aFloodingPeerIsHeldToItsQuota() async throws {
        let (cluster, target, channel) = try await Self.startClusterWithHostilePeer()
        defer { channel.close() }
        let messageBytes = 1 << 20
        let payload = Data((0..<messageBytes).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let liveSession = Data((0..<32).map { _ in UInt8.random(in: .min ... .max) })
        // Warm up the connection (TLS session, grpc's threads and buffers) with one small message, then measure.
        var warmUp = Mpc_V1_PeerBatch()
        warmUp.sender = 2
        warmUp.receiver = 1
        var small = Mpc_V1_PeerMessage()
        small.sessionID = liveSession
        small.sender = 2
        small.receiver = 1
        small.payload = Data(count: 1024)
        warmUp.messages = [small]
        #expect(await TestCalls.statusCode(channel, PeerServiceMethod.deliverBatch.path, warmUp).code == .ok)
        // …and the transport with calls as large as the flood's (Echo stores nothing): grpc's threads and buffers
        // for 3 MiB calls are then part of the baseline, and what follows measures what the flood makes it keep.
        var echo = Mpc_V1_EchoRequest()
        echo.sender = 2
        echo.payload = Data(count: 3 * messageBytes)
        for _ in 0..<16 {
            #expect(await TestCalls.statusCode(channel, PeerServiceMethod.echo.path, echo).code == .ok)
        }
        let before = try Self.residentBytes(target.process.processIdentifier)
        var accepted = 0, refused = 0, other: [GRPCStatusCode] = []
        var round: UInt64 = 0
        /// Sends `total` bytes in 1 MiB messages, three per call: half to fresh sessions, half to one session's
        /// next rounds.
        func flood(_ total: Int) async throws {
            var sent = 0
            while sent < total {
                var batch = Mpc_V1_PeerBatch()
                batch.sender = 2
                batch.receiver = 1
                for _ in 0..<3 {
                    var message = Mpc_V1_PeerMessage()
                    round += 1
                    message.sessionID = round % 2 == 0 ? liveSession : Data((0..<32).map { _ in UInt8.random(in: .min ... .max) })
                    message.round = round
                    message.sender = 2
                    message.receiver = 1
                    message.payload = payload
                    batch.messages.append(message)
                    sent += messageBytes
                }
                let status = await TestCalls.statusCode(channel, PeerServiceMethod.deliverBatch.path, batch, timeout: .seconds(30))
                switch status.code {
                case .ok: accepted += 1
                case .resourceExhausted: refused += 1
                default: other.append(status.code)
                }
            }
        }
        try await flood(512 << 20)
        let half = try Self.residentBytes(target.process.processIdentifier)
        try await flood(512 << 20)
        let after = try Self.residentBytes(target.process.processIdentifier)
        print("flood: 1 GiB sent, \(accepted) calls accepted, \(refused) refused; RSS \(before >> 20) MiB → \(half >> 20) MiB after 512 MiB → \(after >> 20) MiB after 1 GiB (quota \(Self.quota >> 20) MiB)")
        #expect(other.isEmpty, "unexpected statuses: \(other)")
        #expect(refused > 0)
        #expect(accepted * 3 <= Self.quota / messageBytes, "more was accepted than the quota holds")
        // What the flood makes the core keep is what it buffered: the quota, plus what glibc's per-thread arenas
        // round up (up to another quota on a 2-core machine with grpc's threads). Without the quota the core
        // would keep ~512 MiB per half. The second 512 MiB adds no more than noise: growth is bounded.
        #expect(half - before <= 2 * Self.quota, "RSS grew by \((half - before) >> 20) MiB with a \(Self.quota >> 20) MiB quota")
        #expect(after - half <= Self.quota / 2, "RSS kept growing: \((after - half) >> 20) MiB more after the second 512 MiB")

        // Still serving: health answers and the cores still compute together (party 2 is honest again).
        let values = ThresholdClusterTests.randomValues(2)
        let results = try await cluster.selfTest(parties: [1, 2, 3, 4], triples: 8, bits: 8, values: values)
        #expect(results[1]?.inputs == values)
    }

    /// The same over the peer stream (the outbox's link): party 1 takes batches up to the quota, then ends the
    /// stream with RESOURCE_EXHAUSTED after acknowledging what it took; it acknowledges no more than the quota holds
    /// and keeps serving.
    @Test func aFloodingStreamIsEndedAtItsQuota() async throws {
        let (cluster, _, channel) = try await Self.startClusterWithHostilePeer()
        defer { channel.close() }

        let acknowledged = Atomic<UInt64>(0)
        let end = Mutex<GRPCStatus??>(nil)
        let stream = try GRPCClientStream(
            channel: channel, method: PeerServiceMethod.stream.path,
            onMessage: { bytes in
                if let ack = try? Mpc_V1_PeerStreamAck(serializedBytes: bytes) {
                    acknowledged.max(ack.acknowledged, ordering: .sequentiallyConsistent)
                }
            },
            onEnd: { status in end.withLock { $0 = .some(status) } })
        let messageBytes = 1 << 20
        let payload = Data((0..<messageBytes).map { UInt8(truncatingIfNeeded: $0 &* 17) })
        var written = 0
        for sequence in 1...UInt64(3 * Self.quota / messageBytes) {
            var message = Mpc_V1_PeerMessage()
            message.sessionID = Data((0..<32).map { _ in UInt8.random(in: .min ... .max) })
            message.sender = 2
            message.receiver = 1
            message.payload = payload
            var batch = Mpc_V1_PeerBatch()
            batch.sender = 2
            batch.receiver = 1
            batch.sequence = sequence
            batch.messages = [message]
            guard stream.send(try batch.serializedBytes()) else { break }
            written += 1
        }
        for _ in 0..<3000 where end.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
        let status = try #require(end.withLock { $0 }, "the stream did not end")
        print("stream flood: \(written) batches of 1 MiB written, \(acknowledged.load(ordering: .sequentiallyConsistent)) acknowledged, ended with \(String(describing: status?.code))")
        #expect(status?.code == .resourceExhausted)
        let taken = Int(acknowledged.load(ordering: .sequentiallyConsistent))
        #expect(taken > 0, "nothing was taken before the quota")
        #expect(taken * messageBytes <= Self.quota, "more was acknowledged than the quota holds")
        #expect(!stream.send([0]), "the ended stream refuses writes")

        let values = ThresholdClusterTests.randomValues(2)
        let results = try await cluster.selfTest(parties: [1, 2, 3, 4], triples: 8, bits: 8, values: values)
        #expect(results[1]?.inputs == values)
    }
}
