import Testing
@testable import Vault

@Suite struct SigV4SignerTests {
    /// AWS S3 API reference, "Signature Calculations for the Authorization Header", example "GET Object".
    @Test func matchesAWSDocumentedGetObjectExample() {
        let signer = SigV4Signer(accessKeyID: "AKIAIOSFODNN7EXAMPLE",
                                 secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region: "us-east-1")
        let headers = signer.sign(method: "GET", path: "/test.txt", query: [],
                                  headers: [("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9")],
                                  payloadHash: SigV4Signer.payloadHash([]), date: 1_369_353_600)
        let authorization = headers.first { $0.0 == "Authorization" }?.1
        #expect(authorization == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(headers.first { $0.0 == "x-amz-date" }?.1 == "20130524T000000Z")
    }

    /// Same reference, example "GET Bucket (List Objects)": query parameters sorted and encoded.
    @Test func matchesAWSDocumentedListObjectsExample() {
        let signer = SigV4Signer(accessKeyID: "AKIAIOSFODNN7EXAMPLE",
                                 secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region: "us-east-1")
        let headers = signer.sign(method: "GET", path: "/", query: [("prefix", "J"), ("max-keys", "2")],
                                  headers: [("Host", "examplebucket.s3.amazonaws.com")],
                                  payloadHash: SigV4Signer.payloadHash([]), date: 1_369_353_600)
        #expect(headers.first { $0.0 == "Authorization" }?.1.hasSuffix(
            "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7") == true)
    }

    /// Canonical URIs and query strings of the AWS SigV4 test suite (get-space, get-utf8, get-unreserved,
    /// get-vanilla-utf8-query, get-vanilla-query-unreserved, get-vanilla-query-order-key-case): raw request paths
    /// and parameters are encoded exactly once.
    @Test func canonicalPartsMatchTheSigV4TestSuite() {
        let unreserved = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        #expect(SigV4Signer.canonicalURI("/example space/") == "/example%20space/")
        #expect(SigV4Signer.canonicalURI("/ሴ") == "/%E1%88%B4")
        #expect(SigV4Signer.canonicalURI("/" + unreserved) == "/" + unreserved)
        #expect(SigV4Signer.canonicalURI("") == "/")
        #expect(SigV4Signer.canonicalQuery([("ሴ", "bar")]) == "%E1%88%B4=bar")
        #expect(SigV4Signer.canonicalQuery([(unreserved, unreserved)]) == unreserved + "=" + unreserved)
        #expect(SigV4Signer.canonicalQuery([("Param2", "value2"), ("Param1", "value1")]) == "Param1=value1&Param2=value2")
        // Reserved characters S3 keys may hold; an already-encoded '%' is encoded again (it is a raw character).
        #expect(SigV4Signer.canonicalURI("/a+b=c d~e%20") == "/a%2Bb%3Dc%20d~e%2520")
    }

    @Test func encodesLikeRFC3986() {
        #expect(SigV4Signer.encode("a b/c~d*e", keepSlash: true) == "a%20b/c~d%2Ae")
        #expect(SigV4Signer.encode("a/b", keepSlash: false) == "a%2Fb")
        #expect(SigV4Signer.timestamps(epochSeconds: 0) == ("19700101T000000Z", "19700101"))
    }
}
