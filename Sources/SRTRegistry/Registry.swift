import Foundation
import GRDB
import SRTOCI

/// The local registry: content-addressed blobs plus SQLite metadata in one home folder. Safe to
/// use from several processes at once (see RegistryLock and RegistryDatabase).
public final class Registry: Sendable {
    public let home: RegistryHome
    public let blobs: BlobStore
    let database: RegistryDatabase

    /// Opens (creating on first use) the registry in `home`.
    public init(home: RegistryHome) throws(RegistryError) {
        try home.create()
        try Self.refuseLostDatabase(home)
        self.home = home
        blobs = BlobStore(home: home)
        database = try RegistryDatabase(path: home.databasePath)
    }

    /// Blobs with no database (deleted, or emptied by a crash of the file system) are not a new
    /// registry: taken for one, its empty tables made `gc` delete every blob.
    static func refuseLostDatabase(_ home: RegistryHome) throws(RegistryError) {
        let size = (try? FileManager.default.attributesOfItem(atPath: home.databasePath)[.size] as? Int) ?? nil
        guard size == nil || size == 0 else { return }
        let fm = FileManager.default
        let holdsBlobs = ((try? fm.contentsOfDirectory(atPath: home.blobsPath)) ?? []).contains { prefix in
            !((try? fm.contentsOfDirectory(atPath: home.blobsPath + "/" + prefix)) ?? []).isEmpty
        }
        guard holdsBlobs else { return }
        throw RegistryError(.database, "\(home.path) holds blobs but its registry.sqlite is \(size == nil ? "missing" : "empty"): it is not a new registry, so nothing was changed",
                            hint: "restore registry.sqlite from a backup, or move the blobs folder away to start a new registry there")
    }

    /// The files of a checkpoint folder, and the layer each becomes (in manifest order).
    static let layerFiles: [(file: String, mediaType: String, required: Bool)] = [
        ("model.safetensors", MediaType.safetensors, true),
        ("tokenizer.model", MediaType.tokenizer, false),  // text models only
        ("items.tsv", MediaType.items, false),  // the catalog, so recommend works after checkout
        ("fisher.safetensors", MediaType.fisher, false),
        ("train_log.jsonl", MediaType.trainLog, false),  // the training curves, for `srthub plot` after a pull
    ]
    static let evaluationFiles = ["eval.json", "evaluations.json"]

    public struct AddResult: Sendable, Codable {
        public let reference: String
        public let digest: Digest
        public let storedBlobs: Int
        public let storedBytes: Int
        public let alreadyPresent: Bool
        /// Where the tag pointed before, when this add moved it, and how many models name that one as their base.
        public var movedFrom: Digest? = nil
        public var movedFromUsedBy = 0

        enum CodingKeys: String, CodingKey {
            case reference, digest
            case storedBlobs = "stored_blobs", storedBytes = "stored_bytes", alreadyPresent = "already_present"
            case movedFrom = "moved_from", movedFromUsedBy = "moved_from_used_by"
        }
    }

