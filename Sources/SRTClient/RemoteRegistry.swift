import Foundation
import SRTOCI

/// One repository on an OCI distribution registry (srthub serve, the CNCF registry, Harbor, …):
/// the requests push and pull are made of, with the auth challenge handled once per client.
public final class RemoteRegistry {
    public let baseURL: String
    public let repository: String
    let credentials: RemoteConfig.Credentials?
    let http = HTTPClient()
    /// What to send as Authorization after a challenge (Bearer or Basic).
    private var authorization: String?

    /// What `srthub login` takes to log in here: the remote's name, else host[:port].
    let loginTarget: String

    public init(baseURL: String, repository: String, credentials: RemoteConfig.Credentials?, loginTarget: String? = nil) {
        self.baseURL = baseURL
        self.repository = repository
        self.credentials = credentials
        self.loginTarget = loginTarget ?? RemoteConfig.hostKey(baseURL)
    }

    var acceptManifests: String { [MediaType.imageManifest, MediaType.imageIndex].joined(separator: ", ") }

    /// A request with auth: on 401 the challenge is answered once (Bearer: a token from the realm,
    /// with the stored credentials as Basic; Basic: the stored credentials) and the request retried.
    func send(_ method: String, _ pathOrURL: String, headers: [String: String] = [:], body: HTTPClient.Body = .none,
              followRedirects: Bool = false, sent: ((Int) -> Void)? = nil, shouldStop: (() -> Bool)? = nil,
              sink: ((_ status: Int, UnsafeRawBufferPointer) -> Bool)? = nil) throws(ClientError) -> HTTPClient.Response {
        let url = pathOrURL.hasPrefix("http") ? pathOrURL : baseURL + pathOrURL
        var response = try perform(method, url, headers: headers, body: body, followRedirects: followRedirects, sent: sent, shouldStop: shouldStop, sink: sink)
        if response.status == 401, let challenge = response.header("WWW-Authenticate") {
            try answer(challenge, lastBody: response.body)
            response = try perform(method, url, headers: headers, body: body, followRedirects: followRedirects, sent: sent, shouldStop: shouldStop, sink: sink)
        }
        if response.status == 401 || response.status == 403 {
            let hint = credentials == nil ? "log in first: srthub login \(loginTarget)" : "the stored token was refused: check it and run `srthub login \(loginTarget)` again"
            throw ClientError(.unauthorized, "\(baseURL): \(response.status) \(Self.message(response.body) ?? "unauthorized")", hint: hint)
        }
        return response
    }

    private func perform(_ method: String, _ url: String, headers: [String: String], body: HTTPClient.Body, followRedirects: Bool,
                         sent: ((Int) -> Void)?, shouldStop: (() -> Bool)?,
                         sink: ((_ status: Int, UnsafeRawBufferPointer) -> Bool)?) throws(ClientError) -> HTTPClient.Response {
        var headers = headers
        if let authorization { headers["Authorization"] = authorization }
        do { return try http.send(method, url, headers: headers, body: body, followRedirects: followRedirects, sent: sent,
                                   shouldStop: shouldStop, sink: sink) } catch {
            throw ClientError(.unreachable, "\(method) \(url): \(error.message)", hint: "is the registry running at \(baseURL)?")
        }
    }

