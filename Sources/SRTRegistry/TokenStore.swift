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
}
