import Foundation
import GRPCCore
import KMSAPI
import SwiftProtobuf

/// BandwidthBenchmark (DESIGN §4): from this core to every other core of a context, `repetitions` Echo calls
/// carrying `payloadBytes` each, one after another; reports bytes per second and the latency percentiles.
enum BandwidthProbe {
    static let maximumPayload = 3 << 20
    static let maximumRepetitions = 10_000

    static func measure(links: PeerLinks, payloadBytes: Int, repetitions: Int) async -> [Kms_V1_PeerBandwidth] {
        let payload = Data(count: payloadBytes)
        let sender = UInt32(links.partyID)
        return await withTaskGroup(of: Kms_V1_PeerBandwidth.self) { group in
            for (party, channel) in links.channels {
                group.addTask { await measure(party: party, channel: channel, sender: sender, payload: payload, repetitions: repetitions) }
            }
            var results: [Kms_V1_PeerBandwidth] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.partyID < $1.partyID }
        }
    }

    private static func measure(party: Int, channel: GRPCChannel, sender: UInt32, payload: Data, repetitions: Int) async -> Kms_V1_PeerBandwidth {
        var result = Kms_V1_PeerBandwidth()
        result.partyID = UInt32(party)
        var request = Mpc_V1_EchoRequest()
        request.sender = sender
        request.payload = payload
        let clock = ContinuousClock()
        var latencies: [Duration] = []
        let start = clock.now
        do {
            let bytes: [UInt8] = try request.serializedBytes()
            for _ in 0..<repetitions {
                let before = clock.now
                let answer = try await channel.unary(method: PeerServiceMethod.echo.path, request: bytes, timeout: .seconds(30))
                let response = try Mpc_V1_EchoResponse(serializedBytes: answer)
                guard Int(response.responder) == party, Int(response.receivedBytes) == payload.count else {
                    result.error = "answered as party \(response.responder) with \(response.receivedBytes) bytes"
                    return result
                }
                latencies.append(clock.now - before)
            }
        } catch let status as GRPCStatus {
            result.error = "\(status.code): \(status.message)"
            return result
        } catch {
            result.error = "invalid answer"
            return result
        }
        let total = clock.now - start
        let seconds = Double(total.components.seconds) + Double(total.components.attoseconds) / 1e18
        result.bytesPerSecond = seconds > 0 ? UInt64(Double(payload.count * repetitions) / seconds) : 0
        latencies.sort()
        func percentile(_ fraction: Double) -> UInt64 {
            guard !latencies.isEmpty else { return 0 }
            let value = latencies[min(latencies.count - 1, Int(Double(latencies.count) * fraction))]
            return UInt64(value.components.seconds) * 1_000_000 + UInt64(value.components.attoseconds / 1_000_000_000_000)
        }
        result.latencyP50Micros = percentile(0.5)
        result.latencyP90Micros = percentile(0.9)
        result.latencyP99Micros = percentile(0.99)
        return result
    }
}
