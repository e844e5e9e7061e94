import Foundation
import SRTOCI

/// What the registry reads from a checkpoint's config.json. The registry does not know the model;
/// these are the few keys the training side promises to write, all optional:
///
///     { "parent": "sha256:…" | {"digest": "sha256:…", "reference": "…"},
///       "method": "pretrain" | "finetune progressive …",
///       "dataset": "amazon-beauty", "dataset_fingerprint": "sha256:…",
///       "parameters": {"total": 123, "non_embedding": 45}, "created": "2026-…Z" }
public struct CheckpointMetadata: Sendable, Equatable {
    public var parent: Digest?
    public var parentReference: String?
    public var method: String?
    public var dataset: String?
    public var datasetFingerprint: String?
    public var parameters: Int?
    public var created: String?
    /// Every catalog the checkpoint was trained on (multi-catalog training lists them under
    /// `catalogs`; otherwise the one `dataset`), each with its fingerprint.
    public var catalogs: [TrainingCatalog] = []
    /// Every top-level key, flattened to text, for `diff`.
    public var fields: [String: String]

    public init(configJSON data: Data) throws(RegistryError) {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw RegistryError(.badCheckpoint, "config.json is not a JSON object",
                                hint: "a checkpoint's config.json must be the JSON written by srthub train")
        }
        if let text = object["parent"] as? String {
            parent = Digest(text)
        } else if let p = object["parent"] as? [String: Any] {
            parent = (p["digest"] as? String).flatMap(Digest.init)
            parentReference = p["reference"] as? String
        }
        method = object["method"] as? String
        dataset = object["dataset"] as? String
        datasetFingerprint = object["dataset_fingerprint"] as? String
        parameters = ((object["parameters"] as? [String: Any])?["total"] as? NSNumber)?.intValue
            ?? (object["parameters"] as? NSNumber)?.intValue
        created = object["created"] as? String
        if let list = object["catalogs"] as? [[String: Any]] {
            catalogs = list.compactMap { c in (c["fingerprint"] as? String).map { TrainingCatalog(name: c["name"] as? String, fingerprint: $0) } }
        } else if let fingerprint = datasetFingerprint {
            catalogs = [TrainingCatalog(name: dataset, fingerprint: fingerprint)]
        }
        fields = Self.flatten(object)
    }

    /// `{"a": {"b": 1}}` → `["a.b": "1"]`, values as compact JSON.
    static func flatten(_ object: [String: Any], prefix: String = "") -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in object {
            let path = prefix.isEmpty ? key : prefix + "." + key
            if let nested = value as? [String: Any] {
                out.merge(flatten(nested, prefix: path)) { $1 }
            } else if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]) {
                out[path] = String(decoding: data, as: UTF8.self)
            }
        }
        return out
    }
}

/// A catalog a checkpoint was trained on.
public struct TrainingCatalog: Codable, Sendable, Equatable {
    public let name: String?
    public let fingerprint: String
}

/// One stored evaluation of a model on a dataset, as `eval.json` in a checkpoint folder carries it
/// (a JSON object or a list of them): `{"dataset": "ml-100k", "dataset_fingerprint": "sha256:…",
/// "protocol": "leave-one-out", "mode": "full", "metrics": {"ndcg@10": 0.1, "hr@10": 0.2}}`.
public struct Evaluation: Codable, Sendable, Equatable {
    public var dataset: String?
    public var datasetFingerprint: String
    public var `protocol`: String
    public var mode: String
    public var metrics: [String: Double]
    /// The baselines evaluated beside the model on the same users, when there were any.
    public var baselines: [BaselineComparison]?

    enum CodingKeys: String, CodingKey {
        case dataset, mode, metrics, `protocol`, baselines
        case datasetFingerprint = "dataset_fingerprint"
    }

    public init(dataset: String?, datasetFingerprint: String, protocol: String, mode: String, metrics: [String: Double],
                baselines: [BaselineComparison]? = nil) {
        self.dataset = dataset
        self.datasetFingerprint = datasetFingerprint
        self.protocol = `protocol`
        self.mode = mode
        self.metrics = metrics
        self.baselines = baselines
    }

    /// The metric `list` shows: NDCG@10 where present, else the first NDCG, else none.
    public var primaryMetric: Double? {
        metrics["ndcg@10"] ?? metrics.keys.sorted().first { $0.hasPrefix("ndcg") }.flatMap { metrics[$0] }
    }

    static func decodeList(_ data: Data, path: String) throws(RegistryError) -> [Evaluation] {
        let decoder = JSONDecoder()
        if let one = try? decoder.decode(Evaluation.self, from: data) { return [one] }
        do { return try decoder.decode([Evaluation].self, from: data) } catch {
            throw RegistryError(.badCheckpoint, "\(path): not an evaluation report (\(error))",
                                hint: "write {\"dataset_fingerprint\", \"protocol\", \"mode\", \"metrics\"} or a list of them")
        }
    }
}

/// A baseline's value of one metric and the model's difference to it (model − baseline), with the
/// 95% interval of that difference from a paired bootstrap over the users.
public struct BaselineComparison: Codable, Sendable, Equatable {
    public var name: String
    public var metric: String
    public var value: Double
    public var difference: Double
    public var low: Double
    public var high: Double
    public var resamples: Int?
}
