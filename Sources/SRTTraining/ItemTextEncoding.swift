import Foundation
import SRTData
import SRTModel
import SRTTokenizer

/// Turns item text into token ids for the text item encoder: normalize (REFERENCE.md §1.2), encode
/// with SentencePiece, keep the first `maxPieces` pieces of each field.
public enum ItemTextEncoding {
    /// Pieces kept per field by default: the reference keeps 40 for titles and 8 for brands.
    public static func defaultMaxPieces(for field: String) -> Int {
        field.lowercased().contains("title") || field.lowercased().contains("name") ? 40 : 8
    }

    /// The token ids of every item for a text encoder: each field's text is its source columns'
    /// values joined, cut to the field's `maxPieces`. The sources are the ones the model recorded,
    /// or else `FieldMapping.infer`'s (on the model's own catalog: each field its own column).
    public static func tokens(for catalog: ItemCatalog, encoder: ItemEncoderConfig, tokenizer: SentencePieceTokenizer) throws -> ItemTokens {
        let sources = try encoder.sources ?? FieldMapping.infer(fields: encoder.fields, catalog: catalog).sources
        return try tokens(for: catalog, sources: sources, maxPieces: encoder.maxPieces, tokenizer: tokenizer)
    }

    public static func tokens(for catalog: ItemCatalog, fields: [String], maxPieces: [Int], tokenizer: SentencePieceTokenizer) throws -> ItemTokens {
        try tokens(for: catalog, sources: fields.map { [$0] }, maxPieces: maxPieces, tokenizer: tokenizer)
    }

    static func tokens(for catalog: ItemCatalog, sources: [[String]], maxPieces: [Int], tokenizer: SentencePieceTokenizer) throws -> ItemTokens {
        let columns = try sources.map { names in
            try names.map { (field) throws -> Int in
                guard let c = catalog.fields.firstIndex(of: field) else {
                    throw TrainingError.badData("the items have no text field '\(field)' (they have: \(catalog.fields.joined(separator: ", ")))")
                }
                return c
            }
        }
        let pieces = maxPieces.max() ?? 1
        var ids = [Int32](repeating: -1, count: catalog.count * sources.count * pieces)
        for item in 0..<catalog.count {
            for (f, fieldColumns) in columns.enumerated() {
                let text = fieldColumns.map { TextNormalizer.normalize(catalog.text[item][$0]) }.filter { !$0.isEmpty }.joined(separator: " ")
                guard !text.isEmpty else { continue }
                let encoded = try tokenizer.encode(text)
                let base = (item * sources.count + f) * pieces
                for (p, id) in encoded.prefix(maxPieces[f]).enumerated() { ids[base + p] = id }
            }
        }
        return ItemTokens(items: catalog.count, fields: sources.count, pieces: pieces, ids: ids)
    }

    /// The tokenizer's training text: one line per non-empty normalized value of `fields`. In a
    /// union each catalog gives at most as many items as the median catalog has (evenly spaced
    /// through its items), so one large catalog does not own the vocabulary.
    static func tokenizerLines(_ dataset: Dataset, fields: [String]) -> [String] {
        let columns = fields.compactMap { dataset.textFields.firstIndex(of: $0) }
        let parts = dataset.catalogs.isEmpty ? [0..<dataset.itemCount] : dataset.catalogs.map(\.items)
        let cap = parts.map(\.count).sorted()[parts.count / 2]
        var lines: [String] = []
        for items in parts {
            let step = max(Double(items.count) / Double(cap), 1)
            for k in 0..<min(cap, items.count) {
                let text = dataset.itemText[items.lowerBound + Int(Double(k) * step)]
                guard !text.isEmpty else { continue }
                for c in columns {
                    let normalized = TextNormalizer.normalize(text[c])
                    if !normalized.isEmpty { lines.append(normalized) }
                }
            }
        }
        return lines
    }

    /// Trains a BPE tokenizer on the normalized values of `fields` (one line per non-empty value).
    /// A vocabulary too large for a small corpus is lowered to what SentencePiece allows, and
    /// `note` says so. Returns the path of the .model file.
    public static func trainTokenizer(on dataset: Dataset, fields: [String], vocabularySize: Int, folder: String,
                                      note: (String) -> Void) throws -> String {
        let lines = tokenizerLines(dataset, fields: fields)
        guard !lines.isEmpty else { throw TrainingError.badData("no item has text in \(fields.joined(separator: ", ")); use --item-encoder id") }
        let corpus = folder + "/tokenizer-corpus.txt"
        try lines.joined(separator: "\n").write(toFile: corpus, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: corpus) }
        let prefix = folder + "/tokenizer"
        let failure: TokenizerError
        do {
            return try TokenizerTrainer.train(corpusPath: corpus, modelPrefix: prefix, vocabularySize: vocabularySize)
        } catch {
            failure = error
        }
        // "Vocabulary size too high (30000). Please set it to a value <= 5612."
        guard failure.message.contains("Vocabulary size too high"),
              let limit = Int(failure.message.components(separatedBy: "<=").last?.trimmingCharacters(in: CharacterSet(charactersIn: " .\n")) ?? "")
        else { throw failure }
        note("the text corpus (\(lines.count) lines) supports at most \(limit) pieces: vocabulary lowered from \(vocabularySize) to \(limit)")
        return try TokenizerTrainer.train(corpusPath: corpus, modelPrefix: prefix, vocabularySize: limit)
    }
}

public enum TrainingError: Error, CustomStringConvertible {
    case badData(String)
    case badOption(String)
    case badCheckpoint(String)
    /// The output cannot be written (read-only, full, no permission).
    case cannotWrite(String)

    public var description: String {
        switch self {
        case .badData(let m), .badOption(let m), .badCheckpoint(let m), .cannotWrite(let m): m
        }
    }
}
