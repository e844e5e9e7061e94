import Crypto
import CFileSystem
import Foundation
import SRTOCI

/// Content-addressed blob files. Every write goes temp file → hash while writing → verify → fsync →
/// rename, so a blob path only ever holds complete content whose sha256 is its name.
public struct BlobStore: Sendable {
    public let home: RegistryHome

    public init(home: RegistryHome) { self.home = home }

    public func contains(_ digest: Digest) -> Bool { FileManager.default.fileExists(atPath: home.blobPath(digest)) }

    /// Copies a file into the store and returns its descriptor fields (digest, size).
    /// `expected`, when given, must match, or nothing is stored.
    public func store(fileAt source: String, expected: Digest? = nil) throws(RegistryError) -> (Digest, Int) {
        guard let input = FileHandle(forReadingAtPath: source) else {
            throw RegistryError(.notFound, "\(source): cannot read the file")
        }
        defer { try? input.close() }
        return try write(expected: expected) { (sink) throws(RegistryError) in
            while true {
                let chunk: Data
                do { chunk = try input.read(upToCount: 1 << 22) ?? Data() } catch {
                    throw RegistryError(.storage, "\(source): read failed: \(error)")
                }
                if chunk.isEmpty { break }
                try sink(chunk)
            }
        }
    }

    public func store(data: Data, expected: Digest? = nil) throws(RegistryError) -> (Digest, Int) {
        try write(expected: expected) { (sink) throws(RegistryError) in try sink(data) }
    }

    /// The write protocol; `produce` feeds bytes to the sink.
    private func write(expected: Digest?, produce: ((Data) throws(RegistryError) -> Void) throws(RegistryError) -> Void) throws(RegistryError) -> (Digest, Int) {
        let tmp = home.tmpPath + "/blob-" + UUID().uuidString
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RegistryError.fromErrno(errno, path: home.tmpPath, doing: "writing a blob") }
        var closed = false
        defer {
            if !closed { close(fd) }
            unlink(tmp)  // no-op after a successful rename
        }
        var hasher = SHA256()
        var size = 0
        try produce { (chunk) throws(RegistryError) in
            hasher.update(data: chunk)
            size += chunk.count
            let failure: Int32 = chunk.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        return errno
                    }
                    offset += n
                }
                return 0
            }
            if failure != 0 { throw RegistryError.fromErrno(failure, path: tmp, doing: "writing a blob") }
        }
        let digest = Digest(hasher.finalize())
        if let expected, expected != digest {
            throw RegistryError(.digestMismatch, "content has digest \(digest), expected \(expected)",
                                hint: "the source changed or is corrupt; nothing was stored")
        }
        guard fsync(fd) == 0 else { throw RegistryError.fromErrno(errno, path: tmp, doing: "syncing a blob") }
        close(fd)
        closed = true
        let final = home.blobPath(digest)
        if FileManager.default.fileExists(atPath: final) { return (digest, size) }  // same content already stored
        let folder = (final as NSString).deletingLastPathComponent
        if mkdir(folder, 0o755) != 0 && errno != EEXIST {
            throw RegistryError.fromErrno(errno, path: folder, doing: "storing a blob")
        }
        guard rename(tmp, final) == 0 else { throw RegistryError.fromErrno(errno, path: final, doing: "storing a blob") }
        try syncDirectory(folder)
        return (digest, size)
    }

    /// Moves a complete file whose digest the caller computed while writing it (an upload or a
    /// download under tmp/, on the same file system) into the store: fsync, then rename.
    public func adopt(verifiedFile path: String, digest: Digest) throws(RegistryError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RegistryError.fromErrno(errno, path: path, doing: "storing a blob") }
        let synced = fsync(fd) == 0
        close(fd)
        guard synced else { throw RegistryError.fromErrno(errno, path: path, doing: "syncing a blob") }
        let final = home.blobPath(digest)
        if FileManager.default.fileExists(atPath: final) {
            unlink(path)
            return
        }
        let folder = (final as NSString).deletingLastPathComponent
        if mkdir(folder, 0o755) != 0 && errno != EEXIST {
            throw RegistryError.fromErrno(errno, path: folder, doing: "storing a blob")
        }
        guard rename(path, final) == 0 else { throw RegistryError.fromErrno(errno, path: final, doing: "storing a blob") }
        try syncDirectory(folder)
    }

    /// The rename made the blob visible; the directory's fsync makes that survive a crash (the
    /// database row that names the blob is committed after this).
    private func syncDirectory(_ folder: String) throws(RegistryError) {
        guard cfs_sync_directory(folder) == 0 else { throw RegistryError.fromErrno(errno, path: folder, doing: "syncing the blob folder") }
    }

    public func size(_ digest: Digest) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: home.blobPath(digest))[.size] as? Int) ?? nil
    }

    public func read(_ digest: Digest) throws(RegistryError) -> Data {
        guard let data = FileManager.default.contents(atPath: home.blobPath(digest)) else {
            throw RegistryError(.notFound, "blob \(digest) is missing from \(home.blobsPath)",
                                hint: "run `srthub verify` to list damage; pull or import the checkpoint again")
        }
        return data
    }

    /// Re-hashes a stored blob, streaming.
    public func rehash(_ digest: Digest) -> Digest? {
        guard let input = FileHandle(forReadingAtPath: home.blobPath(digest)) else { return nil }
        defer { try? input.close() }
        var hasher = SHA256()
        while let chunk = try? input.read(upToCount: 1 << 22), !chunk.isEmpty { hasher.update(data: chunk) }
        return Digest(hasher.finalize())
    }

    /// Digests of every blob file on disk (names that are not digests are ignored).
    public func allStored() -> [Digest] {
        let fm = FileManager.default
        var out: [Digest] = []
        for prefix in (try? fm.contentsOfDirectory(atPath: home.blobsPath)) ?? [] {
            for name in (try? fm.contentsOfDirectory(atPath: home.blobsPath + "/" + prefix)) ?? [] {
                if let d = Digest("sha256:" + name), d.hex.hasPrefix(prefix) { out.append(d) }
            }
        }
        return out
    }
}
