import Foundation
import Testing
@testable import SRTTraining

/// The `text` baseline against TF-IDF cosines written out by hand.
@Suite struct TextSimilarityScorerTests {
    @Test func scoresAreTheTFIDFCosineToTheLastItem() {
        let text = [["Red shoe"], ["red SHOE, lace", ""], ["blue hat"], ["green shoe shoe"]]
        let scorer = TextSimilarityScorer(itemText: text)
        var scores = [Float](repeating: -1, count: 2 * 4)
        scorer.score([[2, 0], [1, -1]], into: &scores)
        // idf = ln(4 / df): red 2 items, shoe 3, lace / blue / hat / green 1; weight (1 + ln tf) · idf.
        let red = log(2.0), shoe = log(4.0 / 3), rare = log(4.0), shoeTwice = (1 + log(2.0)) * shoe
        let v0 = [red, shoe], n0 = (red * red + shoe * shoe).squareRoot()
        let n1 = (red * red + shoe * shoe + rare * rare).squareRoot(), n3 = (shoeTwice * shoeTwice + rare * rare).squareRoot()
        let expected0: [Double] = [1, (v0[0] * red + v0[1] * shoe) / (n0 * n1), 0, v0[1] * shoeTwice / (n0 * n3)]
        for i in 0..<4 { #expect(abs(Double(scores[i]) - expected0[i]) < 1e-5, "item \(i): \(scores[i]) vs \(expected0[i])") }
        // The second history ends at item 1 (the padding after it is not an item).
        #expect(abs(Double(scores[4 + 1]) - 1) < 1e-5 && scores[4 + 2] == 0)
        #expect(scores[4 + 0] > scores[4 + 3] && scores[4 + 3] > 0)
    }

    @Test func anItemWithoutTextScoresNothing() {
        let scorer = TextSimilarityScorer(itemText: [["a b"], [""], ["b"]])
        var scores = [Float](repeating: -1, count: 3)
        scorer.score([[1]], into: &scores)
        #expect(scores == [0, 0, 0])
    }
}
