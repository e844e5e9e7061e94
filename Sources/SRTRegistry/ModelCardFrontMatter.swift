import Foundation
import Yams

/// The model card's YAML front matter in Hugging Face's model-card schema (library, license, tags,
/// base model, datasets, model-index results). Written by a YAML library so that any name a user
/// gives (quotes, colons, `yes`, `1.0`, a leading `-`) comes back as the same string.
struct ModelCardFrontMatter: Codable, Equatable {
    var libraryName = "srthub"
    var license: String
    var tags = ["sequential-recommendation", "srt"]
    var baseModel: String?
    var baseModelRelation: String?
    var datasets: [String]?
    var modelIndex: [ModelIndex]?

    struct ModelIndex: Codable, Equatable {
        var name: String
        var results: [Result]
    }

    struct Result: Codable, Equatable {
        var task = Task()
        var dataset: Dataset
        var metrics: [Metric]
    }

    struct Task: Codable, Equatable {
        var type = "sequential-recommendation"
        var name = "Sequential recommendation"
    }

    struct Dataset: Codable, Equatable {
        var type: String
        var name: String
        var split = "test"
        /// The data's fingerprint, which pins the exact files the result was measured on.
        var revision: String
        var args: Arguments
    }

    struct Arguments: Codable, Equatable {
        var `protocol`: String
        var mode: String
    }

    struct Metric: Codable, Equatable {
        var type: String
        var name: String
        var value: MetricValue
    }

    /// A metric written as a reader expects it (0.0138…, not Yams's default 1.38…e-2) and as every
    /// YAML parser reads a float (with a dot: YAML 1.1 parsers such as PyYAML read `1e-05` as a string).
    struct MetricValue: Codable, Equatable, ExpressibleByFloatLiteral, YAMLEncodable {
        var value: Double
        init(_ value: Double) { self.value = value }
        init(floatLiteral value: Double) { self.value = value }
        init(from decoder: Decoder) throws { value = try decoder.singleValueContainer().decode(Double.self) }
        func encode(to encoder: Encoder) throws { var c = encoder.singleValueContainer(); try c.encode(value) }

        func box() -> Node {
            guard value.isFinite else { return Node(value.isNaN ? ".nan" : value < 0 ? "-.inf" : ".inf", Tag(.float)) }
            var text = "\(value)"  // the shortest text that reads back as the same Double
            if !text.contains(".") {
                if let e = text.firstIndex(where: { $0 == "e" }) { text.insert(contentsOf: ".0", at: e) } else { text += ".0" }
            }
            if let e = text.firstIndex(of: "e"), text[text.index(after: e)] != "-" { text.insert("+", at: text.index(after: e)) }
            return Node(text, Tag(.float))
        }
    }

    /// In the order a card shows them (the encoder follows this enum's order).
    enum CodingKeys: String, CodingKey {
        case libraryName = "library_name"
        case license, tags
        case baseModel = "base_model"
        case baseModelRelation = "base_model_relation"
        case datasets
        case modelIndex = "model-index"
    }

    /// The YAML between the card's two `---` lines, keys in the order declared above.
    func yaml() throws -> String {
        let encoder = YAMLEncoder()
        encoder.options.allowUnicode = true
        encoder.options.width = -1  // never fold a long name over two lines
        return try encoder.encode(self)
    }

    /// Reads the front matter of a card written by `yaml()` (tests, and anyone checking a card).
    static func parse(card markdown: String) throws -> ModelCardFrontMatter {
        let parts = markdown.components(separatedBy: "\n---\n")
        guard markdown.hasPrefix("---\n"), parts.count >= 2 else {
            throw RegistryError(.badCheckpoint, "the model card has no front matter (a first line `---` and a closing `---`)")
        }
        return try YAMLDecoder().decode(ModelCardFrontMatter.self, from: String(parts[0].dropFirst(4)))
    }
}
