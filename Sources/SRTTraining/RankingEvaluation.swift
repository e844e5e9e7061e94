import Dispatch
import Foundation
import SRTData
@_exported import SRTEvaluation
import SRTModel
import SRTTensor

/// Anything that scores every catalog item for a batch of histories.
public protocol HistoryScorer {
    var itemCount: Int { get }
    var batchSize: Int { get }
    /// Writes scores [inputs.count, itemCount] for histories (oldest first).
    func score(_ inputs: [[Int32]], into scores: UnsafeMutablePointer<Float>)
}

/// A trained network: item vectors encoded once, user vectors by the transformer, scores by sgemm,
/// in batches of `RankingEvaluation.batchSize` whatever batch the network trains with.
public struct NetworkScorer: HistoryScorer {
    public let network: Network
    let users: FloatBuffer

    /// Scores the whole catalog, or only the items in `candidates` (a contiguous range: one catalog
    /// of a union), whose rows are then the range's items in order.
    public init(_ network: Network, among candidates: Range<Int>? = nil) {
        if let candidates { network.encodeItems(only: candidates.map { Int32($0) }) } else { network.encodeItems() }
        self.network = network.scoringReplica(maxBatch: RankingEvaluation.batchSize)
        users = FloatBuffer(count: RankingEvaluation.batchSize * network.shape.architecture.hidden)
    }

    public var itemCount: Int { network.items }
    public var batchSize: Int { RankingEvaluation.batchSize }

    public func score(_ inputs: [[Int32]], into scores: UnsafeMutablePointer<Float>) {
        Evaluator.userVectors(network, inputs: inputs, into: users)
        matmul(scores, users.pointer, network.itemVectors.pointer, m: inputs.count, n: network.items,
               k: network.shape.architecture.hidden, transB: true)
    }
}

/// Most popular first: every user gets the training popularity as scores.
public struct PopularityScorer: HistoryScorer {
    let popularity: [Float]
    public init(popularity: [Int]) { self.popularity = popularity.map(Float.init) }
    public var itemCount: Int { popularity.count }
    public var batchSize: Int { 256 }
    public func score(_ inputs: [[Int32]], into scores: UnsafeMutablePointer<Float>) {
        popularity.withUnsafeBufferPointer { p in
            for b in inputs.indices { (scores + b * popularity.count).update(from: p.baseAddress!, count: popularity.count) }
        }
    }
}

public enum RankingEvaluation {
    /// Histories per scoring batch. Fixed, because a user's scores depend (in the last float bits)
    /// on the batch they are computed in: the matrix products' kernels and the padded length change
    /// with it. With batches a fixed function of the cases, scores and ranks depend neither on the
    /// batch a network trains with nor on the thread count, and every command agrees to the bit.
    public static let batchSize = 128

    /// Metrics (`ndcg@K`, `hr@K`, `mrr@K`) for each mode, from one scoring pass over the cases.
    /// Sampled negatives are drawn per case from a seed and the case's position, so the result does
    /// not depend on batching; with replacement, never the target, and not from the history when masked.
    public static func evaluate(_ scorer: some HistoryScorer, cases: [EvaluationCase], modes: [EvaluationMode], ks: [Int],
                                popularity: [Int], seed: UInt64 = 0) throws -> [[String: Double]] {
        try ranks(scorer, cases: cases, modes: modes, ks: ks, popularity: popularity, seed: seed).map { metrics(of: $0, ks: ks) }
    }

    /// The metrics of 1-based ranks, one per case.
    public static func metrics(of ranks: [Int], ks: [Int]) -> [String: Double] {
        var metrics = MetricAccumulator(ks: ks)
        for r in ranks { metrics.add(rank: r) }
        return metrics.values
    }

    /// Each case's 1-based target rank per mode, [mode][case] (cases in the order given): what a
    /// paired comparison of two models over the same users needs.
    public static func ranks(_ scorer: some HistoryScorer, cases: [EvaluationCase], modes: [EvaluationMode], ks: [Int],
                             popularity: [Int], seed: UInt64 = 0) throws -> [[Int]] {
        let v = scorer.itemCount
        guard !cases.isEmpty else { throw TrainingError.badData("the test set is empty: no user has enough interactions to hold one out") }
        if let k = ks.first(where: { $0 > v }) { throw TrainingError.badOption("K = \(k) is larger than the catalog (\(v) items): pick K ≤ \(v)") }
        for mode in modes {
            if let n = mode.negatives, n >= v {
                throw TrainingError.badOption("\(n) negatives need a catalog of more than \(n) items; this one has \(v): use fewer negatives or full ranking")
            }
        }
        return unchecked(scorer, cases: cases, modes: modes, popularity: popularity, seed: seed)
    }

