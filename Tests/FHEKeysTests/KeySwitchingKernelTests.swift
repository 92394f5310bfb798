import Algebra
import CGoldilocks
import Testing
@testable import FHEKeys

/// CGoldilocks' key-switch mask accumulation against field arithmetic: random rows and digits over the whole
/// Int8 range (including the extremes and zeros), word counts with and without an AVX2 tail, and rows of p − 1.
@Suite struct KeySwitchingKernelTests {
    @Test(arguments: [1, 4, 7, 919])
    func maskAccumulationMatchesFieldArithmetic(words n: Int) {
        var generator = SeededGenerator(seed: [31, UInt8(n & 0xFF)], domain: "ks-mask")
        for round in 0..<4 {
            let rowCount = round == 3 ? 2048 : 37
            let rows: [FieldElement] = (0..<(rowCount * n)).map { _ in
                round == 0 ? FieldElement(FieldElement.modulus - 1) : FieldElement.random(using: &generator)
            }
            let digits: [Int8] = (0..<rowCount).map { r in
                switch r % 5 {
                case 0: 0
                case 1: r % 2 == 0 ? 127 : -127
                default: Int8(Int(generator.next() % 255) - 127)
                }
            }
            var expected = [FieldElement](repeating: .zero, count: n)
            for r in 0..<rowCount where digits[r] != 0 {
                let d = digits[r] > 0 ? FieldElement(UInt64(digits[r])) : -FieldElement(UInt64(-Int(digits[r])))
                for t in 0..<n { expected[t] -= d * rows[r * n + t] }
            }
            var mask = [UInt64](repeating: 7, count: n)
            var scratch = [UInt64](repeating: 1, count: 4 * n)
            let status = rows.withUnsafeBufferPointer { rows in
                rows.withMemoryRebound(to: UInt64.self) {
                    goldilocks_key_switch_mask($0.baseAddress!, rowCount, n, digits, &mask, &scratch)
                }
            }
            #expect(status == 0)
            #expect(mask == expected.map(\.value), "\(n) words, round \(round)")
        }
    }

    @Test func refusesRowCountsThatCouldOverflow() {
        var mask = [UInt64](repeating: 7, count: 1)
        var scratch = [UInt64](repeating: 0, count: 4)
        let row: [UInt64] = [1]
        #expect(goldilocks_key_switch_mask(row, 1 << 25, 1, [1], &mask, &scratch) == -1)
        #expect(mask == [7])
    }
}
