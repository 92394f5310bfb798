/// Solidity's `abi.encode(uint256, uint256, …)`: each word as at most 32 big-endian bytes (longer only with leading
/// zeros), left-padded to 32 bytes and concatenated. The `decryptedResult` of a public decryption holds one word
/// per plaintext.
public func abiEncodeUInt256s(_ words: [[UInt8]]) throws(SignatureError) -> [UInt8] {
    var encoded = [UInt8]()
    encoded.reserveCapacity(32 * words.count)
    for word in words { encoded += try EIP712.uint256(word) }
    return encoded
}
