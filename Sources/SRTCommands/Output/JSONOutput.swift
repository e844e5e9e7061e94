import Foundation

/// Prints a value as pretty JSON with sorted keys, for `--json`. Keys are snake_case in every
/// command's output: Swift's lowerCamelCase property names are converted (`bestEpoch` →
/// `best_epoch`, `validationNDCG10` → `validation_ndcg10`), while keys that are data (a catalog's
/// name, an evaluation mode, a metric such as `ndcg@10`) are left as they are.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .custom { path in SnakeCaseKey(snakeCase(path.last!.stringValue)) }
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

private struct SnakeCaseKey: CodingKey {
    let stringValue: String
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}

/// `nonEmbeddingParameters` → `non_embedding_parameters`, `NDCGScore` runs kept together; only
/// ASCII lowerCamelCase identifiers change.
func snakeCase(_ key: String) -> String {
    guard key.range(of: "^[a-z][a-z0-9]*[A-Z][A-Za-z0-9]*$", options: .regularExpression) != nil else { return key }
    let characters = Array(key)
    var out = ""
    for (i, c) in characters.enumerated() {
        if c.isUppercase, i > 0 {
            let previous = characters[i - 1], next = i + 1 < characters.count ? characters[i + 1] : nil
            if previous.isLowercase || previous.isNumber || (previous.isUppercase && next?.isLowercase == true) { out.append("_") }
        }
        out.append(contentsOf: c.lowercased())
    }
    return out
}
