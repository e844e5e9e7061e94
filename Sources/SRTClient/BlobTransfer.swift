import Crypto
import Foundation
import SRTOCI

extension RemoteRegistry {
    /// Uploads a blob from a file: one PUT up to `chunkSize` bytes, else PATCH chunks strictly in
    /// order, each sent to the latest Location (some registries sign the upload state into it),
    /// then the closing PUT with the digest. A chunk that fails for a transient reason (a 5xx, a
    /// broken connection) is followed by a question to the registry (GET on the upload) of how
    /// much it kept, and the upload goes on from there (`retrying`'s attempts and pauses).
    public func upload(_ digest: SRTOCI.Digest, size: Int, from path: String, chunkSize: Int,
                       progress: @escaping (Int) -> Void) throws(ClientError) {
        let start = try send("POST", "/v2/\(repository)/blobs/uploads/", headers: ["Content-Length": "0"])
        if start.status == 201 { progress(size); return }  // mounted or already there
        guard start.status == 202, var location = start.header("Location").map(absolute) else {
            throw failure("POST upload \(repository)", start)
        }
        var offset = 0
        if size > chunkSize {
            while offset < size {
                var resuming = false
                try retrying { () throws(ClientError) in
                    if resuming {
                        (location, offset) = try uploadStatus(location)
                        progress(offset)
                        if offset >= size { return }
                    }
                    resuming = true
                    let length = min(chunkSize, size - offset)
                    let chunkStart = offset
                    let response = try send("PATCH", location, headers: [
                        "Content-Type": "application/octet-stream", "Content-Range": "\(offset)-\(offset + length - 1)",
                    ], body: .file(path: path, offset: offset, length: length), sent: { progress(chunkStart + $0) })
                    guard response.status == 202, let next = response.header("Location") else {
                        throw failure("PATCH upload chunk at \(offset)", response)
                    }
                    location = absolute(next)
                    offset += length
                    progress(offset)
                }
            }
        }
        let separator = location.contains("?") ? "&" : "?"
        let lastStart = offset
        let close = try send("PUT", location + separator + "digest=" + digest.description,
                             headers: ["Content-Type": "application/octet-stream"],
                             body: offset < size ? .file(path: path, offset: offset, length: size - offset) : .none,
                             sent: { progress(lastStart + $0) })
        guard close.status == 201 else { throw failure("PUT upload \(digest)", close) }
        progress(size)
    }

    /// Where an upload stands after a failed chunk: the registry's Location and the bytes it kept
    /// (its Range `0-<last byte>`; "0-0" before any byte, as the distribution registry writes it).
    func uploadStatus(_ location: String) throws(ClientError) -> (String, Int) {
        let status = try send("GET", location)
        guard status.status == 204, let range = status.header("Range"),
              let last = range.split(separator: "-").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else {
            throw failure("asking the registry how much of the upload it kept (after a failed chunk)", status)
        }
        return (status.header("Location").map(absolute) ?? location, last == 0 ? 0 : last + 1)
    }

    /// Uploads a small blob from memory (POST, then PUT with the digest).
    public func upload(_ data: Data) throws(ClientError) {
        let digest = SRTOCI.Digest(hashing: data)
        let start = try send("POST", "/v2/\(repository)/blobs/uploads/", headers: ["Content-Length": "0"])
        guard start.status == 202, let location = start.header("Location").map(absolute) else { throw failure("POST upload \(repository)", start) }
        let close = try send("PUT", location + (location.contains("?") ? "&" : "?") + "digest=" + digest.description,
                             headers: ["Content-Type": "application/octet-stream"], body: .data(data))
        guard close.status == 201 else { throw failure("PUT upload \(digest)", close) }
    }

    /// Downloads a blob into `partial` (resuming from what is already there with a Range request),
    /// hashing as it arrives; returns only when the file holds exactly `size` bytes hashing to
    /// `digest`. Corrupt content is deleted and refused.
    public func download(_ digest: SRTOCI.Digest, size: Int, to partial: String, shouldStop: @escaping () -> Bool = { false },
                         progress: @escaping (Int) -> Void) throws(ClientError) {
        let fd = open(partial, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ClientError(.badInput, "\(partial): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        flock(fd, LOCK_EX)  // a second pull of the same blob waits for this one
        var hasher = SHA256()
        var have = Int(lseek(fd, 0, SEEK_END))
        if have > size { ftruncate(fd, 0); have = 0 }
        if have > 0 {
            // Resume: hash what an earlier, interrupted pull left.
            lseek(fd, 0, SEEK_SET)
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            var read = 0
            while read < have {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, min($0.count, have - read)) }
                if n <= 0 { break }
                buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<n])) }
                read += n
            }
            lseek(fd, 0, SEEK_END)
        }
        progress(have)
        if have < size {
            let sink = BlobSink(fd: fd, hasher: hasher, offset: have)
            var received = have
            var overflow = false, rangeIgnored = false, stopped = false
            let response: HTTPClient.Response
            do {
                // Registries send blob downloads on to object storage (Docker Hub, GHCR, ECR, Harbor with S3).
                response = try send("GET", "/v2/\(repository)/blobs/\(digest)", headers: have > 0 ? ["Range": "bytes=\(have)-"] : [:],
                                    followRedirects: true, shouldStop: {
                    // Asked while bytes arrive and while none do: Ctrl-C on a stalled download stops it at once.
                    if shouldStop() { stopped = true }
                    return stopped
                }, sink: { status, chunk in
                    // A resumed download must get the rest (206), never the whole blob again after what is there.
                    if have > 0 && status != 206 { rangeIgnored = true; return false }
                    guard received + chunk.count <= size else { overflow = true; return false }
                    received += chunk.count
                    progress(received)
                    return sink.append(chunk)
                })
            } catch {
                // What arrived is written out and stays: the next pull resumes from it.
                _ = sink.finish()
                if stopped {
                    throw ClientError(.interrupted, "interrupted: \(received) of \(size) bytes of \(digest) kept in \(partial)",
                                      hint: "run the same pull again: it resumes from the bytes kept")
                }
                if overflow {
                    throw ClientError(.protocolError, "the server sent more than the \(size) bytes the manifest declares for \(digest)",
                                      hint: "the registry is serving something else under this digest; tell its operator")
                }
                if rangeIgnored {
                    ftruncate(fd, 0)
                    throw ClientError(.protocolError, "the server ignored the Range request for \(digest); run the pull again to fetch it whole")
                }
                throw ClientError(error.kind, error.message + " (\(received) of \(size) bytes kept in \(partial))",
                                  hint: "run the pull again: it resumes from the bytes kept")
            }
            let (finalHasher, writeError) = sink.finish()
            hasher = finalHasher
            if writeError != 0 {
                throw ClientError(writeError == ENOSPC ? .diskFull : .badInput, "\(partial): \(String(cString: strerror(writeError)))",
                                  hint: "free some space; the pull resumes from here")
            }
            guard response.status == 200 || response.status == 206 else { throw failure("GET blob \(digest)", response) }
            have = received
        }
        let actual = SRTOCI.Digest(hasher.finalize())
        guard have == size, actual == digest else {
            ftruncate(fd, 0)
            unlink(partial)
            throw ClientError(.corrupt, "blob \(digest): received \(have) bytes hashing to \(actual), expected \(size) bytes: refused, nothing stored",
                              hint: "the registry serves corrupt data; try again or tell its operator")
        }
    }
}
