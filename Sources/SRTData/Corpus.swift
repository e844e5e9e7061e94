import Foundation

/// One catalog of a multi-catalog dataset: its name and fingerprint, and where its users and
/// items lie in the union (contiguous ranges, in the order the catalogs were given).
public struct CatalogPart: Codable, Sendable, Equatable {
    public let name: String
    public let fingerprint: String
    public let users: Range<Int>
    public let items: Range<Int>

    public init(name: String, fingerprint: String, users: Range<Int>, items: Range<Int>) {
        self.name = name
        self.fingerprint = fingerprint
        self.users = users
        self.items = items
    }
}

/// A corpus file: a name and the catalog folders it trains on, relative to the file's folder.
///
///     {"name": "amazon-7", "catalogs": ["../../../shared/datasets/amazon-games", "…"]}
public struct CorpusFile: Codable, Sendable {
    public let name: String
    public let catalogs: [String]

    /// Reads `path` and resolves each catalog against the file's folder.
    public static func read(path: String) throws(DataError) -> (name: String, paths: [String]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError(.notFound, file: path, "no such corpus file", hint: "pass a JSON file {\"name\": …, \"catalogs\": [folder, …]}")
        }
        let corpus: CorpusFile
        do { corpus = try JSONDecoder().decode(CorpusFile.self, from: data) } catch {
            throw DataError(.malformedRow, file: path, "not a corpus file (\(error))",
                            hint: "write {\"name\": \"my-corpus\", \"catalogs\": [\"path/to/catalog\", …]}")
        }
        guard !corpus.catalogs.isEmpty else {
            throw DataError(.badOption, file: path, "the corpus lists no catalogs", hint: "list at least one catalog folder under \"catalogs\"")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        let paths = corpus.catalogs.map { $0.hasPrefix("/") ? $0 : folder.appendingPathComponent($0).standardizedFileURL.path }
        for (i, catalog) in paths.enumerated() where !FileManager.default.fileExists(atPath: catalog) {
            throw DataError(.notFound, file: path, "catalog \(i + 1) (\(corpus.catalogs[i])) does not exist: looked for \(catalog)",
                            hint: "catalog paths are relative to the corpus file's folder; fix or remove that entry")
        }
        return (corpus.name, paths)
    }
}

extension Dataset {
    /// The union of several catalogs, for pretraining on all of them at once. Users and items are
    /// namespaced by catalog (`NAME/id`), so no sequence crosses catalogs and equal ids in two
    /// catalogs stay two items; text fields are the union of the catalogs' fields ("" where a
    /// catalog lacks one). `catalogs` records each part's ranges and fingerprint.
    public static func union(_ parts: [Dataset], name: String) throws(DataError) -> Dataset {
        var seen: [String: Int] = [:]
        for (i, part) in parts.enumerated() {
            if let first = seen[part.name] {
                throw DataError(.badOption, "catalogs \(first + 1) and \(i + 1) are both named '\(part.name)' (a catalog is named after its folder or .inter file)",
                                hint: "give each catalog its own folder name, or drop the duplicate")
            }
            seen[part.name] = i
        }
        var fields: [String] = []
        for part in parts { for field in part.textFields where !fields.contains(field) { fields.append(field) } }
        var userIDs: [String] = [], itemIDs: [String] = [], sequences: [[Int32]] = [], itemText: [[String]] = []
        var timestamps: [[Double]]? = parts.allSatisfy(\.hasTimestamps) ? [] : nil
        var catalogs: [CatalogPart] = []
        for part in parts {
            let userStart = userIDs.count, itemStart = itemIDs.count
            userIDs += part.userIDs.map { part.name + "/" + $0 }
            itemIDs += part.itemIDs.map { part.name + "/" + $0 }
            sequences += part.sequences.map { $0.map { $0 + Int32(itemStart) } }
            if timestamps != nil { timestamps! += part.timestamps! }
            let columns = fields.map { part.textFields.firstIndex(of: $0) }
            itemText += part.itemText.map { text in columns.map { c in c.flatMap { text.isEmpty ? nil : text[$0] } ?? "" } }
            catalogs.append(CatalogPart(name: part.name, fingerprint: part.fingerprint(),
                                        users: userStart..<userIDs.count, items: itemStart..<itemIDs.count))
        }
        var union = Dataset(name: name, userIDs: userIDs, itemIDs: itemIDs, sequences: sequences, timestamps: timestamps,
                            textFields: fields, itemText: itemText, itemsWithoutText: parts.reduce(0) { $0 + $1.itemsWithoutText })
        union.catalogs = catalogs
        return union
    }
}

extension DatasetLoader {
    /// Loads one catalog as it is, or several as their union (see `Dataset.union`). The same path
    /// twice is refused: it would train on one catalog twice under two names.
    public static func load(_ paths: [String], name: String? = nil, options: LoadOptions = LoadOptions()) throws(DataError) -> Dataset {
        guard let first = paths.first else { throw DataError(.badOption, "no dataset given", hint: "pass --data FOLDER (repeatable) or --corpus FILE") }
        if paths.count == 1 { return try load(first, options: options) }
        var resolved: [String: String] = [:]
        for path in paths {
            let key = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
            if let earlier = resolved[key] {
                throw DataError(.badOption, file: path, "this catalog is given twice (also as \(earlier))", hint: "pass each catalog once")
            }
            resolved[key] = path
        }
        var parts: [Dataset] = []
        for path in paths { parts.append(try load(path, options: options)) }
        return try Dataset.union(parts, name: name ?? parts.map(\.name).joined(separator: "+"))
    }
}
