import Foundation
import GRPCCore

/// Certificates made by the `openssl` CLI (a tool nobody here wrote) for the tests: a CA, a server certificate
/// for localhost/127.0.0.1, a client certificate, and a client certificate from a second, foreign CA.
struct TestCertificates: Sendable {
    let caPEM: String
    let server: TLSIdentity
    let client: TLSIdentity
    /// A second client of the same CA (CN kms-core-3), to tell connections apart.
    let otherClient: TLSIdentity
    let foreignClient: TLSIdentity

    enum Failure: Error, CustomStringConvertible {
        case openssl(String)
        var description: String {
            switch self { case .openssl(let text): "openssl failed (is the openssl CLI installed?): \(text)" }
        }
    }

    static func make() throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("grpccore-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let dir = directory.path
        func run(_ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["openssl"] + arguments
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw Failure.openssl(text) }
        }
        func makeCA(_ name: String) throws {
            try run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                     "-keyout", "\(dir)/\(name).key", "-out", "\(dir)/\(name).pem", "-days", "2",
                     "-subj", "/O=Threshold KMS Test/CN=\(name)"])
        }
        func makeLeaf(_ name: String, ca: String, subject: String, alternativeNames: String) throws {
            try run(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                     "-keyout", "\(dir)/\(name).key", "-out", "\(dir)/\(name).csr", "-subj", subject])
            let extensions = """
                subjectAltName=\(alternativeNames)
                basicConstraints=CA:FALSE
                keyUsage=digitalSignature
                extendedKeyUsage=serverAuth,clientAuth
                """
            try extensions.write(toFile: "\(dir)/\(name).ext", atomically: true, encoding: .utf8)
            try run(["x509", "-req", "-in", "\(dir)/\(name).csr", "-CA", "\(dir)/\(ca).pem",
                     "-CAkey", "\(dir)/\(ca).key", "-CAcreateserial", "-out", "\(dir)/\(name).pem", "-days", "2",
                     "-extfile", "\(dir)/\(name).ext"])
        }
        try makeCA("ca")
        try makeCA("foreign-ca")
        try makeLeaf("server", ca: "ca", subject: "/O=Threshold KMS/CN=kms-core-1",
                     alternativeNames: "DNS:localhost,IP:127.0.0.1")
        try makeLeaf("client", ca: "ca", subject: "/O=Threshold KMS/CN=kms-core-2",
                     alternativeNames: "DNS:core-2.kms.test,IP:127.0.0.2")
        try makeLeaf("other-client", ca: "ca", subject: "/O=Threshold KMS/CN=kms-core-3",
                     alternativeNames: "DNS:core-3.kms.test,IP:127.0.0.3")
        try makeLeaf("foreign", ca: "foreign-ca", subject: "/O=Threshold KMS/CN=kms-core-2",
                     alternativeNames: "DNS:core-2.kms.test")
        func read(_ file: String) throws -> String { try String(contentsOfFile: "\(dir)/\(file)", encoding: .utf8) }
        func identity(_ name: String) throws -> TLSIdentity {
            TLSIdentity(certificateChainPEM: try read("\(name).pem"), privateKeyPEM: try read("\(name).key"))
        }
        return TestCertificates(caPEM: try read("ca.pem"), server: try identity("server"),
                                client: try identity("client"), otherClient: try identity("other-client"),
                                foreignClient: try identity("foreign"))
    }

    var mutualTLSServer: ServerTLSConfiguration {
        ServerTLSConfiguration(identity: server, trustedRootsPEM: caPEM, requireClientCertificate: true)
    }

    func clientTLS(_ identity: TLSIdentity?) -> ClientTLSConfiguration {
        ClientTLSConfiguration(trustedRootsPEM: caPEM, identity: identity)
    }
}

/// A started server plus a channel to it; `finish()` closes both.
struct TestServer: Sendable {
    let server: GRPCServer
    let port: Int

    static func start(tls: ServerTLSConfiguration? = nil, maxReceiveMessageBytes: Int = 4 << 20,
                      handlers: [String: UnaryHandler]) throws -> TestServer {
        let server = GRPCServer(configuration: GRPCServerConfiguration(
            host: "127.0.0.1", port: 0, tls: tls, maxReceiveMessageBytes: maxReceiveMessageBytes))
        for (method, handler) in handlers { server.register(method: method, handler: handler) }
        return TestServer(server: server, port: try server.start())
    }

    func channel(tls: ClientTLSConfiguration? = nil, host: String = "127.0.0.1") throws -> GRPCChannel {
        try GRPCChannel(configuration: GRPCChannelConfiguration(target: "\(host):\(port)", tls: tls))
    }
}

let echoMethod = "/test.Echo/Echo"
let echoHandler: UnaryHandler = { request, _ in request }
