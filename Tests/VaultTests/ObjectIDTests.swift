import Testing
@testable import Vault

@Suite struct ObjectIDTests {
    @Test func acceptsKindsAndRequestIDs() throws {
        let id = try ObjectID(kind: "key-share", name: "abc_DEF-123")
        #expect(id.description == "key-share/abc_DEF-123")
        #expect(id.storageKey(.private) == "private/key-share/abc_DEF-123")
        let request = try ObjectID.request(kind: "public-key", requestID: String(repeating: "0a", count: 32))
        #expect(request.name.count == 64)
    }

    @Test(arguments: ["..", ".", "a/b", "../etc", "", "a\u{0}b", "a b", String(repeating: "x", count: 129), "é"])
    func rejectsNamesThatCouldEscapeTheStore(_ name: String) {
        #expect(throws: VaultError.self) { try ObjectID(kind: "key-share", name: name) }
    }

    @Test(arguments: ["", "1abc", "a/b", "a.b", "-a", "Public Key", "Key_", String(repeating: "k", count: 65)])
    func rejectsBadKinds(_ kind: String) {
        #expect(throws: VaultError.self) { try ObjectID(kind: kind, name: "x") }
    }

    /// Public key objects use DESIGN §6's type names as their kind.
    @Test(arguments: ["PublicKey", "ServerKey", "FheKeyInfo", "key-share"])
    func acceptsTypeNameKinds(_ kind: String) throws {
        #expect(try ObjectID(kind: kind, name: "x").kind == kind)
    }

    @Test func requestIDsMustBe64LowerCaseHex() {
        for bad in [String(repeating: "A", count: 64), "0x" + String(repeating: "a", count: 62), String(repeating: "a", count: 63)] {
            #expect(throws: VaultError.self) { try ObjectID.request(kind: "public-key", requestID: bad) }
        }
    }

    @Test func associatedDataSeparatesClassKindAndName() throws {
        let first = try ObjectID(kind: "ab", name: "c")
        let second = try ObjectID(kind: "a", name: "bc")
        #expect(first.associatedData(.private) != second.associatedData(.private))
        #expect(first.associatedData(.private) != first.associatedData(.public))
    }
}
