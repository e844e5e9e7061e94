import SRTModel

/// The training recipe; recorded in the checkpoint's config.json.
public struct TrainingOptions: Codable, Sendable, Equatable {
    public var loss: LossKind = .fullCrossEntropy
    public var epochs = 100
    public var batch = 128
    public var learningRate: Float = 1e-3
    public var weightDecay: Float = 0
    /// AdamW's decay (each step multiplies every weight by 1 − lr × it); nil: none. Keeps a long
    /// run's weights near the scale they started at (see bench/RESULTS.md on why a base's scale matters).
    public var decoupledWeightDecay: Float?
    /// Text models: the probability that a piece of an item's text is left out of a training step
    /// (`TokenDropout`); nil: none. Evaluation always reads every piece.
    public var tokenDropout: Float?
    /// Global gradient-norm clip; 0 turns clipping off.
    public var maxGradientNorm: Float = 1
    /// Epochs without a better validation NDCG@10 before stopping.
    public var patience = 10
    public var seed: UInt64 = 2020
    public var threads = 1
    /// Items between training windows (default T/2; T = disjoint windows). See TrainingWindows.
    public var windowStride: Int?
    /// Validation cases used each epoch (all when nil); a subsample keeps epochs fast on big data.
    public var validationCases: Int?
    /// "constant" keeps the peak rate throughout (as RecBole); nil or "onecycle": the one-cycle schedule.
    public var schedule: String?
    /// Which validation NDCG@10 picks the best epoch and drives early stopping: "masked" (nil: history
    /// items excluded), "unmasked" (every item ranked, as RecBole selects) or "mean" (of the two).
    public var selection: String?
    /// Validation, the best weights and the final model use an exponential moving average of the
    /// weights over about this many epochs (nil: the raw weights). See WeightAverage.
    public var averageEpochs: Double?
    /// A wall-time budget in seconds: training ends after the first epoch that reaches it, as
    /// complete (nil: none). Comparisons at equal wall time give every side the same budget.
    public var maxSeconds: Double?
    /// Divides every logit of the training loss (nil: 1, the reference's). Below 1 sharpens the
    /// softmax onto the highest-scored wrong items; above 1 spreads the gradient over more of them
    /// (bench/quality.sh's SASRec recipe uses 2). Ranking ignores it. Set and read it through `lossTemperature`.
    public var temperature: Float?
    /// Full CE only: the target's share ε of the training distribution goes evenly to the whole
    /// catalog (nil: 0, the reference's; bench/quality.sh's SRT recipe uses 0.1). Set and read it
    /// through `lossLabelSmoothing`.
    public var labelSmoothing: Float?
    /// Multi-catalog training: draw negatives from (and, for ce and rece, score) the batch's own
    /// catalog (each batch then holds one catalog's sequences) instead of the whole union (nil).
    /// `srthub train` defaults to the batch's catalog.
    public var negatives: NegativeSource?

    public init() {}

    /// The label smoothing; 0, the default, is recorded as absent so older configs read the same.
    public var lossLabelSmoothing: Float {
        get { labelSmoothing ?? 0 }
        set { labelSmoothing = newValue == 0 ? nil : newValue }
    }

    /// Refuses a label smoothing the loss cannot apply.
    public func checkLabelSmoothing() throws(TrainingError) {
        if lossLabelSmoothing != 0, loss != .fullCrossEntropy {
            throw .badOption("label smoothing (\(lossLabelSmoothing)) needs the full CE loss (ce), not \(loss): drop --label-smoothing or use --loss ce")
        }
    }

    /// The loss temperature; 1, the default, is recorded as absent so older configs read the same.
    public var lossTemperature: Float {
        get { temperature ?? 1 }
        set { temperature = newValue == 1 ? nil : newValue }
    }

    /// Sequences the training network must hold at once: with several workers it runs only its
    /// own shard of each batch (the replicas are sized the same way), so it needs no more.
    public var networkBatch: Int { (batch + max(threads, 1) - 1) / max(threads, 1) }

    /// The selection score of one validation result.
    public func selectionScore(masked: Double, unmasked: Double) -> Double {
        switch selection {
        case "unmasked": unmasked
        case "mean": (masked + unmasked) / 2
        default: masked
        }
    }

    enum CodingKeys: String, CodingKey {
        case loss, epochs, batch, patience, seed, threads
        case learningRate = "learning_rate"
        case weightDecay = "weight_decay"
        case decoupledWeightDecay = "decoupled_weight_decay"
        case tokenDropout = "token_dropout"
        case maxGradientNorm = "max_gradient_norm"
        case validationCases = "validation_cases"
        case windowStride = "window_stride"
        case schedule = "lr_schedule"
        case selection = "select"
        case averageEpochs = "average_epochs"
        case maxSeconds = "max_seconds"
        case temperature
        case labelSmoothing = "label_smoothing"
        case negatives
    }
}

/// Where a sampled loss's negatives come from when one model trains on several catalogs.
public enum NegativeSource: String, Codable, Sendable, CaseIterable {
    /// Any item of the union, by popularity: most negatives then come from other catalogs, which
    /// tell themselves apart by their text alone.
    case union
    /// The batch's own catalog, by its popularity: batches hold one catalog each (in random
    /// order), so every negative is an item the user could have chosen instead.
    case catalog
}

/// What a training run reports as it goes; the caller renders it and may ask to stop.
public enum TrainingEvent: Sendable {
    case note(String)
    case step(epoch: Int, step: Int, stepsPerEpoch: Int, loss: Float, targetsPerSecond: Double)
    case epoch(EpochSummary)
    /// A fine-tuning stage begins.
    case stage(number: Int, of: Int, description: String, epochs: Int)
    /// The epochs that follow belong to this run (the start probe's sides, a stage going on): a label for them.
    case run(label: String)
}

public struct EpochSummary: Codable, Sendable {
    public let epoch: Int
    public let trainLoss: Double
    /// Validation NDCG@10 with history masked, and unmasked (absent in logs older than it).
    public let validationNDCG10: Double
    public var validationUnmaskedNDCG10: Double? = nil
    public let best: Bool
    public let seconds: Double
    public let targets: Int
    /// The EWC penalty at the end of the epoch (fine-tuning only).
    public var penalty: Double? = nil
    /// Multi-catalog training: validation NDCG@10 (history masked) of each catalog, ranked among its own items.
    public var validationByCatalog: [String: Double]? = nil
    /// The fine-tuning stage the epoch belongs to ("top 1 layer(s)", "everything, embeddings included");
    /// absent for `srthub train`'s single run.
    public var stage: String? = nil
}

public enum TrainingControl: Sendable { case proceed, stop }
