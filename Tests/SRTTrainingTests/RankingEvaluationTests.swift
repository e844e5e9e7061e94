import Foundation
import Testing
import SRTData
import SRTModel
import SRTTensor
@testable import SRTTraining

/// A scorer with fixed scores for every history: item i scores `scores[i]`.
struct FixedScorer: HistoryScorer {
    let scores: [Float]
    var itemCount: Int { scores.count }
    var batchSize: Int { 3 }
    func score(_ inputs: [[Int32]], into out: UnsafeMutablePointer<Float>) {
        for b in inputs.indices { for (i, s) in scores.enumerated() { out[b * scores.count + i] = s } }
    }
}

@Suite struct RankingEvaluationTests {
    // Scores: item 0 best … item 5 worst, item 4 ties item 3.
    let scorer = FixedScorer(scores: [6, 5, 4, 3, 3, 1])
    let popularity = [0, 0, 0, 0, 0, 0]

    func metrics(_ cases: [EvaluationCase], _ mode: EvaluationMode, ks: [Int] = [1, 3, 5]) throws -> [String: Double] {
        try RankingEvaluation.evaluate(scorer, cases: cases, modes: [mode], ks: ks, popularity: popularity)[0]
    }

    @Test func fullRankingByHand() throws {
        // Target 2 (rank 3 unmasked); history [0] masked lifts it to rank 2.
        let c = EvaluationCase(user: 0, input: [0], target: 2)
        let unmasked = try metrics([c], EvaluationMode(maskHistory: false))
        #expect(unmasked["hr@1"] == 0 && unmasked["hr@3"] == 1)
        #expect(abs(unmasked["ndcg@3"]! - 1 / log2(4.0)) < 1e-12)
        #expect(abs(unmasked["mrr@5"]! - 1 / 3.0) < 1e-12)
        let masked = try metrics([c], EvaluationMode(maskHistory: true))
        #expect(abs(masked["ndcg@3"]! - 1 / log2(3.0)) < 1e-12)
        #expect(abs(masked["mrr@3"]! - 0.5) < 1e-12)
    }

    @Test func tiesRankTheTargetLast() throws {
        // Target 3 ties item 4: pessimistic rank 5, so HR@4 misses and HR@5 hits.
        let c = EvaluationCase(user: 0, input: [5], target: 3)
        let m = try metrics([c], EvaluationMode(maskHistory: false), ks: [4, 5])
        #expect(m["hr@4"] == 0 && m["hr@5"] == 1)
    }

    /// A diverged model's NaN or infinite score ranks last, never first: rank 0 once added +inf to
    /// NDCG and MRR and counted a hit at every K.
    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteScoresRankLast(_ bad: Float) throws {
        var scores: [Float] = [6, 5, 4, 3, 2, 1]
        scores[2] = bad
        let diverged = FixedScorer(scores: scores)
        let target = EvaluationCase(user: 0, input: [0], target: 2)
        let full = try RankingEvaluation.ranks(diverged, cases: [target], modes: [EvaluationMode(maskHistory: false), EvaluationMode(maskHistory: true)],
                                               ks: [1, 5], popularity: popularity)
        #expect(full[0] == [6] && full[1] == [5], "last of 6 items; of 5 with the history item masked")
        let sampled = try RankingEvaluation.ranks(diverged, cases: [target], modes: [EvaluationMode(negatives: 3, maskHistory: false)],
                                                  ks: [1], popularity: popularity)
        #expect(sampled[0] == [4], "last of the target and 3 negatives")
        let metrics = RankingEvaluation.metrics(of: full[0], ks: [1, 5])
        #expect(metrics.values.allSatisfy { $0.isFinite && $0 == 0 }, "\(metrics)")
        // A non-finite score elsewhere never outranks a finite target.
        let other = EvaluationCase(user: 0, input: [0], target: 3)
        #expect(try RankingEvaluation.ranks(diverged, cases: [other], modes: [EvaluationMode(maskHistory: false)], ks: [1], popularity: popularity)[0] == [3])
        // The trainer's own validation ranks the same way.
        #expect(MetricAccumulator.rank(of: 2, scores: scores, count: 6) == 6)
    }

