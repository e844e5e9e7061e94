import Foundation
import Testing
import SRTTensor
@testable import SRTTraining

@Suite struct TrainingPiecesTests {
    @Test func weightAverageIsTheMeanThenAnExponentialAverage() {
        let params = FloatBuffer(count: 1)
        let average = WeightAverage(of: params, horizonSteps: 3)
        for value: Float in [1, 2, 3] { params[0] = value; average.update(from: params) }
        #expect(average.values[0] == 2)  // within the horizon: the mean of the updates
        params[0] = 8
        average.update(from: params)
        #expect(average.values[0] == 4)  // past it: weight 1/3 on the newest
        params[0] = -1
        let seen = average.withAverage(in: params) { params[0] }
        #expect(seen == 4 && params[0] == -1)  // swapped in, then the raw weights are back
    }

    @Test func disjointWindowsCoverEveryTargetOnce() {
        let sequence: [Int32] = Array(0..<12)
        let windows = TrainingWindows.make(sequences: [sequence, [5], [7, 8]], users: [0, 1, 2], maxLength: 4, stride: 4)
        // Windows of up to 5 items from the end, overlapping by one: [7...11], [3...7], [0...3]; plus [7, 8].
        #expect(windows.map { Array($0.items) } == [[7, 8, 9, 10, 11], [3, 4, 5, 6, 7], [0, 1, 2, 3], [7, 8]])
        #expect(windows.map(\.firstTarget) == [1, 1, 1, 1])
        #expect(scoredTargets(windows.filter { $0.user == 0 }) == Array(1..<12))
    }

    @Test func overlappingWindowsScoreEachTargetOnceWithLongContext() {
        let sequence: [Int32] = Array(0..<12)
        let windows = TrainingWindows.make(sequences: [sequence], users: [0], maxLength: 4, stride: 2)
        #expect(scoredTargets(windows) == Array(1..<12))
        // Every scored target but the first few has at least T − stride = 2 items of context.
        for w in windows { #expect(w.firstTarget >= min(2, w.items.startIndex == 0 ? 1 : 2)) }
        #expect(windows.map { Array($0.items) }.first == [7, 8, 9, 10, 11])
        #expect(windows.first?.firstTarget == 3)  // scores 10 and 11
    }

    func scoredTargets(_ windows: [TrainingWindow]) -> [Int32] {
        windows.flatMap { w in Array(w.items).enumerated().filter { $0.offset >= w.firstTarget }.map(\.element) }.sorted()
    }

    @Test func oneCycleRisesThenAnneals() {
        let s = OneCycle(maxRate: 1e-3, totalSteps: 101)
        #expect(abs(s.rate(at: 0) / (1e-3 / 25) - 1) < 1e-4)
        #expect(abs(s.rate(at: 29) / 1e-3 - 1) < 1e-3)  // the peak, at 30% of the steps
        #expect(s.rate(at: 15) > s.rate(at: 5) && s.rate(at: 60) < s.rate(at: 40))
        #expect(abs(s.rate(at: 100) / (1e-3 / 25 / 1e4) - 1) < 1e-3)
    }

    @Test func metricsOnHandWorkedCases() {
        var m = MetricAccumulator(ks: [1, 5, 10])
        for rank in [1, 3, 11] { m.add(rank: rank) }
        let v = m.values
        // NDCG@5 = (1/log2(2) + 1/log2(4) + 0) / 3 = (1 + 0.5) / 3
        #expect(abs(v["ndcg@5"]! - 0.5) < 1e-12)
        #expect(abs(v["ndcg@1"]! - 1.0 / 3) < 1e-12)
        #expect(abs(v["hr@10"]! - 2.0 / 3) < 1e-12)
        #expect(abs(v["mrr@5"]! - (1 + 1.0 / 3) / 3) < 1e-12)
    }

    @Test func tiesArePessimisticAndExclusionsSkipped() {
        let scores: [Float] = [0.5, 0.9, 0.5, 0.5, 0.1]
        #expect(MetricAccumulator.rank(of: 0, scores: scores, count: 5) == 4)  // below 0.9 and both other 0.5s
        #expect(MetricAccumulator.rank(of: 0, scores: scores, count: 5, excluded: [1, 2]) == 2)
        #expect(MetricAccumulator.rank(of: 4, scores: scores, count: 5, excluded: [4]) == 5)  // the target is never excluded
        let constant = [Float](repeating: 1, count: 10)
        #expect(MetricAccumulator.rank(of: 3, scores: constant, count: 10) == 10)
    }
}
