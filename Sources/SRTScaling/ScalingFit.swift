import Foundation

/// Both laws fitted over a set of runs, with what says how far to trust them: 95% intervals of
/// every coefficient by bootstrap over runs, R² of each fit, and a held-out check in which the
/// largest runs (by FLOPs) are left out, the rest fitted, and the left-out runs predicted.
/// A held-out run gets two intervals: the law's (where the law itself lies, bootstrap over runs)
/// and one for a single new run (the law's draws plus a run's scatter about it), which is what
/// predicting a run's metric needs; leave-one-out over the fitted runs says how often each kind
/// covers a run it did not see.
public struct ScalingFit: Codable, Sendable {
    public struct Interval: Codable, Sendable, Equatable {
        public var low: Double, high: Double
        public func contains(_ x: Double) -> Bool { x >= low && x <= high }
    }

    public struct Fitted<Law: Codable & Sendable>: Codable, Sendable {
        public var law: Law
        public var rSquared: Double
        /// Coefficient name → 95% bootstrap interval (absent where too few resamples could be fitted).
        public var intervals: [String: Interval]
        public var points: Int
    }

    public struct HeldOut: Codable, Sendable, Equatable {
        public var name: String
        public var actual: Double
        public var predicted: Double
        /// The law's 95% interval at this run; absent where too few bootstrap fits succeeded.
        public var interval: Interval?
        /// The 95% interval for one new run here: the law's and a run's scatter about it.
        public var predictionInterval: Interval?
        public var relativeError: Double { abs(predicted - actual) / abs(actual) }
    }

    public var runs: Int
    public var parameterData: Fitted<ParameterDataLaw>
    public var compute: Fitted<ComputeLaw>
    public var heldOut: [HeldOut]
    /// Leave-one-out over the runs the held-out check fits: how many each interval covers.
    public var leaveOneOut: Coverage?
    /// The smallest and largest FLOPs of the fitted runs: a prediction outside is an extrapolation.
    public var flopsRange: Interval
    public var bootstrapSamples: Int

    public struct Coverage: Codable, Sendable, Equatable {
        public var runs: Int
        public var coveredByLaw: Int
        public var coveredByPrediction: Int
    }

    public enum FitError: Error, CustomStringConvertible {
        case tooFewRuns(have: Int, need: Int)
        case tooFewEnvelopePoints(have: Int, need: Int)
        case noFit(String)
        public var description: String {
            switch self {
            case .tooFewRuns(let have, let need):
                "\(have) runs cannot fit NDCG(N, T) = E − A/N^α − B/T^β: it has 5 coefficients, so it needs at least \(need) runs (srthub scaling sweep adds them)"
            case .tooFewEnvelopePoints(let have, let need):
                "the runs' curves give \(have) envelope points; NDCG(FLOPs) has 4 coefficients and needs at least \(need): train more sizes or more epochs"
            case .noFit(let m): m
            }
        }
    }

    /// Runs needed: one more than the law with more coefficients has.
    public static let minimumRuns = ParameterDataLaw.coefficients + 1

