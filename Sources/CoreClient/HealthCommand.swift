import ArgumentParser
import Foundation
import GRPCCore
import KMSAPI
import SwiftProtobuf

/// `kms-core-client health`: asks every configured core for GetHealthStatus (concurrently) and prints one
/// line per core (a threshold core's peers and epochs on indented lines under it); exits with 1 if any core is down, not serving, or answers as another party than configured.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Print each configured core's status and version; exit 1 if any core is down.")

    @OptionGroup var options: ClientOptions

    struct Report: Sendable {
        var core: ClientConfiguration.Core
        var status: Kms_V1_HealthStatus?
        var failure: String?

        var isUp: Bool {
            guard let status, wrongParty == nil else { return false }
            return status.state == .serving || status.state == .degraded
        }

        /// A threshold core that answers as another party than the configuration says (e.g. a wrong port).
        var wrongParty: String? {
            guard let status, status.deploymentType == "threshold", status.partyID != UInt32(core.partyId) else { return nil }
            return "the core at \(core.address) is party \(status.partyID), not party \(core.partyId)"
        }

        var line: String {
            let name = "core \(core.partyId) (\(core.address))"
            guard let status else { return "\(name): DOWN (\(failure ?? "no answer"))" }
            if let wrongParty { return "\(name): WRONG PARTY (\(wrongParty))" }
            var text = "\(name): \(Self.stateName(status.state)) version \(status.version) \(status.deploymentType)"
            if status.deploymentType == "threshold" {
                text += " party \(status.partyID) t=\(status.threshold) n=\(status.numParties)"
                let reachable = status.peers.filter(\.reachable).count
                text += " peers \(reachable)/\(status.peers.count) reachable"
                text += " mpc-sent \(status.mpcBytesSent >> 20) MiB"
                text += " pool \(status.decryptionPoolBlocks) blocks"
            }
            text += " keys \(status.keyIds.count)"
            if !status.refusedKeys.isEmpty { text += " REFUSED KEYS \(status.refusedKeys.count): \(status.refusedKeys.joined(separator: "; "))" }
            return text + details(status)
        }

        /// Indented lines under a threshold core: each peer as this core sees it, then its epochs.
        private func details(_ status: Kms_V1_HealthStatus) -> String {
            guard status.deploymentType == "threshold" else { return "" }
            var lines: [String] = []
            for peer in status.peers {
                var line = "  peer \(peer.partyID) (\(peer.address)): "
                line += peer.reachable
                    ? "reachable, round trip \(String(format: "%.1f", Double(peer.latencyMicros) / 1000)) ms"
                    : "UNREACHABLE (\(peer.error))"
                line += ", delivered \(Self.bytes(peer.bytesDelivered))"
                lines.append(line)
            }
            lines.append("  epochs \(status.epochs.count)" + (status.epochs.isEmpty ? " (none ready yet)" : ": \(status.epochs.joined(separator: ", "))"))
            return "\n" + lines.joined(separator: "\n")
        }

        static func bytes(_ count: UInt64) -> String {
            count >= 1 << 20 ? String(format: "%.1f MiB", Double(count) / 1_048_576)
                : count >= 1 << 10 ? String(format: "%.1f KiB", Double(count) / 1024) : "\(count) B"
        }

        static func stateName(_ state: Kms_V1_ServingState) -> String {
            switch state {
            case .serving: "SERVING"
            case .degraded: "DEGRADED"
            case .notServing: "NOT_SERVING"
            default: "UNKNOWN"
            }
        }
    }

    func run() async throws {
        let configuration = try loadConfiguration(options)
        let timeout = Duration.seconds(options.timeout)
        let tls = configuration.tls
        let reports = await withTaskGroup(of: Report.self) { group in
            for core in configuration.cores {
                group.addTask { await Self.check(core, tls: tls, timeout: timeout) }
            }
            var reports: [Report] = []
            for await report in group { reports.append(report) }
            return reports.sorted { $0.core.partyId < $1.core.partyId }
        }
        for report in reports { print(report.line) }
        if reports.contains(where: { !$0.isUp }) { throw ExitCode(1) }
    }

    static func check(_ core: ClientConfiguration.Core, tls: ClientTLSConfiguration?, timeout: Duration) async -> Report {
        var report = Report(core: core)
        do {
            let channel = try GRPCChannel(configuration: GRPCChannelConfiguration(target: core.address, tls: tls))
            defer { channel.close() }
            let request: [UInt8] = try Kms_V1_Empty().serializedBytes()
            let answer = try await channel.unary(
                method: CoreServiceMethod.getHealthStatus.path, request: request, timeout: timeout)
            report.status = try Kms_V1_HealthStatus(serializedBytes: answer)
        } catch let status as GRPCStatus {
            report.failure = "\(status.code): \(status.message)"
        } catch {
            report.failure = "invalid answer"
        }
        return report
    }
}
