import Foundation
import SRTOCI

/// Named remotes (`$SRTHUB_HOME/remotes.json`, name → base URL) and credentials
/// (`$SRTHUB_HOME/credentials.json`, mode 0600): a login to a remote name is kept under that name
/// (`remote:NAME`), so it follows the remote when its URL changes; a login to `host[:port]` under
/// the host. `SRTHUB_TOKEN` (and `SRTHUB_USERNAME`) serve where nothing is stored, for CI.
public struct RemoteConfig: Sendable {
    public struct Credentials: Codable, Sendable, Equatable {
        public var username: String
        public var secret: String
        public init(username: String, secret: String) {
            self.username = username
            self.secret = secret
        }
    }

    public let home: String
    let environment: [String: String]
    public init(home: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.home = home
        self.environment = environment
    }

    /// Where the credentials of a remote name are kept (no host key has a colon-free "remote:" prefix).
    public static func remoteKey(_ name: String) -> String { "remote:" + name }

    /// Where a login for `target` (a remote name or host[:port]) is kept.
    public func credentialKey(_ target: String) -> String { remotes()[target] != nil ? Self.remoteKey(target) : target }

    /// The credentials for a remote (by its name, else its host) or a host, and where they came from.
    public func credentials(remote: String?, host: String) -> (credentials: Credentials, source: String)? {
        let stored = storedCredentials()
        if let remote, let found = stored[Self.remoteKey(remote)] { return (found, "stored for remote \(remote)") }
        if let found = stored[host] { return (found, "stored for \(host)") }
        if let token = environment["SRTHUB_TOKEN"], !token.isEmpty {
            return (Credentials(username: environment["SRTHUB_USERNAME"] ?? "srthub", secret: token), "SRTHUB_TOKEN")
        }
        return nil
    }

    func storedCredentials() -> [String: Credentials] {
        (FileManager.default.contents(atPath: credentialsPath).flatMap { try? JSONDecoder().decode([String: Credentials].self, from: $0) }) ?? [:]
    }

    /// Every stored login: (target as typed at login, user name), sorted; secrets never leave the file.
    public func logins() -> [(target: String, username: String)] {
        storedCredentials().map { (key, value) in (key.hasPrefix("remote:") ? String(key.dropFirst(7)) : key, value.username) }
            .sorted { $0.target < $1.target }
    }

    /// Forgets the login for `target`; false when there was none.
    public func removeCredentials(_ target: String) throws(ClientError) -> Bool {
        var all = storedCredentials()
        guard all.removeValue(forKey: credentialKey(target)) != nil else { return false }
        try write(all, to: credentialsPath, mode: 0o600)
        return true
    }

    var remotesPath: String { home + "/remotes.json" }
    var credentialsPath: String { home + "/credentials.json" }

    /// `host[:port]` as a base URL: plain HTTP on this machine, https anywhere else.
    static func baseURL(host: String) -> String {
        let hostname = host.hasPrefix("[") ? String(host.prefix { $0 != "]" }) + "]" : host.split(separator: ":").first.map(String.init) ?? host
        return (isLoopback(hostname) ? "http://" : "https://") + host
    }

    static func isLoopback(_ hostname: String) -> Bool {
        hostname == "localhost" || hostname.hasPrefix("127.") || hostname == "::1" || hostname == "[::1]"
    }

    /// A warning when credentials sent to `url` would cross the network unencrypted: plain HTTP to a
    /// host other than this machine. nil for https and loopback.
    public static func plainHTTPWarning(_ url: String) -> String? {
        guard let parsed = URL(string: url), parsed.scheme == "http", let host = parsed.host, !isLoopback(host) else { return nil }
        return "\(hostKey(url)) is plain HTTP: credentials sent to it cross the network unencrypted (use https, or keep it on this machine)"
    }

    /// `url` with any `user:password@` replaced by `***@` (or dropped), for messages.
    public static func redacted(_ url: String, keepCredentials marker: Bool = true) -> String {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@"),
              !url[scheme.upperBound..<at].contains("/") else { return url }
        return String(url[..<scheme.upperBound]) + (marker ? "***@" : "") + String(url[url.index(after: at)...])
    }

    public func remotes() -> [String: String] {
        (FileManager.default.contents(atPath: remotesPath).flatMap { try? JSONDecoder().decode([String: String].self, from: $0) }) ?? [:]
    }