    public static func fit(_ points: [ScalingPoint], bootstrap samples: Int = 300, heldOutFraction: Double = 0.25,
                           leaveOneOut checked: Bool = true, seed: UInt64 = 2020) throws(FitError) -> ScalingFit {
        guard points.count >= minimumRuns else { throw .tooFewRuns(have: points.count, need: minimumRuns) }
        let envelope = ComputeLaw.envelope(points)
        guard envelope.count >= ComputeLaw.coefficients + 1 else { throw .tooFewEnvelopePoints(have: envelope.count, need: ComputeLaw.coefficients + 1) }
        guard let pd = ParameterDataLaw.fit(points) else { throw .noFit("NDCG(N, T) could not be fitted to these runs") }
        guard let cl = ComputeLaw.fit(envelope) else { throw .noFit("NDCG(FLOPs) could not be fitted to these runs' envelope") }

        var random = SplitMix(seed: seed)
        let resamples = resampled(points, samples: samples, random: &random)
        let pdSamples = resamples.compactMap(fitParameterData)
        let clSamples = resamples.compactMap { r -> ComputeLaw? in
            let e = ComputeLaw.envelope(r)
            return e.count > ComputeLaw.coefficients ? ComputeLaw.fit(e)?.law : nil
        }
        let pdIntervals = ["E": interval(pdSamples.map(\.e)), "A": interval(pdSamples.map(\.a)), "alpha": interval(pdSamples.map(\.alpha)),
                           "B": interval(pdSamples.map(\.b)), "beta": interval(pdSamples.map(\.beta))].compactMapValues { $0 }
        let clIntervals = ["a": interval(clSamples.map(\.a)), "k": interval(clSamples.map(\.k)), "c": interval(clSamples.map(\.c)),
                           "d": interval(clSamples.map(\.d)), "asymptote": interval(clSamples.map(\.asymptote))].compactMapValues { $0 }

        // Held out: the largest runs by compute, predicted by a fit (and its bootstrap) of the rest.
        let byFlops = points.sorted { $0.flops < $1.flops }
        let leftOut = max(1, Int((Double(points.count) * heldOutFraction).rounded()))
        var heldOut: [HeldOut] = []
        let kept = Array(byFlops.dropLast(leftOut))
        var leaveOneOut: Coverage?
        if kept.count >= minimumRuns, let small = ParameterDataLaw.fit(kept) {
            let laws = resampled(kept, samples: samples, random: &random).compactMap(fitParameterData)
            heldOut = byFlops.suffix(leftOut).map { p in
                let draws = laws.map { $0.predict(parameters: p.parameters, interactions: p.interactions) }
                return HeldOut(name: p.name, actual: p.metric, predicted: small.law.predict(parameters: p.parameters, interactions: p.interactions),
                               interval: interval(draws), predictionInterval: predictionInterval(draws, fittedTo: kept, law: small.law))
            }
            if checked { leaveOneOut = coverage(leavingOneOutOf: kept, samples: samples, seed: seed &+ 1) }
        }
        return ScalingFit(
            runs: points.count,
            parameterData: .init(law: pd.law, rSquared: rSquared(sse: pd.sse, y: points.map(\.metric)), intervals: pdIntervals, points: points.count),
            compute: .init(law: cl.law, rSquared: rSquared(sse: cl.sse, y: envelope.map(\.metric)), intervals: clIntervals, points: envelope.count),
            heldOut: heldOut, leaveOneOut: leaveOneOut, flopsRange: Interval(low: byFlops.first!.flops, high: byFlops.last!.flops), bootstrapSamples: samples)
    }

    /// Each run's residual about `law` over the square root of its prediction, widened by
    /// √(n / (n − 5)) for the five coefficients fitted to the same runs (residuals of a fit
    /// understate new runs' scatter). The metric is a mean over validation cases, most of them 0,
    /// so its variance grows about in proportion to its value: the scatter scales with √metric,
    /// between a constant (too narrow for the held-out runs, the largest) and a proportion (which
    /// lets the smallest runs' scatter, large against their tiny metric, swamp the largest).
    static func scaledResiduals(_ points: [ScalingPoint], law: ParameterDataLaw) -> [Double] {
        let n = Double(points.count), widen = (n / max(n - Double(ParameterDataLaw.coefficients), 1)).squareRoot()
        // A run the law puts at or below zero has no scale in this model; it adds no residual.
        return points.compactMap { p in
            let predicted = law.predict(parameters: p.parameters, interactions: p.interactions)
            return predicted > 0 ? (p.metric - predicted) / predicted.squareRoot() * widen : nil
        }
    }

