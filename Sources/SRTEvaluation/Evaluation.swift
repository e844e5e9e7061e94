import Foundation

/// Which candidates a target is ranked among, and whether the user's history is masked.
public struct EvaluationMode: Codable, Sendable, Equatable, Hashable, CustomStringConvertible {
    public enum Sampling: String, Codable, Sendable, CaseIterable { case uniform, popularity }

    /// nil: the whole catalog; N: the target and N sampled negatives (never the target itself).
    public var negatives: Int?
    public var sampling: Sampling
    /// Masked: history items other than the target are neither ranked nor drawn as negatives.
    public var maskHistory: Bool

    public init(negatives: Int? = nil, sampling: Sampling = .uniform, maskHistory: Bool = true) {
        self.negatives = negatives
        self.sampling = sampling
        self.maskHistory = maskHistory
    }

    /// "full, history masked", "sampled 100 uniform, history unmasked", … (the registry's mode key).
    public var description: String {
        let candidates = negatives.map { "sampled \($0) \(sampling.rawValue)" } ?? "full"
        return "\(candidates), history \(maskHistory ? "masked" : "unmasked")"
    }

    /// The mode a description names (the inverse of `description`); nil for any other text.
    public init?(parsing text: String) {
        let parts = text.components(separatedBy: ", history ")
        guard parts.count == 2, ["masked", "unmasked"].contains(parts[1]) else { return nil }
        let words = parts[0].split(separator: " ")
        if words == ["full"] {
            self.init(maskHistory: parts[1] == "masked")
        } else if words.count == 3, words[0] == "sampled", let n = Int(words[1]), n > 0, let sampling = Sampling(rawValue: String(words[2])) {
            self.init(negatives: n, sampling: sampling, maskHistory: parts[1] == "masked")
        } else {
            return nil
        }
    }
}

/// One evaluation of a model, the one value that train, finetune and eval write (eval.json), the
/// registry stores and the model card shows: on which data and split, how the targets were ranked,
/// the metrics at each K, and the baselines compared on the same users.
public struct Evaluation: Codable, Sendable, Equatable {
    public var dataset: String?
    public var datasetFingerprint: String
    /// The split: `SplitProtocol`'s description ("leave-one-out", "temporal (cutoff at the 0.9
    /// timestamp quantile)"), with " (validation)" when the validation targets were ranked.
    public var `protocol`: String
    public var mode: EvaluationMode
    /// `ndcg@K`, `hr@K`, `mrr@K`.
    public var metrics: [String: Double]
    /// The baselines evaluated beside the model on the same users, when there were any.
    public var baselines: [BaselineComparison]?

    public init(dataset: String?, datasetFingerprint: String, protocol: String, mode: EvaluationMode, metrics: [String: Double],
                baselines: [BaselineComparison]? = nil) {
        self.dataset = dataset
        self.datasetFingerprint = datasetFingerprint
        self.protocol = `protocol`
        self.mode = mode
        self.metrics = metrics
        self.baselines = baselines
    }

    /// The cutoffs K the metrics were computed at.
    public var ks: [Int] { Set(metrics.keys.compactMap { $0.split(separator: "@").last.flatMap { Int($0) } }).sorted() }

    /// What `protocol` ends with when the validation targets were ranked.
    private static let validationSuffix = " (validation)"

    /// The split's name as `protocol` records it: the protocol's own, marked when on validation.
    public static func protocolName(_ splitProtocol: String, onValidation: Bool) -> String {
        splitProtocol + (onValidation ? validationSuffix : "")
    }

    /// Whether the validation targets were ranked (else the test targets).
    public var isOnValidation: Bool { `protocol`.hasSuffix(Evaluation.validationSuffix) }

    /// NDCG@10 where present, else the first NDCG, else none.
    public var primaryMetric: Double? {
        metrics["ndcg@10"] ?? metrics.keys.sorted().first { $0.hasPrefix("ndcg") }.flatMap { metrics[$0] }
    }

    /// Two evaluations with the same key are the same measurement (a newer one replaces the older).
    public var key: String { "\(datasetFingerprint)|\(`protocol`)|\(mode)" }

    enum CodingKeys: String, CodingKey {
        case dataset, mode, metrics, `protocol`, baselines, ks, ranking
        case datasetFingerprint = "dataset_fingerprint"
        case historyMasked = "history_masked"
    }

    struct Ranking: Codable { var candidates: String; var negatives: Int?; var sampling: EvaluationMode.Sampling? }

    /// Written with the mode as its text (the key) and spelled out (`ranking`, `history_masked`, `ks`).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(dataset, forKey: .dataset)
        try c.encode(datasetFingerprint, forKey: .datasetFingerprint)
        try c.encode(`protocol`, forKey: .protocol)
        try c.encode(mode.description, forKey: .mode)
        try c.encode(Ranking(candidates: mode.negatives == nil ? "full" : "sampled", negatives: mode.negatives,
                             sampling: mode.negatives == nil ? nil : mode.sampling), forKey: .ranking)
        try c.encode(mode.maskHistory, forKey: .historyMasked)
        try c.encode(ks, forKey: .ks)
        try c.encode(metrics, forKey: .metrics)
        try c.encodeIfPresent(baselines, forKey: .baselines)
    }

    /// Read from the mode's text, so files written before the spelled-out fields still read.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dataset = try c.decodeIfPresent(String.self, forKey: .dataset)
        datasetFingerprint = try c.decode(String.self, forKey: .datasetFingerprint)
        `protocol` = try c.decode(String.self, forKey: .protocol)
        let text = try c.decode(String.self, forKey: .mode)
        guard let mode = EvaluationMode(parsing: text) else {
            throw DecodingError.dataCorruptedError(forKey: .mode, in: c, debugDescription: "unknown mode '\(text)': write e.g. \"full, history masked\" or \"sampled 100 uniform, history unmasked\"")
        }
        self.mode = mode
        metrics = try c.decode([String: Double].self, forKey: .metrics)
        baselines = try c.decodeIfPresent([BaselineComparison].self, forKey: .baselines)
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

    public init(name: String, metric: String, value: Double, difference: Double, low: Double, high: Double, resamples: Int?) {
        (self.name, self.metric, self.value, self.difference, self.low, self.high, self.resamples) = (name, metric, value, difference, low, high, resamples)
    }
}

extension Evaluation {
    /// eval.json's bytes: a list, keys sorted, indented.
    public static func encodeList(_ evaluations: [Evaluation]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(evaluations)
    }

    /// `existing` with every evaluation of `new` added, replacing one with the same key.
    public static func merged(_ existing: [Evaluation], with new: [Evaluation]) -> [Evaluation] {
        let replaced = Set(new.map(\.key))
        return existing.filter { !replaced.contains($0.key) } + new
    }
}
