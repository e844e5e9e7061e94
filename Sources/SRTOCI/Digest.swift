import Crypto
import Foundation

/// A content digest, `sha256:<64 lowercase hex>`: the only algorithm srthub writes or accepts.
/// Parsing is the one place a digest string is checked, so a `Digest` is always safe to use in a
/// file path (no `/`, no `..`).
public struct Digest: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let hex: String

    public init?(_ string: String) {
        guard string.hasPrefix("sha256:") else { return nil }
        let hex = string.dropFirst(7)
        guard hex.utf8.count == 64, hex.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            return nil
        }
        self.hex = String(hex)
    }

    /// For digests the registry itself wrote (database rows): skips the character check.
    public init(trusted string: String) {
        hex = String(string.dropFirst(7))
    }

    public init(hashing data: some DataProtocol) {
        self.init(SHA256.hash(data: data))
    }

    public init(_ digest: SHA256.Digest) {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest { out += [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]] }
        hex = String(decoding: out, as: UTF8.self)
    }

    public var description: String { "sha256:" + hex }
    /// The first 12 hex digits, as `list` shows it.
    public var short: String { String(hex.prefix(12)) }

    public static func < (a: Digest, b: Digest) -> Bool { a.hex < b.hex }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let digest = Digest(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a sha256 digest: \(text)"))
        }
        self = digest
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
