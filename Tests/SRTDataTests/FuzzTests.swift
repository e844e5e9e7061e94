import Foundation
import Testing
@testable import SRTData

/// Seeded mutations of good CSV, TSV and JSONL files: each load ends in a clean error or a dataset.
@Suite struct DataFuzzTests {
    struct Mutator {
        var state: UInt64
        mutating func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
        mutating func mutate(_ bytes: [UInt8]) -> [UInt8] {
            var b = bytes
            for _ in 0..<(1 + int(4)) {
                guard !b.isEmpty else { return [0x22] }
                let i = int(b.count)
                switch int(6) {
                case 0: b[i] = [0x22, 0x2C, 0x09, 0x0A, 0x0D, 0x00, 0xFF, 0xEF, 0x7B, 0x5B][int(10)]
                case 1: b.removeSubrange(i...)
                case 2: b.insert(contentsOf: b[i..<min(b.count, i + 1 + int(12))], at: i)
                case 3: b.insert(contentsOf: Array("1e400".utf8), at: i)
                case 4: b[i] ^= UInt8(1 << int(8))
                default: b.remove(at: i)
                }
            }
            return b
        }
    }

    @Test(arguments: ["csv", "tsv", "jsonl"]) func mutatedFilesNeverTrap(_ format: String) throws {
        let rows = (0..<12).map { (u: "u\($0 % 4)", i: "i\($0 % 5)", t: $0) }
        let good: String
        switch format {
        case "csv": good = "user_id,item_id,timestamp\n" + rows.map { "\($0.u),\"\($0.i)\",\($0.t)" }.joined(separator: "\n") + "\n"
        case "tsv": good = "user_id\titem_id\ttimestamp\n" + rows.map { "\($0.u)\t\($0.i)\t\($0.t)" }.joined(separator: "\n") + "\n"
        default: good = rows.map { #"{"user_id": "\#($0.u)", "item_id": "\#($0.i)", "timestamp": \#($0.t)}"# }.joined(separator: "\n") + "\n"
        }
        let folder = TempFolder()
        let path = folder.path + "/interactions." + format
        var m = Mutator(state: 0x5EED_0003 &+ UInt64(format.count))
        var loaded = 0
        for _ in 0..<1500 {
            try Data(m.mutate(Array(good.utf8))).write(to: URL(fileURLWithPath: path))
            if (try? DatasetLoader.load(path, options: LoadOptions(allowMissingText: true))) != nil { loaded += 1 }
        }
        #expect(loaded > 0 && loaded < 1500, "\(loaded) of 1500 mutations loaded")
    }
}
