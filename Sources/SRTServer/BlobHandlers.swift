import Foundation
import HTTPTypes
import Hummingbird
import SRTOCI
import SRTRegistry

extension DistributionResponder {
    /// GET/HEAD a blob; GET honours one `Range: bytes=a-b` (206 + Content-Range).
    func getBlob(_ digest: Digest, request: Request, context: BasicRequestContext, includeBody: Bool) async throws -> Response {
        guard let size = registry.blobs.size(digest) else { throw OCIError(.notFound, "BLOB_UNKNOWN", "no blob \(digest)") }
        var headers: HTTPFields = [.dockerContentDigest: digest.description, .contentType: "application/octet-stream", .acceptRanges: "bytes"]
        let path = registry.home.blobPath(digest)
        guard includeBody else {
            headers[.contentLength] = String(size)
            return Response(status: .ok, headers: headers)
        }
        if let header = request.headers[.range] {
            guard let range = Self.byteRange(header, size: size) else {
                var error = OCIError(.rangeNotSatisfiable, "BLOB_UNKNOWN", "unsatisfiable range \(header) for \(size) bytes")
                error.headers[.contentRange] = "bytes */\(size)"
                throw error
            }
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
            headers[.contentLength] = String(range.count)
            let body = try await FileIO().loadFile(path: path, range: range, context: context, chunkLength: 1 << 20)
            return Response(status: .partialContent, headers: headers, body: body)
        }
        headers[.contentLength] = String(size)
        guard size > 0 else { return Response(status: .ok, headers: headers) }
        return Response(status: .ok, headers: headers, body: try await FileIO().loadFile(path: path, context: context, chunkLength: 1 << 20))
    }

    /// `bytes=a-b` or `bytes=a-` within `size`; nil when not satisfiable.
    static func byteRange(_ header: String, size: Int) -> ClosedRange<Int>? {
        guard header.hasPrefix("bytes="), !header.contains(",") else { return nil }
        let parts = header.dropFirst(6).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = Int(parts[0]), start >= 0, start < size else { return nil }
        let end = parts[1].isEmpty ? size - 1 : Int(parts[1]).map { min($0, size - 1) }
        guard let end, end >= start else { return nil }
        return start...end
    }

    /// Blobs are shared by every repository here; deleting one that a manifest needs is refused.
    func deleteBlob(_ digest: Digest) throws -> Response {
        throw OCIError(.methodNotAllowed, "UNSUPPORTED", "blobs are deleted by `srthub gc` once no manifest uses them; delete the manifest instead")
    }
}
