/// A name for a checkpoint, like a container image reference:
///
///     reference  := [host[:port]/] path [":" tag | "@" digest]
///     path       := [namespace "/"] name        (namespace defaults to "library")
///     component  := [a-z0-9]+ ( ("." | "_" | "__" | "-"+) [a-z0-9]+ )*
///     tag        := [A-Za-z0-9_] [A-Za-z0-9._-]{0,127}        (default "latest")
///     digest     := "sha256:" 64 lowercase hex
///
/// The first part is a host when it contains "." or ":" or is "localhost"; local names have none.
/// Path components are lower case; `..`, empty parts and paths over 255 characters are refused.
/// Examples: `my-shop:v1`, `srt/amazon-games:srt-128x4`, `127.0.0.1:5000/team/shop@sha256:…`.
public struct Reference: Hashable, Sendable, CustomStringConvertible {
    public let host: String?
    public let namespace: String
    public let name: String
    public let tag: String?
    public let digest: Digest?

    public static let defaultNamespace = "library"
    public static let defaultTag = "latest"

    /// `namespace/name`, the repository.
    public var repository: String { namespace + "/" + name }
    /// The tag to use when neither a tag nor a digest was given.
    public var tagOrDefault: String { tag ?? (digest == nil ? Self.defaultTag : "") }

    public init(host: String? = nil, namespace: String = defaultNamespace, name: String, tag: String? = nil, digest: Digest? = nil) {
        self.host = host
        self.namespace = namespace
        self.name = name
        self.tag = tag
        self.digest = digest
    }

    /// The canonical text; a local name in the default namespace is written without it
    /// (`shop:v1`), and parses back to the same reference.
    public var description: String {
        var text = host == nil && namespace == Self.defaultNamespace ? name : (host.map { $0 + "/" } ?? "") + repository
        if let tag { text += ":" + tag }
        if let digest { text += "@" + digest.description }
        return text
    }

    /// The same repository with another tag (and no digest).
    public func with(tag: String) -> Reference {
        Reference(host: host, namespace: namespace, name: name, tag: tag, digest: nil)
    }

    public enum ParseError: Error, CustomStringConvertible, Equatable {
        case invalid(String, reason: String)
        public var description: String {
            switch self {
            case .invalid(let text, let reason):
                return "invalid reference '\(text)': \(reason)\n  hint: write [host[:port]/][namespace/]name[:tag|@sha256:<hex>], lower case, e.g. my-shop:v1"
            }
        }
    }

    public init(parsing text: String) throws(ParseError) {
        func fail(_ reason: String) -> ParseError { .invalid(text, reason: reason) }
        guard !text.isEmpty else { throw fail("it is empty") }
        var rest = Substring(text)

        var digest: Digest?
        if let at = rest.firstIndex(of: "@") {
            guard let d = Digest(String(rest[rest.index(after: at)...])) else { throw fail("the digest is not sha256:<64 lowercase hex>") }
            digest = d
            rest = rest[..<at]
        }
        var parts = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for part in parts where part.isEmpty || part == ".." || part == "." {
            throw fail(part.isEmpty ? "a path part is empty" : "'\(part)' is not allowed as a path part")
        }
        var host: String?
        if parts.count > 1, let first = parts.first, first.contains(".") || first.contains(":") || first == "localhost" {
            guard Self.isValidHost(first) else { throw fail("'\(first)' is not a valid host[:port]") }
            host = first
            parts.removeFirst()
        }
        var tag: String?
        if let last = parts.last, let colon = last.lastIndex(of: ":") {
            tag = String(last[last.index(after: colon)...])
            parts[parts.count - 1] = String(last[..<colon])
            guard Self.isValidTag(tag!) else { throw fail("the tag '\(tag!)' must be 1–128 of A-Z a-z 0-9 _ . - and not start with . or -") }
        }
        guard parts.count == 1 || parts.count == 2 else { throw fail("expected [namespace/]name, found \(parts.count) path parts") }
        for part in parts {
            guard Self.isValidComponent(part) else {
                throw fail("'\(part)' must be lower-case letters and digits, separated by single '.', '_', '__' or '-'")
            }
        }
        let path = parts.joined(separator: "/")
        guard (host?.count ?? 0) + path.count <= 255 else { throw fail("the name is longer than 255 characters") }
        self.init(host: host, namespace: parts.count == 2 ? parts[0] : Self.defaultNamespace,
                  name: parts.last!, tag: tag, digest: digest)
    }

    static func isValidComponent(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        func alnum(_ b: UInt8) -> Bool { (97...122).contains(b) || (48...57).contains(b) }
        guard let first = bytes.first, let last = bytes.last, alnum(first), alnum(last) else { return false }
        var i = 0
        while i < bytes.count {
            if alnum(bytes[i]) { i += 1; continue }
            // A separator run: ".", "_", "__", or one or more "-".
            var j = i
            while j < bytes.count && !alnum(bytes[j]) { j += 1 }
            let run = String(decoding: bytes[i..<j], as: UTF8.self)
            guard run == "." || run == "_" || run == "__" || run.allSatisfy({ $0 == "-" }) else { return false }
            i = j
        }
        return true
    }

    static func isValidTag(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard (1...128).contains(bytes.count) else { return false }
        func ok(_ b: UInt8) -> Bool { (65...90).contains(b) || (97...122).contains(b) || (48...57).contains(b) || b == 95 || b == 46 || b == 45 }
        return bytes.allSatisfy(ok) && bytes[0] != 46 && bytes[0] != 45
    }

    static func isValidHost(_ s: String) -> Bool {
        let pieces = s.split(separator: ":", omittingEmptySubsequences: false)
        guard pieces.count <= 2, let name = pieces.first, !name.isEmpty else { return false }
        if pieces.count == 2 { guard let port = Int(pieces[1]), (1...65535).contains(port) else { return false } }
        return name.utf8.allSatisfy { (97...122).contains($0) || (65...90).contains($0) || (48...57).contains($0) || $0 == 46 || $0 == 45 }
            && !name.hasPrefix(".") && !name.contains("..")
    }
}
