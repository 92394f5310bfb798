import Algebra
import KMSAPI
import MPCProtocols

/// The test-only InsecureMpcSelfTest (kms.v1.InsecureCoreServiceEndpoint): generates Beaver triples and random
/// bits with the epoch's PRSS and robust-opens them, together with shares the test chose, over the real peer
/// network — so a test can check c = a·b, b ∈ {0, 1} and its own values with code that is not ours. Opening
/// preprocessed material destroys its secrecy; that is why this runs only on an insecure test core.
enum MPCSelfTest {
    static let maximumCount = 1 << 20

    static func run(_ request: Kms_V1_MpcSelfTestRequest, requestID: RequestIdentifier, epoch: Epoch) async throws(EngineError)
        -> Kms_V1_MpcSelfTestResult
    {
        let triples = Int(request.triples), bits = Int(request.bits)
        guard triples <= maximumCount, bits <= maximumCount, request.inputShares.count <= maximumCount else {
            throw .invalidArgument("at most \(maximumCount) triples, bits and inputs")
        }
        guard request.inputShares.allSatisfy({ $0 < FieldElement.modulus }) else {
            throw .invalidArgument("input_shares: every share must be below p")
        }
        let inputs = request.inputShares.map { FieldElement($0) }
        let party = epoch.party
        let prss = epoch.prss
        let session = SessionID.root(requestID: requestID.bytes, label: "mpc-self-test")
        let clock = ContinuousClock()
        let bytesBefore = party.meter.bytesSent, messagesBefore = party.meter.messagesSent
        let start = clock.now
        let opened: [FieldElement]
        do {
            opened = try await ComputeExecutor.shared.run {
                let generated = try await generateTriples(count: triples + bits, prss: prss, party: party, session: session.child("triples"))
                let randomBits = bits == 0 ? [] : try await RandomBits.generate(
                    count: bits, triples: Array(generated.suffix(bits)), prss: prss, context: party, session: session.child("bits"))
                if request.generateOnly {
                    return try await RobustOpen.open(inputs, context: party, session: session.child("open"))
                }
                let kept = generated.prefix(triples)
                let shares = kept.map(\.a) + kept.map(\.b) + kept.map(\.c) + randomBits + inputs
                return try await RobustOpen.open(shares, context: party, session: session.child("open"))
            }
        } catch {
            throw .internalFailure("MPC self test failed: \(error)")
        }
        let elapsed = clock.now - start
        var result = Kms_V1_MpcSelfTestResult()
        result.elapsedMicros = UInt64(elapsed.components.seconds) * 1_000_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000_000)
        result.bytesSent = UInt64(party.meter.bytesSent - bytesBefore)
        result.messagesSent = UInt64(party.meter.messagesSent - messagesBefore)
        let words = opened.map(\.value)
        if request.generateOnly {
            result.inputs = words
            return result
        }
        result.tripleA = Array(words[0..<triples])
        result.tripleB = Array(words[triples..<(2 * triples)])
        result.tripleC = Array(words[(2 * triples)..<(3 * triples)])
        let bitCount = words.count - 3 * triples - inputs.count
        result.bits = Array(words[(3 * triples)..<(3 * triples + bitCount)])
        result.inputs = Array(words[(3 * triples + bitCount)...])
        return result
    }

    /// Triples from the generator that measures faster at this (n, t): PRSS at (4, 1), hyper-invertible
    /// matrices beyond (MPCProtocols `TripleGenerator`).
    static func generateTriples(count: Int, prss: PRSS, party: PartyContext, session: SessionID) async throws -> [BeaverTriple] {
        switch TripleGenerator.preferred(partyCount: party.partyCount, threshold: party.threshold) {
        case .prss:
            return try await BeaverTriples.generate(count: count, prss: prss, context: party, session: session)
        case .hyperInvertible:
            var seed = SecureRandom()
            var generator = FastSeededGenerator(seed: seed.bytes(count: 32), domain: "kms.him.dealing")
            defer { generator.wipe() }
            return try await DoubleSharingTriples.generate(count: count, context: party, session: session, using: &generator)
        }
    }
}
