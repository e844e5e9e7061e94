import Foundation
import SRTModel

/// Which parameters each fine-tuning stage trains (REFERENCE.md §1.7, top-down).
public enum StagePlan: Sendable, Equatable, CustomStringConvertible {
    /// Stage i trains the top i transformer layers, i = 1…L, then a final stage trains everything.
    case progressive
    /// One stage: everything.
    case full
    /// One stage: the top N layers.
    case top(Int)

    public init?(_ text: String) {
        switch text {
        case "progressive": self = .progressive
        case "full": self = .full
        default:
            guard text.hasPrefix("top:"), let n = Int(text.dropFirst(4)), n >= 1 else { return nil }
            self = .top(n)
        }
    }

    public var description: String {
        switch self {
        case .progressive: "progressive"
        case .full: "full"
        case .top(let n): "top:\(n)"
        }
    }

    public struct Stage: Sendable, Equatable {
        /// Transformer layers trained, counted from the top; nil: every parameter.
        public let topLayers: Int?
        public let epochs: Int
        public var description: String {
            topLayers.map { "top \($0) layer\($0 == 1 ? "" : "s") + adapter + input norm" } ?? "everything, embeddings included"
        }
    }

    public func stages(layers: Int, epochsPerLayer: Int, finalEpochs: Int) -> [Stage] {
        switch self {
        case .progressive: (1...layers).map { Stage(topLayers: $0, epochs: epochsPerLayer) } + [Stage(topLayers: nil, epochs: finalEpochs)]
        case .full: [Stage(topLayers: nil, epochs: finalEpochs)]
        case .top(let n): [Stage(topLayers: min(n, layers), epochs: finalEpochs)]
        }
    }
}

extension ParameterLayout {
    /// The tensors a stage trains: the top `topLayers` layers (with the final norm of a pre-LN
    /// stack), the text adapter, a text model's item table and the input LayerNorm; token, position
    /// and an ID model's item embeddings only in the final stage. nil trains everything.
    public func trainableNames(topLayers: Int?, layers: Int) -> Set<String> {
        guard let top = topLayers else { return Set(entries.map(\.name)) }
        // A text model's item table is new to the catalog, so it trains from the first stage on.
        let isTextTable = contains(Self.tokenEmbeddingName) && contains(Self.itemEmbeddingName)
        let prefixes = ["item_encoder.adapter.", "input_norm.", "final_norm."] + (isTextTable ? [Self.itemEmbeddingName] : [])
            + ((layers - top)..<layers).map { "layers.\($0)." }
        return Set(entries.map(\.name).filter { name in prefixes.contains { name.hasPrefix($0) } })
    }
}

/// How a checkpoint was fine-tuned; recorded in its config.json.
public struct FineTuningRecord: Codable, Sendable {
    public struct StageResult: Codable, Sendable {
        public let stage: String
        public let epochs: Int
        public let bestEpoch: Int
        public let validationNDCG10: Double
        enum CodingKeys: String, CodingKey {
            case stage, epochs
            case bestEpoch = "best_epoch"
            case validationNDCG10 = "validation_ndcg@10"
        }
    }

    /// What the start probe measured, and which start the fine-tune took (absent: no probe).
    public struct ProbeRecord: Codable, Sendable {
        public enum Start: String, Codable, Sendable { case base, fresh }
        public let epochs: Int
        public let baseValidationNDCG10: Double
        public let freshValidationNDCG10: Double
        public let start: Start

        init(_ probe: StartProbe) {
            (epochs, baseValidationNDCG10, freshValidationNDCG10) = (probe.epochs, probe.baseValidation, probe.freshValidation)
            start = probe.baseWins ? .base : .fresh
        }

        enum CodingKeys: String, CodingKey {
            case epochs, start
            case baseValidationNDCG10 = "base_validation_ndcg@10"
            case freshValidationNDCG10 = "fresh_validation_ndcg@10"
        }
    }

    public var base: String
    public var baseDigest: String?
    public var baseDataset: String
    public var baseDatasetFingerprint: String
    public var plan: String
    public var ewcLambda: Double
    public var stages: [StageResult]
    /// The base's own training recipe: what `eval --baselines scratch` trains from scratch.
    public var baseTraining: TrainingOptions?
    public var probe: ProbeRecord?
    /// The root-mean-square the base's token embeddings were rescaled to first (absent: kept).
    public var embeddingRMS: Float?
    /// The fraction of the base's weights kept above the token table, the rest a fresh initialization (absent: 1).
    public var keepBase: Float?
    /// The fraction of the base's token table kept, the rest a fresh initialization (absent: 1).
    public var keepTokens: Float?
    /// "target" when the catalog's text was encoded by a tokenizer trained on it (`VocabularyTransfer`);
    /// absent: the base's tokenizer.
    public var vocabulary: String?
    /// The mix of the fine-tune with its start that was kept, and every mix tried (`BaseMix`);
    /// absent: none was tried.
    public var baseMix: BaseMix?
    /// Validation NDCG@10 of the text baseline on the same cases (`TextBaselineCheck`), the bar a
    /// fine-tune should clear.
    public var textBaselineValidationNDCG10: Double?

    enum CodingKeys: String, CodingKey {
        case base, plan, stages
        case baseDigest = "base_digest"
        case baseDataset = "base_dataset"
        case baseDatasetFingerprint = "base_dataset_fingerprint"
        case ewcLambda = "ewc_lambda"
        case baseTraining = "base_training"
        case probe = "start_probe"
        case embeddingRMS = "embedding_rms"
        case keepBase = "keep_base"
        case keepTokens = "keep_tokens"
        case vocabulary
        case baseMix = "base_mix"
        case textBaselineValidationNDCG10 = "text_baseline_validation_ndcg@10"
    }
}