    /// Adds a remote; a name already in use keeps its URL unless `replacing` (git's `remote set-url`).
    public func addRemote(_ name: String, url: String, replacing: Bool = false) throws(ClientError) {
        guard name.range(of: "^[a-z0-9][a-z0-9_-]*$", options: .regularExpression) != nil, !name.contains(".") else {
            throw ClientError(.badInput, "remote name '\(name)' must be lower-case letters, digits, - and _ (no dots or colons, so it cannot look like a host)")
        }
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
            throw ClientError(.badInput, "'\(Self.redacted(url))' is not an http(s) URL, e.g. http://127.0.0.1:5000")
        }
        // remotes.json is world-readable and URLs are printed: credentials belong in the 0600 store.
        guard parsed.user == nil, parsed.password == nil else {
            throw ClientError(.badInput, "the URL '\(Self.redacted(url))' carries a user name or password, which srthub never stores in a URL",
                              hint: "srthub remote add \(name) \(Self.redacted(url, keepCredentials: false)), then srthub login \(name) --username U --password-stdin")
        }
        var all = remotes()
        let url = url.hasSuffix("/") ? String(url.dropLast()) : url
        if let current = all[name], current != url, !replacing {
            throw ClientError(.badInput, "remote '\(name)' already points at \(current)",
                              hint: "srthub remote set-url \(name) \(url) changes it; srthub remote add \(name) … --force does too")
        }
        all[name] = url
        try write(all, to: remotesPath, mode: 0o644)
    }

    /// Points an existing remote at another URL.
    public func setRemoteURL(_ name: String, url: String) throws(ClientError) {
        guard remotes()[name] != nil else {
            throw ClientError(.notFound, "no remote named '\(name)'", hint: "srthub remote add \(name) \(url) adds it")
        }
        try addRemote(name, url: url, replacing: true)
    }

    public func removeRemote(_ name: String) throws(ClientError) {
        var all = remotes()
        guard all.removeValue(forKey: name) != nil else { throw ClientError(.notFound, "no remote named '\(name)'") }
        try write(all, to: remotesPath, mode: 0o644)
    }

    /// Saves a login under `key` (`credentialKey(target)`).
    public func saveCredentials(_ credentials: Credentials, for key: String) throws(ClientError) {
        var all = storedCredentials()
        all[key] = credentials
        try write(all, to: credentialsPath, mode: 0o600)
    }

    /// Written to a temp file created with `mode`, then renamed: never world-readable, never half-written.
    func write<T: Encodable>(_ value: T, to path: String, mode: mode_t) throws(ClientError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { throw ClientError(.badInput, "cannot encode \(path)") }
        try? FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let tmp = path + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw ClientError(.badInput, "\(tmp): \(String(cString: strerror(errno)))") }
        fchmod(fd, mode)
        let ok = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, $0.count) == $0.count } && fsync(fd) == 0
        close(fd)
        guard ok, rename(tmp, path) == 0 else {
            unlink(tmp)
            throw ClientError(.badInput, "\(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Where a remote reference points: `REMOTE/ns/name:tag` (a remote added with `srthub remote
    /// add`) or `host[:port]/ns/name:tag` (http for localhost and loopback addresses, https
    /// otherwise). Returns the base URL, the repository reference (no host), and the host key.
    public func locate(_ text: String) throws(ClientError) -> (baseURL: String, reference: Reference, hostKey: String) {
        let first = text.split(separator: "/").first.map(String.init) ?? ""
        if let url = remotes()[first] {
            let rest = String(text.dropFirst(first.count + 1))
            guard !rest.isEmpty, let reference = try? Reference(parsing: rest), reference.host == nil else {
                throw ClientError(.badInput, "'\(text)': after the remote name comes [namespace/]name[:tag], e.g. \(first)/team/shop:v1")
            }
            return (url, reference, Self.hostKey(url))
        }
        let reference: Reference
        do { reference = try Reference(parsing: text) } catch {
            if text.split(separator: "/").count == 3 {
                throw ClientError(.badInput, "'\(first)' is not a remote here (remotes: \(remotes().keys.sorted().joined(separator: ", ")))",
                                  hint: "add it with `srthub remote add \(first) URL`, or write host:port/ns/name:tag")
            }
            throw ClientError(.badInput, "\(error)")
        }
        guard let host = reference.host else {
            throw ClientError(.badInput, "'\(text)' names no remote: write REMOTE/ns/name:tag (remotes: \(remotes().keys.sorted().joined(separator: ", ")); add one with `srthub remote add`) or host:port/ns/name:tag")
        }
        return (Self.baseURL(host: host), Reference(namespace: reference.namespace, name: reference.name, tag: reference.tag, digest: reference.digest), host)
    }

    /// A registry named by a remote name or `host:port`, with the stored credentials of its host.
    public func registry(_ text: String) throws(ClientError) -> RemoteRegistry {
        let url: String
        if let named = remotes()[text] {
            url = named
        } else if !text.contains("/"), text.contains(":") || text.contains(".") || text == "localhost" {
            url = Self.baseURL(host: text)
        } else {
            throw ClientError(.badInput, "'\(text)' is neither a remote here (remotes: \(remotes().keys.sorted().joined(separator: ", "))) nor host:port",
                              hint: "add it with `srthub remote add NAME URL`, or write host:port")
        }
        let remote = remotes()[text] != nil ? text : nil
        return RemoteRegistry(baseURL: url, repository: "", credentials: credentials(remote: remote, host: Self.hostKey(url))?.credentials,
                              loginTarget: remote ?? Self.hostKey(url))
    }

    /// The remote repository a reference points to, with the stored credentials of its host.
    public func repository(_ text: String) throws(ClientError) -> (remote: RemoteRegistry, reference: Reference, hostKey: String) {
        let (url, reference, host) = try locate(text)
        let first = text.split(separator: "/").first.map(String.init) ?? ""
        let remote = remotes()[first] != nil ? first : nil
        return (RemoteRegistry(baseURL: url, repository: reference.repository, credentials: credentials(remote: remote, host: host)?.credentials,
                               loginTarget: remote ?? host), reference, host)
    }

    /// `host:port` of a base URL, the key of its credentials and of tags pulled from it.
    public static func hostKey(_ url: String) -> String {
        guard let u = URL(string: url), let host = u.host else { return url }
        return u.port.map { "\(host):\($0)" } ?? host
    }
}
