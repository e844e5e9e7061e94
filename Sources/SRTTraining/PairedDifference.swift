import Foundation
import SRTTensor

/// How a model compares with another on the same users: the mean per-user difference of one metric
/// (model − other) and its 95% interval from a paired bootstrap over users (users drawn with
/// replacement, each keeping both models' values), so a 0.1278 against 0.1251 on 930 users says
/// whether it means anything.
public struct PairedDifference: Codable, Sendable, Equatable {
    /// `ndcg@K`, `hr@K` or `mrr@K`.
    public let metric: String
    /// The other model's value of the metric.
    public let other: Double
    /// mean(model) − mean(other).
    public let difference: Double
    public let low: Double
    public let high: Double
    public let resamples: Int

    /// The comparison of two models' 1-based ranks of the same users' targets, case by case.
    public init(metric: String, model: [Int], other: [Int], resamples: Int = 2000, seed: UInt64 = 0) {
        precondition(model.count == other.count && !model.isEmpty, "a paired comparison needs the same users on both sides")
        let value = MetricAccumulator.value(of: metric)
        let d = zip(model, other).map { value($0) - value($1) }
        var rng = RandomSource(seed: seed)
        let n = d.count
        let means = (0..<resamples).map { _ in
            var sum = 0.0
            for _ in 0..<n { sum += d[rng.nextInt(n)] }
            return sum / Double(n)
        }.sorted()
        self.metric = metric
        self.other = other.reduce(0) { $0 + value($1) } / Double(n)
        difference = d.reduce(0, +) / Double(n)
        low = means[Int(0.025 * Double(resamples))]
        high = means[max(Int(0.975 * Double(resamples)) - 1, 0)]
        self.resamples = resamples
    }

    /// Whether the interval leaves out zero.
    public var isClear: Bool { low > 0 || high < 0 }

    /// "+0.0027 [+0.0011, +0.0043]".
    public var summary: String {
        func signed(_ x: Double) -> String { (x >= 0 ? "+" : "−") + String(format: "%.4f", abs(x)) }
        return "\(signed(difference)) [\(signed(low)), \(signed(high))]"
    }
}
