import SRTOCI

/// An OCI distribution request path, parsed and validated: names must be OCI repository names
/// (`[namespace/]name`, lower case, no `..`), digests sha256 hex, upload ids UUIDs, so nothing
/// from the path reaches the file system unchecked.
enum Route: Equatable {
    case base
    case token
    /// `GET /v2/_catalog`: the repositories served, `n` at a time after `last`.
    case catalog
    case blob(Reference, Digest)
    case manifest(Reference, tagOrDigest: String)
    case startUpload(Reference)
    case upload(Reference, id: String)
    case tags(Reference)
    case referrers(Reference, Digest)

    /// nil: not a distribution path (404). Throws for a malformed name, digest or upload id.
    static func parse(_ path: String) throws(OCIError) -> Route? {
        if path == "/token" { return .token }
        guard path == "/v2" || path == "/v2/" || path.hasPrefix("/v2/") else { return nil }
        var parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst(2).map(String.init)
        if parts.last == "" { parts.removeLast() }
        if parts.isEmpty { return .base }
        if parts == ["_catalog"] { return .catalog }
        // The name is everything before the last keyword (names may contain "/").
        guard let k = parts.lastIndex(where: { ["blobs", "manifests", "tags", "referrers"].contains($0) }), k > 0 else { return nil }
        let name = try repository(parts[..<k].joined(separator: "/"))
        let rest = Array(parts[(k + 1)...])
        switch (parts[k], rest.count) {
        case ("blobs", 1) where rest[0] == "uploads": return .startUpload(name)
        case ("blobs", 1): return .blob(name, try digest(rest[0]))
        case ("blobs", 2) where rest[0] == "uploads":
            guard rest[1].count == 36, rest[1].allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
                throw OCIError(.notFound, "BLOB_UPLOAD_UNKNOWN", "no upload session '\(rest[1])'")
            }
            return .upload(name, id: rest[1].lowercased())
        case ("manifests", 1):
            let reference = rest[0]
            if reference.hasPrefix("sha256:") { _ = try digest(reference) } else if !isTag(reference) {
                throw OCIError(.badRequest, "MANIFEST_INVALID", "'\(reference)' is neither a tag nor a digest")
            }
            return .manifest(name, tagOrDigest: reference)
        case ("tags", 1) where rest[0] == "list": return .tags(name)
        case ("referrers", 1): return .referrers(name, try digest(rest[0]))
        default: return nil
        }
    }

    static func repository(_ text: String) throws(OCIError) -> Reference {
        guard let reference = try? Reference(parsing: text), reference.host == nil, reference.tag == nil, reference.digest == nil,
              reference.repository == text || reference.name == text else {
            throw OCIError(.notFound, "NAME_INVALID", "invalid repository name '\(text)': use [namespace/]name, lower case")
        }
        return reference
    }

    static func digest(_ text: String) throws(OCIError) -> Digest {
        guard let d = Digest(text) else { throw OCIError(.badRequest, "DIGEST_INVALID", "'\(text)' is not sha256:<64 lowercase hex>") }
        return d
    }

    static func isTag(_ s: String) -> Bool {
        guard let first = s.first, s.count <= 128, first.isLetter || first.isNumber || first == "_" else { return false }
        return s.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || "._-".contains($0) }
    }
}