    private func answer(_ challenge: String, lastBody: Data) throws(ClientError) {
        let (scheme, parameters) = Self.parseChallenge(challenge)
        let basic = credentials.map { "Basic " + Data("\($0.username):\($0.secret)".utf8).base64EncodedString() }
        if scheme == "basic" {
            guard let basic else {
                throw ClientError(.unauthorized, "\(baseURL) wants a user name and password", hint: "srthub login \(loginTarget) --username U --password-stdin")
            }
            authorization = basic
            return
        }
        guard scheme == "bearer", let realm = parameters["realm"] else {
            throw ClientError(.unauthorized, "\(baseURL): unsupported authentication challenge '\(challenge)'")
        }
        var query: [String] = []
        if let service = parameters["service"] { query.append("service=" + Self.escape(service)) }
        if let scope = parameters["scope"] { query.append("scope=" + Self.escape(scope)) }
        let url = realm + (query.isEmpty ? "" : (realm.contains("?") ? "&" : "?") + query.joined(separator: "&"))
        // The stored credentials go only to this registry's own host or to an https token service:
        // a challenge naming any plain-HTTP host got them, readable on the way.
        let realmURL = URL(string: realm)
        let trusted = realmURL?.host != nil && (realmURL?.host == URL(string: baseURL)?.host || realmURL?.scheme == "https")
        let sent = trusted ? basic : nil
        let response: HTTPClient.Response
        do { response = try http.send("GET", url, headers: sent.map { ["Authorization": $0] } ?? [:]) } catch {
            throw ClientError(.unreachable, "token service \(realm): \(error.message)")
        }
        guard response.status == 200,
              let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any],
              let token = (object["token"] as? String) ?? (object["access_token"] as? String), !token.isEmpty else {
            let hint = credentials == nil ? "log in first: srthub login \(loginTarget)"
                : sent == nil ? "srthub did not send your credentials to \(realmURL?.host ?? realm): it is neither this registry's host nor https"
                : "the stored token was refused: check it and run `srthub login \(loginTarget)` again"
            throw ClientError(.unauthorized, "\(baseURL): authentication failed (\(response.status) from \(realm)): \(Self.message(response.body) ?? Self.message(lastBody) ?? "no token")", hint: hint)
        }
        authorization = "Bearer " + token
    }

    /// `Bearer realm="…",service="…"` → ("bearer", [realm: …, service: …]).
    static func parseChallenge(_ header: String) -> (String, [String: String]) {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        let space = trimmed.firstIndex(of: " ") ?? trimmed.endIndex
        let scheme = trimmed[..<space].lowercased()
        var parameters: [String: String] = [:]
        var rest = Substring(trimmed[space...])
        while let eq = rest.firstIndex(of: "=") {
            let key = rest[..<eq].trimmingCharacters(in: CharacterSet(charactersIn: " ,")).lowercased()
            rest = rest[rest.index(after: eq)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                let end = rest.firstIndex(of: "\"") ?? rest.endIndex
                value = String(rest[..<end])
                rest = end < rest.endIndex ? rest[rest.index(after: end)...] : ""
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = String(rest[..<end])
                rest = rest[end...]
            }
            parameters[key] = value
        }
        return (scheme, parameters)
    }

    static func escape(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? s
    }

    /// The `message` of an OCI error body.
    static func message(_ body: Data) -> String? {
        guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any],
              let first = (object["errors"] as? [[String: Any]])?.first else { return nil }
        return [first["code"] as? String, first["message"] as? String].compactMap { $0 }.joined(separator: ": ")
    }

    func failure(_ what: String, _ response: HTTPClient.Response) -> ClientError {
        let detail = Self.message(response.body) ?? String(decoding: response.body.prefix(200), as: UTF8.self)
        // A 5xx is the registry failing for now (retried, exit 69), not a protocol mismatch.
        let kind: ClientError.Kind = response.status == 404 ? .notFound : response.status >= 500 ? .unreachable : .protocolError
        return ClientError(kind, "\(what): \(response.status) \(detail)")
    }

    // MARK: - Endpoints

    public func ping() throws(ClientError) {
        let response = try send("GET", "/v2/")
        guard response.status == 200 else { throw failure("GET \(baseURL)/v2/", response) }
    }

    public func hasBlob(_ digest: Digest) throws(ClientError) -> Bool {
        let response = try send("HEAD", "/v2/\(repository)/blobs/\(digest)")
        switch response.status {
        case 200: return true
        case 404: return false
        default: throw failure("HEAD blob \(digest)", response)
        }
    }

    /// A manifest's exact bytes and media type; its digest is checked against `expected` (a pull
    /// by digest) and against the server's Docker-Content-Digest.
    public func manifest(_ reference: String, expected: Digest? = nil) throws(ClientError) -> (bytes: Data, mediaType: String, digest: Digest)? {
        let response = try send("GET", "/v2/\(repository)/manifests/\(reference)", headers: ["Accept": acceptManifests])
        if response.status == 404 { return nil }
        guard response.status == 200 else { throw failure("GET manifest \(repository):\(reference)", response) }
        let digest = Digest(hashing: response.body)
        if let expected, expected != digest {
            throw ClientError(.corrupt, "the manifest served for \(expected) hashes to \(digest): refused, nothing stored")
        }
        if let claimed = response.header("Docker-Content-Digest").flatMap(Digest.init), claimed != digest {
            throw ClientError(.corrupt, "the manifest of \(repository):\(reference) hashes to \(digest), the server says \(claimed): refused, nothing stored")
        }
        let type = response.header("Content-Type").map { String($0.split(separator: ";")[0]) } ?? MediaType.imageManifest
        return (response.body, type, digest)
    }

    /// PUTs a manifest under a tag or its digest; returns whether the server reported its subject
    /// (`OCI-Subject`: it keeps referrers itself).
    @discardableResult
    public func putManifest(_ bytes: Data, mediaType: String, reference: String) throws(ClientError) -> Bool {
        let response = try send("PUT", "/v2/\(repository)/manifests/\(reference)", headers: ["Content-Type": mediaType], body: .data(bytes))
        guard response.status == 201 else { throw failure("PUT manifest \(repository):\(reference)", response) }
        if let returned = response.header("Docker-Content-Digest").flatMap(Digest.init), returned != Digest(hashing: bytes) {
            throw ClientError(.corrupt, "the registry stored manifest \(repository):\(reference) as \(returned), not \(Digest(hashing: bytes))")
        }
        return response.header("OCI-Subject") != nil
    }

    /// Referrers of a manifest: the referrers API, else the referrers tag schema (`sha256-<hex>`).
    public func referrers(of digest: Digest) throws(ClientError) -> [Descriptor] {
        let response = try send("GET", "/v2/\(repository)/referrers/\(digest)", headers: ["Accept": MediaType.imageIndex])
        if response.status == 200, let index = try? JSONDecoder().decode(ImageIndex.self, from: response.body) { return index.manifests }
        guard let fallback = try manifest("sha256-" + digest.hex) else { return [] }
        return (try? JSONDecoder().decode(ImageIndex.self, from: fallback.bytes))?.manifests ?? []
    }

    /// Adds a referrer to the referrers tag schema index, for registries without the referrers API.
    public func addToReferrersTag(_ descriptor: Descriptor, subject: Digest) throws(ClientError) {
        let tag = "sha256-" + subject.hex
        var index = (try manifest(tag)).flatMap { try? JSONDecoder().decode(ImageIndex.self, from: $0.bytes) } ?? ImageIndex(manifests: [])
        index.mediaType = MediaType.imageIndex
        index.manifests.removeAll { $0.digest == descriptor.digest }
        index.manifests.append(descriptor)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try putManifest(try! encoder.encode(index), mediaType: MediaType.imageIndex, reference: tag)
    }

    /// The same registry and credentials, another repository.
    public func repository(_ name: String) -> RemoteRegistry {
        RemoteRegistry(baseURL: baseURL, repository: name, credentials: credentials, loginTarget: loginTarget)
    }

    /// Every repository of the registry (`/v2/_catalog`, followed page by page).
    public func catalog() throws(ClientError) -> [String] {
        var names: [String] = []
        var path = "/v2/_catalog?n=100"
        while true {
            let response = try send("GET", path)
            guard response.status == 200, let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] else {
                throw failure("GET \(baseURL)/v2/_catalog", response)
            }
            names += object["repositories"] as? [String] ?? []
            guard let link = response.header("Link"), let open = link.firstIndex(of: "<"), let close = link.firstIndex(of: ">"),
                  names.count < 100_000 else { return names }
            path = String(link[link.index(after: open)..<close])
        }
    }

    /// A small blob's bytes (a config), at most `HTTPClient.bodyLimit`.
    public func smallBlob(_ digest: Digest) throws(ClientError) -> Data {
        let response = try send("GET", "/v2/\(repository)/blobs/\(digest)", followRedirects: true)
        guard response.status == 200, Digest(hashing: response.body) == digest else { throw failure("GET blob \(digest)", response) }
        return response.body
    }

    public func tags() throws(ClientError) -> [String] {
        let response = try send("GET", "/v2/\(repository)/tags/list")
        guard response.status == 200, let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] else {
            throw failure("GET tags of \(repository)", response)
        }
        return object["tags"] as? [String] ?? []
    }

    /// Resolves a Location header against the base URL.
    func absolute(_ location: String) -> String {
        location.hasPrefix("http") ? location : baseURL + (location.hasPrefix("/") ? "" : "/") + location
    }
}

extension RemoteRegistry {
    /// Checks that the credentials may push: opens an upload session (then cancels it).
    public func verifyPushAccess() throws(ClientError) {
        let response = try send("POST", "/v2/\(repository)/blobs/uploads/", headers: ["Content-Length": "0"])
        guard response.status == 202 || response.status == 201 else { throw failure("checking push access", response) }
        if let location = response.header("Location") { _ = try? send("DELETE", absolute(location)) }
    }
}
