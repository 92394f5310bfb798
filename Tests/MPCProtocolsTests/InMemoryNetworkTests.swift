import Algebra
import Testing
@testable import MPCProtocols
import MPCTestSupport

@Suite struct InMemoryNetworkTests {
    private func roundTrip(_ fault: NetworkFault?, to receiver: Int = 2) async throws -> [UInt8]? {
        let hub = InMemoryHub(partyCount: 4)
        if let fault { await hub.inject(fault, party: 1, round: 0) }
        let payload = FieldCoding.encode([FieldElement(5), FieldElement(6)])
        try await hub.endpoint(1).send(payload, to: receiver, session: SessionID(1), round: 0)
        // Round 1 carries no fault.
        try await hub.endpoint(1).send(payload, to: receiver, session: SessionID(1), round: 1)
        let other = try await hub.endpoint(receiver).receive(from: 1, session: SessionID(1), round: 1, timeout: .seconds(5))
        #expect(other == payload)
        return try await hub.endpoint(receiver).receive(from: 1, session: SessionID(1), round: 0, timeout: .seconds(5))
    }

    @Test func faultsDoWhatTheySay() async throws {
        let payload = FieldCoding.encode([FieldElement(5), FieldElement(6)])
        #expect(try await roundTrip(nil) == payload)
        #expect(try await roundTrip(.drop) == nil)
        #expect(try await roundTrip(.delay(.milliseconds(10))) == payload)
        #expect(try await roundTrip(.duplicate) == payload)
        #expect(try await roundTrip(.reorder) == payload)
        let corrupted = try await roundTrip(.corrupt)
        #expect(corrupted?.count == payload.count && corrupted != payload)
        #expect(try await roundTrip(.equivocate, to: 3) == payload)
        #expect(try await roundTrip(.equivocate, to: 2) == FieldCoding.encode([FieldElement(6), FieldElement(7)]))
    }

    @Test func receiveTimesOutWithNil() async throws {
        let hub = InMemoryHub(partyCount: 2)
        #expect(try await hub.endpoint(2).receive(from: 1, session: SessionID(1), round: 0, timeout: .milliseconds(20)) == nil)
    }

    @Test func fieldCodingRejectsMalformedPayloads() {
        let values = [FieldElement(1), FieldElement(FieldElement.modulus - 1)]
        #expect(FieldCoding.decode(FieldCoding.encode(values), count: 2) == values)
        #expect(FieldCoding.decode(FieldCoding.encode(values), count: 3) == nil)
        #expect(FieldCoding.decode([UInt8](repeating: 0xFF, count: 8), count: 1) == nil)  // ≥ p
        #expect(FieldCoding.decode(nil, count: 0) == nil)
    }
}
