import SRTModel

/// WiSE-FT's weight mix (Wortsman et al., CVPR 2022) for a finished fine-tune: every tensor but the
/// spared ones becomes (1 − α)·start + α·fine-tuned, for each candidate α, and the mix best on
/// validation is kept, the fine-tune itself (α = 1) included, so the choice never loses on validation.
/// The start is the base as fine-tuning began from it; the token table is spared because a fine-tune
/// on the target's own vocabulary has a different one (and the base's was rescaled).
public struct BaseMix: Codable, Sendable, Equatable {
    /// The candidates `finetune` tries by default: on office's validation (bench/posthoc_checks.py)
    /// 0.8 led and 0.65 already lost; on beauty's no mix led (bench/RESULTS.md).
    public static let defaultCandidates: [Float] = [0.9, 0.8, 0.7]

    public struct Trial: Codable, Sendable, Equatable {
        public var alpha: Float
        public var validationNDCG10: Double
        enum CodingKeys: String, CodingKey {
            case alpha
            case validationNDCG10 = "validation_ndcg@10"
        }
    }

    /// The α kept (1: the fine-tune as trained) and every mix tried, the fine-tune first.
    public var alpha: Float
    public var trials: [Trial]
    public var validation: Double { trials.first { $0.alpha == alpha }?.validationNDCG10 ?? trials[0].validationNDCG10 }

    /// Tries each of `candidates` on `network` (holding the fine-tuned weights, scored by `validate`
    /// as they are) against `start`, a copy of its parameters when fine-tuning began, and leaves the
    /// best mix in `network`. `candidates` must lie in [0, 1).
    public static func choose(network: Network, start: [Float], sparing: Set<String>, candidates: [Float],
                              validate: () -> Double) -> BaseMix {
        precondition(start.count == network.layout.count && candidates.allSatisfy { $0 >= 0 && $0 < 1 })
        let tuned = network.params.array
        func mix(_ alpha: Float) {
            network.params.pointer.update(from: tuned, count: tuned.count)
            network.blend(toward: start) { sparing.contains($0) ? 1 : alpha }
        }
        var trials = [Trial(alpha: 1, validationNDCG10: validate())]
        for alpha in candidates {
            mix(alpha)
            trials.append(Trial(alpha: alpha, validationNDCG10: validate()))
        }
        // Ties keep the larger α, the fine-tune itself first: a mix must earn its place.
        let best = trials.max { $0.validationNDCG10 < $1.validationNDCG10 || ($0.validationNDCG10 == $1.validationNDCG10 && $0.alpha < $1.alpha) }!
        mix(best.alpha)
        return BaseMix(alpha: best.alpha, trials: trials)
    }
}
