import Foundation

/// The shape of an SRT transformer: what `models/srt-*.json` holds and a checkpoint's config
/// records. Unknown keys are ignored and missing optional keys take the reference defaults
/// (REFERENCE.md §1.4), so preset files stay small.
public struct Architecture: Codable, Sendable, Equatable {
    public enum Norm: String, Codable, Sendable { case post, pre }

    public var name: String
    public var layers: Int
    public var heads: Int
    public var hidden: Int
    public var inner: Int
    public var maxLength: Int
    public var hiddenDropout: Double
    public var attentionDropout: Double
    public var norm: Norm
    /// Width of the token embeddings of the text item encoder (the paper's E); nil means `hidden`.
    public var tokenEmbedding: Int?
    public var description: String?

    enum CodingKeys: String, CodingKey {
        case name, layers, heads, hidden, inner, description, norm
        case maxLength = "max_length"
        case hiddenDropout = "hidden_dropout"
        case attentionDropout = "attention_dropout"
        case tokenEmbedding = "token_embedding"
    }

    public init(name: String, layers: Int, heads: Int, hidden: Int, inner: Int, maxLength: Int = 50,
                hiddenDropout: Double = 0.5, attentionDropout: Double = 0.5, norm: Norm = .post,
                tokenEmbedding: Int? = nil, description: String? = nil) {
        self.name = name
        self.layers = layers
        self.heads = heads
        self.hidden = hidden
        self.inner = inner
        self.maxLength = maxLength
        self.hiddenDropout = hiddenDropout
        self.attentionDropout = attentionDropout
        self.norm = norm
        self.tokenEmbedding = tokenEmbedding
        self.description = description
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        layers = try c.decode(Int.self, forKey: .layers)
        heads = try c.decode(Int.self, forKey: .heads)
        hidden = try c.decode(Int.self, forKey: .hidden)
        inner = try c.decodeIfPresent(Int.self, forKey: .inner) ?? 4 * hidden
        maxLength = try c.decodeIfPresent(Int.self, forKey: .maxLength) ?? 50
        hiddenDropout = try c.decodeIfPresent(Double.self, forKey: .hiddenDropout) ?? 0.5
        attentionDropout = try c.decodeIfPresent(Double.self, forKey: .attentionDropout) ?? 0.5
        norm = try c.decodeIfPresent(Norm.self, forKey: .norm) ?? .post
        tokenEmbedding = try c.decodeIfPresent(Int.self, forKey: .tokenEmbedding)
        description = try c.decodeIfPresent(String.self, forKey: .description)
    }

    /// Checks the numbers fit together; the message names the field and the fix.
    public func validate() throws(ModelError) {
        func check(_ ok: Bool, _ field: String, _ message: String) throws(ModelError) {
            if !ok { throw ModelError.invalidConfig(field: field, message: message) }
        }
        try check(layers >= 1, "layers", "must be at least 1, got \(layers)")
        try check(heads >= 1, "heads", "must be at least 1, got \(heads)")
        try check(hidden >= 1 && hidden % heads == 0, "hidden", "must be a positive multiple of heads (\(heads)), got \(hidden)")
        try check(inner >= 1, "inner", "must be at least 1, got \(inner)")
        try check(maxLength >= 2, "max_length", "must be at least 2, got \(maxLength)")
        try check((0..<1).contains(hiddenDropout), "hidden_dropout", "must be in [0, 1), got \(hiddenDropout)")
        try check((0..<1).contains(attentionDropout), "attention_dropout", "must be in [0, 1), got \(attentionDropout)")
    }

    /// Parameters of the transformer proper: position table, input LayerNorm and the layers (the
    /// item encoder's adapter and token tables are counted by the encoder, which knows its fields).
    public var transformerParameters: Int {
        let attention = 4 * (hidden * hidden + hidden)
        let feedForward = hidden * inner + inner + inner * hidden + hidden
        let norms = 2 * 2 * hidden
        return maxLength * hidden + 2 * hidden + layers * (attention + feedForward + norms)
    }
}

public enum ModelError: Error, CustomStringConvertible, Equatable {
    case invalidConfig(field: String, message: String)
    case presetNotFound(name: String, searched: [String])
    case unreadablePreset(path: String, message: String)

    public var description: String {
        switch self {
        case .invalidConfig(let field, let message):
            return "model config field '\(field)' \(message)"
        case .presetNotFound(let name, let searched):
            return "no preset named '\(name)' (looked in \(searched.joined(separator: ", ")))\n  hint: run `srthub presets` to list them, or pass a path to a preset JSON file"
        case .unreadablePreset(let path, let message):
            return "\(path): \(message)\n  hint: a preset is a JSON object with name, layers, heads, hidden, inner"
        }
    }
}
