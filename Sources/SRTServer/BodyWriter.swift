import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// Appends a request body to a file, hashing as it goes, refusing more than `limit` bytes.
enum BodyWriter {
    static func append(_ body: RequestBody, to path: String, hasher: inout SHA256, limit: Int) async throws -> Int {
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw OCIError(.notFound, "BLOB_UPLOAD_UNKNOWN", "the upload session is gone") }
        defer { close(fd) }
        var written = 0
        for try await buffer in body {
            written += buffer.readableBytes
            guard written <= limit else {
                throw OCIError(.contentTooLarge, "SIZE_INVALID", "a chunk may hold at most \(limit) bytes; send smaller chunks")
            }
            try buffer.withUnsafeReadableBytes { raw in
                hasher.update(bufferPointer: raw)
                var offset = 0
                while offset < raw.count {
                    let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw OCIError(HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"), "BLOB_UPLOAD_INVALID", "the server could not store the data: \(String(cString: strerror(errno)))")
                    }
                    offset += n
                }
            }
        }
        return written
    }
}
