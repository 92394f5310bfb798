// kms-bench: the project's benchmarks (release build). Each area lives in its own file; figures are
// recorded in docs/BENCHMARKS.md with machine, parameters and date.
//   swift run -c release kms-bench <area> [options]
import Foundation

let areas: [(name: String, summary: String, run: @Sendable ([String]) async throws -> Void)] = [
    ("algebra", "field multiply, NTT sizes", { try await AlgebraBench.run(arguments: $0) }),
    ("mpc", "robust open, Beaver triples, random bits, rounds and bytes", { try await MPCBench.run(arguments: $0) }),
    ("fhe", "external product, PBS, KS-PBS, key generation, key sizes", { try await FHEBench.run(arguments: $0) }),
    ("vault", "file and S3 put/get throughput, Argon2id unlock", { try await VaultBench.run(arguments: $0) }),
    ("grpc", "unary mTLS latency and throughput: Swift shim vs raw grpc++", { try await GRPCBench.run(arguments: $0) }),
    ("keygen", "KeyGenPreproc + KeyGen on real kms-server processes: wall time, bytes per core, peak RSS", { try await KeyGenBench.run(arguments: $0) }),
    ("decrypt", "public decryption of euint64 on real kms-server processes: p50/p99 latency, decryptions/s in flight", { try await DecryptionBench.run(arguments: $0) }),
    ("cluster", "4 kms-server processes over mTLS vs one process: triples/s, opens/s, bandwidth", { try await ClusterBench.run(arguments: $0) }),
]

func usage() -> String {
    var text = "usage: kms-bench <area> [options]\n\nareas:\n"
    for area in areas { text += "  \(area.name.padding(toLength: 8, withPad: " ", startingAt: 0))  \(area.summary)\n" }
    text += "\n`kms-bench <area> --help` lists an area's options.\n"
    return text
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let first = arguments.first, first != "--help", first != "-h" else {
    print(usage(), terminator: "")
    exit(arguments.isEmpty ? 64 : 0)
}
guard let area = areas.first(where: { $0.name == first }) else {
    FileHandle.standardError.write(Data("kms-bench: unknown area '\(first)'\n\n\(usage())".utf8))
    exit(64)
}
do {
    try await area.run(Array(arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("kms-bench \(first): \(error)\n".utf8))
    exit(1)
}
