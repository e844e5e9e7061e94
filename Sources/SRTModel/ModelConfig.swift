/// How items become vectors.
public struct ItemEncoderConfig: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case text, id }
    public var kind: Kind
    /// Text fields, in the order their pooled vectors are concatenated.
    public var fields: [String]
    /// Pieces kept per field (the reference keeps 40 for titles, 8 for brands).
    public var maxPieces: [Int]
    /// SentencePiece vocabulary size (rows of the shared token table).
    public var vocabularySize: Int
    /// Token embedding width E.
    public var tokenEmbedding: Int
    /// Per field, the catalog columns whose text is joined into it. Recorded where the default
    /// mapping (srthub's FieldMapping: each field its own column, other columns with text joined
    /// into the first field) would read the catalog differently: a model fine-tuned onto other
    /// columns, or trained on fewer fields than have text. nil: the default mapping.
    public var sources: [[String]]?

    enum CodingKeys: String, CodingKey {
        case kind, fields, sources
        case maxPieces = "max_pieces"
        case vocabularySize = "vocab_size"
        case tokenEmbedding = "token_embedding"
    }

    public init(kind: Kind, fields: [String] = [], maxPieces: [Int] = [], vocabularySize: Int = 0, tokenEmbedding: Int = 0) {
        self.kind = kind
        self.fields = fields
        self.maxPieces = maxPieces
        self.vocabularySize = vocabularySize
        self.tokenEmbedding = tokenEmbedding
    }
}

/// The shape of a model: architecture, item encoder and catalog size. Enough to lay out and read
/// its weights; written into config.json under "model".
public struct ModelShape: Codable, Sendable, Equatable {
    public var architecture: Architecture
    public var itemEncoder: ItemEncoderConfig
    /// Items in the catalog the model was built for (rows of an ID table; text models take any).
    public var items: Int

    enum CodingKeys: String, CodingKey {
        case architecture, items
        case itemEncoder = "item_encoder"
    }

    public init(architecture: Architecture, itemEncoder: ItemEncoderConfig, items: Int) {
        self.architecture = architecture
        self.itemEncoder = itemEncoder
        self.items = items
    }
}
