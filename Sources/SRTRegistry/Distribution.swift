import Foundation
import GRDB
import SRTOCI

/// What the OCI distribution protocol needs from the registry, on both sides of the wire: any
/// manifest by digest (exact bytes), tags per repository, referrers, and manifests arriving from
/// elsewhere (push to `srthub serve`, `srthub pull`). Blobs must be stored before the manifest that
/// names them: a manifest is only recorded once everything it references is here.
extension Registry {
    public struct StoredManifest: Sendable {
        public let digest: Digest
        public let mediaType: String
        public let bytes: Data
    }

    /// Layers a manifest may list (a checkpoint has six).
    static let maxLayers = 1000

    /// How many `"digest"` keys the bytes hold: an upper bound on the descriptors, counted without parsing.
    static func descriptorCount(_ bytes: Data) -> Int {
        let key = Array(#""digest""#.utf8)
        var count = 0
        bytes.withUnsafeBytes { raw in
            let b = raw.bindMemory(to: UInt8.self)
            guard b.count >= key.count else { return }
            var i = 0
            while i <= b.count - key.count {
                if b[i] == key[0] && b[i + 1] == key[1] && Array(b[i..<(i + key.count)]) == key { count += 1; i += key.count } else { i += 1 }
            }
        }
        return count
    }

    /// Records manifest bytes that came over the wire, tagging `tag` when given. Image manifests
    /// need every blob they name; a srthub model's config feeds lineage, and an evaluation artifact
    /// whose subject is here adds its evaluations. Other artifacts are stored as they are.
    @discardableResult
    public func receiveManifest(_ bytes: Data, mediaType: String, tag: Reference?) throws(RegistryError) -> Digest {
        let digest = Digest(hashing: bytes)
        guard let object = (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any] else {
            throw RegistryError(.badLayout, "the manifest is not a JSON object")
        }
        if let declared = object["mediaType"] as? String, declared != mediaType {
            throw RegistryError(.badLayout, "the manifest's mediaType \(declared) differs from its Content-Type \(mediaType)")
        }
        if mediaType == MediaType.imageIndex || object["manifests"] != nil {
            guard let index = try? JSONDecoder().decode(ImageIndex.self, from: bytes) else {
                throw RegistryError(.badLayout, "not a valid OCI image index")
            }
            // Recorded through the manifest path with no blobs: only its type, subject and tag matter here.
            let asRecorded = ImageManifest(artifactType: index.artifactType,
                                           config: Descriptor(mediaType: MediaType.empty, digest: Digest(hashing: Data("{}".utf8)), size: 2),
                                           layers: [], subject: index.subject)
            try record(manifest: asRecorded, bytes: bytes, digest: digest, tag: tag, metadata: nil, evaluations: [],
                       mediaType: MediaType.imageIndex, blobs: [])
            return digest
        }
        // Bounded before parsing: a 200,000-layer manifest cost 1.3 GB to decode.
        guard Self.descriptorCount(bytes) <= Self.maxLayers + 2 else {
            throw RegistryError(.badLayout, "the manifest lists more than \(Self.maxLayers) layers; srthub takes at most \(Self.maxLayers)")
        }
        guard let manifest = try? JSONDecoder().decode(ImageManifest.self, from: bytes) else {
            throw RegistryError(.badLayout, "not a valid OCI image manifest (config and layers descriptors are required)")
        }
        guard manifest.layers.count <= Self.maxLayers else {
            throw RegistryError(.badLayout, "the manifest lists more than \(Self.maxLayers) layers; srthub takes at most \(Self.maxLayers)")
        }
        for blob in manifest.blobs where !blobs.contains(blob.digest) {
            throw RegistryError(.notFound, "the manifest names blob \(blob.digest), which is not here", hint: "upload its blobs first")
        }
        var metadata: CheckpointMetadata?
        if manifest.config.mediaType == MediaType.modelConfig {
            metadata = try CheckpointMetadata(configJSON: blobs.read(manifest.config.digest))
        }
        var evaluations: [Evaluation] = []
        var subject: Digest?
        if manifest.artifactType == MediaType.evaluation, let s = manifest.subject?.digest, let layer = manifest.layers.first {
            evaluations = try Evaluation.decodeList(blobs.read(layer.digest), path: "evaluation \(layer.digest)")
            subject = s
        }
        try record(manifest: manifest, bytes: bytes, digest: digest, tag: tag, metadata: metadata, evaluations: [],
                   mediaType: mediaType)
        if let subject, try hasManifest(subject) {
            for evaluation in evaluations { try addEvaluation(evaluation, for: subject) }
        }
        return digest
    }

    public func hasManifest(_ digest: Digest) throws(RegistryError) -> Bool {
        try database.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM manifest WHERE digest = ?", arguments: [digest.description]) ?? false
        }
    }

