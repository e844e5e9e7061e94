import Foundation

/// Reads JSON Lines: one JSON object per line. Columns are the keys of the first object; a later
/// object may omit a key (empty value). Arrays of strings become space-joined text, numbers their
/// decimal form, null an empty value.
struct JSONLinesReader {
    let path: String
    let bytes: [UInt8]

    func read() throws(DataError) -> Table {
        var columns: [String] = []
        var values: [[String]] = []
        var lines: [Int] = []
        var lineNumber = 0
        var start = 0
        for i in 0...bytes.count where i == bytes.count || bytes[i] == 0x0A {
            lineNumber += 1
            defer { start = i + 1 }
            let slice = bytes[start..<i]
            if slice.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            let object: [String: Any]
            do {
                guard let parsed = try JSONSerialization.jsonObject(with: Data(slice)) as? [String: Any] else {
                    throw DataError(.malformedRow, file: path, line: lineNumber, "expected a JSON object",
                                    hint: "write one {\"user_id\": ..., \"item_id\": ...} object per line")
                }
                object = parsed
            } catch let error as DataError {
                throw error
            } catch {
                throw DataError(.malformedRow, file: path, line: lineNumber, "invalid JSON",
                                hint: "write one JSON object per line (JSON Lines)")
            }
            if columns.isEmpty {
                columns = object.keys.sorted()
                try Table.checkHeader(columns, path: path)
                values = Array(repeating: [], count: columns.count)
            }
            for (c, key) in columns.enumerated() {
                values[c].append(try text(object[key], key: key, line: lineNumber))
            }
            lines.append(lineNumber)
        }
        return Table(path: path, columns: columns, types: Array(repeating: nil, count: columns.count),
                     values: values, lines: lines)
    }

    private func text(_ value: Any?, key: String, line: Int) throws(DataError) -> String {
        switch value {
        case nil, is NSNull: return ""
        case let s as String: return s
        case let n as NSNumber where String(cString: n.objCType) == "c":
            // JSON true/false: once read as 1/0, so `true` and 1 became the same id.
            throw DataError(.malformedRow, file: path, line: line, column: key, "\(n.boolValue) is a boolean, not a value srthub reads",
                            hint: "write ids and text as strings or numbers")
        case let n as NSNumber: return n.stringValue
        case let list as [Any]:
            var parts: [String] = []
            for element in list { parts.append(try text(element, key: key, line: line)) }
            return parts.joined(separator: " ")
        default:
            throw DataError(.malformedRow, file: path, line: line, column: key,
                            "expected a string, number, list or null",
                            hint: "flatten nested objects into their own columns")
        }
    }
}
