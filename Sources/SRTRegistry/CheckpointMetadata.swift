import Foundation
import SRTOCI
@_exported import SRTEvaluation

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
    public var license: String?
    /// Every catalog the checkpoint was trained on (multi-catalog training lists them under
    /// `catalogs`; otherwise the one `dataset`), each with its fingerprint.
    public var catalogs: [TrainingCatalog] = []
    /// What a scaling fit needs of a training run; nil where config.json lacks any of its required keys.
    public var run: RunFacts?
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
        parameters = Self.count((object["parameters"] as? [String: Any])?["total"]) ?? Self.count(object["parameters"])
        created = object["created"] as? String
        license = object["license"] as? String
        if let list = object["catalogs"] as? [[String: Any]] {
            catalogs = list.compactMap { c in (c["fingerprint"] as? String).map { TrainingCatalog(name: c["name"] as? String, fingerprint: $0) } }
        } else if let fingerprint = datasetFingerprint {
            catalogs = [TrainingCatalog(name: dataset, fingerprint: fingerprint)]
        }
        run = RunFacts(config: object)
        fields = Self.flatten(object)
    }

    /// A count a registry row may hold: a whole number from 0 to 10^15. Anything else (1e300 was
    /// stored as Int.min, and every later `list` crashed) reads as absent.
    static func count(_ value: Any?) -> Int? {
        guard let number = value as? NSNumber else { return nil }
        let x = number.doubleValue
        guard x.isFinite, x >= 0, x <= 1e15, x == x.rounded() else { return nil }
        return Int(x)
    }

    /// `{"a": {"b": 1}}` → `["a.b": "1"]`, values as compact JSON.
    static func flatten(_ object: [String: Any], prefix: String = "") -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in object {
            let path = prefix.isEmpty ? key : prefix + "." + key
            if let nested = value as? [String: Any], !nested.isEmpty {  // an empty object stays, as "{}"
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
/// "protocol": "leave-one-out", "mode": "full, history masked", "metrics": {"ndcg@10": 0.1, "hr@10": 0.2}}`.
extension Evaluation {
    static func decodeList(_ data: Data, path: String) throws(RegistryError) -> [Evaluation] {
        let decoder = JSONDecoder()
        if let one = try? decoder.decode(Evaluation.self, from: data) { return [one] }
        do { return try decoder.decode([Evaluation].self, from: data) } catch {
            throw RegistryError(.badCheckpoint, "\(path): not an evaluation report (\(error))",
                                hint: "write {\"dataset_fingerprint\", \"protocol\", \"mode\", \"metrics\"} or a list of them")
        }
    }
}

/// One training run as a scaling law sees it, from config.json's `model.architecture`, `parameters`,
/// `seen_interactions`, `flops`, `training`, `validation_ndcg@10` and `users_sample`.
public struct RunFacts: Codable, Sendable, Equatable {
    public var architecture: String?
    public var layers: Int?
    public var hidden: Int?
    public var nonEmbeddingParameters: Int
    public var parameters: Int?
    public var seenInteractions: Int
    public var flops: Double
    public var epochs: Int?
    public var bestEpoch: Int?
    public var loss: String?
    public var validationNDCG10: Double
    public var usersFraction: Double?
    public var usersSeed: Int?
    public var split: String?

    public init(architecture: String?, layers: Int?, hidden: Int?, nonEmbeddingParameters: Int, parameters: Int?, seenInteractions: Int,
                flops: Double, epochs: Int?, bestEpoch: Int?, loss: String?, validationNDCG10: Double, usersFraction: Double?,
                usersSeed: Int?, split: String?) {
        (self.architecture, self.layers, self.hidden, self.nonEmbeddingParameters, self.parameters) = (architecture, layers, hidden, nonEmbeddingParameters, parameters)
        (self.seenInteractions, self.flops, self.epochs, self.bestEpoch, self.loss) = (seenInteractions, flops, epochs, bestEpoch, loss)
        (self.validationNDCG10, self.usersFraction, self.usersSeed, self.split) = (validationNDCG10, usersFraction, usersSeed, split)
    }

    init?(config object: [String: Any]) {
        let parameters = object["parameters"] as? [String: Any]
        guard let nonEmbedding = CheckpointMetadata.count(parameters?["non_embedding"]),
              let seen = CheckpointMetadata.count(object["seen_interactions"]),
              let flops = (object["flops"] as? NSNumber)?.doubleValue, flops.isFinite, flops >= 0,
              let validation = (object["validation_ndcg@10"] as? NSNumber)?.doubleValue, validation.isFinite else { return nil }
        let architecture = (object["model"] as? [String: Any])?["architecture"] as? [String: Any]
        let training = object["training"] as? [String: Any]
        let sample = object["users_sample"] as? [String: Any]
        self.architecture = architecture?["name"] as? String
        layers = CheckpointMetadata.count(architecture?["layers"])
        hidden = CheckpointMetadata.count(architecture?["hidden"])
        nonEmbeddingParameters = nonEmbedding
        self.parameters = CheckpointMetadata.count(parameters?["total"])
        seenInteractions = seen
        self.flops = flops
        epochs = CheckpointMetadata.count(training?["epochs"])
        bestEpoch = CheckpointMetadata.count(object["best_epoch"])
        loss = training?["loss"] as? String
        validationNDCG10 = validation
        usersFraction = (sample?["fraction"] as? NSNumber)?.doubleValue
        usersSeed = CheckpointMetadata.count(sample?["seed"])
        split = object["split"] as? String
    }
}
