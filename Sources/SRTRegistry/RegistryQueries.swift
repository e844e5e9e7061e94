import Foundation
import GRDB
import SRTOCI

/// Read-only views for list, show, log and diff.
extension Registry {
    public struct ListEntry: Codable, Sendable, Equatable {
        public let reference: String
        public let digest: Digest
        public let size: Int
        public let parameters: Int?
        public let created: String
        /// The dataset the model was trained or fine-tuned on.
        public let dataset: String?
        /// Test NDCG@10 (or the first NDCG) on that dataset's own test split, full ranking, history
        /// masked: one stated protocol, never the best of several (sampled negatives score far higher).
        public let testNDCG10: Double?
    }

    /// The evaluation mode `list` reports.
    public static let listedMode = "full, history masked"

    /// Every tag with its checkpoint, in one query (goal: < 100 ms for 10,000 manifests).
    public func list() throws(RegistryError) -> [ListEntry] {
        try database.read { db in
            // Columns by index and a cursor: name lookups per row cost more than the query itself.
            let rows = try Row.fetchCursor(db, sql: """
                SELECT t.repository, t.name, m.digest, m.totalSize, m.parameters, m.created, m.dataset,
                       (SELECT e.primaryMetric FROM evaluation e
                        WHERE e.modelDigest = m.digest AND e.mode = ?
                          AND (e.datasetFingerprint = m.datasetFingerprint OR m.datasetFingerprint IS NULL)
                        ORDER BY e.created, e.protocol LIMIT 1)
                FROM tag t JOIN manifest m ON m.digest = t.manifestDigest
                ORDER BY t.repository, t.name
                """, arguments: [Self.listedMode])
            var entries: [ListEntry] = []
            while let row = try rows.next() {
                entries.append(ListEntry(
                    reference: Self.displayName(row[0], row[1]), digest: Digest(trusted: row[2]),
                    size: row[3], parameters: row[4], created: row[5], dataset: row[6], testNDCG10: row[7]))
            }
            return entries
        }
    }

    public struct StoredEvaluation: Codable, Sendable, Equatable {
        public let evaluation: Evaluation
        public let created: String
    }

