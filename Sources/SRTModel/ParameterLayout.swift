// Legend: V items, S token vocabulary, E token width, NF text fields, C hidden, F inner (FFN),
// T max length, L layers.

/// Where each named tensor lives in the one flat parameter buffer (gradients and Adam moments use
/// the same offsets). Names follow PyTorch conventions so model.safetensors reads there as is.
public struct ParameterLayout: Sendable {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
        public var count: Int { shape.reduce(1, *) }
        public var range: Range<Int> { offset..<(offset + count) }
    }

    public let entries: [Entry]
    public let count: Int
    private let index: [String: Int]

    /// The text encoder's token embedding table [vocabulary, token embedding].
    public static let tokenEmbeddingName = "item_encoder.token_embedding.weight"
    /// The per-item table [items, hidden]: an ID model's item vectors, a text model's ID part.
    public static let itemEmbeddingName = "item_encoder.item_embedding.weight"

    public init(_ shape: ModelShape) {
        let a = shape.architecture, e = shape.itemEncoder
        let C = a.hidden, F = a.inner
        var list: [(String, [Int])] = []
        switch e.kind {
        case .text:
            list.append((Self.tokenEmbeddingName, [e.vocabularySize, e.tokenEmbedding]))
            list.append(("item_encoder.adapter.weight", [C, e.fields.count * e.tokenEmbedding]))
            list.append(("item_encoder.adapter.bias", [C]))
            if e.itemIDs == true { list.append((Self.itemEmbeddingName, [shape.items, C])) }
        case .id:
            list.append((Self.itemEmbeddingName, [shape.items, C]))
        }
        list += [("position_embedding.weight", [a.maxLength, C]), ("input_norm.weight", [C]), ("input_norm.bias", [C])]
        for l in 0..<a.layers {
            let p = "layers.\(l)."
            list += [
                (p + "attention.qkv.weight", [3 * C, C]), (p + "attention.qkv.bias", [3 * C]),
                (p + "attention.out.weight", [C, C]), (p + "attention.out.bias", [C]),
                (p + "attention_norm.weight", [C]), (p + "attention_norm.bias", [C]),
                (p + "ffn.fc1.weight", [F, C]), (p + "ffn.fc1.bias", [F]),
                (p + "ffn.fc2.weight", [C, F]), (p + "ffn.fc2.bias", [C]),
                (p + "ffn_norm.weight", [C]), (p + "ffn_norm.bias", [C]),
            ]
        }
        if a.norm == .pre { list += [("final_norm.weight", [C]), ("final_norm.bias", [C])] }
        var offset = 0
        var entries: [Entry] = []
        for (name, dims) in list {
            entries.append(Entry(name: name, shape: dims, offset: offset))
            offset += dims.reduce(1, *)
        }
        self.entries = entries
        count = offset
        index = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.name, $0) })
    }

    public subscript(_ name: String) -> Entry {
        guard let i = index[name] else { preconditionFailure("no parameter named \(name)") }
        return entries[i]
    }

    public func contains(_ name: String) -> Bool { index[name] != nil }

    /// Parameters of the item encoder's lookup tables (token or item embeddings): the part that
    /// the paper's "non-embedding" count leaves out.
    public var embeddingCount: Int {
        entries.filter { $0.name.hasSuffix("token_embedding.weight") || $0.name.hasSuffix("item_embedding.weight") }
            .reduce(0) { $0 + $1.count }
    }
}
