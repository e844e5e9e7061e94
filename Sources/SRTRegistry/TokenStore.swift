import Crypto
import Foundation

/// Push tokens for `srthub serve`: the file `$SRTHUB_HOME/tokens` (or --token-file) holds one line
/// per token, `sha256:<hex of the token> <name> <created>`; the token itself is shown once, at
/// creation, and never stored.
public struct TokenStore: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public static func hash(_ token: String) -> String {
        "sha256:" + SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Creates a token, appends its hash, and returns the token (32 random bytes, hex).
    public func create(name: String) throws(RegistryError) -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }  // SystemRandomNumberGenerator: getrandom(2)
        let token = "srt_" + bytes.map { String(format: "%02x", $0) }.joined()
        let line = "\(Self.hash(token)) \(name.replacingOccurrences(of: " ", with: "_")) \(timestamp())\n"
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw RegistryError.fromErrno(errno, path: path, doing: "saving the token") }
        defer { close(fd) }
        let written = line.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress!, $0.count - 1) }
        guard written == line.utf8.count, fsync(fd) == 0 else { throw RegistryError.fromErrno(errno, path: path, doing: "saving the token") }
        return token
    }

    /// The stored hashes (read on each check, so new tokens work without a restart).
    public func hashes() -> Set<String> {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return Set(text.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) })
    }

    public func accepts(_ token: String) -> Bool { hashes().contains(Self.hash(token)) }

    public struct Entry: Sendable, Codable, Equatable {
        public let hash: String
        public let name: String
        public let created: String
    }

    /// The stored tokens (their hashes, never the tokens), in creation order.
    public func list() -> [Entry] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ").map(String.init)
            return parts.isEmpty ? nil : Entry(hash: parts[0], name: parts.count > 1 ? parts[1] : "", created: parts.count > 2 ? parts[2] : "")
        }
    }

    /// Revokes every token named `name`, or the one whose hash starts with `name` (sha256:… or its
    /// hex, at least 8 characters); returns the revoked entries. The file is rewritten whole
    /// (temp file, fsync, rename), so a server reading it sees the old list or the new one.
    public func revoke(_ name: String) throws(RegistryError) -> [Entry] {
        let entries = list()
        let prefix = name.hasPrefix("sha256:") ? name : "sha256:" + name
        let byName = entries.filter { $0.name == name }
        let byHash = prefix.count >= 15 ? entries.filter { $0.hash.hasPrefix(prefix) } : []
        let revoked = byName.isEmpty ? byHash : byName
        guard !revoked.isEmpty else {
            throw RegistryError(.notFound, "no token named '\(name)' and none whose hash starts with it",
                                hint: "srthub token list shows names and hashes")
        }
        if byName.isEmpty && byHash.count > 1 {
            throw RegistryError(.notFound, "\(byHash.count) tokens' hashes start with '\(name)'", hint: "give more of the hash")
        }
        let kept = entries.filter { !revoked.contains($0) }
        let text = kept.map { "\($0.hash) \($0.name) \($0.created)\n" }.joined()
        let tmp = path + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw RegistryError.fromErrno(errno, path: tmp, doing: "revoking the token") }
        let ok = text.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress!, $0.count - 1) == $0.count - 1 } && fsync(fd) == 0
        close(fd)
        guard ok, rename(tmp, path) == 0 else {
            unlink(tmp)
            throw RegistryError.fromErrno(errno, path: path, doing: "revoking the token")
        }
        return revoked
    }
}
