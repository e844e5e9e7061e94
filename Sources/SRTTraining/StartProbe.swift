import SRTData
import SRTModel
import SRTTensor

/// Does the base's start help on this catalog? Fine-tuning a base that learned nothing useful for a
/// catalog (one far from its corpus) can trail the same architecture trained from fresh weights
/// epoch for epoch. The probe trains both starts for a few epochs with everything unfrozen, on the
/// fine-tune's own recipe, and compares their best validation NDCG@10; the fine-tune then begins
/// from the winner, so a useless base costs the probe's epochs, not the result.
public struct StartProbe: Sendable {
    /// Best validation NDCG@10 (history masked) within the probe's epochs, from each start.
    public let baseValidation: Double
    public let freshValidation: Double
    public let epochs: Int

    /// The base's start wins ties: it is what the user asked to fine-tune.
    public var baseWins: Bool { baseValidation >= freshValidation }

    /// Probes `network` (holding the base's weights) and leaves in it the winning start: the base's
    /// weights unchanged, or fresh ones from `options.seed` (as `srthub train` initializes).
    /// Returns nil when `progress` asked to stop; the base's weights are then in place.
    public static func run(_ network: Network, split: DatasetSplit, options: TrainingOptions, epochs: Int,
                           progress: (TrainingEvent) -> TrainingControl) -> StartProbe? {
        let base = FloatBuffer(count: network.params.count)
        base.copy(from: network.params)
        var probeOptions = options
        probeOptions.epochs = epochs
        probeOptions.patience = epochs
        probeOptions.averageEpochs = nil
        var stopped = false
        func train(_ start: String) -> Double {
            _ = progress(.note("probe: \(epochs) epoch\(epochs == 1 ? "" : "s") from the \(start), everything trained"))
            let trainer = Trainer(network: network, split: split, options: probeOptions)
            trainer.run { event in
                let answer = progress(event)
                if answer == .stop { stopped = true }
                return answer
            }
            return trainer.bestValidation
        }
        let fromBase = train("base's weights")
        if stopped { network.params.copy(from: base); return nil }
        network.initialize(seed: options.seed)
        let fromFresh = train("fresh weights")
        let probe = StartProbe(baseValidation: fromBase, freshValidation: fromFresh, epochs: epochs)
        if stopped || probe.baseWins { network.params.copy(from: base) } else { network.initialize(seed: options.seed) }
        return stopped ? nil : probe
    }
}
