import Foundation
import Testing
@testable import SRTModel

/// Seeded mutations of good inputs: every one must end in a clean error or a success. A trap
/// (an overflow, an out-of-range index) would end the test process, so passing is the proof.
struct Mutator {
    var state: UInt64
    mutating func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }

    /// Flips, overwrites with extreme bytes, truncates, duplicates or inserts.
    mutating func mutate(_ bytes: [UInt8]) -> [UInt8] {
        var b = bytes
        for _ in 0..<(1 + int(4)) {
            guard !b.isEmpty else { return [UInt8(truncatingIfNeeded: next())] }
            let i = int(b.count)
            switch int(6) {
            case 0: b[i] ^= UInt8(1 << int(8))
            case 1: b[i] = [0x00, 0xFF, 0x7F, 0x80, 0x22, 0x2D, 0x39][int(7)]
            case 2: b.removeSubrange(i...)
            case 3: b.insert(contentsOf: b[i..<min(b.count, i + 1 + int(16))], at: i)
            case 4: b.insert(contentsOf: Array("99999999999999999999".utf8), at: i)
            default: b.remove(at: i)
            }
        }
        return b
    }
}

@Suite struct FuzzTests {
    @Test func safetensorsDecodeNeverTraps() {
        let good = Safetensors.encode([.init(name: "a", shape: [2, 3], values: [1, 2, 3, 4, 5, 6]), .init(name: "b", shape: [4], values: [7, 8, 9, 10])],
                                      metadata: ["format": "pt"])
        var m = Mutator(state: 0x5EED_0001)
        var decoded = 0
        for _ in 0..<3000 {
            if (try? Safetensors.decode(Data(m.mutate(Array(good))))) != nil { decoded += 1 }
        }
        #expect(decoded < 3000, "mutations must be refused sometimes")
    }

    @Test func modelConfigsNeverTrap() throws {
        let architecture = Architecture(name: "t", layers: 2, heads: 2, hidden: 8, inner: 16, maxLength: 8)
        let shape = ModelShape(architecture: architecture,
                               itemEncoder: ItemEncoderConfig(kind: .text, fields: ["title"], maxPieces: [4], vocabularySize: 50, tokenEmbedding: 8), items: 10)
        let good = Array(try JSONEncoder().encode(shape))
        var m = Mutator(state: 0x5EED_0002)
        for _ in 0..<3000 {
            guard let candidate = try? JSONDecoder().decode(ModelShape.self, from: Data(m.mutate(good))) else { continue }
            // Only a validated shape is ever allocated from.
            if (try? candidate.validate()) != nil { _ = ParameterLayout(candidate).count }
        }
    }
}
