import Foundation
import HTTPTypes
import Hummingbird
import SRTOCI
import SRTRegistry

extension DistributionResponder {
    /// The most a manifest may weigh (the spec asks registries to take at least 4 MB).
    static let manifestLimit = 4 << 20

    func resolve(_ name: Reference, _ reference: String) throws -> Digest {
        if let digest = Digest(reference) { return digest }
        guard let digest = try registry.tagged(name.repository, reference) else {
            throw OCIError(.notFound, "MANIFEST_UNKNOWN", "no tag \(reference) in \(name.repository)")
        }
        return digest
    }

    func getManifest(_ name: Reference, _ reference: String, request: Request, includeBody: Bool) throws -> Response {
        let digest = try resolve(name, reference)
        guard let stored = try registry.storedManifest(digest) else {
            throw OCIError(.notFound, "MANIFEST_UNKNOWN", "no manifest \(digest)")
        }
        let headers: HTTPFields = [.contentType: stored.mediaType, .dockerContentDigest: digest.description,
                                   .contentLength: String(stored.bytes.count)]
        return Response(status: .ok, headers: headers, body: includeBody ? .init(byteBuffer: ByteBuffer(bytes: stored.bytes)) : .init())
    }

    func putManifest(_ name: Reference, _ reference: String, request: Request) async throws -> Response {
        var request = request
        let mediaType = request.headers[.contentType].map { String($0.split(separator: ";")[0]) } ?? ""
        guard [MediaType.imageManifest, MediaType.imageIndex].contains(mediaType) else {
            throw OCIError(.badRequest, "MANIFEST_INVALID", "Content-Type must be \(MediaType.imageManifest) or \(MediaType.imageIndex), got '\(mediaType)'")
        }
        let buffer: ByteBuffer
        do { buffer = try await request.collectBody(upTo: Self.manifestLimit) } catch {
            throw OCIError(.contentTooLarge, "SIZE_INVALID", "manifests may weigh at most \(Self.manifestLimit) bytes")
        }
        let bytes = Data(buffer.readableBytesView)
        let digest = Digest(hashing: bytes)
        if let claimed = Digest(reference), claimed != digest {
            throw OCIError(.badRequest, "DIGEST_INVALID", "the manifest's content has digest \(digest), not \(claimed)")
        }
        let tag = Digest(reference) == nil ? name.with(tag: reference) : nil
        if let validate = settings.validateCheckpoint, let manifest = try? JSONDecoder().decode(ImageManifest.self, from: bytes),
           let folder = registry.linkedCheckpoint(manifest) {
            defer { try? FileManager.default.removeItem(atPath: folder) }
            do { try validate(folder) } catch {
                throw OCIError(.badRequest, "MANIFEST_INVALID", "this srthub model does not load, so it was not stored: \(error)")
            }
        }
        do {
            try registry.receiveManifest(bytes, mediaType: mediaType, tag: tag)
        } catch {
            throw error.kind == .notFound ? OCIError(.badRequest, "MANIFEST_BLOB_UNKNOWN", error.message) : Self.map(error)
        }
        var headers: HTTPFields = [.location: "/v2/\(name.repository)/manifests/\(digest)", .dockerContentDigest: digest.description]
        if let subject = (try? JSONDecoder().decode(ImageManifest.self, from: bytes))?.subject {
            headers[.ociSubject] = subject.digest.description
        }
        return Response(status: .created, headers: headers)
    }

    func deleteManifest(_ name: Reference, _ reference: String) throws -> Response {
        let digest = try resolve(name, reference)
        guard try registry.hasManifest(digest) else { throw OCIError(.notFound, "MANIFEST_UNKNOWN", "no manifest \(digest)") }
        if Digest(reference) == nil {
            _ = try registry.remove(name.with(tag: reference))
        } else {
            try registry.deleteManifest(digest)
        }
        return Response(status: .accepted)
    }

    /// `tags/list` in lexical order, with `n`/`last` pagination and a Link to the next page.
    func tagList(_ name: Reference, request: Request) throws -> Response {
        let all = try registry.tagNames(name.repository)
        guard !all.isEmpty else { throw OCIError(.notFound, "NAME_UNKNOWN", "no repository \(name.repository)") }
        let query = request.uri.queryParameters
        var tags = all
        if let last = query["last"].map(String.init) { tags = tags.filter { $0 > last } }
        var headers: HTTPFields = [:]
        if let n = query["n"].flatMap({ Int($0) }), n >= 0, tags.count > n {
            tags = Array(tags.prefix(n))
            headers[HTTPField.Name("Link")!] = "</v2/\(name.repository)/tags/list?n=\(n)&last=\(tags.last ?? "")>; rel=\"next\""
        }
        return json(["name": name.repository, "tags": tags], headers: headers)
    }

    /// The repositories this server serves (its own names, not those of models pulled from
    /// elsewhere), sorted, `n` after `last` with a Link to the next page.
    func catalogList(request: Request) throws -> Response {
        let query = request.uri.queryParameters
        var names = try registry.servedRepositories()
        if let last = query["last"].map(String.init) { names = names.filter { $0 > last } }
        var headers: HTTPFields = [:]
        if let n = query["n"].flatMap({ Int($0) }), n >= 0, names.count > n {
            names = Array(names.prefix(n))
            headers[HTTPField.Name("Link")!] = "</v2/_catalog?n=\(n)&last=\(names.last ?? "")>; rel=\"next\""
        }
        return json(["repositories": names], headers: headers)
    }

    func referrerIndex(_ digest: Digest, request: Request) throws -> Response {
        let type = request.uri.queryParameters["artifactType"].map(String.init)
        if try registry.hasManifest(digest) { try registry.publishEvaluations(of: digest) }
        let referrers = try registry.referrers(of: digest, artifactType: type)
        var index = ImageIndex(manifests: referrers)
        index.mediaType = MediaType.imageIndex
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var headers: HTTPFields = [.contentType: MediaType.imageIndex]
        if type != nil { headers[HTTPField.Name("OCI-Filters-Applied")!] = "artifactType" }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(index))))
    }
}
