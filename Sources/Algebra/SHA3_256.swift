import COpenSSLDigest

/// SHA3-256 (FIPS 202): key digests, commitments, request and ciphertext digests. Inputs of at least
/// `openSSLMinimumLength` contiguous bytes are hashed by OpenSSL's libcrypto (`openssl speed -evp sha3-256`: 355 MB/s
/// here; the Swift sponge's SHAKE256 stream, same permutation and rate: 182 MB/s, docs/BENCHMARKS.md): a core
/// hashes each 235 KiB euint64 ciphertext it decrypts without a handle, whose default handle this is.
/// Shorter inputs, and any OpenSSL failure, take the Swift sponge; both give the same digest (KeccakTests).
public enum SHA3_256 {
    static let openSSLMinimumLength = 1024

    public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        let digest = bytes.withContiguousStorageIfAvailable { buffer in
            buffer.count >= openSSLMinimumLength ? openSSLHash(buffer) : nil
        }
        return (digest ?? nil) ?? spongeHash(bytes)
    }

    /// The Swift sponge's digest, whatever the length.
    static func spongeHash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var sponge = KeccakSponge(rate: 136, suffix: 0x06)
        sponge.absorb(bytes)
        return sponge.squeeze(count: 32)
    }

    /// OpenSSL's digest, or nil if OpenSSL failed (no SHA3-256 in its default provider).
    static func openSSLHash(_ buffer: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var failed = false
        let digest = [UInt8](unsafeUninitializedCapacity: 32) { out, initialized in
            failed = kms_openssl_sha3_256(buffer.baseAddress, buffer.count, out.baseAddress) != 1
            initialized = 32
        }
        return failed ? nil : digest
    }
}
