import Testing
@testable import GRPCCore

@Suite struct GRPCStatusTests {
    @Test func codesMatchGRPCNumbersAndNames() {
        let expected: [(GRPCStatusCode, Int32, String)] = [
            (.ok, 0, "OK"), (.cancelled, 1, "CANCELLED"), (.deadlineExceeded, 4, "DEADLINE_EXCEEDED"),
            (.resourceExhausted, 8, "RESOURCE_EXHAUSTED"), (.unimplemented, 12, "UNIMPLEMENTED"),
            (.internalError, 13, "INTERNAL"), (.unavailable, 14, "UNAVAILABLE"),
            (.unauthenticated, 16, "UNAUTHENTICATED"),
        ]
        for (code, number, name) in expected {
            #expect(code.rawValue == number)
            #expect(code.description == name)
            #expect(GRPCStatusCode(rawValue: number) == code)
        }
        #expect(GRPCStatusCode(rawValue: 99).description == "CODE_99")
        #expect(GRPCStatus(.notFound, "no key").description == "NOT_FOUND: no key")
    }
}
