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
    /// Text models only: each item's vector is its text encoding plus a row of its own in an item
    /// table (`item_encoder.item_embedding.weight`, one row per catalog item, zero at the start), as
    /// UniSRec's transductive setting adds ID embeddings to text ones. The text part carries to any
    /// catalog; the table belongs to the catalog the model was trained on, and items outside it are
    /// scored by their text alone. nil: text only.
    public var itemIDs: Bool?

    /// Whether the model holds a per-item table (ID models, and text models with `itemIDs`).
    public var hasItemTable: Bool { kind == .id || itemIDs == true }

    enum CodingKeys: String, CodingKey {
        case kind, fields, sources
        case itemIDs = "item_ids"
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

    /// Checks a shape read from a file before anything is allocated from it: a config with
    /// `heads: 0` divided by zero and a negative width crashed every command that loaded it.
    public func validate() throws(ModelError) {
        try architecture.validate()
        func check(_ ok: Bool, _ field: String, _ message: String) throws(ModelError) {
            if !ok { throw ModelError.invalidConfig(field: field, message: message) }
        }
        let a = architecture
        try check(a.hidden <= 1 << 14 && a.inner <= 1 << 16 && a.layers <= 256 && a.maxLength <= 1 << 14, "architecture",
                  "sizes beyond any srthub model (hidden \(a.hidden), inner \(a.inner), layers \(a.layers), max_length \(a.maxLength))")
        try check(items >= 0 && items <= 100_000_000, "items", "must be from 0 to 100,000,000, got \(items)")
        let e = itemEncoder
        if e.kind == .text {
            try check(!e.fields.isEmpty && e.fields.count <= 64, "item_encoder.fields", "a text model needs 1 to 64 fields, got \(e.fields.count)")
            try check(e.maxPieces.count == e.fields.count && e.maxPieces.allSatisfy { (1...4096).contains($0) }, "item_encoder.max_pieces",
                      "needs one count from 1 to 4096 per field, got \(e.maxPieces)")
            try check((1...10_000_000).contains(e.vocabularySize), "item_encoder.vocab_size", "must be from 1 to 10,000,000, got \(e.vocabularySize)")
            try check((1...1 << 14).contains(e.tokenEmbedding), "item_encoder.token_embedding", "must be from 1 to 16384, got \(e.tokenEmbedding)")
        } else {
            try check(e.itemIDs == nil, "item_encoder.item_ids", "applies to text models only (an ID model is its item table)")
        }
        // The whole table in memory: beyond 2^31 floats (8 GB) it is no srthub model.
        try check(ParameterLayout(self).count <= 1 << 31, "parameters", "the config describes more than 2^31 parameters")
    }
}
