import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import SRTOCI
import SRTRegistry

extension DistributionResponder {
    func uploadLocation(_ name: Reference, _ id: String) -> String { "/v2/\(name.repository)/blobs/uploads/\(id)" }

    /// POST: a cross-repository mount (201 when the blob is here: blobs are shared by all
    /// repositories), a single-request upload with `?digest=` (201), or a new session (202).
    func startUpload(_ name: Reference, request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        if let mount = query["mount"].map(String.init) {
            let digest = try Route.digest(mount)
            if registry.blobs.contains(digest) {
                return Response(status: .created, headers: [.location: "/v2/\(name.repository)/blobs/\(digest)", .dockerContentDigest: digest.description])
            }
        }
        let id = await uploads.start()
        if let digestText = query["digest"].map(String.init) {
            return try await finish(name, id, digest: try Route.digest(digestText), request: request)
        }
        return Response(status: .accepted, headers: [.location: uploadLocation(name, id), .dockerUploadUUID: id, .range: "0-0",
                                                     .ociChunkMinLength: "0"])
    }

    /// PATCH: one chunk, in order (`Content-Range: start-end` must start at the current offset, else 416).
    func patchUpload(_ name: Reference, _ id: String, request: Request) async throws -> Response {
        guard let offset = await uploads.offset(id) else { throw OCIError(.notFound, "BLOB_UPLOAD_UNKNOWN", "no upload session \(id)") }
        if let range = request.headers[.contentRange] {
            let start = range.split(separator: "-").first.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard start == offset else {
                var error = OCIError(.rangeNotSatisfiable, "BLOB_UPLOAD_INVALID", "chunk starts at \(start.map(String.init) ?? "?"), the upload is at \(offset)")
                error.headers[.range] = offset > 0 ? "0-\(offset - 1)" : "0-0"
                error.headers[.location] = uploadLocation(name, id)
                throw error
            }
        }
        let end = try await exclusively(name, id) { try await append(id, body: request.body, offset: offset) }
        return Response(status: .accepted, headers: [.location: uploadLocation(name, id), .range: end > 0 ? "0-\(end - 1)" : "0-0",
                                                     .dockerUploadUUID: id, .contentLength: "0"])
    }

    func uploadStatus(_ name: Reference, _ id: String) async throws -> Response {
        guard let offset = await uploads.offset(id) else { throw OCIError(.notFound, "BLOB_UPLOAD_UNKNOWN", "no upload session \(id)") }
        return Response(status: .noContent, headers: [.location: uploadLocation(name, id), .range: offset > 0 ? "0-\(offset - 1)" : "0-0",
                                                      .dockerUploadUUID: id])
    }

    /// PUT `?digest=`: the last bytes (optional), then the whole upload must hash to the digest.
    func closeUpload(_ name: Reference, _ id: String, request: Request) async throws -> Response {
        guard let digestText = request.uri.queryParameters["digest"].map(String.init) else {
            throw OCIError(.badRequest, "DIGEST_INVALID", "closing an upload needs ?digest=sha256:…")
        }
        guard await uploads.offset(id) != nil else { throw OCIError(.notFound, "BLOB_UPLOAD_UNKNOWN", "no upload session \(id)") }
        let digest = try Route.digest(digestText)
        return try await exclusively(name, id) { try await finish(name, id, digest: digest, request: request) }
    }

    /// Runs `body` as the session's only writer; a concurrent PATCH or PUT to it gets 416 with the
    /// offset so far, as an out-of-order chunk does.
    func exclusively<T>(_ name: Reference, _ id: String, _ body: () async throws -> T) async throws -> T {
        guard await uploads.claim(id) else {
            let offset = await uploads.offset(id) ?? 0
            var error = OCIError(.rangeNotSatisfiable, "BLOB_UPLOAD_INVALID", "another request is writing to upload \(id); send chunks one at a time")
            error.headers[.range] = offset > 0 ? "0-\(offset - 1)" : "0-0"
            error.headers[.location] = uploadLocation(name, id)
            throw error
        }
        do {
            let result = try await body()
            await uploads.release(id)
            return result
        } catch {
            await uploads.release(id)
            throw error
        }
    }

    func finish(_ name: Reference, _ id: String, digest: SRTOCI.Digest, request: Request) async throws -> Response {
        let offset = await uploads.offset(id) ?? 0
        _ = try await append(id, body: request.body, offset: offset)
        // The running hash, or (after a server restart) a fresh read of the session file.
        let path = await uploads.path(id)
        var state = await uploads.hasher(id)
        let size = await uploads.offset(id) ?? 0
        if state == nil || state!.size != size { state = (Self.hash(file: path), size) }
        let actual = SRTOCI.Digest(state!.hasher.finalize())
        guard actual == digest else {
            await uploads.end(id)
            throw OCIError(.badRequest, "DIGEST_INVALID", "the uploaded \(size) bytes have digest \(actual), not \(digest)")
        }
        try registry.blobs.adopt(verifiedFile: path, digest: digest)
        await uploads.end(id)
        return Response(status: .created, headers: [.location: "/v2/\(name.repository)/blobs/\(digest)", .dockerContentDigest: digest.description,
                                                    .contentLength: "0"])
    }

    /// Appends the request body; returns the new offset.
    func append(_ id: String, body: RequestBody, offset: Int) async throws -> Int {
        let path = await uploads.path(id)
        var state = await uploads.hasher(id) ?? (Self.hash(file: path), offset)
        if state.size != offset { state = (Self.hash(file: path), offset) }
        let written = try await BodyWriter.append(body, to: path, hasher: &state.hasher, limit: settings.chunkLimit)
        state.size += written
        await uploads.update(id, state)
        return state.size
    }

    static func hash(file path: String) -> SHA256 {
        var hasher = SHA256()
        if let input = FileHandle(forReadingAtPath: path) {
            while let chunk = try? input.read(upToCount: 1 << 22), !chunk.isEmpty { hasher.update(data: chunk) }
            try? input.close()
        }
        return hasher
    }
}
