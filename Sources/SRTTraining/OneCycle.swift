import Foundation

/// The one-cycle learning-rate schedule (PyTorch's OneCycleLR with cosine annealing): from
/// max/25 up to max over the first `warmup` fraction of steps, then down to max/25/1e4.
public struct OneCycle: Sendable, Codable, Equatable {
    public var maxRate: Float
    public var totalSteps: Int
    /// The fraction of steps spent warming up unless told otherwise (PyTorch's pct_start).
    public static let defaultWarmup: Float = 0.3
    public var warmup: Float = defaultWarmup
    public var divFactor: Float = 25
    public var finalDivFactor: Float = 1e4

    public init(maxRate: Float, totalSteps: Int, warmup: Float = defaultWarmup) {
        self.maxRate = maxRate
        self.totalSteps = max(totalSteps, 1)
        self.warmup = warmup
    }

    /// The rate at 0-based `step`.
    public func rate(at step: Int) -> Float {
        let initial = maxRate / divFactor, final = initial / finalDivFactor
        let warmSteps = max(Float(totalSteps) * warmup - 1, 1)
        let s = Float(step)
        func cosine(_ from: Float, _ to: Float, _ t: Float) -> Float { to + (from - to) * (1 + cos(.pi * min(max(t, 0), 1))) / 2 }
        if s <= warmSteps { return cosine(initial, maxRate, s / warmSteps) }
        return cosine(maxRate, final, (s - warmSteps) / max(Float(totalSteps - 1) - warmSteps, 1))
    }
}