    /// Any stored manifest's exact bytes and media type.
    public func storedManifest(_ digest: Digest) throws(RegistryError) -> StoredManifest? {
        let row = try database.read { db in
            try Row.fetchOne(db, sql: "SELECT mediaType, bytes FROM manifest WHERE digest = ?", arguments: [digest.description])
        }
        guard let row else { return nil }
        return StoredManifest(digest: digest, mediaType: row["mediaType"], bytes: row["bytes"])
    }

    /// The digest a tag of `repository` (`namespace/name`, or `host/namespace/name`) points to.
    public func tagged(_ repository: String, _ tag: String) throws(RegistryError) -> Digest? {
        try database.read { db in
            try String.fetchOne(db, sql: "SELECT manifestDigest FROM tag WHERE repository = ? AND name = ?", arguments: [repository, tag])
        }.flatMap(Digest.init)
    }

    /// A repository's tags in lexical order.
    /// Repositories with a tag under a local name (`namespace/name`), not a remote's (`host/…`).
    public func servedRepositories() throws(RegistryError) -> [String] {
        try database.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT repository FROM tag ORDER BY repository")
        }.filter { name in
            let parts = name.split(separator: "/")
            return parts.count == 2 && !parts[0].contains(":") && !parts[0].contains(".")
        }
    }

    public func tagNames(_ repository: String) throws(RegistryError) -> [String] {
        try database.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM tag WHERE repository = ? ORDER BY name", arguments: [repository])
        }
    }

    /// Descriptors of the manifests whose subject is `digest` (optionally of one artifact type).
    public func referrers(of digest: Digest, artifactType: String? = nil) throws(RegistryError) -> [Descriptor] {
        let rows = try database.read { db in
            try Row.fetchAll(db, sql: "SELECT digest, mediaType, artifactType, bytes FROM manifest WHERE subject = ? ORDER BY digest",
                             arguments: [digest.description])
        }
        return rows.compactMap { row -> Descriptor? in
            let type: String? = row["artifactType"]
            if let artifactType, type != artifactType { return nil }
            let bytes: Data = row["bytes"]
            let annotations = (try? JSONDecoder().decode(ImageManifest.self, from: bytes))?.annotations
            return Descriptor(mediaType: row["mediaType"], digest: Digest(row["digest"] as String)!, size: bytes.count,
                              annotations: annotations, artifactType: type)
        }
    }

    /// Removes a tag, or a manifest with every tag pointing to it (blobs go at the next gc).
    public func deleteManifest(_ digest: Digest) throws(RegistryError) {
        try database.write { db in
            try db.execute(sql: "DELETE FROM tag WHERE manifestDigest = ?", arguments: [digest.description])
            try db.execute(sql: "DELETE FROM evaluation WHERE modelDigest = ?", arguments: [digest.description])
            try db.execute(sql: "DELETE FROM manifest WHERE digest = ?", arguments: [digest.description])
        }
    }

    /// Makes the model's current evaluations available as a stored referrer artifact (replacing an
    /// older one), so the referrers API serves evaluations added with `add` or `eval` too.
    public func publishEvaluations(of digest: Digest) throws(RegistryError) {
        guard let artifact = try evaluationArtifact(for: digest) else { return }
        let artifactDigest = Digest(hashing: artifact.manifest)
        if try hasManifest(artifactDigest) { return }
        for data in artifact.blobs { _ = try blobs.store(data: data) }
        for old in try referrers(of: digest, artifactType: MediaType.evaluation) { try deleteManifest(old.digest) }
        try receiveManifest(artifact.manifest, mediaType: MediaType.imageManifest, tag: nil)
    }

    /// The evaluations of a model as the referrer artifact that carries them (eval.json layer,
    /// empty config, subject = the model), with its blobs; nil when it has none.
    public func evaluationArtifact(for digest: Digest) throws(RegistryError) -> (manifest: Data, blobs: [Data])? {
        let evaluations = try self.evaluations(of: digest).map(\.evaluation)
        guard !evaluations.isEmpty, let (_, modelBytes) = try? manifest(digest) else { return nil }
        let report = try! JSONEncoder.sorted.encode(evaluations)
        let empty = Data("{}".utf8)
        let manifest = ImageManifest(
            artifactType: MediaType.evaluation,
            config: Descriptor(mediaType: MediaType.empty, digest: Digest(hashing: empty), size: 2),
            layers: [Descriptor(mediaType: MediaType.evaluation, digest: Digest(hashing: report), size: report.count,
                                annotations: [titleAnnotation: "eval.json"])],
            subject: Descriptor(mediaType: MediaType.imageManifest, digest: digest, size: modelBytes.count))
        return (Self.encode(manifest), [empty, report])
    }
}
