import Foundation
import GRPCCore

/// Decides whether a caller of the peer service (mpc.v1) may speak as the party it claims: its TLS
/// certificate must have been verified against the cluster CA and carry the common name pinned for that party
/// in the configuration (DESIGN §1: "a connection whose certificate does not match the party it claims is
/// refused").
public struct PeerAuthorization: Sendable {
    /// Party id → the common name its certificate must carry.
    public let expectedIdentities: [Int: String]

    public init(peers: [CoreConfiguration.Peer]) {
        var identities: [Int: String] = [:]
        for peer in peers { identities[peer.partyId] = peer.identity }
        self.expectedIdentities = identities
    }

    /// Returns the claimed party id if the caller's identity matches it; throws UNAUTHENTICATED without a
    /// verified certificate and PERMISSION_DENIED for an unknown party or a certificate of someone else.
    /// The caller's common name is read from its verified leaf certificate by swift-certificates, once per
    /// connection (the parsed names are cached on the connection's `PeerCertificate`).
    @discardableResult
    public func authorize(claimedParty: UInt32, caller: PeerIdentity) throws(EngineError) -> Int {
        guard caller.isAuthenticated, let certificate = caller.certificate else {
            throw .unauthenticated("peer service requires a verified client certificate")
        }
        let party = Int(claimedParty)
        guard let expected = expectedIdentities[party] else {
            throw .permissionDenied("party \(claimedParty) is not a member of this cluster")
        }
        let presented = certificate.derived(PartyCertificate.names(pem:)).commonName
        guard presented == expected else {
            throw .permissionDenied(
                "caller's certificate (CN=\(presented ?? "none")) is not the identity pinned for party \(party)")
        }
        return party
    }
}
