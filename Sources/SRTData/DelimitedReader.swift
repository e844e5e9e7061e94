/// Reads tab- or comma-separated text with a header line. RecBole atomic files are the tab-separated
/// case with `name:type` headers and no quoting; CSV follows RFC 4180 quoting ("a, b" and "" escapes).
struct DelimitedReader {
    static let recboleTypes: Set<String> = ["token", "token_seq", "float", "float_seq"]

    let path: String
    let bytes: [UInt8]
    let delimiter: UInt8
    let quoted: Bool
    let typedHeader: Bool

    func read() throws(DataError) -> Table {
        // A UTF-8 byte-order mark (Excel's "CSV UTF-8", Python's utf-8-sig) is not part of the header.
        var position = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var line = 1
        // Skip leading blank lines; the first non-blank line is the header.
        while let (fields, next, nextLine) = try nextRecord(from: position, line: line), fields.allSatisfy(\.isEmpty) {
            position = next
            line = nextLine
        }
        guard let (headerFields, afterHeader, lineAfterHeader) = try nextRecord(from: position, line: line) else {
            throw DataError(.emptyFile, file: path, "the file is empty", hint: "expected a header line")
        }
        let headerLine = line
        let (names, types) = try parseHeader(headerFields, line: headerLine)

        var values = [[String]](repeating: [], count: names.count)
        var lines: [Int] = []
        position = afterHeader
        line = lineAfterHeader
        while let (fields, next, nextLine) = try nextRecord(from: position, line: line) {
            defer { position = next; line = nextLine }
            if fields.count == 1 && fields[0].isEmpty { continue }  // blank line
            guard fields.count == names.count else {
                let separator = delimiter == UInt8(ascii: "\t") ? "tab" : "comma"
                throw DataError(
                    .malformedRow, file: path, line: line,
                    "expected \(names.count) \(separator)-separated fields (\(names.joined(separator: ", "))), found \(fields.count)",
                    hint: fields.count > names.count && !quoted
                        ? "a value contains the separator; remove it from the value"
                        : "every row needs one value per header column (empty values are allowed)")
            }
            for c in 0..<names.count { values[c].append(fields[c]) }
            lines.append(line)
        }
        return Table(path: path, columns: names, types: types, values: values, lines: lines)
    }

    private func parseHeader(_ fields: [String], line: Int) throws(DataError) -> ([String], [String?]) {
        var names: [String] = []
        var types: [String?] = []
        for (i, raw) in fields.enumerated() {
            let field = raw.trimmingCharacters(in: .whitespaces)
            if typedHeader {
                let parts = field.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty else {
                    throw DataError(.badHeader, file: path, line: line, column: field.isEmpty ? "#\(i + 1)" : field,
                                    "RecBole headers are NAME:TYPE, found '\(field)'",
                                    hint: "write e.g. user_id:token; types are token, token_seq, float, float_seq")
                }
                guard Self.recboleTypes.contains(String(parts[1])) else {
                    throw DataError(.badHeader, file: path, line: line, column: String(parts[0]),
                                    "unknown RecBole type '\(parts[1])'",
                                    hint: "types are token, token_seq, float, float_seq")
                }
                names.append(String(parts[0]))
                types.append(String(parts[1]))
            } else {
                // Accept RecBole-style `name:type` in CSV/TSV headers too, ignoring the type.
                let name = field.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
                names.append(name)
                types.append(nil)
            }
        }
        try Table.checkHeader(names, path: path)
        return (names, types)
    }

    /// The fields of the record starting at `start`, the offset after it, and the line after it.
    /// Nil at end of input.
    private func nextRecord(from start: Int, line: Int) throws(DataError) -> ([String], Int, Int)? {
        if start >= bytes.count { return nil }
        var fields: [String] = []
        var i = start
        var currentLine = line
        var fieldStart = i
        var inQuotes = false
        var quotedField: [UInt8] = []
        var fieldWasQuoted = false
        func endOfLine(_ at: Int) -> Int { at > fieldStart && bytes[at - 1] == 0x0D ? at - 1 : at }

        while i < bytes.count {
            let b = bytes[i]
            if quoted && inQuotes {
                if b == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\"") {
                        quotedField.append(b)
                        i += 2
                        continue
                    }
                    inQuotes = false
                    i += 1
                    continue
                }
                if b == 0x0A { currentLine += 1 }
                quotedField.append(b)
                i += 1
                continue
            }
            if quoted && b == UInt8(ascii: "\"") && i == fieldStart {
                inQuotes = true
                fieldWasQuoted = true
                quotedField = []
                i += 1
                continue
            }
            if b == delimiter || b == 0x0A {
                let end = b == 0x0A ? endOfLine(i) : i
                if fieldWasQuoted {
                    fields.append(String(decoding: quotedField, as: UTF8.self))
                } else {
                    fields.append(String(decoding: bytes[fieldStart..<end], as: UTF8.self))
                }
                fieldWasQuoted = false
                i += 1
                fieldStart = i
                if b == 0x0A { return (fields, i, currentLine + 1) }
                continue
            }
            if fieldWasQuoted && b == 0x0D && (i + 1 == bytes.count || bytes[i + 1] == 0x0A) {
                i += 1  // CRLF after a quoted last field (Python's csv and Excel write it)
                continue
            }
            if fieldWasQuoted {
                throw DataError(.malformedRow, file: path, line: currentLine,
                                "unexpected character after a closing quote in field \(fields.count + 1)",
                                hint: "inside a quoted CSV value, write a quote as \"\"")
            }
            i += 1
        }
        if inQuotes {
            throw DataError(.malformedRow, file: path, line: line, "a quoted field is never closed",
                            hint: "close the quote, and write a quote inside a value as \"\"")
        }
        let end = endOfLine(i)
        fields.append(fieldWasQuoted ? String(decoding: quotedField, as: UTF8.self)
                                     : String(decoding: bytes[fieldStart..<end], as: UTF8.self))
        return (fields, i, currentLine + 1)
    }
}
