import Foundation
import HTTPTypes
import Hummingbird
import SRTOCI
import SRTRegistry

extension HTTPField.Name {
    static let dockerContentDigest = Self("Docker-Content-Digest")!
    static let dockerUploadUUID = Self("Docker-Upload-UUID")!
    static let ociSubject = Self("OCI-Subject")!
    static let ociChunkMinLength = Self("OCI-Chunk-Min-Length")!
}

/// Answers the OCI distribution API (pull, push, discovery, deletion) over a local registry.
struct DistributionResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let registry: Registry
    let uploads: UploadSessions
    let tokens: TokenStore
    let settings: RegistryServer.Settings

    func respond(to request: Request, context: Context) async throws -> Response {
        let started = Date()
        let response: Response
        do {
            response = try await route(request, context: context)
        } catch let error as OCIError {
            response = error.response
        } catch let error as RegistryError {
            response = Self.map(error).response
        } catch {
            response = OCIError(.internalServerError, "UNKNOWN", "\(error)").response
        }
        if settings.logRequests {
            let size = response.headers[.contentLength] ?? "-"
            let line = "\(request.method) \(request.uri.path)\(request.uri.query.map { "?" + Self.redacted(query: $0) } ?? "") \(response.status.code) \(size) \(String(format: "%.1f", Date().timeIntervalSince(started) * 1000)) ms\n"
            FileHandle.standardError.write(Data(line.utf8))
        }
        return response
    }

    /// The query as the log shows it: values of keys that may carry a secret (token, password,
    /// signature, …) replaced by ***, so a `?token=` never lands in a log file.
    static func redacted(query: String) -> String {
        let secret = ["token", "password", "secret", "signature", "sig", "key", "auth", "credential"]
        return query.split(separator: "&", omittingEmptySubsequences: false).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { return String(pair) }
            let key = parts[0].lowercased()
            return secret.contains(where: { key.contains($0) }) ? "\(parts[0])=***" : String(pair)
        }.joined(separator: "&")
    }

    func route(_ request: Request, context: Context) async throws -> Response {
        guard let route = try Route.parse(request.uri.path) else {
            throw OCIError(.notFound, "NAME_UNKNOWN", "no such endpoint: \(request.uri.path)")
        }
        if case .token = route { return try tokenResponse(request) }
        let writing = ![.get, .head].contains(request.method)
        try authorize(request, route: route, writing: writing)
        switch (route, request.method) {
        case (.base, .get), (.base, .head):
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        case (.blob(_, let digest), .get): return try await getBlob(digest, request: request, context: context, includeBody: true)
        case (.blob(_, let digest), .head): return try await getBlob(digest, request: request, context: context, includeBody: false)
        case (.blob(_, let digest), .delete): return try deleteBlob(digest)
        case (.manifest(let name, let reference), .get): return try getManifest(name, reference, request: request, includeBody: true)
        case (.manifest(let name, let reference), .head): return try getManifest(name, reference, request: request, includeBody: false)
        case (.manifest(let name, let reference), .put): return try await putManifest(name, reference, request: request)
        case (.manifest(let name, let reference), .delete): return try deleteManifest(name, reference)
        case (.startUpload(let name), .post): return try await startUpload(name, request: request)
        case (.upload(let name, let id), .patch): return try await patchUpload(name, id, request: request)
        case (.upload(let name, let id), .put): return try await closeUpload(name, id, request: request)
        case (.upload(let name, let id), .get): return try await uploadStatus(name, id)
        case (.upload(_, let id), .delete):
            guard await uploads.offset(id) != nil else { throw OCIError(.notFound, "BLOB_UPLOAD_UNKNOWN", "no upload session \(id)") }
            await uploads.end(id)
            return Response(status: .noContent)
        case (.tags(let name), .get): return try tagList(name, request: request)
        case (.catalog, .get): return try catalogList(request: request)
        case (.referrers(_, let digest), .get): return try referrerIndex(digest, request: request)
        default:
            throw OCIError(.methodNotAllowed, "UNSUPPORTED", "\(request.method) is not supported on \(request.uri.path)")
        }
    }

    static func map(_ error: RegistryError) -> OCIError {
        switch error.kind {
        case .notFound: OCIError(.notFound, "MANIFEST_BLOB_UNKNOWN", error.message)
        case .badLayout, .badCheckpoint: OCIError(.badRequest, "MANIFEST_INVALID", error.message)
        case .digestMismatch: OCIError(.badRequest, "DIGEST_INVALID", error.message)
        case .diskFull: OCIError(HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"), "UNKNOWN", error.message)
        default: OCIError(.internalServerError, "UNKNOWN", error.message)
        }
    }
}