    /// One new run's 95% interval: each of the law's bootstrap draws at its (N, T) plus a residual of
    /// the runs the law was fitted to, picked at random and rescaled to the draw (a fixed seed, so
    /// it is the same every time).
    public static func predictionInterval(_ draws: [Double], fittedTo points: [ScalingPoint], law: ParameterDataLaw, seed: UInt64 = 2020) -> Interval? {
        let residuals = scaledResiduals(points, law: law)
        guard !residuals.isEmpty else { return interval(draws) }
        var random = SplitMix(seed: seed)
        return interval(draws.map { $0 + residuals[random.below(residuals.count)] * max($0, 0).squareRoot() })
    }

    /// Each run predicted by a fit (and bootstrap) of the others: how many the law's interval and
    /// the prediction interval cover. Nil where fewer than one more run than the law needs.
    static func coverage(leavingOneOutOf points: [ScalingPoint], samples: Int, seed: UInt64) -> Coverage? {
        guard points.count > minimumRuns else { return nil }
        var random = SplitMix(seed: seed)
        var (byLaw, byPrediction, counted) = (0, 0, 0)
        for (i, p) in points.enumerated() {
            var others = points
            others.remove(at: i)
            guard let law = ParameterDataLaw.fit(others)?.law else { continue }
            let draws = resampled(others, samples: samples, random: &random).compactMap(fitParameterData)
                .map { $0.predict(parameters: p.parameters, interactions: p.interactions) }
            guard let lawBand = interval(draws), let band = predictionInterval(draws, fittedTo: others, law: law, seed: seed &+ UInt64(i)) else { continue }
            counted += 1
            if lawBand.contains(p.metric) { byLaw += 1 }
            if band.contains(p.metric) { byPrediction += 1 }
        }
        return counted > 0 ? Coverage(runs: counted, coveredByLaw: byLaw, coveredByPrediction: byPrediction) : nil
    }

    /// The Eq. 4 laws of `samples` bootstrap resamples of the runs (predictions' intervals).
    public static func bootstrapLaws(_ points: [ScalingPoint], samples: Int, seed: UInt64 = 2020) throws(FitError) -> [ParameterDataLaw] {
        guard points.count >= minimumRuns else { throw .tooFewRuns(have: points.count, need: minimumRuns) }
        var random = SplitMix(seed: seed)
        return resampled(points, samples: samples, random: &random).compactMap(fitParameterData)
    }

    /// `samples` resamples of the runs with replacement (the bootstrap over runs).
    static func resampled(_ points: [ScalingPoint], samples: Int, random: inout SplitMix) -> [[ScalingPoint]] {
        (0..<samples).map { _ in (0..<points.count).map { _ in points[random.below(points.count)] } }
    }

    /// Eq. 4 on a resample, where it holds enough distinct runs to determine the law.
    static func fitParameterData(_ resample: [ScalingPoint]) -> ParameterDataLaw? {
        Set(resample.map(\.name)).count >= minimumRuns ? ParameterDataLaw.fit(resample)?.law : nil
    }

    static func rSquared(sse: Double, y: [Double]) -> Double {
        let mean = y.reduce(0, +) / Double(y.count)
        let sst = y.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return sst > 0 ? 1 - sse / sst : 0
    }

    /// Fewest bootstrap fits an interval is drawn from; with fewer (a handful of runs, whose
    /// resamples rarely hold enough distinct runs to fit) there is no interval.
    public static let minimumFits = 20

    /// The 2.5th and 97.5th percentiles; nil from fewer than `minimumFits` values.
    public static func interval(_ values: [Double]) -> Interval? {
        let v = values.filter(\.isFinite).sorted()
        guard v.count >= minimumFits else { return nil }
        func q(_ p: Double) -> Double { v[min(v.count - 1, max(0, Int((p * Double(v.count - 1)).rounded())))] }
        return Interval(low: q(0.025), high: q(0.975))
    }
}

/// SplitMix64: a small seeded generator, so a fit's intervals are the same every time.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
