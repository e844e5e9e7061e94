import SRTData
import SRTModel
import SRTTensor

/// Full-catalog ranking of evaluation cases: one user vector per case (the transformer's output at
/// the last input position), scored against every item vector by sgemm in blocks.
public enum Evaluator {
    public struct Result: Codable, Sendable, Equatable {
        public let cases: Int
        /// History items (other than the target) excluded from the ranking.
        public let masked: [String: Double]
        /// Every item ranked, history included.
        public let unmasked: [String: Double]

        /// No evaluation (a run stopped before its end).
        public static let empty = Result(cases: 0, masked: [:], unmasked: [:])

        /// The test figures as the evaluations a checkpoint records (eval.json), in the protocol
        /// `srthub eval` writes, so that its later results replace these rather than sit beside them.
        public func evaluations(dataset: String, fingerprint: String, split: SplitProtocol) -> [Evaluation] {
            [(true, masked), (false, unmasked)].map { mask, metrics in
                Evaluation(dataset: dataset, datasetFingerprint: fingerprint, protocol: "\(split)", mode: EvaluationMode(maskHistory: mask), metrics: metrics)
            }
        }
    }

    /// Ranks each case's target among the whole catalog, or among the items in `candidates` only
    /// (a contiguous range holding every case's history and target: one catalog of a union). The
    /// ranks, and so the metrics, are those `srthub eval` computes (`RankingEvaluation`).
    public static func evaluate(_ network: Network, cases: [EvaluationCase], ks: [Int] = [1, 5, 10], among candidates: Range<Int>? = nil) -> Result {
        var cases = cases
        if let candidates {
            // Rows of the encoded subset are the range's items in order: shift every index by its start.
            let first = Int32(candidates.lowerBound)
            cases = cases.map { EvaluationCase(user: $0.user, input: $0.input.map { $0 - first }, target: $0.target - first) }
        }
        let ranks = RankingEvaluation.unchecked(NetworkScorer(network, among: candidates), cases: cases,
                                                modes: [EvaluationMode(maskHistory: true), EvaluationMode(maskHistory: false)], popularity: [])
        return Result(cases: cases.count, masked: RankingEvaluation.metrics(of: ranks[0], ks: ks),
                      unmasked: RankingEvaluation.metrics(of: ranks[1], ks: ks))
    }

    /// Writes one user vector per input history (its last T items) into `out` [inputs, C].
    public static func userVectors(_ network: Network, inputs: [[Int32]], into out: FloatBuffer) {
        let c = network.shape.architecture.hidden
        let T = min(network.shape.architecture.maxLength, inputs.map(\.count).max() ?? 1)  // only the positions in use
        var sequences = [Int32](repeating: -1, count: inputs.count * T)
        var lengths: [Int] = []
        for (b, input) in inputs.enumerated() {
            let recent = input.suffix(T)
            for (t, item) in recent.enumerated() { sequences[b * T + t] = item }
            lengths.append(recent.count)
        }
        var rng = RandomSource(seed: 0)
        network.forward(sequences, batch: inputs.count, length: T, training: false, rng: &rng)
        for (b, length) in lengths.enumerated() {
            let row = b * T + max(length - 1, 0)
            (out.pointer + b * c).update(from: network.hidden.pointer + row * c, count: c)
        }
    }
}
