import Engine
import Foundation
import Testing

/// Issue 15: the configuration parser (TOML via TOMLKit, then our checks) on a seeded stream of mutated valid
/// configurations — every input is accepted or refused with a `ConfigurationError`, never a crash or a hang.
@Suite struct ConfigurationFuzzTests {
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let tokens: [[UInt8]] = ["[", "]", "[[", "]]", "=", "\"", "'''", "\"\"\"", "\n", "#", ".", ",", "{", "}",
                                    "1e999", "-0", "0x", "true", "nan", "inf", "\\u0000", "\\", "99999999999999999999",
                                    "1979-05-27T07:32:00Z", "threshold", "peers", "party_id"].map { Array($0.utf8) }

    static func mutate(_ seed: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        var bytes = seed
        for _ in 0..<(1 + Int(random.next() % 4)) {
            let position = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
            switch random.next() % 6 {
            case 0 where !bytes.isEmpty: bytes[position] ^= 1 << UInt8(random.next() % 8)
            case 1: bytes = Array(bytes.prefix(position))
            case 2: bytes.insert(contentsOf: tokens[Int(random.next() % UInt64(tokens.count))], at: position)
            case 3: bytes.insert(contentsOf: (0..<(1 + Int(random.next() % 6))).map { _ in UInt8(truncatingIfNeeded: random.next()) }, at: position)
            case 4 where !bytes.isEmpty:
                let end = min(bytes.count, position + 1 + Int(random.next() % 40))
                bytes.insert(contentsOf: bytes[position..<end], at: position)
            default: if !bytes.isEmpty { bytes.remove(at: position) }
            }
        }
        return bytes
    }

    /// Inputs on which TOMLKit's parser (toml++) asserts or has undefined behaviour, found by the loop below;
    /// `TOMLPreflight` refuses them first.
    @Test func inputsThatCrashTOMLKitAreRefused() {
        for text in ["[[}threshold.peers]]\nparty_id = 3\n", "[}a]", "[[=a]]", "[[#a]]", "[ ,a]", "[", "[[", "a = [}1]",
                     "a = [\n  }1]", "a = [\n[}1]]", "a = [ # c\n } ]", "[{a]"] {
            #expect {
                _ = try ConfigurationLoader.parse(toml: text)
            } throws: { error in
                (error as? ConfigurationError)?.field == "(file)"
            }
        }
        // Valid TOML that looks close is still read: brackets in strings and comments, arrays of arrays, quoted
        // and spaced header keys, multi-line strings.
        let valid = ConfigurationLoaderTests.minimal + """

            # [}not a header
            [ "vault" ]
            password_env = "KMS_[}PASSWORD"
            """
        #expect(throws: Never.self) { try ConfigurationValue.parse(toml: valid) }
        let nested = "a = [[1, 2], [ 3 ], []]\nb = { c = [ \"]\" ] }\n[ t . u ]\nv = '''\n[}\n'''\nw = \"\"\"\n[}\n\"\"\"\n"
        #expect(throws: Never.self) { try ConfigurationValue.parse(toml: nested) }
        // TOMLKit messages and values may hold line breaks: the refusal is still one line (found by the loop below).
        let error = ConfigurationError(field: "service.log_level", problem: "'a\nb\r\nc\u{2028}d' is not one of …")
        #expect(!error.description.contains("\n") && !error.description.contains("\r") && !error.description.contains("\u{2028}"))
        #expect(error.description.hasSuffix("'a\\nb\\r\\nc\\u{2028}d' is not one of …"))
    }

    @Test(.timeLimit(.minutes(1))) func mutatedConfigurationsAreAcceptedOrRefusedWithATypedError() throws {
        var seeds: [String] = [ConfigurationLoaderTests.minimal]
        var cluster = ConfigurationLoaderTests.minimal + "\n[threshold]\nparty_id = 1\nthreshold = 1\nlisten_address = \"127.0.0.1\"\nlisten_port = 50001\nround_timeout_ms = 500\n"
        for id in 1...4 { cluster += "\n[[threshold.peers]]\nparty_id = \(id)\naddress = \"core\(id).test:50001\"\nidentity = \"kms-core-\(id)\"\n" }
        seeds.append(cluster)
        seeds.append(ConfigurationLoaderTests.minimal + "\n[vault]\npassword_env = \"KMS_PASSWORD\"\n[test_misbehaviour]\nmode = \"silent\"\n")
        var random = SplitMix64(state: 15)
        var refused = 0
        // KMS_CONFIG_FUZZ_COUNT runs a longer campaign locally; with KMS_CONFIG_FUZZ_DUMP each input is written to
        // /tmp/kms-config-fuzz-last.toml before it is parsed, so the one that crashed is on disk.
        let count = ProcessInfo.processInfo.environment["KMS_CONFIG_FUZZ_COUNT"].flatMap(Int.init) ?? 20_000
        let dump = ProcessInfo.processInfo.environment["KMS_CONFIG_FUZZ_DUMP"] != nil
        for round in 0..<count {
            let text = String(decoding: Self.mutate(Array(seeds[round % seeds.count].utf8), &random), as: UTF8.self)
            let environment = round % 7 == 0 ? ["KMS_CORE__THRESHOLD__THRESHOLD": String(random.next() % 40)] : [:]
            if dump { _ = FileManager.default.createFile(atPath: "/tmp/kms-config-fuzz-last.toml", contents: Data(text.utf8)) }
            do {
                _ = try ConfigurationLoader.parse(toml: text, environment: environment)
            } catch {
                refused += 1
                #expect(!error.description.contains("\n"), "a refusal must be one line: \(error.description)")
            }
        }
        #expect(refused > count / 2)
    }
}
