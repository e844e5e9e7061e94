import Foundation
import SRTModel
import SRTTokenizer

/// Which tokenizer a fine-tune encodes the new catalog's text with.
public enum FineTuneVocabulary: String, Sendable, CaseIterable {
    /// The base's own tokenizer and token table, as they are.
    case base
    /// A tokenizer trained on the new catalog's text, as `srthub train` would make, whose token
    /// table starts from the base's (`VocabularyTransfer`).
    case target
}

/// Carries a base's token table over to a tokenizer trained on another catalog: a piece the base
/// also has keeps its row; any other starts at the mean of the rows of the base's pieces for the
/// same text (the base tokenizer's split of it). Everything above the token table is untouched.
/// A base's vocabulary was trained on its corpus: on a new catalog its words break into more,
/// shorter pieces than that catalog's own tokenizer makes, which trains better from scratch.
public struct VocabularyTransfer {
    /// For each piece of the new vocabulary, the base's pieces whose rows its row starts from.
    public let sources: [[Int32]]
    /// New pieces found verbatim in the base's vocabulary.
    public let matched: Int

    public init(from base: SentencePieceTokenizer, to target: SentencePieceTokenizer) throws {
        var baseIDs: [String: Int32] = [:]
        for id in 0..<Int32(base.vocabularySize) { baseIDs[try base.piece(for: id)] = id }
        let unknown = baseIDs["<unk>"] ?? 0
        var sources: [[Int32]] = []
        var matched = 0
        for id in 0..<Int32(target.vocabularySize) {
            let piece = try target.piece(for: id)
            if let same = baseIDs[piece] {
                sources.append([same])
                matched += 1
                continue
            }
            // "▁" marks a word start; the base tokenizer adds it to its input's start itself.
            let text = piece.replacingOccurrences(of: "▁", with: " ").trimmingCharacters(in: .whitespaces)
            let split = text.isEmpty ? [] : try base.encode(text)
            sources.append(split.isEmpty ? [unknown] : split)
        }
        self.sources = sources
        self.matched = matched
    }

    /// The new table (`sources.count` rows of `width`) from the base's (`baseRows` rows).
    public func apply(to table: UnsafePointer<Float>, baseRows: Int, width: Int) -> [Float] {
        var out = [Float](repeating: 0, count: sources.count * width)
        for (row, ids) in sources.enumerated() {
            let scale = 1 / Float(ids.count)
            for id in ids where Int(id) < baseRows {
                let from = table + Int(id) * width
                for j in 0..<width { out[row * width + j] += scale * from[j] }
            }
        }
        return out
    }

    /// A network of `shape` (the new vocabulary's) holding `base`'s weights, the token table carried over.
    public func network(from base: Network, shape: ModelShape, maxBatch: Int) -> Network {
        let network = Network(shape: shape, maxBatch: maxBatch)
        copy(base.params.pointer, layout: base.layout, into: network.params.pointer, layout: network.layout)
        return network
    }

    /// Any per-parameter array in `base`'s layout (the Fisher) in `layout`'s, the token table carried over.
    public func carry(_ values: [Float], from base: ParameterLayout, to layout: ParameterLayout) -> [Float] {
        var out = [Float](repeating: 0, count: layout.count)
        values.withUnsafeBufferPointer { from in
            out.withUnsafeMutableBufferPointer { to in
                copy(from.baseAddress!, layout: base, into: to.baseAddress!, layout: layout)
            }
        }
        return out
    }

    private func copy(_ from: UnsafePointer<Float>, layout fromLayout: ParameterLayout, into to: UnsafeMutablePointer<Float>,
                      layout toLayout: ParameterLayout) {
        for entry in toLayout.entries {
            let source = fromLayout[entry.name]
            if entry.name == ParameterLayout.tokenEmbeddingName {
                let width = entry.shape[1]
                let rows = apply(to: from + source.offset, baseRows: source.shape[0], width: width)
                rows.withUnsafeBufferPointer { (to + entry.offset).update(from: $0.baseAddress!, count: entry.count) }
            } else {
                precondition(source.shape == entry.shape, "\(entry.name): the vocabulary changes the token table only")
                (to + entry.offset).update(from: from + source.offset, count: entry.count)
            }
        }
    }
}
