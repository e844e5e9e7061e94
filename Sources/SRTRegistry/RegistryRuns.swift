import Foundation
import GRDB
import SRTOCI

extension Registry {
    /// A stored training run: its checkpoint, names and what a scaling fit reads of it.
    public struct StoredRun: Codable, Sendable, Equatable {
        public let digest: Digest
        public let tags: [String]
        public let dataset: String?
        public let datasetFingerprint: String?
        public let facts: RunFacts
    }

    /// Every stored checkpoint with run facts (added since the registry kept them), oldest first;
    /// with `tagPrefix`, only those with a tag that starts with it (`scaling/amazon-7:`).
    public func runs(tagPrefix: String? = nil) throws(RegistryError) -> [StoredRun] {
        let rows = try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT run.*, manifest.dataset AS dataset, manifest.datasetFingerprint AS datasetFingerprint
                FROM run JOIN manifest ON manifest.digest = run.manifestDigest ORDER BY manifest.created, run.manifestDigest
                """)
        }
        var runs: [StoredRun] = []
        for row in rows {
            guard let digest = Digest(row["manifestDigest"] as String) else { continue }
            let tags = try tags(of: digest)
            if let tagPrefix, !tags.contains(where: { $0.hasPrefix(tagPrefix) }) { continue }
            let facts = RunFacts(architecture: row["architecture"], layers: row["layers"], hidden: row["hidden"],
                                 nonEmbeddingParameters: row["nonEmbeddingParameters"], parameters: row["parameters"],
                                 seenInteractions: row["seenInteractions"], flops: row["flops"], epochs: row["epochs"], bestEpoch: row["bestEpoch"],
                                 loss: row["loss"], validationNDCG10: row["validationNDCG10"], usersFraction: row["usersFraction"],
                                 usersSeed: row["usersSeed"], split: row["split"])
            runs.append(StoredRun(digest: digest, tags: tags, dataset: row["dataset"], datasetFingerprint: row["datasetFingerprint"], facts: facts))
        }
        return runs
    }

    /// The bytes of a stored checkpoint's layer named `title` (e.g. train_log.jsonl); nil when it has none.
    public func layer(_ title: String, of digest: Digest) throws(RegistryError) -> Data? {
        let (manifest, _) = try manifest(digest)
        guard let layer = manifest.layers.first(where: { $0.annotations?[titleAnnotation] == title }) else { return nil }
        return try blobs.read(layer.digest)
    }
}
