/// Everything that can go wrong in SentencePiece, with the path involved and what to do about it.
public struct TokenizerError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable { case load, train, encode, badID }
    public let kind: Kind
    public let path: String?
    public let message: String
    public let hint: String?

    public var description: String {
        var text = path.map { "\($0): \(message)" } ?? message
        if let hint { text += "\n  hint: \(hint)" }
        return text
    }
}

/// Reads the NUL-terminated message a C shim call wrote into `buffer`.
func cMessage(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