    /// A case's scores do not depend on the batch size the network was built for (training's, which
    /// follows --batch and --threads, or eval's), so the trainer's figures and `srthub eval`'s agree
    /// to the bit: a user's vector changes in its last bits with its batch-mates.
    @Test func scoresDoNotDependOnTheNetworksBatch() {
        let architecture = Architecture(name: "t", layers: 2, heads: 2, hidden: 16, inner: 32, maxLength: 20, hiddenDropout: 0, attentionDropout: 0)
        let shape = ModelShape(architecture: architecture, itemEncoder: ItemEncoderConfig(kind: .id), items: 300)
        var rng = RandomSource(seed: 4)
        let cases = (0..<120).map { u in
            EvaluationCase(user: Int32(u), input: (0...(u % 23)).map { _ in Int32(rng.nextInt(300)) }, target: Int32(rng.nextInt(300)))
        }
        func scores(maxBatch: Int) -> [[Int32]: [Float]] {
            let recorder = RecordingScorer(NetworkScorer(Network(shape: shape, maxBatch: maxBatch, seed: 3)))
            _ = RankingEvaluation.unchecked(recorder, cases: cases, modes: [EvaluationMode()], popularity: [])
            return recorder.rows.scores
        }
        let reference = scores(maxBatch: 256)
        #expect(reference.count > 100)
        for maxBatch in [1, 7, 64] {
            let other = scores(maxBatch: maxBatch)
            let differing = reference.filter { other[$0.key] != $0.value }.map(\.key.count).sorted()
            #expect(other.count == reference.count && differing.isEmpty, "batches of \(maxBatch): histories of lengths \(differing) score differently")
        }
    }

    /// The paired bootstrap: no difference gives a zero interval; a model better on some users and
    /// never worse gives an interval above zero; per-user values average to the reported metrics.
    @Test func pairedDifferenceOverUsers() {
        let other = (0..<200).map { 3 + $0 % 17 }
        let same = PairedDifference(metric: "ndcg@10", model: other, other: other)
        #expect(same.difference == 0 && same.low == 0 && same.high == 0 && !same.isClear)
        let better = other.enumerated().map { $0.offset % 4 == 0 ? 1 : $0.element }  // rank 1 for every 4th user
        let d = PairedDifference(metric: "ndcg@10", model: better, other: other)
        let expected = RankingEvaluation.metrics(of: better, ks: [10])["ndcg@10"]! - RankingEvaluation.metrics(of: other, ks: [10])["ndcg@10"]!
        #expect(abs(d.difference - expected) < 1e-12)
        #expect(abs(d.other - RankingEvaluation.metrics(of: other, ks: [10])["ndcg@10"]!) < 1e-12)
        #expect(d.low > 0 && d.low < d.difference && d.difference < d.high && d.isClear, "\(d)")
        // Swapping the sides mirrors the interval.
        let swapped = PairedDifference(metric: "ndcg@10", model: other, other: better)
        #expect(abs(swapped.difference + d.difference) < 1e-12 && swapped.high < 0)
        for metric in ["hr@5", "mrr@10"] {
            let m = PairedDifference(metric: metric, model: better, other: other)
            let k = Int(metric.split(separator: "@")[1])!
            let direct = RankingEvaluation.metrics(of: better, ks: [k])[metric]! - RankingEvaluation.metrics(of: other, ks: [k])[metric]!
            #expect(abs(m.difference - direct) < 1e-12, "\(metric)")
        }
    }

    @Test func averagesOverCases() throws {
        let best = EvaluationCase(user: 0, input: [5], target: 0)   // rank 1
        let worst = EvaluationCase(user: 1, input: [2], target: 5)  // rank 6
        let m = try metrics([best, worst], EvaluationMode(maskHistory: false), ks: [1, 5])
        #expect(m["hr@1"] == 0.5 && m["hr@5"] == 0.5 && m["ndcg@1"] == 0.5)
    }

