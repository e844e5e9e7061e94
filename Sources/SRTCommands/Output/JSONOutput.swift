import ArgumentParser
import Foundation

/// Prints a value as pretty JSON with sorted keys, for `--json`. Keys are snake_case in every
/// command's output: Swift's lowerCamelCase property names are converted (`bestEpoch` →
/// `best_epoch`, `validationNDCG10` → `validation_ndcg10`), while keys that are data (a catalog's
/// name, an evaluation mode, a metric such as `ndcg@10`) are left as they are.
/// A document that is an object names what it is first: `"schema": "srthub.<command>.v1"` (the
/// command path the user typed, `srthub.train.v1`, `srthub.remote-add.v1`; a document may set its
/// own), so a script can tell documents apart and notice a change of shape. A list (`list`,
/// `presets`, …) is an array of records and has none.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .custom { path in SnakeCaseKey(snakeCase(path.last!.stringValue)) }
    let schema = "srthub.\(commandPath().joined(separator: "-")).v1"
    print(withSchema(String(decoding: try encoder.encode(value), as: UTF8.self), schema: schema))
}

/// The subcommands at the start of `arguments` (`["remote", "add"]` from `remote add origin URL`).
func commandPath(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> [String] {
    var command: any ParsableCommand.Type = SRTHub.self
    var path: [String] = []
    for word in arguments {
        guard let next = command.configuration.subcommands.first(where: { $0._commandName == word || $0.configuration.aliases.contains(word) }) else { break }
        path.append(next._commandName)
        command = next
    }
    return path.isEmpty ? ["document"] : path
}

/// Puts `"schema"` first in a pretty-printed object that has none at its top level; anything else as it is.
func withSchema(_ json: String, schema: String) -> String {
    guard json.hasPrefix("{"), !json.contains("\n  \"schema\" : ") else { return json }
    let entry = "\"schema\" : \"\(schema)\""
    if json == "{\n\n}" || json == "{}" { return "{\n  \(entry)\n}" }
    return "{\n  \(entry)," + json.dropFirst()
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
