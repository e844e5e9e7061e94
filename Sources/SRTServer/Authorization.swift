import Foundation
import HTTPTypes
import Hummingbird
import SRTRegistry

/// Push needs a token created with `srthub token create`; pull is anonymous unless the server is
/// private. Clients present the token as `Bearer <token>`, or as the password of Basic auth; the
/// challenge points generic clients at `/token`, which trades Basic credentials for a bearer token.
extension DistributionResponder {
    func authorize(_ request: Request, route: Route, writing: Bool) throws {
        guard writing || settings.isPrivate else { return }
        if let token = presentedToken(request) {
            guard tokens.accepts(token) else { throw challenge(request, route: route, "the token is not valid on this server: create one there with `srthub token create`, then `srthub login`") }
            return
        }
        throw challenge(request, route: route, writing ? "pushing needs a token: create one on the server with `srthub token create`, then `srthub login`" : "this server is private: log in with a token (`srthub login`)")
    }

    func presentedToken(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        if header.hasPrefix("Bearer ") { return String(header.dropFirst(7)) }
        if header.hasPrefix("Basic "), let data = Data(base64Encoded: String(header.dropFirst(6))),
           let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":") {
            return String(text[text.index(after: colon)...])
        }
        return nil
    }

    func challenge(_ request: Request, route: Route, _ message: String) -> OCIError {
        let host = request.head.authority ?? "127.0.0.1"
        var scope = ""
        switch route {
        case .blob(let n, _), .manifest(let n, _), .startUpload(let n), .upload(let n, _), .tags(let n), .referrers(let n, _):
            scope = ",scope=\"repository:\(n.repository):pull,push\""
        default: break
        }
        var error = OCIError(.unauthorized, "UNAUTHORIZED", message)
        error.headers[.wwwAuthenticate] = "Bearer realm=\"http://\(host)/token\",service=\"srthub\"\(scope)"
        return error
    }

    /// The token endpoint of the bearer flow: Basic credentials whose password is a valid token.
    func tokenResponse(_ request: Request) throws -> Response {
        guard let token = presentedToken(request), tokens.accepts(token) else {
            if !settings.isPrivate && request.headers[.authorization] == nil {
                // Anonymous pull: an empty token that grants what anonymous requests get anyway.
                return json(["token": "", "access_token": "", "expires_in": 3600])
            }
            throw OCIError(.unauthorized, "UNAUTHORIZED", "wrong credentials: the password must be a token from `srthub token create`")
        }
        return json(["token": token, "access_token": token, "expires_in": 3600])
    }

    func json(_ object: Any, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
