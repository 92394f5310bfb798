import Algebra

extension RadixCiphertext {
    /// "TKFH" header | bit width (UInt16 LE) | block count (UInt16 LE) | each block's mask and body under the
    /// small key. The bit width must be an FheType and the block count must match it.
    public func serialized(parameters: FHEParameters) -> [UInt8] {
        var out = FHESerialization.header(.radixCiphertext, parameters)
        out.append(UInt8(truncatingIfNeeded: bitWidth)); out.append(UInt8(truncatingIfNeeded: bitWidth >> 8))
        out.append(UInt8(truncatingIfNeeded: blocks.count)); out.append(UInt8(truncatingIfNeeded: blocks.count >> 8))
        for block in blocks { out.append(elements: block.mask + [block.body]) }
        return out
    }

    public init(serialized bytes: [UInt8], parameters expected: FHEParameters? = nil) throws(FHEError) {
        var reader = ByteReader(bytes)
        let parameters = try reader.header(.radixCiphertext)
        if let expected, expected.id != parameters.id { throw .parameterMismatch(expected: expected.id, found: parameters.id) }
        let width = Array(try reader.take(2)), count = Array(try reader.take(2))
        let bitWidth = Int(width[0]) | Int(width[1]) << 8, blockCount = Int(count[0]) | Int(count[1]) << 8
        guard let type = FheType(rawValue: bitWidth) else { throw .dimensionMismatch(expected: 0, found: bitWidth) }
        guard blockCount == type.blockCount else { throw .dimensionMismatch(expected: type.blockCount, found: blockCount) }
        let n = parameters.lweDimension
        var blocks: [LWECiphertext] = []
        blocks.reserveCapacity(blockCount)
        for _ in 0..<blockCount {
            let values = try reader.elements(n + 1)
            blocks.append(LWECiphertext(mask: Array(values.prefix(n)), body: values[n]))
        }
        try reader.finish()
        self.init(blocks: blocks, bitWidth: bitWidth)
    }
}
