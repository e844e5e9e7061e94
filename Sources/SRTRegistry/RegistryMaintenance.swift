import Foundation
import GRDB
import SRTOCI

/// tag, rm, gc and verify.
extension Registry {
    /// Points `target` at the checkpoint `source` names.
    public func tag(_ source: Reference, as target: Reference) throws(RegistryError) -> Digest {
        let digest = try resolve(source)
        try database.write { db in try Self.setTag(target, to: digest, db: db, now: timestamp()) }
        return digest
    }

    /// Removes a tag (or, for a digest reference, every tag of that checkpoint). The data stays
    /// until `gc`. Returns the removed tags.
    public func remove(_ reference: Reference) throws(RegistryError) -> [String] {
        let digest = try resolve(reference)
        return try database.write { db in
            if reference.digest != nil {
                let tags = try Row.fetchAll(db, sql: "SELECT repository, name FROM tag WHERE manifestDigest = ?", arguments: [digest.description])
                    .map { Self.displayName($0["repository"], $0["name"]) }
                try db.execute(sql: "DELETE FROM tag WHERE manifestDigest = ?", arguments: [digest.description])
                return tags
            }
            try db.execute(sql: "DELETE FROM tag WHERE repository = ? AND name = ?",
                           arguments: [Self.repositoryKey(reference), reference.tagOrDefault])
            return [Self.displayName(Self.repositoryKey(reference), reference.tagOrDefault)]
        }
    }

    public struct GCReport: Codable, Sendable, Equatable {
        public var manifests: [Digest] = []
        public var blobs: [Digest] = []
        public var orphanFiles: [Digest] = []
        public var tempFiles: [String] = []
        public var bytes: Int = 0
        public var dryRun: Bool
    }

    /// Removes checkpoints no tag points to, blobs no remaining checkpoint uses, blob files with
    /// no row (left by a crash between storing and recording) and temp files. Holds the registry
    /// lock exclusively, so no writer is between storing a blob and recording it.
    /// How long an unrecorded blob file or upload is left alone by gc, by default.
    public static let uploadGrace: TimeInterval = 15 * 60

