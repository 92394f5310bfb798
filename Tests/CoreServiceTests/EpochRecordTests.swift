import Foundation
import MPCProtocols
import SecureMemory
import Testing
@testable import Engine

/// What an epoch stores in the vault, and the context ids every core derives alike.
@Suite struct EpochRecordTests {
    static func prss(party: Int, n: Int = 4, t: Int = 1) throws -> PRSS {
        let subsets = PRSS.subsets(partyCount: n, threshold: t)
        let keys = subsets.indices.filter { subsets[$0].contains(party) }.map { _ in (0..<32).map { _ in UInt8.random(in: .min ... .max) } }
        return try PRSS(partyID: party, partyCount: n, threshold: t, keys: keys)
    }

    static func identifier(_ byte: UInt8) throws -> RequestIdentifier {
        try RequestIdentifier(bytes: [UInt8](repeating: byte, count: 32))
    }

    @Test(arguments: [(4, 1), (7, 2)])
    func aStoredEpochLoadsToTheSamePRSS(n: Int, t: Int) throws {
        let original = try Self.prss(party: 2, n: n, t: t)
        let record = EpochRecord(epochID: try Self.identifier(1), contextID: try Self.identifier(2), prss: original)
        let loaded = try EpochRecord(parsing: record.serialized())
        #expect(loaded.epochID == record.epochID)
        #expect(loaded.contextID == record.contextID)
        #expect(loaded.prss.partyID == 2 && loaded.prss.partyCount == n && loaded.prss.threshold == t)
        let session = SessionID.root(requestID: [1, 2, 3], label: "epoch-record-test")
        #expect(loaded.prss.randomShares(count: 16, session: session) == original.randomShares(count: 16, session: session))
    }

    @Test func aDamagedRecordIsATypedError() throws {
        let record = EpochRecord(epochID: try Self.identifier(1), contextID: try Self.identifier(2), prss: try Self.prss(party: 1))
        var bytes = record.serialized().withUnsafeBytes { Array($0) }
        for cut in [0, 5, 40, EpochRecord.headerBytes, bytes.count - 1] {
            #expect(throws: EngineError.self) { try EpochRecord(parsing: SecretBytes(bytes.prefix(cut))) }
        }
        bytes[8] = 9
        #expect(throws: EngineError.self) { try EpochRecord(parsing: SecretBytes(bytes)) }
    }

    @Test func everyCoreDerivesTheSameDefaultContextAndEpoch() throws {
        func context(_ order: [Int], address: String) throws -> MpcContext {
            let parties = order.map { PeerLinks.Party(partyId: $0, address: "\(address):\(5000 + $0)", identity: "kms-core-\($0)") }
            return try MpcContext(id: MpcContext.defaultIdentifier(threshold: 1, parties: parties), threshold: 1, parties: parties)
        }
        let a = try context([1, 2, 3, 4], address: "localhost"), b = try context([4, 3, 2, 1], address: "10.0.0.1")
        #expect(a.id == b.id)
        #expect(a.defaultEpochIdentifier == b.defaultEpochIdentifier)
        let renamed = [1, 2, 3, 4].map { PeerLinks.Party(partyId: $0, address: "h:1", identity: $0 == 3 ? "other" : "kms-core-\($0)") }
        #expect(try MpcContext.defaultIdentifier(threshold: 1, parties: renamed) != a.id)
        #expect(throws: EngineError.self) { try MpcContext(id: a.id, threshold: 2, parties: a.parties) }
    }
}