    public func evaluations(of model: Digest) throws(RegistryError) -> [StoredEvaluation] {
        try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM evaluation WHERE modelDigest = ? ORDER BY datasetFingerprint, protocol, mode
                """, arguments: [model.description]).map { row in
                let metrics = (try? JSONDecoder().decode([String: Double].self, from: Data((row["metrics"] as String).utf8))) ?? [:]
                let baselines = (row["baselines"] as String?).flatMap { try? JSONDecoder().decode([BaselineComparison].self, from: Data($0.utf8)) }
                // Rows are written from typed evaluations, so their mode always reads back.
                return StoredEvaluation(
                    evaluation: Evaluation(dataset: row["dataset"], datasetFingerprint: row["datasetFingerprint"], protocol: row["protocol"],
                                           mode: EvaluationMode(parsing: row["mode"]) ?? EvaluationMode(), metrics: metrics, baselines: baselines),
                    created: row["created"])
            }
        }
    }

    /// Tags pointing at a manifest, as `name:tag`.
    public func tags(of digest: Digest) throws(RegistryError) -> [String] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT repository, name FROM tag WHERE manifestDigest = ? ORDER BY repository, name",
                             arguments: [digest.description]).map { Self.displayName($0["repository"], $0["name"]) }
        }
    }

    /// `library/shop` + `v1` → `shop:v1`, as the user would type it.
    static func displayName(_ repository: String, _ tag: String) -> String {
        let prefix = Reference.defaultNamespace + "/"
        return (repository.hasPrefix(prefix) ? String(repository.dropFirst(prefix.count)) : repository) + ":" + tag
    }

    public struct LineageEdge: Codable, Sendable, Equatable {
        public let child: Digest
        public let parent: Digest
        public let method: String?
        public let dataset: String?
        public let datasetFingerprint: String?
    }

    public func parentEdge(of digest: Digest) throws(RegistryError) -> LineageEdge? {
        try database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM lineage WHERE child = ?", arguments: [digest.description]).map(Self.edge)
        }
    }

    public func children(of digest: Digest) throws(RegistryError) -> [LineageEdge] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM lineage WHERE parent = ? ORDER BY child", arguments: [digest.description]).map(Self.edge)
        }
    }

    static func edge(_ row: Row) -> LineageEdge {
        LineageEdge(child: Digest(row["child"] as String)!, parent: Digest(row["parent"] as String)!,
                    method: row["method"], dataset: row["dataset"], datasetFingerprint: row["datasetFingerprint"])
    }

    public struct LogEntry: Codable, Sendable, Equatable {
        public let digest: Digest
        /// False when the registry knows this ancestor only by digest (it was never pulled here).
        public let stored: Bool
        public let tags: [String]
        public let created: String?
        /// How this entry was made from the next (older) one.
        public let method: String?
        public let dataset: String?
        public let datasetFingerprint: String?
        /// The catalogs this checkpoint was trained on (empty when the registry has no record).
        public var catalogs: [TrainingCatalog] = []
    }

    /// The catalogs a stored checkpoint was trained on, in training order.
    public func trainingCatalogs(of digest: Digest) throws(RegistryError) -> [TrainingCatalog] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT name, fingerprint FROM trainingCatalog WHERE manifestDigest = ? ORDER BY position",
                             arguments: [digest.description]).map { TrainingCatalog(name: $0["name"], fingerprint: $0["fingerprint"]) }
        }
    }

    /// The lineage chain from `reference` back to its oldest known ancestor, newest first.
    public func log(_ reference: Reference) throws(RegistryError) -> [LogEntry] {
        var digest: Digest? = try resolve(reference)
        var entries: [LogEntry] = []
        var seen: Set<Digest> = []
        while let current = digest, seen.insert(current).inserted {
            let created = try database.read { db in
                try String.fetchOne(db, sql: "SELECT created FROM manifest WHERE digest = ?", arguments: [current.description])
            }
            let edge = try parentEdge(of: current)
            entries.append(LogEntry(digest: current, stored: created != nil, tags: try tags(of: current), created: created,
                                    method: edge?.method, dataset: edge?.dataset, datasetFingerprint: edge?.datasetFingerprint,
                                    catalogs: try trainingCatalogs(of: current)))
            digest = edge?.parent
        }
        return entries
    }

    /// The config.json of a stored checkpoint.
    public func config(of digest: Digest) throws(RegistryError) -> Data {
        let (manifest, _) = try manifest(digest)
        return try blobs.read(manifest.config.digest)
    }

    /// One differing key; `a` and `b` are JSON text (absent: the checkpoint has no such key).
    public struct Difference: Codable, Sendable, Equatable {
        public let key: String
        public let a: String?
        public let b: String?
    }

    /// Config fields and evaluation metrics that differ between two checkpoints. Metrics are
    /// compared where both have an evaluation on the same dataset, protocol and mode.
    public func diff(_ a: Reference, _ b: Reference) throws(RegistryError) -> [Difference] {
        let da = try resolve(a), db = try resolve(b)
        let ca = try CheckpointMetadata(configJSON: config(of: da)).fields
        let cb = try CheckpointMetadata(configJSON: config(of: db)).fields
        var out: [Difference] = []
        for key in Set(ca.keys).union(cb.keys).sorted() where ca[key] != cb[key] {
            out.append(Difference(key: "config." + key, a: ca[key], b: cb[key]))
        }
        func metrics(_ d: Digest) throws(RegistryError) -> [String: Double] {
            var m: [String: Double] = [:]
            for s in try evaluations(of: d) {
                let e = s.evaluation
                for (name, value) in e.metrics { m["\(e.dataset ?? e.datasetFingerprint) \(e.protocol) \(e.mode) \(name)"] = value }
            }
            return m
        }
        let ma = try metrics(da), mb = try metrics(db)
        for key in Set(ma.keys).intersection(mb.keys).sorted() where ma[key] != mb[key] {
            out.append(Difference(key: "metric " + key, a: ma[key].map { "\($0)" }, b: mb[key].map { "\($0)" }))
        }
        return out
    }
}
