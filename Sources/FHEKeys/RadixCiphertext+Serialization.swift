import Algebra

/// Versioned form of a radix ciphertext (any `FheType`): header (type 8) | bit width (2 bytes, little-endian) |
/// the blocks' masks and bodies under the small key. The block count and dimension follow from the width and
/// the parameter set, so any other length is an error.
extension RadixCiphertext {
    public func serialized(parameters: FHEParameters) -> [UInt8] {
        var out = FHESerialization.header(.radixCiphertext, parameters)
        out.append(UInt8(truncatingIfNeeded: bitWidth))
        out.append(UInt8(truncatingIfNeeded: bitWidth >> 8))
        for block in blocks { out.append(elements: block.mask + [block.body]) }
        return out
    }

    public init(serialized bytes: [UInt8], parameters expected: FHEParameters? = nil) throws(FHEError) {
        var reader = ByteReader(bytes)
        let parameters = try reader.header(.radixCiphertext)
        if let expected, expected.id != parameters.id { throw .parameterMismatch(expected: expected.id, found: parameters.id) }
        let width = Int(try reader.byte()) | Int(try reader.byte()) << 8
        let type = try FheType(bitWidth: width)
        let n = parameters.lweDimension
        var blocks: [LWECiphertext] = []
        blocks.reserveCapacity(type.blockCount)
        for _ in 0..<type.blockCount {
            let values = try reader.elements(n + 1)
            blocks.append(LWECiphertext(mask: Array(values.prefix(n)), body: values[n]))
        }
        try reader.finish()
        self.init(blocks: blocks, bitWidth: width)
    }
}