    public func gc(dryRun: Bool, grace: TimeInterval = uploadGrace) throws(RegistryError) -> GCReport {
        let lock = try RegistryLock(path: home.lockPath, mode: .exclusive)
        defer { withExtendedLifetime(lock) {} }
        var report = GCReport(dryRun: dryRun)
        let fm = FileManager.default
        let (manifests, blobRows): ([Digest], [(Digest, Int)]) = try database.write { db in
            // Kept: tagged manifests and the referrers (evaluations) of tagged manifests.
            let kept = "SELECT manifestDigest FROM tag UNION SELECT digest FROM manifest WHERE subject IN (SELECT manifestDigest FROM tag)"
            let manifests = try String.fetchAll(db, sql: """
                SELECT digest FROM manifest WHERE digest NOT IN (\(kept))
                """).compactMap(Digest.init)
            let unreferenced = """
                SELECT digest, size FROM blob WHERE digest NOT IN (
                    SELECT blobDigest FROM manifestBlob WHERE manifestDigest IN (\(kept)))
                """
            let blobs = try Row.fetchAll(db, sql: unreferenced).map { (Digest($0["digest"] as String)!, $0["size"] as Int) }
            if !dryRun {
                try db.execute(sql: "DELETE FROM evaluation WHERE modelDigest NOT IN (SELECT manifestDigest FROM tag)")
                try db.execute(sql: "DELETE FROM manifest WHERE digest NOT IN (\(kept))")
                try db.execute(sql: "DELETE FROM blob WHERE digest NOT IN (SELECT blobDigest FROM manifestBlob)")
            }
            return (manifests, blobs)
        }
        report.manifests = manifests
        let known = try database.read { db in try Set(String.fetchAll(db, sql: "SELECT digest FROM blob")) }
        let rowDigests = Set(blobRows.map(\.0))
        for (digest, size) in blobRows {
            report.blobs.append(digest)
            report.bytes += size
            if !dryRun { try? fm.removeItem(atPath: home.blobPath(digest)) }
        }
        // Blob files with no row: left by a crash, or uploaded by a push whose manifest has not
        // arrived yet; files younger than the grace period are left to that push.
        let grace = Date().addingTimeInterval(-grace)
        for digest in blobs.allStored() where !known.contains(digest.description) && !rowDigests.contains(digest) {
            if let modified = try? fm.attributesOfItem(atPath: home.blobPath(digest))[.modificationDate] as? Date, modified > grace { continue }
            report.orphanFiles.append(digest)
            report.bytes += (try? fm.attributesOfItem(atPath: home.blobPath(digest))[.size] as? Int) ?? 0
            if !dryRun { try? fm.removeItem(atPath: home.blobPath(digest)) }
        }
        for name in tempEntries() {
            let path = home.tmpPath + "/" + name
            // Uploads, partial pulls and writes in progress, unless abandoned for the grace period.
            if let modified = try? fm.attributesOfItem(atPath: path)[.modificationDate] as? Date, modified > grace { continue }
            report.tempFiles.append(name)
            report.bytes += (try? fm.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            if !dryRun { try? fm.removeItem(atPath: path) }
        }
        return report
    }

    public struct VerifyReport: Codable, Sendable, Equatable {
        /// Damage: a missing or corrupt blob, a manifest whose bytes do not hash to its digest, …
        public var problems: [String] = []
        /// Not damage, but worth knowing: unreferenced files and temp files (gc removes them).
        public var notes: [String] = []
        public var checkedBlobs = 0
        public var checkedManifests = 0
        public var ok: Bool { problems.isEmpty }
    }

    /// Re-hashes blobs and checks rows against files both ways. With a reference, only that
    /// checkpoint's manifest and blobs.
    public func verify(_ reference: Reference? = nil) throws(RegistryError) -> VerifyReport {
        var report = VerifyReport()
        let only = try reference.map { (r) throws(RegistryError) in try resolve(r) }
        let (manifests, blobRows) = try database.read { db in
            let manifests = try Row.fetchAll(db, sql: "SELECT digest, bytes FROM manifest" + (only == nil ? "" : " WHERE digest = ?"),
                                             arguments: only.map { [$0.description] } ?? [])
                .map { ($0["digest"] as String, $0["bytes"] as Data) }
            let blobs = try Row.fetchAll(db, sql: only == nil ? "SELECT digest, size FROM blob" : """
                SELECT b.digest, b.size FROM blob b JOIN manifestBlob mb ON mb.blobDigest = b.digest WHERE mb.manifestDigest = ?
                """, arguments: only.map { [$0.description] } ?? []).map { ($0["digest"] as String, $0["size"] as Int) }
            return (manifests, blobs)
        }
        let blobSizes = Dictionary(blobRows, uniquingKeysWith: { a, _ in a })
        for (digestText, bytes) in manifests {
            report.checkedManifests += 1
            if Digest(hashing: bytes).description != digestText {
                report.problems.append("manifest \(digestText): stored bytes hash to \(Digest(hashing: bytes))")
                continue
            }
            guard let manifest = try? JSONDecoder().decode(ImageManifest.self, from: bytes) else {
                report.problems.append("manifest \(digestText): does not decode as an OCI image manifest")
                continue
            }
            for blob in manifest.blobs where blobSizes[blob.digest.description] == nil {
                report.problems.append("manifest \(digestText): blob \(blob.digest) has no row")
            }
        }
        for (digestText, size) in blobRows {
            report.checkedBlobs += 1
            let digest = Digest(digestText)!
            let path = home.blobPath(digest)
            guard FileManager.default.fileExists(atPath: path) else {
                report.problems.append("blob \(digestText): recorded but its file \(path) is missing")
                continue
            }
            let actualSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
            if actualSize != size { report.problems.append("blob \(digestText): \(actualSize) bytes on disk, \(size) recorded") }
            if let actual = blobs.rehash(digest), actual != digest {
                report.problems.append("blob \(digestText): content hashes to \(actual) (corrupt)")
            }
        }
        if only == nil {
            for digest in blobs.allStored() where blobSizes[digest.description] == nil {
                if let actual = blobs.rehash(digest), actual != digest {
                    report.problems.append("file \(home.blobPath(digest)): content hashes to \(actual) (corrupt, unrecorded)")
                } else {
                    report.notes.append("blob \(digest): on disk but not recorded (left by an interrupted write; gc removes it)")
                }
            }
            let temps = tempEntries()
            if !temps.isEmpty { report.notes.append("\(temps.count) temp file(s) in \(home.tmpPath): an interrupted or running transfer or write (gc removes them once older than its grace period)") }
        }
        return report
    }

    /// Files in tmp/ and in its transfer folders (uploads/, pulls/), relative to tmp/. The folders
    /// themselves stay: a running server writes its upload sessions there.
    func tempEntries() -> [String] {
        let fm = FileManager.default
        return ((try? fm.contentsOfDirectory(atPath: home.tmpPath)) ?? []).flatMap { name -> [String] in
            let path = home.tmpPath + "/" + name
            var isFolder: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else { return [name] }
            return ((try? fm.contentsOfDirectory(atPath: path)) ?? []).map { name + "/" + $0 }
        }
    }
}