    @Test func sampledNegativesNeverIncludeTheTargetOrMaskedHistory() throws {
        // The target is the worst item; every negative outranks it unless it is the target itself
        // (rank would stay 1 + N exactly) or a masked history item (0 scores best and is in the history).
        let c = EvaluationCase(user: 0, input: [0, 1, 2, 3, 4], target: 5)
        let n = 5
        var mode = EvaluationMode(negatives: n, sampling: .uniform, maskHistory: false)
        #expect(try metrics([c], mode, ks: [5])["mrr@5"] == 0)
        let ranks = [true, false].map { (mask: Bool) -> Int in
            mode.maskHistory = mask
            return RankingEvaluation.sampledRank(c, row: scorer.scores, count: 6, history: Set(c.input), mode: mode,
                                          sampler: NegativeSampler(popularity: popularity), seed: 3)
        }
        #expect(ranks[1] == n + 1)  // unmasked: 5 negatives, all from items 0–4, all above the target
        #expect(ranks[0] == n + 1)  // masked, but only the target lies outside the history: masking is dropped
        // A best-scoring target ranks first among any negatives.
        let top = EvaluationCase(user: 0, input: [5], target: 0)
        #expect(try metrics([top], EvaluationMode(negatives: 3, sampling: .popularity, maskHistory: true), ks: [1])["hr@1"] == 1)
    }

    @Test func sampledRankingSkipsHistoryWhenMasked() throws {
        // History items 0 and 1 score highest; everything else scores below the target (4).
        let row: [Float] = [9, 9, 0, 0, 5, 0]
        let c = EvaluationCase(user: 0, input: [0, 1], target: 4)
        func rank(mask: Bool, seed: UInt64) -> Int {
            RankingEvaluation.sampledRank(c, row: row, count: 6, history: [0, 1], mode: EvaluationMode(negatives: 10, maskHistory: mask),
                                   sampler: NegativeSampler(popularity: popularity), seed: seed)
        }
        for seed in 0..<20 as Range<UInt64> { #expect(rank(mask: true, seed: seed) == 1) }  // no history item drawn
        #expect((0..<20 as Range<UInt64>).map { rank(mask: false, seed: $0) }.max()! > 1)  // unmasked: some are
        let popular = NegativeSampler(popularity: [1000, 0, 0, 0, 0, 0])
        var rng = SRTTensor.RandomSource(seed: 1)
        let draws = (0..<1000).map { _ in popular.draw(.popularity, count: 6, &rng) }
        #expect(draws.filter { $0 == 0 }.count > 950)  // (1000+1)/1006 of the mass
    }

    @Test func badRequestsAreClearErrors() throws {
        let c = EvaluationCase(user: 0, input: [0], target: 1)
        #expect(throws: TrainingError.self) { try metrics([], EvaluationMode()) }
        do { _ = try metrics([c], EvaluationMode(), ks: [10]); Issue.record("K > catalog accepted") } catch {
            #expect("\(error)".contains("larger than the catalog (6 items)"))
        }
        do { _ = try metrics([c], EvaluationMode(negatives: 10)); Issue.record("too many negatives accepted") } catch {
            #expect("\(error)".contains("negatives"))
        }
    }
}

/// Passes scores through and keeps each history's row.
struct RecordingScorer<Inner: HistoryScorer>: HistoryScorer {
    final class Rows: @unchecked Sendable { var scores: [[Int32]: [Float]] = [:] }
    let inner: Inner
    let rows = Rows()
    init(_ inner: Inner) { self.inner = inner }
    var itemCount: Int { inner.itemCount }
    var batchSize: Int { inner.batchSize }
    func score(_ inputs: [[Int32]], into scores: UnsafeMutablePointer<Float>) {
        inner.score(inputs, into: scores)
        for (b, input) in inputs.enumerated() { rows.scores[input] = Array(UnsafeBufferPointer(start: scores + b * itemCount, count: itemCount)) }
    }
}
