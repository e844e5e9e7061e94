/// A problem with input data, located as precisely as we can (file, line, column) and carrying
/// the fix. One type for the whole module so callers map it to exit codes in one place.
public struct DataError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        case notFound, emptyFile, badHeader, duplicateHeader, missingColumn, malformedRow,
             invalidUTF8, missingItemFile, missingText, duplicateItem, noTimestamps, noInteractions,
             badOption
    }

    public let kind: Kind
    public let file: String?
    public let line: Int?
    public let column: String?
    public let message: String
    public let hint: String?

    public init(_ kind: Kind, file: String? = nil, line: Int? = nil, column: String? = nil,
                _ message: String, hint: String? = nil) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.hint = hint
    }

    /// `file:line: column 'name': message` then the hint, compiler style. Control characters that
    /// came from the input are shown escaped (\u{1B}), never sent to the terminal.
    public var description: String {
        var location = Self.printable(file ?? "")
        if let line { location += ":\(line)" }
        var text = location.isEmpty ? "" : location + ": "
        if let column { text += "column '\(Self.printable(column))': " }
        text += Self.printable(message)
        if let hint { text += "\n  hint: \(Self.printable(hint))" }
        return text
    }

    static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
        return String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "\\u{\(String($0.value, radix: 16, uppercase: true))}" : String($0) }.joined())
    }
}
