import Foundation
import Testing
@testable import SRTData

/// The real data sets: ../shared/datasets (research-only, never committed) and the MovieLens-100k
/// demo data the test script extracts into .cache/. Each test skips with a message when absent.
@Suite struct RealDatasetTests {
    static let shared = repositoryRoot + "/../shared/datasets"
    static let movieLens = repositoryRoot + "/.cache/ml-100k"

    struct Expected: Sendable, CustomTestStringConvertible {
        let folder: String, users: Int, items: Int, interactions: Int
        var testDescription: String { (folder as NSString).lastPathComponent }
    }

    static let sharedSets = [
        Expected(folder: shared + "/amazon-beauty", users: 22_363, items: 12_101, interactions: 198_502),
        Expected(folder: shared + "/amazon-games", users: 15_264, items: 7_676, interactions: 147_861),
        Expected(folder: shared + "/amazon-office", users: 4_905, items: 2_420, interactions: 53_258),
    ]

    @Test(.enabled(if: FileManager.default.fileExists(atPath: shared),
                   "../shared/datasets is absent: the Amazon data sets are not on this machine"),
          arguments: sharedSets)
    func sharedDatasetsHaveTheirPublishedSizes(_ expected: Expected) throws {
        let data = try DatasetLoader.load(expected.folder)
        #expect(data.userCount == expected.users)
        #expect(data.itemCount == expected.items)
        #expect(data.interactionCount == expected.interactions)
        #expect(!data.hasTimestamps)
        let split = try data.split(.leaveOneOut)
        #expect(split.test.count == expected.users)  // 5-core: every user has at least 3 items
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: movieLens),
                   ".cache/ml-100k is absent: run scripts/test.sh, which extracts the demo data"))
    func movieLensHasItsPublishedSizeAndATemporalSplit() throws {
        let data = try DatasetLoader.load(Self.movieLens)
        #expect(data.userCount == 943)
        #expect(data.itemCount == 1_682)
        #expect(data.interactionCount == 100_000)
        #expect(data.textFields == ["movie_title", "release_year", "class"])
        let split = try data.split(.temporal(quantile: 0.95))
        #expect(!split.test.isEmpty)
        // No test user is trained on.
        #expect(Set(split.trainUsers).isDisjoint(with: split.test.map(\.user)))
        #expect(split.train.count + split.test.count + split.droppedTestUsers == 943)
    }
}
