import Foundation
import SRTData
import SRTModel
import SRTTokenizer

/// A checkpoint folder: config.json, model.safetensors, fisher.safetensors (diagonal Fisher, same
/// tensor names), tokenizer.model (text models), items.tsv
/// (the catalog: item id and text, so `recommend` works without the data), train_log.jsonl and
/// eval.json. The keys `parent`, `method`, `dataset`, `dataset_fingerprint`, `parameters` and
/// `created` are the ones the registry reads.
public struct CheckpointConfig: Codable, Sendable {
    public struct Parameters: Codable, Sendable {
        public var total: Int
        public var nonEmbedding: Int
        enum CodingKeys: String, CodingKey { case total, nonEmbedding = "non_embedding" }
    }
    public struct Parent: Codable, Sendable {
        public var digest: String?
        public var reference: String?
    }

    public var format = CheckpointConfig.format
    /// The version of docs/checkpoint-format.md the folder follows; absent (folders written before
    /// it was recorded) reads as 1. A newer one is refused at load rather than misread.
    public var formatVersion: Int? = 1
    public static let format = "srthub.checkpoint.v1"
    /// The newest format version this srthub reads.
    public static let formatVersion = 2
    /// The version a model is written under: 2 where a text model has an item table (an srthub
    /// that reads only 1 would score it without the table, silently), else 1 (every reader takes it).
    public static func formatVersion(for model: ModelShape) -> Int {
        model.itemEncoder.kind == .text && model.itemEncoder.itemIDs == true ? 2 : 1
    }
    public var name: String
    public var model: ModelShape
    public var training: TrainingOptions
    public var parameters: Parameters
    public var dataset: String
    public var datasetFingerprint: String
    public var split: String
    public var method: String
    public var parent: Parent?
    public var created: String
    public var seenInteractions: Int
    /// Training FLOPs spent: every step's matrix products, forward and backward (`StepAccounting`),
    /// a fine-tune's added to its base's.
    public var flops: Double
    public var bestEpoch: Int
    public var validationNDCG10: Double
    /// Fine-tuned checkpoints: the base, the stages and λ.
    public var fineTuning: FineTuningRecord? = nil
    /// Multi-catalog training: every catalog with its own fingerprint (`dataset` and
    /// `dataset_fingerprint` then name the union).
    public var catalogs: [Catalog]? = nil
    /// false for a run stopped before its end (Ctrl-C, SIGTERM): no Fisher, no test figures, and
    /// `add` refuses it without --allow-incomplete; absent for a finished run.
    public var complete: Bool? = nil
    /// The license the model is published under (an SPDX id, or "other"); the model card says it.
    public var license: String? = nil
    /// The sample of each catalog's users the run trained on (`--users-fraction`, `--users-seed`); absent: all of them.
    public var usersSample: UsersSample? = nil
    public struct UsersSample: Codable, Sendable, Equatable {
        public var fraction: Double
        public var seed: UInt64
    }

    public struct Catalog: Codable, Sendable, Equatable {
        public var name: String
        public var fingerprint: String
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version"
        case format, name, model, training, parameters, dataset, split, method, parent, created, flops
        case fineTuning = "fine_tuning"
        case catalogs, complete, license
        case usersSample = "users_sample"
        case datasetFingerprint = "dataset_fingerprint"
        case seenInteractions = "seen_interactions"
        case bestEpoch = "best_epoch"
        case validationNDCG10 = "validation_ndcg@10"
    }
}

public enum Checkpoint {
    /// Writes the folder atomically: everything goes to a sibling temp folder first, which then
    /// takes `folder`'s place in one step (`AtomicFolder`).
    public static func write(to folder: String, config: CheckpointConfig, network: Network, tokenizerPath: String?,
                             dataset: Dataset, history: [EpochSummary], evaluations: [Evaluation], fisher: [Float]? = nil,
                             resume: Trainer? = nil) throws {
        do {
            try AtomicFolder.write(folder) { tmp in  // a full disk leaves no half-written folder behind
                try writeFiles(to: tmp, config: config, network: network, tokenizerPath: tokenizerPath, dataset: dataset, history: history,
                               evaluations: evaluations, fisher: fisher, resume: resume)
            }
        } catch {
            throw TrainingError.cannotWrite("writing the checkpoint \(folder) failed: \(error.localizedDescription)")
        }
    }

