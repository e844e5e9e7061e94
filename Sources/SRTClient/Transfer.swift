import Foundation
import SRTOCI
import SRTRegistry

/// Progress of a push or pull: bytes moved of the bytes to move (skipped blobs count as moved).
public struct TransferProgress: Sendable {
    public let done: Int
    public let total: Int
    /// Set once per blob, when it has been moved whole: its digest and size.
    public var finished: (digest: Digest, size: Int)? = nil
}

public struct TransferReport: Codable, Sendable {
    public let reference: String
    public let digest: Digest
    public let blobs: Int
    public let transferred: Int
    public let skipped: Int
    public let bytes: Int
    public let evaluations: Int
    public let seconds: Double
}

/// Push: blobs the remote lacks (HEAD first), then the manifest under its tag, then the
/// checkpoint's evaluations as a referrer artifact (subject = the model).
public enum Push {
    public static func run(_ registry: Registry, _ local: Reference, to remote: RemoteRegistry, tag: String,
                           chunkSize: Int = 16 << 20, progress: @escaping (TransferProgress) -> Void) throws -> TransferReport {
        let started = Date()
        let digest = try registry.resolve(local)
        let (manifest, bytes) = try registry.manifest(digest)
        try remote.ping()
        var blobs: [Descriptor] = []
        for blob in manifest.blobs where !blobs.contains(where: { $0.digest == blob.digest }) { blobs.append(blob) }
        // Local damage is reported as such (it read as "is the registry running?", exit 69).
        if let lost = blobs.first(where: { !registry.blobs.contains($0.digest) }) {
            throw ClientError(.notFound, "\(local) is damaged here: its blob \(lost.digest) is missing from \(registry.home.path)",
                              hint: "run srthub verify to see the damage; pull or add the model again to repair it")
        }
        var missing: [Descriptor] = []
        for blob in blobs where try !remote.hasBlob(blob.digest) { missing.append(blob) }
        let total = missing.reduce(0) { $0 + $1.size }
        var done = 0
        progress(TransferProgress(done: 0, total: total))
        for blob in missing {
            // Within a blob, a failed chunk resumes where the registry says it stopped; a failure
            // outside the chunks (opening or closing the upload) starts that blob's upload again.
            try retrying { () throws(ClientError) in
                try remote.upload(blob.digest, size: blob.size, from: registry.home.blobPath(blob.digest), chunkSize: chunkSize) { sent in
                    progress(TransferProgress(done: done + sent, total: total))
                }
            }
            done += blob.size
            progress(TransferProgress(done: done, total: total, finished: (blob.digest, blob.size)))
        }
        _ = try retrying { () throws(ClientError) in try remote.putManifest(bytes, mediaType: MediaType.imageManifest, reference: tag) }
        var evaluations = 0
        if let artifact = try registry.evaluationArtifact(for: digest) {
            for data in artifact.blobs where try !remote.hasBlob(Digest(hashing: data)) {
                try remote.upload(data)
            }
            let artifactDigest = Digest(hashing: artifact.manifest)
            let keptByServer = try remote.putManifest(artifact.manifest, mediaType: MediaType.imageManifest, reference: artifactDigest.description)
            if !keptByServer {
                try remote.addToReferrersTag(Descriptor(mediaType: MediaType.imageManifest, digest: artifactDigest, size: artifact.manifest.count,
                                                        artifactType: MediaType.evaluation), subject: digest)
            }
            evaluations = try registry.evaluations(of: digest).count
        }
        return TransferReport(reference: "\(remote.baseURL)/\(remote.repository):\(tag)", digest: digest, blobs: blobs.count,
                              transferred: missing.count, skipped: blobs.count - missing.count, bytes: total, evaluations: evaluations,
                              seconds: Date().timeIntervalSince(started))
    }
}