    /// Imports a checkpoint folder as an OCI image manifest and tags it. The same folder gives the
    /// same digest every time and stores nothing new the second time.
    public func add(checkpoint folder: String, as reference: Reference) throws(RegistryError) -> AddResult {
        let lock = try RegistryLock(path: home.lockPath, mode: .shared)
        defer { withExtendedLifetime(lock) {} }
        var newBlobs = 0, newBytes = 0
        let image = try CheckpointImage(folder: folder) { (path) throws(RegistryError) in try blobs.store(fileAt: path) }
        for (data, size) in [(image.configData, image.manifest.config.size), (image.cardData, image.cardData.count)] {
            if !blobs.contains(Digest(hashing: data)) { newBlobs += 1; newBytes += size }
            _ = try blobs.store(data: data)
        }
        let (manifest, bytes, digest, layers) = (image.manifest, image.bytes, image.digest, image.manifest.layers)

        // Layer files that were there before this add are not "new"; count them from the rows.
        let known = try database.read { db in
            try Set(String.fetchAll(db, sql: "SELECT digest FROM blob WHERE digest IN (\(layers.map { "'\($0.digest)'" }.joined(separator: ",")))"))
        }
        for layer in layers.dropLast() where !known.contains(layer.digest.description) {
            newBlobs += 1
            newBytes += layer.size
        }
        let previous = try? resolve(reference)
        let alreadyPresent = try record(manifest: manifest, bytes: bytes, digest: digest, tag: reference,
                                        metadata: image.metadata, evaluations: image.evaluations)
        var result = AddResult(reference: reference.description, digest: digest, storedBlobs: alreadyPresent ? 0 : newBlobs,
                               storedBytes: alreadyPresent ? 0 : newBytes, alreadyPresent: alreadyPresent)
        if let previous, previous != digest {
            result.movedFrom = previous
            result.movedFromUsedBy = try database.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM lineage WHERE parent = ?", arguments: [previous.description]) ?? 0
            }
        }
        return result
    }

    /// Canonical manifest bytes: sorted keys, so the same content always has the same digest.
    static func encode(_ manifest: ImageManifest) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try! encoder.encode(manifest)
    }

    /// Records a manifest whose blobs are all stored, in one transaction: blob rows, manifest,
    /// tag, lineage edge, evaluations. Returns whether the manifest was already there.
    @discardableResult
    func record(manifest: ImageManifest, bytes: Data, digest: Digest, tag reference: Reference?,
                metadata: CheckpointMetadata?, evaluations: [Evaluation], mediaType: String? = nil,
                blobs referenced: [Descriptor]? = nil) throws(RegistryError) -> Bool {
        let now = timestamp()
        let referenced = referenced ?? manifest.blobs
        let total = referenced.reduce(bytes.count) { $0 + $1.size }
        return try database.write { db in
            let existed = try Bool.fetchOne(db, sql: "SELECT 1 FROM manifest WHERE digest = ?", arguments: [digest.description]) ?? false
            for blob in referenced {
                try db.execute(sql: "INSERT OR IGNORE INTO blob (digest, size, created) VALUES (?, ?, ?)",
                               arguments: [blob.digest.description, blob.size, now])
            }
            if !existed {
                try db.execute(sql: """
                    INSERT INTO manifest (digest, mediaType, artifactType, bytes, totalSize, parameters, created, subject, dataset, datasetFingerprint)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [digest.description, mediaType ?? manifest.mediaType, manifest.artifactType, bytes, total,
                                     metadata?.parameters, metadata?.created ?? now, manifest.subject?.digest.description,
                                     metadata?.dataset, metadata?.datasetFingerprint])
                for blob in Set(referenced.map(\.digest)) {
                    try db.execute(sql: "INSERT INTO manifestBlob (manifestDigest, blobDigest) VALUES (?, ?)",
                                   arguments: [digest.description, blob.description])
                }
                if let run = metadata?.run {
                    try db.execute(sql: """
                        INSERT INTO run (manifestDigest, architecture, layers, hidden, nonEmbeddingParameters, parameters, seenInteractions, flops,
                                         epochs, bestEpoch, loss, validationNDCG10, usersFraction, usersSeed, split)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [digest.description, run.architecture, run.layers, run.hidden, run.nonEmbeddingParameters, run.parameters,
                                         run.seenInteractions, run.flops, run.epochs, run.bestEpoch, run.loss, run.validationNDCG10,
                                         run.usersFraction, run.usersSeed, run.split])
                }
                for (position, catalog) in (metadata?.catalogs ?? []).enumerated() {
                    try db.execute(sql: "INSERT INTO trainingCatalog (manifestDigest, position, name, fingerprint) VALUES (?, ?, ?, ?)",
                                   arguments: [digest.description, position, catalog.name, catalog.fingerprint])
                }
            }
            if let reference { try Self.setTag(reference, to: digest, db: db, now: now) }
            if let parent = metadata?.parent {
                try db.execute(sql: """
                    INSERT OR REPLACE INTO lineage (child, parent, method, datasetFingerprint, dataset) VALUES (?, ?, ?, ?, ?)
                    """, arguments: [digest.description, parent.description, metadata?.method, metadata?.datasetFingerprint, metadata?.dataset])
            }
            for evaluation in evaluations { try Self.insert(evaluation, for: digest, db: db, now: now) }
            return existed
        }
    }

    /// Stores (or replaces) an evaluation of a stored model.
    public func addEvaluation(_ evaluation: Evaluation, for model: Digest) throws(RegistryError) {
        try database.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM manifest WHERE digest = ?", arguments: [model.description]) ?? false else {
                throw RegistryError(.notFound, "no model \(model) in this registry")
            }
            try Self.insert(evaluation, for: model, db: db, now: timestamp())
        }
    }

    static func insert(_ e: Evaluation, for model: Digest, db: Database, now: String) throws {
        let metrics = String(decoding: try JSONEncoder.sorted.encode(e.metrics), as: UTF8.self)
        let baselines = try e.baselines.map { String(decoding: try JSONEncoder.sorted.encode($0), as: UTF8.self) }
        try db.execute(sql: """
            INSERT OR REPLACE INTO evaluation (modelDigest, datasetFingerprint, protocol, mode, dataset, metrics, primaryMetric, created, baselines)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [model.description, e.datasetFingerprint, e.protocol, e.mode.description, e.dataset, metrics, e.primaryMetric, now, baselines])
    }

    /// Points a tag at a manifest, creating or moving it.
    static func setTag(_ reference: Reference, to digest: Digest, db: Database, now: String) throws {
        try db.execute(sql: """
            INSERT INTO tag (repository, name, manifestDigest, updated) VALUES (?, ?, ?, ?)
            ON CONFLICT(repository, name) DO UPDATE SET manifestDigest = excluded.manifestDigest, updated = excluded.updated
            """, arguments: [repositoryKey(reference), reference.tagOrDefault, digest.description, now])
    }

    /// Tags are keyed by `host/namespace/name` for remote references and `namespace/name` locally.
    static func repositoryKey(_ reference: Reference) -> String {
        (reference.host.map { $0 + "/" } ?? "") + reference.repository
    }

    /// The manifest digest a reference names: its digest if it has one, else its tag.
    public func resolve(_ reference: Reference) throws(RegistryError) -> Digest {
        if let digest = reference.digest {
            let known = try database.read { db in
                try Bool.fetchOne(db, sql: "SELECT 1 FROM manifest WHERE digest = ?", arguments: [digest.description]) ?? false
            }
            guard known else { throw RegistryError(.notFound, "no checkpoint \(digest) in this registry", hint: "run `srthub list`") }
            return digest
        }
        let found = try database.read { db in
            try String.fetchOne(db, sql: "SELECT manifestDigest FROM tag WHERE repository = ? AND name = ?",
                                arguments: [Self.repositoryKey(reference), reference.tagOrDefault])
        }
        guard let found, let digest = Digest(found) else {
            throw RegistryError(.notFound, "no checkpoint tagged \(reference.with(tag: reference.tagOrDefault)) in \(home.path)",
                                hint: "run `srthub list` to see the tags, or `srthub pull` it")
        }
        return digest
    }

    /// The exact stored bytes of a manifest, and their decoding.
    public func manifest(_ digest: Digest) throws(RegistryError) -> (ImageManifest, Data) {
        let bytes = try database.read { db in
            try Data.fetchOne(db, sql: "SELECT bytes FROM manifest WHERE digest = ?", arguments: [digest.description])
        }
        guard let bytes else { throw RegistryError(.notFound, "no checkpoint \(digest) in this registry") }
        do {
            return (try JSONDecoder().decode(ImageManifest.self, from: bytes), bytes)
        } catch {
            throw RegistryError(.database, "manifest \(digest) does not decode: \(error)", hint: "run `srthub verify`")
        }
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
