// swift-tools-version:6.1
// Threshold KMS: n core servers jointly hold FHE secret keys; see docs/ and DESIGN §2 for the module layering.
import PackageDescription

/// grpc++ from Debian, linked explicitly (pkg-config's abseil graph overflows the link line; see docs/GRPC.md).
let grpcLinker: [LinkerSetting] = [
    .linkedLibrary("grpc++"), .linkedLibrary("grpc"), .linkedLibrary("gpr"),
    .linkedLibrary("absl_synchronization"), .linkedLibrary("stdc++"),
]

let package = Package(
    name: "ThresholdKMS",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kms-server", targets: ["CoreService"]),
        .executable(name: "kms-core-client", targets: ["CoreClient"]),
        .executable(name: "kms-gen-tls-certs", targets: ["CertGen"]),
        .executable(name: "kms-bench", targets: ["KMSBench"]),
        .executable(name: "kms-vault-crash-writer", targets: ["VaultCrashWriter"]),
        .executable(name: "kms-openssl-exit-probe", targets: ["OpenSSLExitProbe"]),
        .library(name: "Algebra", targets: ["Algebra"]),
        .library(name: "FHEKeys", targets: ["FHEKeys"]),
        .library(name: "MPCProtocols", targets: ["MPCProtocols"]),
        .library(name: "SecureMemory", targets: ["SecureMemory"]),
        .library(name: "Signatures", targets: ["Signatures"]),
        .library(name: "Vault", targets: ["Vault"]),
        .library(name: "GRPCCore", targets: ["GRPCCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
    ],
    targets: [
        // MARK: Mathematics and cryptography (no I/O)
        // AVX2 kernels for the Goldilocks NTT (selected at run time; the Swift code is the fallback and reference).
        // -O3: at SwiftPM's -O2 clang leaves the NTT kernels about 25 % slower (measured, docs/BENCHMARKS.md).
        .target(name: "CGoldilocks", cSettings: [.unsafeFlags(["-O3"])]),
        // SHA3-256 of long inputs (request and ciphertext digests) with OpenSSL's libcrypto from Debian.
        .target(name: "COpenSSLDigest", linkerSettings: [.linkedLibrary("crypto")]),
        .target(name: "Algebra", dependencies: ["CGoldilocks", "COpenSSLDigest"]),
        // Owned, zeroized secret buffers shared by the vault, the MPC layer and the FHE secret keys (no dependencies).
        .target(name: "SecureMemory"),
        .target(name: "FHEKeys", dependencies: ["Algebra", "CGoldilocks", "SecureMemory"]),
        .target(name: "MPCProtocols", dependencies: ["Algebra", "FHEKeys", "SecureMemory"]),
        // The fault-injecting in-memory network: for tests and in-process benchmarks only, never for the server.
        .target(name: "MPCTestSupport", dependencies: ["Algebra", "MPCProtocols"]),
        // Each core's secp256k1 operator key and EIP-712 signatures (libsecp256k1 from Debian; docs/SIGNATURES.md), and
        // the HPKE (X-Wing) encryption of user-decryption shares (swift-crypto 4.5).
        .target(name: "CSecp256k1", linkerSettings: [.linkedLibrary("secp256k1")]),
        .target(
            name: "Signatures",
            dependencies: ["CSecp256k1", "Algebra", "SecureMemory", .product(name: "Crypto", package: "swift-crypto")]
        ),

        // MARK: Storage
        .target(name: "CArgon2", linkerSettings: [.linkedLibrary("argon2")]),
        .target(
            name: "Vault",
            dependencies: [
                "CArgon2",
                "SecureMemory",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        /// Writes objects in a loop until killed: the crash-safety tests SIGKILL it at random points.
        .executableTarget(name: "VaultCrashWriter", dependencies: ["Vault", "SecureMemory"]),
        /// Exits while threads hash with OpenSSL: OpenSSLExitTests checks that no binary of ours crashes on exit.
        .executableTarget(name: "OpenSSLExitProbe", dependencies: ["COpenSSLDigest"], linkerSettings: [.linkedLibrary("crypto")]),

        // MARK: Transport
        .target(name: "CGRPCShim", linkerSettings: grpcLinker),
        .target(name: "GRPCCore", dependencies: ["CGRPCShim"]),
        .target(name: "KMSAPI", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]),

        // MARK: The service
        .target(
            name: "Engine",
            dependencies: [
                "Algebra", "FHEKeys", "MPCProtocols", "Vault", "GRPCCore", "KMSAPI", "Signatures", "SecureMemory",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "CoreService",
            dependencies: [
                "Engine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "CoreClient",
            dependencies: [
                "KMSAPI", "GRPCCore", "Algebra", "FHEKeys", "MPCProtocols", "Signatures",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .executableTarget(
            name: "CertGen",
            dependencies: [
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "CRawGRPCBench", linkerSettings: grpcLinker),
        .executableTarget(
            name: "KMSBench",
            dependencies: [
                "Algebra", "FHEKeys", "MPCProtocols", "MPCTestSupport", "Vault", "SecureMemory", "GRPCCore", "CRawGRPCBench", "KMSAPI", "Signatures",
                "Engine", .product(name: "SwiftProtobuf", package: "swift-protobuf"), .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // MARK: Tests
        .testTarget(name: "AlgebraTests", dependencies: ["Algebra"]),
        .testTarget(name: "MPCProtocolsTests", dependencies: ["MPCProtocols", "Algebra", "FHEKeys", "MPCTestSupport", "SecureMemory"]),
        .testTarget(name: "FHEKeysTests", dependencies: ["FHEKeys", "Algebra", "CGoldilocks", "SecureMemory"]),
        .testTarget(name: "VaultTests", dependencies: ["Vault", "VaultCrashWriter", "SecureMemory"]),
        .testTarget(name: "SecureMemoryTests", dependencies: ["SecureMemory"]),
        .testTarget(
            name: "SignaturesTests",
            dependencies: ["Signatures", "Algebra", "SecureMemory", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "GRPCCoreTests", dependencies: ["GRPCCore"]),
        // The service tests run the kms-server, kms-core-client and kms-gen-tls-certs binaries; depending on the
        // executables makes `swift build --build-tests` build them next to the test bundle.
        .testTarget(
            name: "CoreServiceTests",
            dependencies: [
                "Engine", "GRPCCore", "KMSAPI", "MPCProtocols", "MPCTestSupport", "SecureMemory", "CertGen", "CoreService", "CoreClient",
                "FHEKeys", "Vault", "Signatures", "Algebra",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
