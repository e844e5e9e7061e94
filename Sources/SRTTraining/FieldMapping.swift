import SRTData
import SRTModel

/// Which of a new catalog's text columns feed each text field of a model, so that a base fine-
/// tunes onto a catalog whose columns differ from its own (title / brand / categories here,
/// movie_title / class there) without dropping any text.
///
/// The rule: a column feeds the field of its own name; every other column with text joins the
/// first field (a base's first field is its title, which keeps the most pieces), in the catalog's
/// column order. `explicit` entries (`field=column+column`) replace the rule for their field.
public struct FieldMapping: Sendable, Equatable, CustomStringConvertible {
    public let fields: [String]
    /// Per field, its source columns (empty: the field stays empty for this catalog).
    public let sources: [[String]]

    public static func infer(fields: [String], catalog: ItemCatalog, explicit: [String: [String]] = [:]) throws -> FieldMapping {
        for (field, columns) in explicit {
            guard fields.contains(field) else {
                throw TrainingError.badOption("--map-field \(field)=…: the model has no text field '\(field)' (it has: \(fields.joined(separator: ", ")))")
            }
            for column in columns where !catalog.fields.contains(column) {
                throw TrainingError.badOption("--map-field \(field)=…: the items have no column '\(column)' (they have: \(catalog.fields.joined(separator: ", ")))")
            }
        }
        let withText = catalog.fields.indices.filter { c in catalog.text.contains { !$0[c].isEmpty } }.map { catalog.fields[$0] }
        let taken = Set(explicit.values.flatMap { $0 })
        var sources = fields.map { field in explicit[field] ?? (withText.contains(field) && !taken.contains(field) ? [field] : []) }
        let placed = Set(sources.flatMap { $0 })
        let leftover = withText.filter { !placed.contains($0) && !taken.contains($0) }
        if let first = fields.first, explicit[first] == nil { sources[0] += leftover }
        guard sources.contains(where: { !$0.isEmpty }) else {
            throw TrainingError.badData("no item has text in any column (\(catalog.fields.joined(separator: ", "))): a text model encodes items from their text; add an item file with text")
        }
        return FieldMapping(fields: fields, sources: sources)
    }

    /// Whether every field reads just its own column (then nothing needs recording).
    public var isIdentity: Bool { zip(fields, sources).allSatisfy { [$0] == $1 } }

    /// "title ← title + brand + categories; brand ← (nothing)".
    public var description: String {
        zip(fields, sources).map { "\($0) ← \($1.isEmpty ? "(nothing)" : $1.joined(separator: " + "))" }.joined(separator: "; ")
    }

    /// Parses `--map-field title=title+brand` entries.
    public static func parse(_ entries: [String]) throws -> [String: [String]] {
        var map: [String: [String]] = [:]
        for entry in entries {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw TrainingError.badOption("--map-field '\(entry)': write FIELD=COLUMN or FIELD=COLUMN+COLUMN, e.g. title=title+brand")
            }
            map[parts[0]] = parts[1].split(separator: "+").map(String.init)
        }
        return map
    }
}
