import Foundation

/// What `srthub data inspect` reports about a dataset.
public struct DatasetStatistics: Sendable, Codable, Equatable {
    public struct FieldCoverage: Sendable, Codable, Equatable {
        public let field: String
        /// Items whose value for this field is non-empty.
        public let itemsWithText: Int
        public let fraction: Double
    }

    public let name: String
    public let users: Int
    public let items: Int
    public let interactions: Int
    public let hasTimestamps: Bool
    /// Sequence length at quantiles 0, 0.25, 0.5, 0.75, 0.9, 0.99 and 1, keyed "p0"…"p100".
    public let sequenceLength: [String: Int]
    public let meanSequenceLength: Double
    public let textCoverage: [FieldCoverage]
    public let itemsWithoutText: Int
    public let fingerprint: String

    static let quantiles: [(String, Double)] = [
        ("p0", 0), ("p25", 0.25), ("p50", 0.5), ("p75", 0.75), ("p90", 0.9), ("p99", 0.99), ("p100", 1),
    ]

    public init(_ dataset: Dataset) {
        name = dataset.name
        users = dataset.userCount
        items = dataset.itemCount
        interactions = dataset.interactionCount
        hasTimestamps = dataset.hasTimestamps
        let lengths = dataset.sequences.map(\.count).sorted()
        var lengthQuantiles: [String: Int] = [:]
        for (key, q) in Self.quantiles {
            lengthQuantiles[key] = lengths.isEmpty ? 0 : lengths[Int((q * Double(lengths.count - 1)).rounded())]
        }
        sequenceLength = lengthQuantiles
        meanSequenceLength = lengths.isEmpty ? 0 : Double(interactions) / Double(lengths.count)
        textCoverage = dataset.textFields.enumerated().map { f, field in
            let filled = dataset.itemText.reduce(0) { count, text in
                count + (text[f].trimmingCharacters(in: .whitespaces).isEmpty ? 0 : 1)
            }
            return FieldCoverage(field: field, itemsWithText: filled,
                                 fraction: dataset.itemCount == 0 ? 0 : Double(filled) / Double(dataset.itemCount))
        }
        itemsWithoutText = dataset.itemsWithoutText
        fingerprint = dataset.fingerprint()
    }
}
