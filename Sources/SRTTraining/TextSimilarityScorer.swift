import Foundation
import SRTTokenizer

/// The `text` baseline: no training and no sequence model, each candidate scored by the cosine of
/// its TF-IDF word vector to the history's last item's. On Amazon catalogs this finds about half of
/// what a trained SRT finds (bench/RESULTS.md), so it says how much of a model's result text
/// similarity alone explains, and it is the bar a base's zero-shot result can be read against.
///
/// Words are srthub's normalized text (lowercased runs of letters and digits) of every text field;
/// a word's weight in an item is (1 + ln tf) · ln(N / df), each item's vector of unit length.
public struct TextSimilarityScorer: HistoryScorer {
    /// Per word, the items holding it and its weight there (an inverted index: scoring a history
    /// visits only the items that share a word with its last item).
    let postings: [[(item: Int32, weight: Float)]]
    /// Per item, its words and weights.
    let vectors: [[(word: Int32, weight: Float)]]

    /// `itemText[i]` holds item i's text fields.
    public init(itemText: [[String]]) {
        var vocabulary: [String: Int32] = [:]
        let counts: [[Int32: Int]] = itemText.map { fields in
            var tf: [Int32: Int] = [:]
            for field in fields {
                for word in TextNormalizer.normalize(field).split(separator: " ") {
                    let id = vocabulary[String(word)] ?? {
                        let next = Int32(vocabulary.count)
                        vocabulary[String(word)] = next
                        return next
                    }()
                    tf[id, default: 0] += 1
                }
            }
            return tf
        }
        var documentFrequency = [Int](repeating: 0, count: vocabulary.count)
        for tf in counts { for word in tf.keys { documentFrequency[Int(word)] += 1 } }
        let n = Double(max(itemText.count, 1))
        var postings = [[(item: Int32, weight: Float)]](repeating: [], count: vocabulary.count)
        vectors = counts.enumerated().map { item, tf in
            // Sorted by word so the result does not depend on the dictionary's order.
            var vector = tf.sorted { $0.key < $1.key }.map { word, count in
                (word: word, weight: Float((1 + log(Double(count))) * log(n / Double(documentFrequency[Int(word)]))))
            }
            let norm = vector.reduce(Float(0)) { $0 + $1.weight * $1.weight }.squareRoot()
            if norm > 0 { vector = vector.map { ($0.word, $0.weight / norm) } }
            for (word, weight) in vector where weight != 0 { postings[Int(word)].append((Int32(item), weight)) }
            return vector
        }
        self.postings = postings
    }

    public var itemCount: Int { vectors.count }
    public var batchSize: Int { 256 }

    public func score(_ inputs: [[Int32]], into scores: UnsafeMutablePointer<Float>) {
        let v = vectors.count
        for (b, history) in inputs.enumerated() {
            let row = scores + b * v
            row.update(repeating: 0, count: v)
            guard let last = history.last(where: { $0 >= 0 }) else { continue }
            for (word, weight) in vectors[Int(last)] {
                for (item, other) in postings[Int(word)] { row[Int(item)] += weight * other }
            }
        }
    }
}