    static func writeFiles(to tmp: String, config: CheckpointConfig, network: Network, tokenizerPath: String?,
                           dataset: Dataset, history: [EpochSummary], evaluations: [Evaluation], fisher: [Float]?,
                           resume: Trainer?) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        let encoder = configEncoder
        var config = config
        config.formatVersion = CheckpointConfig.formatVersion(for: config.model)
        try encoder.encode(config).write(to: URL(fileURLWithPath: tmp + "/config.json"))
        try Safetensors.encode(network.tensors(), metadata: ["format": "pt", "srthub": config.format])
            .write(to: URL(fileURLWithPath: tmp + "/model.safetensors"))
        if let fisher {
            let tensors = network.layout.entries.map { Safetensors.Tensor(name: $0.name, shape: $0.shape, values: Array(fisher[$0.range])) }
            try Safetensors.encode(tensors, metadata: ["format": "pt", "srthub": "diagonal Fisher information"])
                .write(to: URL(fileURLWithPath: tmp + "/fisher.safetensors"))
        }
        if let resume, resume.isResumable {
            // resume/: the end of the last completed epoch (weights, Adam moments, counters, RNG),
            // and the best weights so far; `srthub train --resume` continues from it exactly.
            try fm.createDirectory(atPath: tmp + "/resume", withIntermediateDirectories: true)
            let n = network.params.count
            var tensors: [Safetensors.Tensor] = [
                .init(name: "params", shape: [n], values: resume.snapshot.params.array),
                .init(name: "adam.m", shape: [n], values: resume.snapshot.m.array),
                .init(name: "adam.v", shape: [n], values: resume.snapshot.v.array),
                .init(name: "best", shape: [n], values: network.params.array),
            ]
            if let average = resume.snapshotAverage { tensors.append(.init(name: "average", shape: [n], values: average.array)) }
            try Safetensors.encode(tensors).write(to: URL(fileURLWithPath: tmp + "/resume/state.safetensors"))
            try encoder.encode(resume.resumeState).write(to: URL(fileURLWithPath: tmp + "/resume/state.json"))
        }
        if let tokenizerPath { try fm.copyItem(atPath: tokenizerPath, toPath: tmp + "/tokenizer.model") }
        try catalogTSV(dataset).write(toFile: tmp + "/items.tsv", atomically: false, encoding: .utf8)
        let log = try history.map { String(decoding: try JSONEncoder.compact.encode($0), as: UTF8.self) }.joined(separator: "\n") + "\n"
        try log.write(toFile: tmp + "/train_log.jsonl", atomically: false, encoding: .utf8)
        if !evaluations.isEmpty {
            try Evaluation.encodeList(evaluations)
                .write(to: URL(fileURLWithPath: tmp + "/eval.json"))
        }
    }

    /// config.json's encoder: indented, keys sorted, slashes as they are.
    static var configEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// `item_id` and the text fields, tab-separated, tabs and newlines in text replaced by spaces.
    static func catalogTSV(_ dataset: Dataset) -> String {
        let catalog = dataset.catalog
        func clean(_ s: String) -> String { s.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ") }
        var lines = [(["item_id"] + catalog.fields).joined(separator: "\t")]
        for (i, id) in catalog.ids.enumerated() { lines.append(([clean(id)] + catalog.text[i].map(clean)).joined(separator: "\t")) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Loads the checkpoint in `folder` the way every command will (config checked, every tensor's
    /// shape, offsets and values, the tokenizer), so `add` refuses a damaged one before it enters
    /// a registry instead of the damage showing later.
    /// A folder whose config is not a model srthub runs (no `model` section, another `format`)
    /// is stored as an opaque artifact: its weights must still be a sound float32 safetensors file.
    public static func validate(_ folder: String) throws {
        let fm = FileManager.default
        guard let data = fm.contents(atPath: folder + "/config.json") else {
            throw TrainingError.badCheckpoint("\(folder): no config.json (a checkpoint folder is what srthub train --out writes)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw TrainingError.badCheckpoint("\(folder)/config.json: not a JSON object")
        }
        let isModel = object["model"] != nil || (object["format"] as? String)?.hasPrefix("srthub.checkpoint") == true
        if isModel {
            _ = try load(from: folder, maxBatch: 1)
        } else {
            try checkSafetensors(folder + "/model.safetensors")
        }
        if fm.fileExists(atPath: folder + "/fisher.safetensors") { try checkSafetensors(folder + "/fisher.safetensors") }
    }

    /// Decodes every tensor of a safetensors file (offsets, shapes, no overlap) and checks its values are finite.
    static func checkSafetensors(_ path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw TrainingError.badCheckpoint("\(path): missing or unreadable") }
        for (name, tensor) in try Safetensors.decode(data, path: path).tensors where !tensor.values.allSatisfy(\.isFinite) {
            throw TrainingError.badCheckpoint("\(path): tensor '\(name)' holds NaN or infinite values")
        }
    }

    public struct Loaded {
        public let config: CheckpointConfig
        public let network: Network
        public let tokenizer: SentencePieceTokenizer?
    }

    /// Loads config and weights; a text model's catalog is set separately (`setCatalog`).
    public static func load(from folder: String, maxBatch: Int = 128) throws -> Loaded {
        let config = try config(of: folder)
        let network = Network(shape: config.model, maxBatch: maxBatch)
        guard let weights = FileManager.default.contents(atPath: folder + "/model.safetensors") else {
            throw TrainingError.badCheckpoint("\(folder): no model.safetensors")
        }
        try network.load(Safetensors.decode(weights, path: folder + "/model.safetensors").tensors, path: folder + "/model.safetensors")
        let tokenizer = config.model.itemEncoder.kind == .text ? try SentencePieceTokenizer(modelPath: folder + "/tokenizer.model") : nil
        return Loaded(config: config, network: network, tokenizer: tokenizer)
    }

    /// A checkpoint's config.json, read and checked (format, version, model shape) without its weights.
    public static func config(of folder: String) throws -> CheckpointConfig {
        guard let data = FileManager.default.contents(atPath: folder + "/config.json") else {
            throw TrainingError.badCheckpoint("\(folder): no config.json (a checkpoint folder is what srthub train --out writes)")
        }
        let config: CheckpointConfig
        do { config = try JSONDecoder().decode(CheckpointConfig.self, from: data) } catch {
            throw TrainingError.badCheckpoint("\(folder)/config.json: not an srthub checkpoint config (\(error))")
        }
        guard config.format == CheckpointConfig.format else {
            throw TrainingError.badCheckpoint("\(folder)/config.json: format is '\(config.format)', not '\(CheckpointConfig.format)' (docs/checkpoint-format.md)")
        }
        if let version = config.formatVersion, version > CheckpointConfig.formatVersion || version < 1 {
            throw TrainingError.badCheckpoint("\(folder)/config.json: format_version \(version) is not one this srthub reads (1 to \(CheckpointConfig.formatVersion)): a newer srthub wrote it; upgrade srthub")
        }
        do { try config.model.validate() } catch {
            throw TrainingError.badCheckpoint("\(folder)/config.json: \(error)")
        }
        return config
    }
}

extension JSONEncoder {
    static var compact: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}