/// Pull: the manifest (digest checked), free space checked, then each missing blob downloaded
/// into `tmp/pulls/` (resumed with Range after an interruption), verified, and moved into the
/// store; the manifest and tag are recorded last, then the evaluations that refer to it.
public enum Pull {
    public static func run(_ registry: Registry, from remote: RemoteRegistry, reference: String, tag local: Reference?,
                           shouldStop: @escaping () -> Bool = { false }, validate: ((String) throws -> Void)? = nil,
                           progress: @escaping (TransferProgress) -> Void) throws -> TransferReport {
        let started = Date()
        let expected = Digest(reference)
        guard let (bytes, mediaType, digest) = try retrying({ () throws(ClientError) in try remote.manifest(reference, expected: expected) }) else {
            throw ClientError(.notFound, "\(remote.baseURL) has no \(remote.repository):\(reference)", hint: "check the name and tag (srthub remote tags REMOTE/ns/name lists the tags)")
        }
        guard mediaType == MediaType.imageManifest, let manifest = try? JSONDecoder().decode(ImageManifest.self, from: bytes) else {
            throw ClientError(.protocolError, "\(remote.repository):\(reference) is a \(mediaType), not a srthub checkpoint (an OCI image manifest)")
        }
        var blobs: [Descriptor] = []
        for blob in manifest.blobs where !blobs.contains(where: { $0.digest == blob.digest }) { blobs.append(blob) }
        let missing = blobs.filter { !registry.blobs.contains($0.digest) }
        let total = try totalSize(of: missing, in: "\(remote.repository):\(reference)")
        try checkFreeSpace(registry.home.path, needed: total)
        let folder = registry.home.tmpPath + "/pulls"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var done = 0
        progress(TransferProgress(done: 0, total: total))
        for blob in missing {
            let partial = folder + "/" + blob.digest.hex
            try retrying { () throws(ClientError) in
                try remote.download(blob.digest, size: blob.size, to: partial, shouldStop: shouldStop) { have in
                    progress(TransferProgress(done: done + have, total: total))
                }
            }
            try registry.blobs.adopt(verifiedFile: partial, digest: blob.digest)
            done += blob.size
            progress(TransferProgress(done: done, total: total, finished: (blob.digest, blob.size)))
        }
        // A model that does not load is refused before anything names it (its blobs wait for gc).
        if let validate, let folder = registry.linkedCheckpoint(manifest) {
            defer { try? FileManager.default.removeItem(atPath: folder) }
            do { try validate(folder) } catch {
                throw ClientError(.corrupt, "\(remote.repository):\(reference) is an srthub model that does not load (\(error)): it was not tagged",
                                  hint: "tell whoever pushed it; srthub gc removes its downloaded blobs")
            }
        }
        try registry.receiveManifest(bytes, mediaType: mediaType, tag: local)
        var evaluations = 0
        for referrer in try remote.referrers(of: digest) where referrer.artifactType == MediaType.evaluation {
            guard let (artifactBytes, artifactType, _) = try remote.manifest(referrer.digest.description, expected: referrer.digest),
                  let artifact = try? JSONDecoder().decode(ImageManifest.self, from: artifactBytes) else { continue }
            for blob in artifact.blobs where !registry.blobs.contains(blob.digest) {
                let partial = folder + "/" + blob.digest.hex
                try remote.download(blob.digest, size: blob.size, to: partial) { _ in }
                try registry.blobs.adopt(verifiedFile: partial, digest: blob.digest)
            }
            try registry.receiveManifest(artifactBytes, mediaType: artifactType, tag: nil)
            evaluations += 1
        }
        return TransferReport(reference: local?.description ?? digest.description, digest: digest, blobs: blobs.count,
                              transferred: missing.count, skipped: blobs.count - missing.count, bytes: total,
                              evaluations: evaluations, seconds: Date().timeIntervalSince(started))
    }

    /// The bytes to download, refused before any download when a size cannot be true: negative,
    /// or a sum that overflows (sizes near Int.max crashed the pull here).
    static func totalSize(of blobs: [Descriptor], in name: String) throws(ClientError) -> Int {
        var total = 0
        for blob in blobs {
            let (sum, overflow) = total.addingReportingOverflow(blob.size)
            guard blob.size >= 0, !overflow else {
                throw ClientError(.protocolError, "\(name): the manifest declares a blob of \(blob.size) bytes (\(blob.digest)), which cannot be true: nothing was downloaded",
                                  hint: "the registry serves a broken manifest; tell its operator")
            }
            total = sum
        }
        return total
    }

    static func checkFreeSpace(_ path: String, needed: Int) throws(ClientError) {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return }
        let free = Int(stats.f_bavail) * Int(stats.f_frsize)
        if needed > free - (16 << 20) {
            throw ClientError(.diskFull, "the pull needs \(needed / 1_000_000) MB and \(path) has \(free / 1_000_000) MB free: nothing was downloaded",
                              hint: "free some space (srthub gc removes unused blobs) and pull again")
        }
    }
}

/// Runs `body` again after a transient failure (a broken or stalled connection, a 5xx), up to
/// `attempts` times with a growing pause: push and pull both (a download resumes from the bytes
/// already kept, an upload from what the registry says it kept).
func retrying<T>(attempts: Int = 3, pause: Double = 1, _ body: () throws(ClientError) -> T) throws(ClientError) -> T {
    var attempt = 1
    while true {
        do { return try body() } catch {
            guard error.kind == .unreachable, attempt < attempts else { throw error }
            usleep(UInt32(pause * Double(1 << (attempt - 1)) * 1_000_000))
            attempt += 1
        }
    }
}
