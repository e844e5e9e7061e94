/// Items and their text, without interactions: what a model needs to encode and name items.
public struct ItemCatalog: Sendable {
    public let ids: [String]
    public let fields: [String]
    /// Per item, one string per field.
    public let text: [[String]]

    public init(ids: [String], fields: [String], text: [[String]]) {
        self.ids = ids
        self.fields = fields
        self.text = text
    }

    public var count: Int { ids.count }

    /// Reads a catalog file (item_id plus text columns): a checkpoint's items.tsv, or any item file.
    public static func read(path: String) throws(DataError) -> ItemCatalog {
        let table = try Table.read(path: path, format: path.hasSuffix(".tsv") ? .tsv : nil)
        guard let id = table.columnIndex(["item_id", "itemid", "item"]) else {
            throw DataError(.missingColumn, file: path, line: 1, column: "item_id", "required column is missing")
        }
        let textColumns = table.columns.indices.filter { $0 != id && !(table.types[$0]?.hasPrefix("float") ?? false) }
        return ItemCatalog(ids: table.values[id], fields: textColumns.map { table.columns[$0] },
                           text: (0..<table.rowCount).map { r in textColumns.map { table.values[$0][r] } })
    }

    /// A display name: the first field that looks like a title, else the first non-empty field.
    public func title(of item: Int) -> String {
        let preferred = fields.firstIndex { $0.lowercased().contains("title") || $0.lowercased().contains("name") }
        if let preferred, !text[item][preferred].isEmpty { return text[item][preferred] }
        return text[item].first { !$0.isEmpty } ?? ""
    }
}

extension Dataset {
    /// The dataset's items as a catalog.
    public var catalog: ItemCatalog {
        ItemCatalog(ids: itemIDs, fields: textFields,
                    text: itemText.map { $0.isEmpty ? Array(repeating: "", count: textFields.count) : $0 })
    }
}