    /// `ranks` without its checks of the request (the trainer's validation asks only what is valid).
    static func unchecked(_ scorer: some HistoryScorer, cases: [EvaluationCase], modes: [EvaluationMode],
                          popularity: [Int], seed: UInt64 = 0) -> [[Int]] {
        let v = scorer.itemCount
        let sampler = NegativeSampler(popularity: popularity)
        let scores = FloatBuffer(count: scorer.batchSize * v)
        // ranks[mode][case]; each case's ranks are computed independently, two rows at a time.
        var ranks = [[Int]](repeating: [Int](repeating: 0, count: cases.count), count: modes.count)
        // Similar lengths per batch (a batch runs at its longest history), ties in case order.
        let order = cases.indices.sorted { (cases[$0].input.count, $0) < (cases[$1].input.count, $1) }
        var start = 0
        while start < order.count {
            let batch = Array(order[start..<min(start + scorer.batchSize, order.count)])
            scorer.score(batch.map { cases[$0].input }, into: scores.pointer)
            // Each iteration writes only its own slots.
            nonisolated(unsafe) let rows = UnsafeMutablePointer<Int>.allocate(capacity: batch.count * modes.count)
            defer { rows.deallocate() }
            DispatchQueue.concurrentPerform(iterations: batch.count) { b in
                let c = cases[batch[b]]
                let row = scores.pointer + b * v
                let history = Set(c.input)
                // Full ranking counts the catalog once for both maskings.
                var above: Int?
                for (m, mode) in modes.enumerated() {
                    if mode.negatives == nil {
                        let all = above ?? MetricAccumulator.atLeast(row[Int(c.target)], scores: row, count: v) - 1
                        above = all
                        let masked = mode.maskHistory ? MetricAccumulator.excludedAtLeast(Int(c.target), scores: row, excluded: history) : 0
                        rows[b * modes.count + m] = 1 + all - masked
                    } else {
                        rows[b * modes.count + m] = sampledRank(c, row: row, count: v, history: history, mode: mode,
                                                                sampler: sampler, seed: seed &+ UInt64(batch[b]))
                    }
                }
            }
            for b in batch.indices { for m in modes.indices { ranks[m][batch[b]] = rows[b * modes.count + m] } }
            start += batch.count
        }
        return ranks
    }

    /// The target's rank among `mode.negatives` sampled negatives (full ranking is counted in `evaluate`).
    static func sampledRank(_ c: EvaluationCase, row: UnsafePointer<Float>, count: Int, history: Set<Int32>, mode: EvaluationMode,
                            sampler: NegativeSampler, seed: UInt64) -> Int {
        let target = Int(c.target)
        let n = mode.negatives ?? 0
        var rng = RandomSource(seed: seed)
        let s = MetricAccumulator.comparable(row[target])
        // Masking needs at least one item outside the history to draw.
        let mask = mode.maskHistory && history.subtracting([c.target]).count < count - 1
        var above = 0
        for _ in 0..<n {
            var negative: Int32
            repeat { negative = sampler.draw(mode.sampling, count: count, &rng) }
            while Int(negative) == target || (mask && history.contains(negative))
            if MetricAccumulator.comparable(row[Int(negative)]) >= s { above += 1 }
        }
        return 1 + above
    }
}

/// Uniform or popularity-proportional (training count + 1, so every item can be drawn) item draws:
/// evaluation negatives, and the trainer's sampled-softmax negatives (whose logQ uses the same counts).
struct NegativeSampler: Sendable {
    let cumulative: [Double]

    init(popularity: [Int]) {
        let total = Double(popularity.reduce(0, +) + popularity.count)
        var running = 0.0
        cumulative = popularity.map { running += Double($0 + 1) / total; return running }
    }

    func draw(_ sampling: EvaluationMode.Sampling, count: Int, _ rng: inout RandomSource) -> Int32 {
        switch sampling {
        case .uniform: return Int32(rng.nextInt(count))
        case .popularity:
            let u = Double(rng.nextFloat())
            var low = 0, high = cumulative.count - 1
            while low < high {
                let mid = (low + high) / 2
                if cumulative[mid] < u { low = mid + 1 } else { high = mid }
            }
            return Int32(low)
        }
    }
}
