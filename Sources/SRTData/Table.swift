import Foundation

/// A parsed tabular file, column-major: `values[c][r]` is row r of column c.
/// Every reader (RecBole atomic, CSV, TSV, JSONL) produces one of these, so the dataset logic
/// never cares which format the user had.
public struct Table: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case recbole, csv, tsv, jsonl

        /// The format implied by a file name, or nil when the extension is unknown.
        public init?(path: String) {
            let name = (path as NSString).lastPathComponent.lowercased()
            if name.hasSuffix(".inter") || name.hasSuffix(".item") { self = .recbole }
            else if name.hasSuffix(".csv") { self = .csv }
            else if name.hasSuffix(".tsv") { self = .tsv }
            else if name.hasSuffix(".jsonl") || name.hasSuffix(".ndjson") { self = .jsonl }
            else { return nil }
        }
    }

    public let path: String
    public let columns: [String]
    /// RecBole field types (`token`, `token_seq`, `float`, `float_seq`); nil for other formats.
    public let types: [String?]
    public var values: [[String]]
    /// The 1-based source line of each row, for error messages.
    public var lines: [Int]

    public var rowCount: Int { lines.count }

    public func columnIndex(_ candidates: [String]) -> Int? {
        for name in candidates {
            if let i = columns.firstIndex(where: { $0.lowercased() == name }) { return i }
        }
        return nil
    }

    /// Reads and parses a file in the given (or implied) format.
    public static func read(path: String, format: Format? = nil) throws(DataError) -> Table {
        guard let format = format ?? Format(path: path) else {
            throw DataError(.badOption, file: path, "unknown file type",
                            hint: "use .inter/.item (RecBole atomic), .csv, .tsv or .jsonl")
        }
        let bytes = try readBytes(path)
        switch format {
        case .recbole: return try DelimitedReader(path: path, bytes: bytes, delimiter: UInt8(ascii: "\t"), quoted: false, typedHeader: true).read()
        case .tsv: return try DelimitedReader(path: path, bytes: bytes, delimiter: UInt8(ascii: "\t"), quoted: false, typedHeader: false).read()
        case .csv: return try DelimitedReader(path: path, bytes: bytes, delimiter: UInt8(ascii: ","), quoted: true, typedHeader: false).read()
        case .jsonl: return try JSONLinesReader(path: path, bytes: bytes).read()
        }
    }

    static func readBytes(_ path: String) throws(DataError) -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataError(.notFound, file: path, "no such file")
        }
        // A FIFO would block the read forever, a device never end: only regular files are data.
        let type = (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType
        if let type, type != .typeRegular, type != .typeSymbolicLink {
            let what = type == .typeDirectory ? "a folder" : type == .typeSocket ? "a socket" : type == .typeCharacterSpecial || type == .typeBlockSpecial ? "a device" : "a FIFO (named pipe)"
            throw DataError(.notFound, file: path, "this is \(what), not a data file", hint: "pass a regular CSV, TSV, JSONL or RecBole file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError(.notFound, file: path, "cannot read the file", hint: "check its permissions")
        }
        let bytes = [UInt8](data)
        if bytes.allSatisfy({ $0 == 0x0A || $0 == 0x0D || $0 == 0x20 }) {
            throw DataError(.emptyFile, file: path, "the file is empty", hint: "expected a header line and then one row per record")
        }
        if String(validating: bytes, as: UTF8.self) == nil {
            throw DataError(.invalidUTF8, file: path, line: firstInvalidUTF8Line(bytes), "the text is not valid UTF-8",
                            hint: "re-encode the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)")
        }
        return bytes
    }

    static func firstInvalidUTF8Line(_ bytes: [UInt8]) -> Int {
        var line = 1
        var start = 0
        for i in 0...bytes.count where i == bytes.count || bytes[i] == 0x0A {
            if String(validating: bytes[start..<i], as: UTF8.self) == nil { return line }
            line += 1
            start = i + 1
        }
        return line
    }

    /// Checks header names for emptiness and duplicates (shared by every reader).
    static func checkHeader(_ names: [String], path: String) throws(DataError) {
        var seen: [String: Int] = [:]
        for (i, name) in names.enumerated() {
            if name.isEmpty {
                throw DataError(.badHeader, file: path, line: 1, "header column \(i + 1) has no name",
                                hint: "name every column in the first line")
            }
            if let first = seen[name.lowercased()] {
                throw DataError(.duplicateHeader, file: path, line: 1, column: name,
                                "the header names this column twice (columns \(first + 1) and \(i + 1))",
                                hint: "rename or remove one of them")
            }
            seen[name.lowercased()] = i
        }
    }
}
