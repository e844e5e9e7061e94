import Foundation
import Testing
@testable import SRTData

/// `--users-fraction`: a seeded, stable sample of the users whose smaller fractions nest in larger ones.
@Suite struct UserSampleTests {
    static func dataset() -> Dataset {
        let users = (0..<2000).map { "user-\($0)" }
        let sequences = users.indices.map { u in (0..<3).map { Int32((u * 7 + $0) % 50) } }
        return Dataset(name: "d", userIDs: users, itemIDs: (0..<50).map { "i\($0)" }, sequences: sequences, timestamps: nil,
                       textFields: ["title"], itemText: (0..<50).map { ["item \($0)"] })
    }

    @Test func fractionsNestAreStableAndAboutTheirSize() {
        let data = Self.dataset()
        let small = data.samplingUsers(fraction: 0.1, seed: 3), large = data.samplingUsers(fraction: 0.5, seed: 3)
        #expect(abs(Double(small.userCount) / 2000 - 0.1) < 0.03 && abs(Double(large.userCount) / 2000 - 0.5) < 0.05, "\(small.userCount), \(large.userCount)")
        #expect(Set(small.userIDs).isSubset(of: Set(large.userIDs)), "a smaller fraction's users are a larger one's")
        #expect(data.samplingUsers(fraction: 0.1, seed: 3).userIDs == small.userIDs, "the same users every time")
        #expect(data.samplingUsers(fraction: 0.1, seed: 4).userIDs != small.userIDs, "another seed, another sample")
        #expect(data.samplingUsers(fraction: 1, seed: 3).userCount == 2000)
        // A kept user keeps its whole sequence; the catalog shrinks to the items kept users touched.
        let kept = small.userIDs.compactMap { Int($0.dropFirst(5)) }
        for (u, id) in kept.enumerated() {
            #expect(small.sequences[u].map { small.itemIDs[Int($0)] } == data.sequences[id].map { data.itemIDs[Int($0)] })
        }
        #expect(small.itemCount <= 50 && small.itemText.count == small.itemCount)
    }

    /// The hash is FNV-1a and SplitMix64's finalizer, fixed here so a sample never changes between builds.
    @Test func theHashIsFixed() {
        #expect(Dataset.hash("user-1", seed: 0) == Dataset.hash("user-1", seed: 0))
        #expect(Dataset.hash("", seed: 0) == {
            var z: UInt64 = 0xcbf2_9ce4_8422_2325
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }())
    }

    @Test func theLoaderSamplesAndRefusesAnEmptySample() throws {
        let folder = TempFolder()
        folder.write("shop/shop.inter", "user_id:token\titem_id:token\n" + (0..<40).map { "u\($0)\ti\($0 % 5)\n" }.joined())
        folder.write("shop/shop.item", "item_id:token\ttitle:token_seq\n" + (0..<5).map { "i\($0)\tthing \($0)\n" }.joined())
        var options = LoadOptions()
        options.usersFraction = 0.5
        let half = try DatasetLoader.load(folder.path + "/shop", options: options)
        #expect(half.userCount > 5 && half.userCount < 35)
        options.usersFraction = 1e-9
        #expect { try DatasetLoader.load(folder.path + "/shop", options: options) } throws: { "\($0)".contains("--users-fraction") }
    }
}
