import Foundation
import GRPCCore
import KMSAPI
import SwiftProtobuf

/// Probes the other cores' peer endpoints with mpc.v1 Ping over mutual TLS (this core's own certificate as
/// client identity), concurrently, and reports reachability and round-trip time for GetHealthStatus. Each
/// peer's channel is pinned to that peer's identity: a server presenting another party's certificate fails the
/// handshake and is reported unreachable.
public actor PeerHealthProber {
    public struct Probe: Sendable, Equatable {
        public var partyId: Int
        public var address: String
        public var latencyMicros: UInt64
        /// nil when the peer answered as the expected party.
        public var error: String?
    }

    private let partyId: Int
    private let peers: [CoreConfiguration.Peer]
    private let tls: ClientTLSConfiguration
    private let timeout: Duration
    private var channels: [Int: GRPCChannel] = [:]

    /// `tls`: the CA and this core's client certificate (`TLSMaterial.peerClientConfiguration`); the prober pins
    /// it to each peer itself (`pinned(to:)`).
    public init(partyId: Int, peers: [CoreConfiguration.Peer], tls: ClientTLSConfiguration, timeout: Duration = .seconds(2)) {
        self.partyId = partyId
        self.peers = peers.filter { $0.partyId != partyId }
        self.tls = tls
        self.timeout = timeout
    }

    public func probeAll() async -> [Probe] {
        var targets: [(CoreConfiguration.Peer, GRPCChannel?)] = []
        for peer in peers { targets.append((peer, channel(for: peer))) }
        let sender = UInt32(partyId)
        let timeout = self.timeout
        return await withTaskGroup(of: Probe.self) { group in
            for (peer, channel) in targets {
                group.addTask { await Self.probe(peer, channel: channel, sender: sender, timeout: timeout) }
            }
            var results: [Probe] = []
            for await probe in group { results.append(probe) }
            return results.sorted { $0.partyId < $1.partyId }
        }
    }

    /// Probes one peer; nil when `partyId` is not one of the other cores.
    public func probe(partyId: Int, timeout: Duration? = nil) async -> Probe? {
        guard let peer = peers.first(where: { $0.partyId == partyId }) else { return nil }
        return await Self.probe(peer, channel: channel(for: peer), sender: UInt32(self.partyId), timeout: timeout ?? self.timeout)
    }

    /// The other cores' party ids.
    public nonisolated var peerPartyIds: [Int] { peers.map(\.partyId) }

    public func close() {
        for channel in channels.values { channel.close() }
        channels.removeAll()
    }

    private func channel(for peer: CoreConfiguration.Peer) -> GRPCChannel? {
        if let existing = channels[peer.partyId] { return existing }
        let configuration = GRPCChannelConfiguration(target: peer.address, tls: tls.pinned(to: peer.identity))
        guard let created = try? GRPCChannel(configuration: configuration) else { return nil }
        channels[peer.partyId] = created
        return created
    }

    private static func probe(
        _ peer: CoreConfiguration.Peer, channel: GRPCChannel?, sender: UInt32, timeout: Duration
    ) async -> Probe {
        var probe = Probe(partyId: peer.partyId, address: peer.address, latencyMicros: 0, error: nil)
        guard let channel else {
            probe.error = "cannot create a channel to \(peer.address)"
            return probe
        }
        var request = Mpc_V1_PingRequest()
        request.sender = sender
        request.nonce = UInt64.random(in: .min ... .max)
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let bytes: [UInt8] = try request.serializedBytes()
            let answer = try await channel.unary(method: PeerServiceMethod.ping.path, request: bytes, timeout: timeout)
            let response = try Mpc_V1_PingResponse(serializedBytes: answer)
            let elapsed = clock.now - start
            guard response.nonce == request.nonce, Int(response.responder) == peer.partyId else {
                probe.error = "answered as party \(response.responder), expected \(peer.partyId)"
                return probe
            }
            probe.latencyMicros = UInt64(max(0, elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000))
        } catch let status as GRPCStatus {
            probe.error = "\(status.code): \(status.message)"
        } catch {
            probe.error = "invalid answer"
        }
        return probe
    }
}
