import Foundation

/// Reads a dataset from disk: interactions → per-user sequences, optional k-core, item text.
public enum DatasetLoader {
    static let userColumns = ["user_id", "userid", "user"]
    static let itemColumns = ["item_id", "itemid", "item"]
    static let timeColumns = ["timestamp", "time", "ts"]

    public static func load(_ path: String, options: LoadOptions = LoadOptions()) throws(DataError) -> Dataset {
        let source = try DataSource.resolve(path, itemsPath: options.itemsPath)
        var dataset = try readInteractions(try Table.read(path: source.interactionsPath), name: source.name)
        if let k = options.kCore {
            guard k >= 1 else { throw DataError(.badOption, "--k-core must be at least 1, got \(k)") }
            dataset = dataset.kCore(k)
            if dataset.userCount == 0 {
                throw DataError(.noInteractions, file: source.interactionsPath,
                                "no user and item is left after the \(k)-core filter", hint: "use a smaller --k-core")
            }
        }
        if let fraction = options.usersFraction {
            guard fraction > 0 && fraction <= 1 else { throw DataError(.badOption, "--users-fraction must be above 0 and at most 1, got \(fraction)") }
            dataset = dataset.samplingUsers(fraction: fraction, seed: options.usersSeed)
            if dataset.userCount == 0 {
                throw DataError(.noInteractions, file: source.interactionsPath,
                                "no user is left in a \(fraction) sample of \(source.name)'s users", hint: "use a larger --users-fraction")
            }
        }
        let items = try source.itemsPath.map { (path) throws(DataError) in try Table.read(path: path) }
        try attachText(to: &dataset, items: items, source: source, allowMissing: options.allowMissingText)
        return dataset
    }

    /// Groups rows by user and orders each user's items by time (file order breaks ties, and is
    /// the order when there is no timestamp column).
    static func readInteractions(_ table: Table, name: String) throws(DataError) -> Dataset {
        guard let userColumn = table.columnIndex(userColumns) else {
            throw missingColumn("user_id", table)
        }
        guard let itemColumn = table.columnIndex(itemColumns) else {
            throw missingColumn("item_id", table)
        }
        guard table.rowCount > 0 else {
            throw DataError(.noInteractions, file: table.path, "the file has a header but no interactions",
                            hint: "add one row per interaction")
        }
        let timeColumn = table.columnIndex(timeColumns)

        var userIndex: [String: Int32] = [:]
        var itemIndex: [String: Int32] = [:]
        var userIDs: [String] = []
        var itemIDs: [String] = []
        var events: [[(item: Int32, time: Double)]] = []
        let users = table.values[userColumn], items = table.values[itemColumn]
        let times = timeColumn.map { table.values[$0] }

        for r in 0..<table.rowCount {
            let user = users[r], item = items[r]
            if user.isEmpty { throw emptyValue(table, r, userColumn) }
            if item.isEmpty { throw emptyValue(table, r, itemColumn) }
            var time = 0.0
            if let times, let column = timeColumn {
                guard let t = Double(times[r].trimmingCharacters(in: .whitespaces)), t.isFinite else {
                    throw DataError(.malformedRow, file: table.path, line: table.lines[r], column: table.columns[column],
                                    "expected a number, found '\(times[r])'",
                                    hint: "timestamps are numbers (e.g. Unix seconds); remove the column to use file order")
                }
                time = t
            }
            let u: Int32
            if let known = userIndex[user] { u = known } else {
                u = Int32(userIDs.count)
                userIndex[user] = u
                userIDs.append(user)
                events.append([])
            }
            let i: Int32
            if let known = itemIndex[item] { i = known } else {
                i = Int32(itemIDs.count)
                itemIndex[item] = i
                itemIDs.append(item)
            }
            events[Int(u)].append((i, time))
        }

        if timeColumn != nil {
            // Swift's sort is stable, so equal timestamps keep file order.
            for u in events.indices { events[u].sort { $0.time < $1.time } }
        }
        return Dataset(
            name: name, userIDs: userIDs, itemIDs: itemIDs,
            sequences: events.map { $0.map(\.item) },
            timestamps: timeColumn == nil ? nil : events.map { $0.map(\.time) },
            textFields: [], itemText: [])
    }

    /// Joins each item to its text row. Items without one are refused unless `allowMissing`.
    static func attachText(to dataset: inout Dataset, items: Table?, source: DataSource, allowMissing: Bool) throws(DataError) {
        guard let items else {
            guard allowMissing else {
                throw DataError(.missingItemFile, file: source.interactionsPath,
                                "no item text file next to the interactions (looked for \(source.name).item and items.csv|tsv|jsonl)",
                                hint: "add an item file with item_id and text columns, pass --items FILE, or pass --allow-missing-text to encode every item from empty text")
            }
            dataset.itemText = Array(repeating: [], count: dataset.itemCount)
            dataset.itemsWithoutText = dataset.itemCount
            return
        }
        guard let idColumn = items.columnIndex(itemColumns) else { throw missingColumn("item_id", items) }
        // Text fields: every column but the id; RecBole float fields are numbers, not text.
        let textColumns = items.columns.indices.filter { c in
            c != idColumn && !(items.types[c]?.hasPrefix("float") ?? false)
        }
        var rowOf: [String: Int] = [:]
        rowOf.reserveCapacity(items.rowCount)
        for (r, id) in items.values[idColumn].enumerated() {
            if let first = rowOf[id] {
                throw DataError(.duplicateItem, file: items.path, line: items.lines[r], column: items.columns[idColumn],
                                "item '\(id)' already has a row (line \(items.lines[first]))",
                                hint: "keep one row per item")
            }
            rowOf[id] = r
        }
        var missing: [String] = []
        dataset.textFields = textColumns.map { items.columns[$0] }
        dataset.itemText = dataset.itemIDs.map { id in
            guard let r = rowOf[id] else {
                missing.append(id)
                return Array(repeating: "", count: textColumns.count)
            }
            return textColumns.map { items.values[$0][r] }
        }
        if !missing.isEmpty && !allowMissing {
            let examples = missing.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
            throw DataError(.missingText, file: items.path,
                            "\(missing.count) of \(dataset.itemCount) items in \(source.interactionsPath) have no row here (e.g. \(examples))",
                            hint: "add their rows, or pass --allow-missing-text to encode them from empty text")
        }
        dataset.itemsWithoutText = missing.count
    }

    static func missingColumn(_ name: String, _ table: Table) -> DataError {
        DataError(.missingColumn, file: table.path, line: 1, column: name,
                  "required column is missing (found: \(table.columns.joined(separator: ", ")))",
                  hint: "name it \(name) in the header")
    }

    static func emptyValue(_ table: Table, _ row: Int, _ column: Int) -> DataError {
        DataError(.malformedRow, file: table.path, line: table.lines[row], column: table.columns[column],
                  "empty value", hint: "every interaction needs a user and an item")
    }
}
